"""What the remediator owns is proven by its record, written ahead of every change and
confirmed by the next read (domain/ownership.py, recordbook.py), on an in-memory EC2."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.builders import IGW, MAIN, VPC, region_of, route, subnet, table, vpc_snapshot
from tests.fakes import FakeMemory, apply_to_ec2
from vpc_remediator.domain import ownership
from vpc_remediator.domain.actions import CreateRouteTable, DeleteCopiedRoute, PlaceHold
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.model import Ownership, VpcSnapshot
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import CREATION_TAG_KEY, AutoScope, Policy
from vpc_remediator.service.recordbook import RecordBook

REGION = "eu-south-1"
S1 = "subnet-00000000000000001"
TGW = "tgw-0123456789abcdef0"
PCX = "pcx-0123456789abcdef0"
NOW = 1_800_000_000.0
ALL = AutoScope.all()


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class Keeper:
    """The service's read -> plan -> write ahead -> apply loop, on a fake EC2 and memory."""

    def __init__(self, snapshot: VpcSnapshot) -> None:
        self.memory = FakeMemory()
        self.clock = Clock()
        self.tokens = iter(f"token{i}" for i in range(1000))
        self.book = self._book()
        self.ec2 = replace(snapshot, ownership=Ownership())  # EC2's state: no record in it

    def _book(self) -> RecordBook:
        return RecordBook(self.memory, REGION, clock=self.clock, token=lambda: next(self.tokens))

    def read(self) -> VpcSnapshot:
        self.book = self._book()  # a new reconcile
        return self.book.attach(region_of(self.ec2)).details[VPC]

    def verify(self) -> VpcSnapshot:
        """The read after applying, and what it confirmed written (the service does both)."""
        snapshot = self.read()
        self.book.flush()
        return snapshot

    def plan(self, auto: AutoScope = ALL) -> Plan:
        snapshot = self.read()
        return self.book.ahead(plan_vpc(snapshot, Policy(), auto))

    def apply(self, plan: Plan, upto: int | None = None) -> None:
        self.ec2 = apply_to_ec2(self.ec2, plan.writes[:upto])

    def entries(self) -> dict[str, Any]:
        prefix = ownership.vpc_prefix(REGION, VPC)
        return {
            k[len(prefix) :]: v for k, v in self.memory.recall_all(ownership.KIND, prefix).items()
        }


def fixed(keeper: Keeper) -> str:
    plan = keeper.plan()
    keeper.apply(plan)
    table = keeper.read().explicit_route_table(S1)
    assert table is not None
    table_id = table.id
    assert table_id != MAIN
    return table_id


def test_a_table_is_created_under_a_one_time_token_and_proven_once_read_back() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1), main_routes=(route(TGW, "10.64.0.0/10"),)))
    plan = keeper.plan()
    (create,) = [a for a in plan.writes if isinstance(a, CreateRouteTable)]
    assert create.tags[CREATION_TAG_KEY] == "token0" and create.client_token == "vpcr-token0"
    # Written ahead: the creation and the copy for the table it will be, both pending.
    entries = keeper.entries()
    assert set(entries) >= {"creation|token0", "copies|creation:token0", f"moved|{S1}"}
    keeper.apply(plan)
    snap = keeper.verify()
    managed = snap.explicit_route_table(S1)
    assert managed is not None and snap.ownership.owns(managed.id) and snap.ownership.known
    assert snap.ownership.copied(managed.id) == {("route", "10.64.0.0/10"): TGW}
    assert snap.ownership.moved == {S1: ""}  # it came from the main table
    entries = keeper.entries()
    assert f"table|{managed.id}" in entries and "creation|token0" not in entries
    assert entries[f"copies|{managed.id}"] == {
        "items": {"route|10.64.0.0/10": {"target": TGW, "pending": False}},
        "at": NOW,
    }
    assert plan_vpc(snap, Policy(), AutoScope.all()).actions == ()


def test_a_reconcile_that_stopped_after_creating_the_table_still_finds_it() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1)))
    plan = keeper.plan()
    keeper.apply(plan, upto=1)  # the table is made; the id was never read back
    snap = keeper.read()
    (made,) = [t for t in snap.route_tables if not t.is_main]
    assert snap.ownership.owns(made.id)
    # The next plan finishes on that table and makes no second one.
    plan = keeper.plan()
    assert not any(isinstance(a, CreateRouteTable) for a in plan.writes)
    keeper.apply(plan)
    on = keeper.read().explicit_route_table(S1)
    assert on is not None and on.id == made.id


def test_a_token_on_two_tables_proves_neither() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1)))
    keeper.apply(keeper.plan(), upto=1)
    (made,) = [t for t in keeper.ec2.route_tables if not t.is_main]
    # Someone who read the token off the new table puts it on a table of theirs.
    forged = table("rtb-00000000attacker1", route(IGW), tags={CREATION_TAG_KEY: "token0"})
    keeper.ec2 = replace(keeper.ec2, route_tables=(*keeper.ec2.route_tables, forged))
    snap = keeper.read()
    assert not snap.ownership.owns(made.id) and not snap.ownership.owns(forged.id)


