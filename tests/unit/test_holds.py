"""Back off instead of fighting (domain/holds.py), rule by rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.builders import IGW, subnet, vpc_snapshot
from vpc_remediator.domain.actions import PlaceHold, SetMapPublicIpOnLaunch
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.holds import SETTLED_SECONDS, applied, hold_back, undone
from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import HOLD_TAG_KEY, AutoScope, Policy
from vpc_remediator.domain.provenance import Caller, CallerKind

S1 = "subnet-00000000000000001"
Record = Mapping[str, Mapping[str, Any]]
KEY = "vpc-remediator:intent"
SHARR = Caller(
    CallerKind.AWS_SERVICE,
    "Security Hub automated response",
    "arn:aws:sts::123456789012:assumed-role/SO0111-DisablePublicIPAutoAssign/remediation",
)


def mapping_plan() -> Plan:
    """An explicitly public subnet on the managed table, whose public-IP mapping is off."""
    from tests.builders import route, table

    managed = table("rtb-0000000000managed", route(IGW), managed=True, subnets=(S1,))
    snap = vpc_snapshot(
        subnet(S1, tags={KEY: "public", "vpc-remediator:managed": "changed"}), tables=(managed,)
    )
    plan = plan_vpc(snap, Policy(), AutoScope.none())
    assert [type(a).__name__ for a in plan.actions] == ["SetMapPublicIpOnLaunch"]
    return plan


def applied_all(
    plan: Plan, record: Record, *, run: str, now: float, caller: Caller | None = None
) -> dict[str, dict[str, Any]]:
    """The record after every action of the plan was applied."""
    outcomes = tuple(ActionOutcome(a, ActionStatus.APPLIED) for a in plan.actions)
    return applied(plan.scope, outcomes, record, caller=caller, run=run, now=now)


def review(plan: Plan, record: Record, *, caller: Caller, run: str, now: float) -> Plan:
    """The decision before the planner (what is undone), then the planner's last step."""
    return hold_back(plan, undone(record, caller=caller, run=run, now=now))


def test_a_change_undone_by_someone_else_is_made_again_once_then_held() -> None:
    plan = mapping_plan()
    assert any(isinstance(a, SetMapPublicIpOnLaunch) for a in plan.actions)
    record = applied_all(plan, {}, run="r1", now=0)
    # Undone once: made again.
    again = review(plan, record, caller=SHARR, run="r2", now=SETTLED_SECONDS + 1)
    assert again == plan
    record = applied_all(plan, record, caller=SHARR, run="r2", now=SETTLED_SECONDS + 1)
    # Undone twice: held, and said with the way to exempt it in Security Hub.
    held = review(plan, record, caller=SHARR, run="r3", now=2 * SETTLED_SECONDS + 2)
    assert [type(a).__name__ for a in held.actions] == ["PlaceHold"]
    (hold,) = held.actions
    assert isinstance(hold, PlaceHold) and hold.resource_id == S1
    assert "Security Hub automated response" in hold.note and "1970-01-01T00:04" in hold.note
    (finding,) = [f for f in held.findings if f.code is FindingCode.HELD]
    assert finding.needs_person and "EC2.15" in finding.message
    assert f"vpc-remediator release {S1}" in finding.message
    # Once the hold is placed, the record says so: planned again, it is a person's release.
    record = applied_all(held, record, caller=SHARR, run="r3", now=2 * SETTLED_SECONDS + 2)
    assert record[f"{S1}|public-IP mapping"]["held"]


def test_its_own_rounds_and_a_write_not_yet_visible_are_not_someone_undoing_it() -> None:
    plan = mapping_plan()
    record = applied_all(plan, {}, run="r1", now=0)
    for run, now in (("r1", 500.0), ("r2", SETTLED_SECONDS - 1)):
        assert review(plan, record, caller=SHARR, run=run, now=now) == plan
        again = applied_all(plan, record, caller=SHARR, run=run, now=now)
        assert again[f"{S1}|public-IP mapping"]["count"] == 0  # not counted as made again


def test_once_held_and_released_by_a_person_it_may_be_made_again_once() -> None:
    plan = mapping_plan()
    record = {f"{S1}|public-IP mapping": {"count": 1, "held": True, "run": "r3", "at": 0}}
    released = review(plan, record, caller=SHARR, run="r4", now=10_000)
    assert released == plan
    after = applied_all(plan, record, caller=SHARR, run="r4", now=10_000)
    assert after[f"{S1}|public-IP mapping"]["count"] == 1
    assert not after[f"{S1}|public-IP mapping"].get("held")


def test_a_detached_gateway_is_never_made_again() -> None:
    snap = vpc_snapshot(subnet(S1, tags={KEY: "public"}), igw=False)
    plan = plan_vpc(snap, Policy(create_internet_gateway=True), AutoScope.none())
    assert [type(a).__name__ for a in plan.actions][:2] == [
        "CreateInternetGateway",
        "AttachInternetGateway",
    ]
    record = applied_all(plan, {}, run="r1", now=0)
    person = Caller(CallerKind.CONSOLE, "AWS Management Console", "arn:aws:sts::1:assumed-role/A/b")
    held = review(plan, record, caller=person, run="r2", now=1_000)
    assert [type(a).__name__ for a in held.actions] == ["PlaceHold"]
    assert isinstance(held.actions[0], PlaceHold) and held.actions[0].resource_id == plan.scope


