"""The one decision before the planner (domain/decision.py): which subnets auto intent may act
on, and which changes are held instead of made again, from what the memory says."""

from __future__ import annotations

import pytest

from tests.builders import IGW, NAT, route, subnet, table, vpc_snapshot
from vpc_remediator.domain.decision import Past, decide, subjects
from vpc_remediator.domain.holds import SETTLED_SECONDS
from vpc_remediator.domain.model import VpcSnapshot
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Policy
from vpc_remediator.domain.provenance import Caller, CallerKind

S1, S2 = "subnet-00000000000000001", "subnet-00000000000000002"
KEY = "vpc-remediator:intent"
PERSON = Caller(CallerKind.CONSOLE, "AWS Management Console", "arn:aws:sts::1:assumed-role/a/b")
TERRAFORM = Caller(CallerKind.IAC, "Terraform", "arn:aws:sts::1:assumed-role/ci/tf")

CASES: list[tuple[str, VpcSnapshot, frozenset[str]]] = [
    (
        "on the main table, no route: auto public, changed",
        vpc_snapshot(subnet(S1)),
        frozenset({S1}),
    ),
    (
        "already public and mapping: nothing to change",
        vpc_snapshot(subnet(S1, public_ip=True), main_routes=(route(IGW),)),
        frozenset(),
    ),
    (
        "routed by someone else, mapping off: their choice, kept",
        vpc_snapshot(subnet(S1), main_routes=(route(IGW),)),
        frozenset(),
    ),
    (
        "on the remediator's table, mapping off: its mapping is finished",
        vpc_snapshot(
            subnet(S1),
            tables=(table("rtb-0000000000managed", route(IGW), subnets=(S1,), managed=True),),
        ),
        frozenset({S1}),
    ),
    (
        "tagged public: explicit, never asked about",
        vpc_snapshot(subnet(S1, tags={KEY: "public"})),
        frozenset(),
    ),
    (
        "a NAT default route: a design, not changed",
        vpc_snapshot(subnet(S1), main_routes=(route(NAT),), nat=True),
        frozenset(),
    ),
    ("no gateway attached: nothing to route to", vpc_snapshot(subnet(S1), igw=False), frozenset()),
    (
        "a tool's by its tags: left to the tool",
        vpc_snapshot(subnet(S1, tags={"aws:cloudformation:stack-name": "s"})),
        frozenset(),
    ),
    (
        "on a table of its own with no route: private by its routing",
        vpc_snapshot(subnet(S1), tables=(table("rtb-00000000000mine1", subnets=(S1,)),)),
        frozenset(),
    ),
]


@pytest.mark.parametrize(("case", "snap", "expected"), CASES, ids=[c[0] for c in CASES])
def test_the_subjects_are_the_subnets_auto_intent_would_change(
    case: str, snap: VpcSnapshot, expected: frozenset[str]
) -> None:
    assert subjects(snap, Policy(), AutoScope.all()) == expected, case
    # The subjects are exactly the subnets the plan with auto intent changes beyond the plan
    # without it.
    with_auto = plan_vpc(snap, Policy(), AutoScope.all())
    without = plan_vpc(snap, Policy(), AutoScope.none())
    extra = [a for a in with_auto.actions if a not in without.actions]
    named = {r for a in extra for r in a.written if r.startswith("subnet-")}
    assert named == expected


def test_a_person_s_subnet_is_finished_a_tool_s_is_named_an_unknown_one_left() -> None:
    snap = vpc_snapshot(subnet(S1), subnet(S2))
    past = Past(makers={S1: PERSON, S2: TERRAFORM})
    decided = decide(snap, Policy(), AutoScope.all(), past, caller=None, run="r", now=0)
    assert decided.auto.covers(S1) and not decided.auto.covers(S2)
    assert decided.auto.withheld_for(S2) == TERRAFORM.described
    unknown = decide(snap, Policy(), AutoScope.all(), Past(makers={}), caller=None, run="r", now=0)
    assert not unknown.auto.covers(S1) and S1 in unknown.auto.maker_unknown
    asked = Past(makers={}, ask_unknown=True)
    assert decide(snap, Policy(), AutoScope.all(), asked, caller=None, run="r", now=0).auto.covers(
        S1
    )
    # An event at hand says who made it: the makers are not asked (None) and nothing narrows.
    evented = decide(snap, Policy(), AutoScope.all(), Past(), caller=PERSON, run="r", now=0)
    assert evented.auto == AutoScope.all()


def test_auto_intent_once_and_what_is_undone_come_from_the_record() -> None:
    record = {
        f"{S1}|done": {"run": "earlier", "at": 0.0},
        f"{S2}|public-IP mapping": {"count": 1, "run": "earlier", "at": 0.0},
    }
    decided = decide(
        vpc_snapshot(subnet(S1), subnet(S2)),
        Policy(),
        AutoScope.all(),
        Past(applied=record),
        caller=PERSON,
        run="now",
        now=SETTLED_SECONDS,
    )
    assert S1 in decided.auto.done and not decided.auto.covers(S1)
    assert list(decided.undone.notes) == [f"{S2}|public-IP mapping"]
    assert "undone by" in decided.undone.notes[f"{S2}|public-IP mapping"]
    # This reconcile's own round is not someone undoing it.
    same = decide(
        None, Policy(), AutoScope.all(), Past(applied=record), caller=None, run="earlier", now=1e6
    )
    assert not same.undone and same.auto.done == frozenset()
