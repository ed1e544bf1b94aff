"""Fakes of the service's ports (service/ports.py): a reader and a writer over an
in-memory EC2 (tests/fakes.py), a notifier that keeps what it was given, and a clock. With
tests/fakes.py's FakeMemory, the service runs in milliseconds without moto."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from tests.fakes import FakeEc2Error, apply_to_ec2
from vpc_remediator.domain.actions import Action, CreateDefaultVpc, Pending
from vpc_remediator.domain.model import Ownership, RegionSnapshot, Vpc, VpcSnapshot
from vpc_remediator.domain.notice import Notice
from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus
from vpc_remediator.domain.triggers import RegionTarget, SubnetTarget, Target, VpcTarget


@dataclass
class World:
    """The EC2 of one account and region: each VPC's resources, and the calls made."""

    region: str = "eu-south-1"
    account: str = "123456789012"
    vpcs: dict[str, VpcSnapshot] = field(default_factory=dict)
    default_vpc: Vpc | None = None
    reads: int = 0

    def add(self, *snapshots: VpcSnapshot) -> World:
        for snap in snapshots:
            # EC2 knows nothing of the remediator's record: the service's RecordBook says it.
            self.vpcs[snap.vpc.id] = replace(snap, ownership=Ownership())
        return self

    def change(self, vpc_id: str, change: Callable[[VpcSnapshot], VpcSnapshot]) -> None:
        """Someone else changes a VPC (a person, another tool)."""
        self.vpcs[vpc_id] = change(self.vpcs[vpc_id])


class FakeReader:
    def __init__(self, world: World) -> None:
        self.world = world
        self.region = world.region
        self.account = world.account

    def read(self, vpc_ids: Iterable[str] | None = None) -> RegionSnapshot:
        self.world.reads += 1
        wanted = set(self.world.vpcs) if vpc_ids is None else set(vpc_ids)
        vpcs = tuple(s.vpc for s in self.world.vpcs.values())
        if self.world.default_vpc is not None:
            vpcs = (self.world.default_vpc, *vpcs)
        return RegionSnapshot(
            self.region,
            vpcs,
            MappingProxyType({v: s for v, s in self.world.vpcs.items() if v in wanted}),
        )

    def vpc_ids_for(self, target: Target) -> frozenset[str] | None:
        if isinstance(target, VpcTarget):
            return frozenset({target.vpc_id} & set(self.world.vpcs))
        if isinstance(target, SubnetTarget):
            return frozenset(
                v
                for v, s in self.world.vpcs.items()
                if any(n.id == target.subnet_id for n in s.subnets)
            )
        if isinstance(target, RegionTarget):
            return None
        return frozenset(self.world.vpcs)

    def wait_visible(self, resource_ids: Iterable[str]) -> frozenset[str]:
        return frozenset()


class FakeWriter:
    """Applies actions to the world as EC2 would; `fail` names action types that fail, and
    `undo` is run after each apply (someone else at work)."""

    def __init__(self, world: World, *, fail: Iterable[str] = ()) -> None:
        self.world = world
        self.fail = set(fail)
        self.applied: list[Action] = []

    def apply(
        self, actions: Iterable[Action], *, stop: Callable[[], bool] | None = None
    ) -> tuple[ActionOutcome, ...]:
        created: dict[Pending, str] = {}
        outcomes = []
        stopped = False
        for action in actions:
            stopped = stopped or bool(stop and stop())
            if stopped:
                outcomes.append(ActionOutcome(action, ActionStatus.DEFERRED, "time is up"))
                continue
            if type(action).__name__ in self.fail:
                outcomes.append(ActionOutcome(action, ActionStatus.FAILED, "refused"))
                continue
            if isinstance(action, CreateDefaultVpc):
                outcomes.append(ActionOutcome(action, ActionStatus.FAILED, "not in this fake"))
                continue
            vpc_id = self._vpc_of(action, created)
            before = set(created.values())
            try:
                self.world.vpcs[vpc_id] = apply_to_ec2(self.world.vpcs[vpc_id], (action,), created)
            except FakeEc2Error as exc:
                outcomes.append(ActionOutcome(action, ActionStatus.FAILED, str(exc)))
                continue
            made = next(iter(set(created.values()) - before), "")
            self.applied.append(action)
            outcomes.append(ActionOutcome(action, ActionStatus.APPLIED, resource_id=made))
        return tuple(outcomes)

    def _vpc_of(self, action: Action, created: dict[Pending, str]) -> str:
        known = set(action.written) | {created.get(p, "") for p in action.pending}
        for vpc_id, snap in self.world.vpcs.items():
            ids = {vpc_id} | {s.id for s in snap.subnets} | {t.id for t in snap.route_tables}
            ids |= {g.id for g in snap.internet_gateways}
            if known & ids:
                return vpc_id
        return next(iter(self.world.vpcs))


class FakeNotifier:
    def __init__(self, *, refuse: bool = False) -> None:
        self.notices: list[Notice] = []
        self.refuse = refuse

    def publish(self, notice: Notice) -> str:
        if self.refuse:
            raise RuntimeError("the topic refused it")
        self.notices.append(notice)
        return f"message-{len(self.notices)}"