def test_the_planner_leaves_a_held_resource_alone_and_says_so() -> None:
    snap = vpc_snapshot(subnet(S1, tags={KEY: "public", HOLD_TAG_KEY: "public-IP mapping undone"}))
    plan = plan_vpc(snap, Policy(), AutoScope.all())
    assert plan.actions == ()
    (finding,) = plan.findings
    assert finding.code is FindingCode.HELD and finding.needs_person
    held_vpc = vpc_snapshot(subnet(S1), vpc_tags={HOLD_TAG_KEY: "its internet gateway undone"})
    plan = plan_vpc(held_vpc, Policy(), AutoScope.all())
    assert plan.actions == () and [f.code for f in plan.findings] == [FindingCode.HELD]


def test_a_gateway_someone_detached_is_not_replaced_even_when_creation_is_allowed() -> None:
    from tests.builders import route, table

    mine = table("rtb-00000000000user1", route(IGW, blackhole=True), subnets=(S1,))
    snap = vpc_snapshot(subnet(S1, tags={KEY: "public"}), tables=(mine,), igw=False)
    plan = plan_vpc(snap, Policy(create_internet_gateway=True), AutoScope.all())
    assert not any(type(a).__name__ == "CreateInternetGateway" for a in plan.actions)
    (finding,) = [f for f in plan.findings if f.code is FindingCode.NO_INTERNET_GATEWAY]
    assert "was detached" in finding.message and IGW in finding.message


def test_auto_intent_is_applied_once_per_subnet() -> None:
    """A subnet an earlier reconcile changed is `done`: auto intent leaves it to whoever changed
    it since, and says so in the log (a finding for no one)."""
    from vpc_remediator.domain.holds import finished_before

    record: Record = {
        f"{S1}|public-IP mapping": {"count": 0, "run": "earlier", "at": 1.0},
        f"{S1}|done": {"run": "earlier", "at": 1.0},
        "subnet-00000000000000002|public-IP mapping": {"count": 0, "run": "now", "at": 2.0},
        "subnet-00000000000000002|done": {"run": "now", "at": 2.0},
        # Moved by an earlier reconcile that stopped before its public IPs: not done.
        "subnet-00000000000000003|association with the managed public table": {"run": "earlier"},
        "rtb-0000000000managed|route 0.0.0.0/0 to the internet gateway": {"run": "earlier"},
    }
    assert finished_before(record, run="now") == {S1}  # this reconcile's own are not done
    snap = vpc_snapshot(subnet(S1))  # on the main table, the gateway attached: auto public
    fresh = plan_vpc(snap, Policy(), AutoScope.all())
    assert fresh.actions
    once = plan_vpc(snap, Policy(), AutoScope(everything=True, done=frozenset({S1})))
    assert once.writes == ()
    (finding,) = [f for f in once.findings if f.resource_id == S1]
    assert finding.code is FindingCode.AUTO_INTENT_NOT_ENFORCED and not finding.needs_person
    assert "finished it once already" in finding.message


def test_a_subnet_is_done_only_when_its_whole_change_completed() -> None:
    """A reconcile that stops between a subnet's association and its mapping leaves it to the
    retry: only a subnet whose every change succeeded, with nothing left to plan, is done."""
    from vpc_remediator.domain.actions import AssociateRouteTable, SetMapPublicIpOnLaunch
    from vpc_remediator.domain.holds import completed, finished_before
    from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus

    s2 = "subnet-00000000000000002"
    moved = [AssociateRouteTable(route_table="rtb-1", subnet_id=s, reason="r") for s in (S1, s2)]
    mapped = [SetMapPublicIpOnLaunch(subnet_id=s, enabled=True, reason="r") for s in (S1, s2)]
    outcomes = (
        ActionOutcome(moved[0], ActionStatus.APPLIED),
        ActionOutcome(mapped[0], ActionStatus.APPLIED),
        ActionOutcome(moved[1], ActionStatus.APPLIED),
        ActionOutcome(mapped[1], ActionStatus.DEFERRED),  # time ran out
    )
    record = completed({}, outcomes, (mapped[1],), run="first", now=1.0)
    assert finished_before(record, run="retry") == {S1}
    # A write that failed, or one still planned after the verifying read, is not done either.
    failed = (
        ActionOutcome(moved[0], ActionStatus.APPLIED),
        ActionOutcome(mapped[0], ActionStatus.FAILED),
    )
    assert finished_before(completed({}, failed, (), run="r", now=1.0), run="x") == frozenset()
    still = (ActionOutcome(moved[0], ActionStatus.APPLIED),)
    left = completed({}, still, (mapped[0],), run="r", now=1.0)
    assert finished_before(left, run="x") == frozenset()
