"""The AWS Load Balancer Controller's role tags, opt-in (TagLoadBalancerSubnets, issue 22).

The controller (aws-load-balancer-controller v3.5.0, pkg/networking/subnet_resolver.go,
`ResolveViaDiscovery`) finds internet-facing load balancers' subnets by
`kubernetes.io/role/elb` and internal ones' by `kubernetes.io/role/internal-elb` (value "" or
"1"). The remediator adds them to subnets whose intent is known, only where no subnet of the
VPC has that role's tag, never to a subnet tagged for a cluster, an IaC tool's, a held or an
undone one. A table: each row a layout, the policy's switch, and the tags it plans.
"""

from __future__ import annotations

import pytest

from tests.builders import route, subnet, table, vpc_snapshot
from tests.fakes import apply_actions
from vpc_remediator.domain.actions import Action, TagLoadBalancerRole
from vpc_remediator.domain.journal import Trigger, entries, stands
from vpc_remediator.domain.model import VpcSnapshot
from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Policy
from vpc_remediator.domain.undo import plan_undo

PUB, PRIV = "subnet-00000000000000001", "subnet-00000000000000002"
KEY = "vpc-remediator:intent"
ELB, INTERNAL = "kubernetes.io/role/elb", "kubernetes.io/role/internal-elb"
ON = Policy(tag_load_balancer_subnets=True)


def layout(
    pub_tags: dict[str, str] | None = None, priv_tags: dict[str, str] | None = None
) -> VpcSnapshot:
    return vpc_snapshot(
        subnet(PUB, name="web-a", tags={KEY: "public", **(pub_tags or {})}),
        subnet(PRIV, name="db-a", zone="eu-south-1b", tags={KEY: "private", **(priv_tags or {})}),
    )


def tags_planned(plan_actions: tuple[Action, ...]) -> set[tuple[str, str]]:
    return {(a.subnet_id, a.key) for a in plan_actions if isinstance(a, TagLoadBalancerRole)}


@pytest.mark.parametrize(
    ("pub_tags", "priv_tags", "policy", "expected"),
    [
        # Off by default: nothing.
        ({}, {}, Policy(), set()),
        # On: elb on the public subnet (made public by this plan), internal-elb on the private.
        ({}, {}, ON, {(PUB, ELB), (PRIV, INTERNAL)}),
        # A subnet of the VPC has the role's tag already: someone chose; that role is left.
        ({ELB: "1"}, {}, ON, {(PRIV, INTERNAL)}),
        ({}, {INTERNAL: ""}, ON, {(PUB, ELB)}),
        # A subnet tagged for a cluster: that cluster's tooling chooses its roles.
        ({"kubernetes.io/cluster/prod": "shared"}, {}, ON, {(PRIV, INTERNAL)}),
        # Held: never.
        ({"vpc-remediator:hold": "a person"}, {}, ON, {(PRIV, INTERNAL)}),
    ],
)
def test_role_tags_go_where_intent_is_known_and_no_subnet_has_them(
    pub_tags: dict[str, str],
    priv_tags: dict[str, str],
    policy: Policy,
    expected: set[tuple[str, str]],
) -> None:
    plan = plan_vpc(layout(pub_tags, priv_tags), policy, AutoScope.all())
    assert tags_planned(plan.actions) == expected
    after = apply_actions(layout(pub_tags, priv_tags), plan.actions)
    assert tags_planned(plan_vpc(after, policy, AutoScope.all()).actions) == set()  # converged


def test_an_iac_tools_subnet_is_tagged_only_on_explicit_intent() -> None:
    cfn = {"aws:cloudformation:stack-name": "net"}
    snap = vpc_snapshot(
        subnet(PUB, name="public-a", tags=cfn),  # auto intent (its Name), CloudFormation's
        subnet(PRIV, name="db-a", zone="eu-south-1b", tags={KEY: "private", **cfn}),
        tables=(
            table(
                "rtb-00000000000000001", route("0.0.0.0/0", "igw-00000000000000001"), subnets=(PUB,)
            ),
        ),
    )
    plan = plan_vpc(snap, ON, AutoScope.all())
    assert tags_planned(plan.actions) == {(PRIV, INTERNAL)}


def test_an_undone_subnet_is_left_alone() -> None:
    plan = plan_vpc(layout(), ON, AutoScope(undone=frozenset({PRIV})))
    assert (PRIV, INTERNAL) not in tags_planned(plan.actions)


def test_the_journal_records_a_role_tag_and_the_undo_removes_it() -> None:
    snap = layout()
    plan = plan_vpc(snap, ON, AutoScope.all())
    outcomes = [ActionOutcome(a, ActionStatus.APPLIED) for a in plan.actions]
    journal = entries(
        snap,
        outcomes,
        region="eu-south-1",
        run="r1",
        at="2026-12-03T00:00:00Z",
        trigger=Trigger("sweep", ""),
    )
    tagged = [e for e in journal if e["change"] == "load-balancer-role-tagged"]
    assert {(e["resource"], e["after"]["tag"]) for e in tagged} == {(PUB, ELB), (PRIV, INTERNAL)}
    after = apply_actions(snap, plan.actions)
    assert all(stands(e, after) for e in tagged)
    undo = plan_undo(tagged, after)
    restored = apply_actions(after, undo.actions)
    assert all(ELB not in s.tags and INTERNAL not in s.tags for s in restored.subnets)
    assert {PUB, PRIV} <= undo.subnets  # a person's decision: auto intent leaves them after
