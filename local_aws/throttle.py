"""EC2's request throttling, simulated in front of a client: a token bucket that answers a
mutating call with RequestLimitExceeded (HTTP 503, as EC2 does) once it is empty.

The sizes are EC2's documented ones for mutating actions ("Request throttling for the Amazon
EC2 API", EC2 developer guide): a bucket of 200 tokens refilled at 5 tokens a second. EC2 keeps
a bucket per API for most actions; one bucket shared by every mutating call, as here, is the
stricter model. Used by `make bench` (real time) and by the tests (a virtual clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

MUTATING_BUCKET_SIZE = 200
MUTATING_REFILL_PER_SECOND = 5.0
READ_PREFIXES = ("Describe", "Get", "List")

EC2_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
    "<Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"
)
QUERY_ERROR = (
    "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
    "</Error><RequestId>fault</RequestId></ErrorResponse>"
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def error_response(url: str, service: str, status: int, code: str, message: str) -> AWSResponse:
    """What a service answers with an error, for a `before-send` hook to return (against a
    moto server the request is then never sent)."""
    template = EC2_ERROR if service == "ec2" else QUERY_ERROR
    body = template.format(code=code, message=message).encode() if code else b""
    headers = HTTPHeaders()
    headers["Content-Type"] = "text/xml"
    return AWSResponse(url, status, headers, _Raw(body))


@dataclass
class TokenBucket:
    clock: Callable[[], float] = time.monotonic
    capacity: float = MUTATING_BUCKET_SIZE
    refill_per_second: float = MUTATING_REFILL_PER_SECOND
    tokens: float = 0.0  # drained: the account's other automation spent it
    updated: float | None = None
    granted: int = 0
    refused: int = 0

    def take(self) -> bool:
        now = self.clock()
        if self.updated is not None:
            refill = (now - self.updated) * self.refill_per_second
            self.tokens = min(self.capacity, self.tokens + refill)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.granted += 1
            return True
        self.refused += 1
        return False

    def refuses(self, service: str, operation: str) -> bool:
        """Whether EC2 would throttle this call now (reads have buckets of their own)."""
        if service != "ec2" or operation.startswith(READ_PREFIXES):
            return False
        return not self.take()


def throttle(client: Any, bucket: TokenBucket) -> None:
    """Put the bucket in front of a client (register it before the client is used)."""

    def before_send(request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        service, operation = event_name.split(".")[1:3]
        if bucket.refuses(service, operation):
            return error_response(request.url, service, 503, "RequestLimitExceeded", "throttled")
        return None

    client.meta.events.register_first("before-send", before_send)
