"""The service's ports: what it needs of the world, not how (service/wiring.py gives it the AWS
adapters; tests/ports.py gives it fakes). The memory is the domain's `Memory`
(domain/memory.py), and the clock the service's own."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol

from ..domain.actions import Action
from ..domain.model import RegionSnapshot
from ..domain.notice import Notice
from ..domain.outcomes import ActionOutcome, Report
from ..domain.plan import Plan
from ..domain.triggers import Target

# Asked before anything is applied, with the plans: the scopes (VPC ids, or the region, for
# its default VPC) a person approved. What is not approved is reported as not applied.
Approval = Callable[[list[Plan]], Collection[str]]


class Outlet(Protocol):
    """Somewhere changes and findings go besides the notice (an EventBridge bus, Security
    Hub). `name` names its failure metric (`<name>Failed`)."""

    name: str

    def send(
        self,
        changes: Sequence[Mapping[str, Any]],
        news: Sequence[Report],
        reports: Sequence[Report],
        *,
        listed: frozenset[str] | None = None,
    ) -> int:
        """`news`: the reports whose notice is news; `reports`: all of this reconcile's;
        `listed`: the region's VPCs, where every one was read (None: not)."""
        ...


class Reader(Protocol):
    region: str
    account: str  # the account it reads ("" where not known)

    def read(self, vpc_ids: Iterable[str] | None = None) -> RegionSnapshot: ...

    def vpc_ids_for(self, target: Target) -> frozenset[str] | None: ...

    def wait_visible(self, resource_ids: Iterable[str]) -> frozenset[str]: ...


class Writer(Protocol):
    def apply(
        self, actions: Iterable[Action], *, stop: Callable[[], bool] | None = None
    ) -> tuple[ActionOutcome, ...]: ...


class Notifier(Protocol):
    def publish(self, notice: Notice) -> str: ...
