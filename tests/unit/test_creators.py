"""Who made a subnet, where no event says it (domain/creators.py): which subnets to ask
about, and what auto intent may do with the answers."""

from __future__ import annotations

import pytest

from tests.builders import subnet, vpc_snapshot
from vpc_remediator.domain.creators import maker_of, maker_value, vouched
from vpc_remediator.domain.decision import subjects
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Policy
from vpc_remediator.domain.provenance import Caller, CallerKind

S1, S2, S3 = (f"subnet-0000000000000000{n}" for n in (1, 2, 3))
KEY = "vpc-remediator:intent"
PERSON = Caller(CallerKind.CONSOLE, "AWS Management Console", "arn:aws:sts::1:assumed-role/a/b")
TERRAFORM = Caller(CallerKind.IAC, "Terraform", "arn:aws:sts::1:assumed-role/ci/tf")
ALLOWED = frozenset({CallerKind.CONSOLE, CallerKind.CLI})


def test_only_subnets_auto_intent_would_change_are_asked_about() -> None:
    # S1 and S2 on the main table (auto public), S3 tagged public: explicit, never asked about.
    snap = vpc_snapshot(subnet(S1), subnet(S2), subnet(S3, tags={KEY: "public"}))
    # They are what the plan with auto intent changes beyond the plan without it.
    with_auto = plan_vpc(snap, Policy(), AutoScope.all())
    without = plan_vpc(snap, Policy(), AutoScope.none())
    extra = {a.summary for a in with_auto.actions} - {a.summary for a in without.actions}
    assert extra and subjects(snap, Policy(), AutoScope.all()) == {S1, S2}
    assert subjects(snap, Policy(), AutoScope.none()) == frozenset()
    assert subjects(snap, Policy(), AutoScope.subnets(S2)) == {S2}


def test_what_a_person_made_is_finished_a_tools_is_named_an_unknown_one_is_left() -> None:
    makers = {S1: PERSON, S2: TERRAFORM, S3: None}
    sweep = vouched(AutoScope.all(), frozenset(makers), makers, ALLOWED, ask_unknown=False)
    assert sweep.covers(S1)
    assert not sweep.covers(S2) and sweep.withheld_for(S2) == TERRAFORM.described
    assert not sweep.covers(S3) and S3 in sweep.maker_unknown
    cli = vouched(AutoScope.all(), frozenset(makers), makers, ALLOWED, ask_unknown=True)
    assert cli.covers(S3)  # the person at the terminal is shown it and decides
    assert not cli.covers(S2)


def test_a_tool_made_subnet_on_the_sweep_is_reported_as_the_tools() -> None:
    snap = vpc_snapshot(subnet(S1), subnet(S2))
    makers = {S1: PERSON, S2: TERRAFORM}
    scope = vouched(AutoScope.all(), frozenset(makers), makers, ALLOWED, ask_unknown=False)
    plan = plan_vpc(snap, Policy(), scope)
    named = {a.subnet_id for a in plan.actions if hasattr(a, "subnet_id")}
    assert S1 in named and S2 not in named
    (finding,) = [f for f in plan.findings if f.resource_id == S2]
    assert finding.needs_person and "made by Terraform" in finding.message


@pytest.mark.parametrize("maker", [PERSON, TERRAFORM, None])
def test_makers_are_remembered_as_they_were(maker: Caller | None) -> None:
    assert maker_of(maker_value(maker)) == maker
