"""Faults injected between a boto3 client and the moto server, with botocore event hooks.

`before-send` answers a request with an error response instead of sending it (the server never
sees it); `after-call` edits what a call returned (a Describe that does not list a resource
yet). Every injection is counted, so a test can say how many faults it survived.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from local_aws.throttle import TokenBucket, error_response

# (service, operation, request number for that operation) -> error to answer, or None
Rule = Callable[[str, str, int], tuple[int, str] | None]


@dataclass
class FaultInjector:
    rules: list[Rule] = field(default_factory=list)
    seen: Counter[tuple[str, str]] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    hidden: dict[str, int] = field(default_factory=dict)  # resource id -> listings left to hide

    def attach(self, client: Any) -> None:
        client.meta.events.register_first("before-send", self._before_send)
        client.meta.events.register_first("after-call", self._after_call)

    def fail(self, rule: Rule) -> None:
        self.rules.append(rule)

    def hide(self, resource_id: str, times: int) -> None:
        """The next `times` Describe calls that would list the resource leave it out (or, when
        asked for it by id, answer NotFound), as EC2 does right after a create."""
        self.hidden[resource_id] = times

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        service, operation = event_name.split(".")[1:3]
        self.seen[(service, operation)] += 1
        number = self.seen[(service, operation)]
        for rule in self.rules:
            fault = rule(service, operation, number)
            if fault is not None:
                status, code = fault
                self.injected[code or str(status)] += 1
                return error_response(request.url, service, status, code, "injected fault")
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        for resource_id, left in self.hidden.items():
            asked_by_id = operation.startswith("Describe") and f"Id.1={resource_id}" in body
            if left > 0 and asked_by_id:
                self.hidden[resource_id] = left - 1
                kind = {"subnet": "Subnet", "vpc": "Vpc", "rtb": "RouteTable"}[
                    resource_id.split("-")[0]
                ]
                code = f"Invalid{kind}ID.NotFound"
                self.injected[code] += 1
                return error_response(request.url, service, 400, code, f"{resource_id} not found")
        return None

    def _after_call(self, parsed: dict[str, Any], event_name: str, **_: Any) -> None:
        if not event_name.split(".")[2].startswith("Describe"):
            return
        for resource_id, left in list(self.hidden.items()):
            if left <= 0:
                continue
            for key in ("Vpcs", "Subnets", "RouteTables"):
                items = parsed.get(key)
                if not items:
                    continue
                id_key = {"Vpcs": "VpcId", "Subnets": "SubnetId", "RouteTables": "RouteTableId"}[
                    key
                ]
                kept = [i for i in items if i.get(id_key) != resource_id]
                if len(kept) < len(items):
                    parsed[key] = kept
                    self.hidden[resource_id] = left - 1
                    self.injected["hidden from a listing"] += 1


def every(
    n: int, status: int, code: str, *, service: str | None = None, operation: str | None = None
) -> Rule:
    """Fail every n-th request (of each operation) that matches."""

    def rule(svc: str, op: str, number: int) -> tuple[int, str] | None:
        if (service and svc != service) or (operation and op != operation):
            return None
        return (status, code) if number % n == 0 else None

    return rule


def always(status: int, code: str, *, service: str, operation: str) -> Rule:
    def rule(svc: str, op: str, _: int) -> tuple[int, str] | None:
        return (status, code) if (svc, op) == (service, operation) else None

    return rule


def first(times: int, status: int, code: str, *, service: str, operation: str) -> Rule:
    def rule(svc: str, op: str, number: int) -> tuple[int, str] | None:
        return (status, code) if (svc, op) == (service, operation) and number <= times else None

    return rule


@dataclass
class VirtualClock:
    """Time that passes only when told: a request's round trip, botocore's backoff sleeps,
    Lambda's delay before a retry. Deterministic, and minutes of it take milliseconds."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += max(0.0, seconds)
        return seconds

    # The `time` module's face, for a module whose `time` a test replaces with this clock.
    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def millis(self) -> float:
        return self.now * 1000


def mutating_rate_limit(bucket: TokenBucket) -> Rule:
    """EC2 answers a mutating call with RequestLimitExceeded (HTTP 503) once the bucket is empty."""

    def rule(service: str, operation: str, _: int) -> tuple[int, str] | None:
        return (503, "RequestLimitExceeded") if bucket.refuses(service, operation) else None

    return rule


def round_trips(clock: VirtualClock, seconds: float) -> Rule:
    """Every request costs a round trip of virtual time (and never fails)."""

    def rule(_service: str, _operation: str, _number: int) -> None:
        clock.advance(seconds)

    return rule