def test_a_creation_no_read_ever_shows_is_forgotten_after_the_grace_time() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1)))
    keeper.plan()  # written ahead; the call never made
    keeper.verify()
    assert "creation|token0" in keeper.entries()
    keeper.clock.now += ownership.GRACE_SECONDS + 1
    keeper.verify()
    assert not any(k.startswith(("creation|", "copies|")) for k in keeper.entries())


def test_a_copy_made_but_not_confirmed_is_still_known_and_removed_with_its_source() -> None:
    """A crash between copying a route and recording it leaves nothing unaccounted for."""
    keeper = Keeper(vpc_snapshot(subnet(S1), main_routes=(route(TGW, "10.64.0.0/10"),)))
    managed = fixed(keeper)
    # The main table gains a peering route; the copy is made, and the reconcile dies before
    # any read confirms it.
    keeper.ec2 = replace(
        keeper.ec2,
        route_tables=tuple(
            replace(t, routes=(*t.routes, route(PCX, "10.9.0.0/16"))) if t.is_main else t
            for t in keeper.ec2.route_tables
        ),
    )
    keeper.apply(keeper.plan(AutoScope.none()))
    items = keeper.entries()[f"copies|{managed}"]["items"]
    assert items["route|10.9.0.0/16"]["pending"]
    # The peering is deleted from the main table: the copy is the remediator's, and goes too.
    keeper.ec2 = replace(
        keeper.ec2,
        route_tables=tuple(
            replace(t, routes=tuple(r for r in t.routes if r.target_id != PCX)) if t.is_main else t
            for t in keeper.ec2.route_tables
        ),
    )
    plan = keeper.plan(AutoScope.none())
    (delete,) = plan.writes
    assert isinstance(delete, DeleteCopiedRoute) and delete.destination == "10.9.0.0/16"


def test_a_copy_written_ahead_but_never_made_is_copied_again_not_reported_removed() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1), main_routes=(route(TGW, "10.64.0.0/10"),)))
    fixed(keeper)
    keeper.ec2 = replace(
        keeper.ec2,
        route_tables=tuple(
            replace(t, routes=(*t.routes, route(PCX, "10.9.0.0/16"))) if t.is_main else t
            for t in keeper.ec2.route_tables
        ),
    )
    keeper.plan(AutoScope.none())  # written ahead; the reconcile stops before the call
    plan = keeper.plan(AutoScope.none())
    assert [type(a).__name__ for a in plan.writes] == ["CopyRoute"]
    assert not any(f.code is FindingCode.ROUTES_NOT_CARRIED for f in plan.findings)


def test_a_hold_is_recorded_with_the_tool_that_chooses_its_advice() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1)))
    fixed(keeper)
    hold = PlaceHold(
        resource_id=S1,
        note="public-IP mapping undone by Security Hub automated response (arn:...)",
        tool="Security Hub automated response",
        reason="r",
    )
    keeper.book.ahead(Plan(Policy().mode, VPC, actions=(hold,)))
    snap = keeper.read()
    assert snap.ownership.holds[S1].tool == "Security Hub automated response"
    (finding,) = [f for f in plan_vpc(snap, Policy(), AutoScope.all()).findings]
    assert finding.code is FindingCode.HELD and "EC2.15" in finding.message


def test_entries_of_a_table_that_is_gone_are_dropped() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1), main_routes=(route(TGW, "10.64.0.0/10"),)))
    managed = fixed(keeper)
    keeper.ec2 = replace(
        keeper.ec2,
        route_tables=tuple(
            replace(t, associations=()) for t in keeper.ec2.route_tables if t.id != managed
        ),
    )
    keeper.read()
    assert not any(managed in k for k in keeper.entries())


def test_without_a_record_nothing_is_proven() -> None:
    snap = vpc_snapshot(subnet(S1), tables=(table("rtb-000000000managed1", managed=True),))
    region = RecordBook(None, REGION).attach(region_of(replace(snap, ownership=Ownership())))
    assert region.details[VPC].ownership == Ownership(known=False)


def test_the_record_of_a_vpc_that_is_gone_is_forgotten() -> None:
    keeper = Keeper(vpc_snapshot(subnet(S1)))
    fixed(keeper)
    assert keeper.entries()
    keeper.book.attach(replace(region_of(keeper.ec2), vpcs=(), details={}))
    assert keeper.entries()  # a read alone writes nothing (an audit may not write the record)
    keeper.book.flush()
    assert keeper.entries() == {}


def test_reading_never_writes_the_record() -> None:
    """An audit (or a person who may read the record and not write it) reads it, and what it
    would confirm or drop waits for the next reconcile that changes something."""
    keeper = Keeper(vpc_snapshot(subnet(S1)))
    keeper.apply(keeper.plan())  # written ahead, pending; not confirmed yet
    writes = keeper.memory.writes
    snap = keeper.read()
    assert snap.ownership.tables  # the read proves the table all the same
    assert keeper.memory.writes == writes
