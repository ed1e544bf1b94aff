"""A stand-in for the Lambda context object. Light on purpose: the benchmark's memory worker
imports it, and must not pay for the emulator's modules."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FakeContext:
    """The parts of a Lambda context the handlers and Powertools read.

    Its time runs on `clock` from when it is made (an invocation's start) for `timeout` seconds,
    as Lambda's does; a test can hand it a clock of its own.
    """

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    timeout: float = 180.0
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout - self.clock()) * 1000))

    @classmethod
    def of(cls, function_name: str, region: str, account: str, **kwargs: object) -> FakeContext:
        arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
        return cls(function_name, arn, **kwargs)  # type: ignore[arg-type]
