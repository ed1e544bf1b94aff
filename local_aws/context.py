"""A stand-in for the Lambda context object. Light on purpose: the benchmark's memory worker
imports it, and must not pay for the emulator's modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FakeContext:
    """The parts of a Lambda context the handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    @classmethod
    def of(cls, function_name: str, region: str, account: str) -> FakeContext:
        arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
        return cls(function_name, arn)
