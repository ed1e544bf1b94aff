"""A NAT gateway's subnet is public by design (issue 19): routed to the gateway on auto intent,
or reported; a NAT with no way out is a finding, and private-mode readiness is never "ready"
behind it. And a subnet that says public on a table with no default route is never read as
private."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.builders import IGW, NAT, VPC, region_of, route, subnet, table, vpc_snapshot
from vpc_remediator.domain.actions import CreateRoute
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.intent import Intent
from vpc_remediator.domain.launchers import Readiness, readiness
from vpc_remediator.domain.model import NatGateway, VpcSnapshot
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Policy

PUBLIC_RTB = "rtb-000000000000pub01"
PRIVATE_RTB = "rtb-0000000000000priv"
PUB1 = "subnet-00000000000pub01"
PUB2 = "subnet-00000000000pub02"
PRIV1 = "subnet-0000000000priv01"
STACK = {"aws:cloudformation:stack-name": "eksctl-demo-cluster"}


def wizard_lost_its_route(
    *, names: tuple[str, str] = ("project-subnet-public1", "project-subnet-public2"), **kw
) -> VpcSnapshot:
    """The wizard's VPC with its NAT in public1, whose table `project-rtb-public` lost 0.0.0.0/0;
    private1 routes through the NAT."""
    snap = vpc_snapshot(
        subnet(PUB1, name=names[0], **kw),
        subnet(PUB2, name=names[1], zone="eu-south-1b", **kw),
        subnet(PRIV1, name="project-subnet-private1"),
        tables=(
            table(PUBLIC_RTB, subnets=(PUB1, PUB2), tags={"Name": "project-rtb-public"}),
            table(PRIVATE_RTB, route(NAT), subnets=(PRIV1,), tags={"Name": "project-rtb-private1"}),
        ),
    )
    return replace(snap, nat_gateways=(NatGateway(NAT, VPC, PUB1),))


def plan_of(snap: VpcSnapshot, auto: AutoScope | None = None) -> Plan:
    return plan_vpc(snap, Policy(), auto or AutoScope.all())


def codes(plan: Plan) -> dict[FindingCode, list[str]]:
    found: dict[FindingCode, list[str]] = {}
    for f in plan.findings:
        found.setdefault(f.code, []).append(f.message)
    return found


def test_the_nat_subnets_lost_route_is_put_back_on_auto_intent_in_a_persons_vpc() -> None:
    plan = plan_of(wizard_lost_its_route())
    routes = [(a.route_table, a.destination) for a in plan.writes if isinstance(a, CreateRoute)]
    assert routes == [(PUBLIC_RTB, "0.0.0.0/0")]
    assert FindingCode.NAT_WITHOUT_ROUTE not in codes(plan)


def test_a_nat_subnet_whose_name_says_neither_is_public_by_the_nat_in_it() -> None:
    plan = plan_of(wizard_lost_its_route(names=("nat-a", "edge-b")))
    intents = {i.subnet_id: i for i in plan.intents}
    assert intents[PUB1].intent is Intent.PUBLIC and NAT in intents[PUB1].reason
    assert [a.route_table for a in plan.writes if isinstance(a, CreateRoute)] == [PUBLIC_RTB]


def test_out_of_scope_the_stranded_nat_is_a_finding_naming_what_is_behind_it() -> None:
    plan = plan_of(wizard_lost_its_route(), AutoScope.none())
    assert not plan.writes
    (message,) = codes(plan)[FindingCode.NAT_WITHOUT_ROUTE]
    assert NAT in message and PUB1 in message and PRIV1 in message
    assert "project-rtb-public" in message
    assert any(f.needs_person for f in plan.findings if f.code is FindingCode.NAT_WITHOUT_ROUTE)


def test_a_tools_stranded_nat_is_reported_to_the_tool_and_nothing_is_written() -> None:
    snap = wizard_lost_its_route(public_ip=True)
    snap = replace(snap, vpc=replace(snap.vpc, tags=STACK))
    plan = plan_of(snap)
    assert not plan.writes
    found = codes(plan)
    assert "eksctl-demo-cluster" in found[FindingCode.NAT_WITHOUT_ROUTE][0]
    # Its public subnets (mapping on, Names public) are a finding for the tool, not "private".
    assert len(found[FindingCode.OWNED_BY_TOOL]) == 2
    assert all(f.needs_person for f in plan.findings if f.code is FindingCode.OWNED_BY_TOOL)
    assert not [i for i in plan.intents if i.subnet_id != PRIV1 and i.intent is Intent.PRIVATE]


def test_a_private_nat_gateway_needs_no_internet_gateway() -> None:
    snap = wizard_lost_its_route(names=("transit-a", "transit-b"))
    snap = replace(snap, nat_gateways=(NatGateway(NAT, VPC, PUB1, public=False),))
    plan = plan_of(snap)
    assert not plan.writes and FindingCode.NAT_WITHOUT_ROUTE not in codes(plan)


@pytest.mark.parametrize(
    ("name", "mapped", "says"),
    [
        ("batch-a", True, "maps public IPs"),
        ("web-a", False, 'Name "web-a" says public'),
        ("PublicSubnet1", True, 'Name "PublicSubnet1" says public'),
    ],
)
@pytest.mark.parametrize("vpc_tags", [{}, STACK], ids=["a person's", "a stack's"])
def test_a_subnet_that_says_public_on_a_table_with_no_default_route_is_a_finding_never_a_change(
    name: str, mapped: bool, says: str, vpc_tags: dict[str, str]
) -> None:
    """Names and attributes are anyone's to set: they never add a route to a table a person
    left without one (an attacker who holds only ec2:CreateTags renames an isolated subnet)."""
    s = "subnet-00000000000000001"
    snap = vpc_snapshot(
        subnet(s, name=name, public_ip=mapped),
        tables=(table("rtb-1", subnets=(s,)),),
        vpc_tags=vpc_tags,
    )
    for auto in (AutoScope.all(), AutoScope.none()):
        plan = plan_of(snap, auto)
        assert not plan.writes
        (finding,) = [f for f in plan.findings if f.code is FindingCode.PUBLIC_WITHOUT_ROUTE]
        assert says in finding.message and "rtb-1" in finding.message and finding.needs_person
        assert ("eksctl-demo-cluster" in finding.message) == bool(vpc_tags)
        assert plan.intents[0].intent is Intent.UNDECIDED


def entry(snap: VpcSnapshot, launcher: str, mode: str) -> Readiness:
    found = [
        e
        for e in readiness(region_of(snap), Policy())
        if e.launcher == launcher and str(e.mode) == mode and not e.config
    ]
    return found[0]


def test_private_readiness_is_never_ready_behind_a_nat_with_no_way_out() -> None:
    snap = wizard_lost_its_route()
    for launcher in ("skypilot-0.7", "ray"):
        got = entry(snap, launcher, "private")
        assert not got.ready, got
        assert "has no way out" in got.reason
        assert PUB1 in got.advice
    # Once the NAT's subnet routes to the gateway, the same VPC is ready.
    fixed = replace(
        snap,
        route_tables=tuple(
            replace(t, routes=(*t.routes, route(IGW))) if t.id == PUBLIC_RTB else t
            for t in snap.route_tables
        ),
    )
    assert entry(fixed, "skypilot-0.7", "private").ready


def test_routes_that_cover_the_default_are_the_default_in_readiness() -> None:
    s = "subnet-00000000000000001"
    halves = (route(IGW, "0.0.0.0/1"), route(IGW, "128.0.0.0/1"))
    snap = vpc_snapshot(
        subnet(s, name="web-a", public_ip=True),
        tables=(table("rtb-1", *halves, subnets=(s,)),),
    )
    got = entry(snap, "skypilot-0.7", "public")
    assert got.ready and not got.warning, got
    assert not plan_of(snap).writes


def ray_public_advice(snap: VpcSnapshot, planned: frozenset[str] = frozenset()) -> str:
    (found,) = [
        e
        for e in readiness(region_of(snap), Policy(), planned)
        if e.launcher == "ray" and str(e.mode) == "public"
    ]
    return found.advice


def test_advice_never_asks_for_what_the_plan_does_or_what_is_there() -> None:
    web, db = "subnet-00000000000000002", "subnet-00000000000000001"
    snap = vpc_snapshot(
        subnet(db, name="db-a"), subnet(web, name="web-b", zone="eu-south-1b"), igw=True
    )
    # Nothing planned: a subnet whose Name says private is not the one to tag, even first.
    advice = ray_public_advice(snap)
    assert advice.startswith(f"tag {web} with vpc-remediator:intent=public")
    assert "the VPC's internet gateway" in advice and "attach one" not in advice
    # The plan beside it makes web-b public: `fix` does it, no tag is asked for.
    advice = ray_public_advice(snap, frozenset({web}))
    assert advice.startswith(f"`vpc-remediator fix` makes {web} public (it is in the plan)")
    # A subnet tagged public already (which the plan cannot finish) is not to be tagged again.
    tagged = replace(
        snap,
        subnets=tuple(
            replace(s, tags={**s.tags, "vpc-remediator:intent": "public"}) if s.id == web else s
            for s in snap.subnets
        ),
    )
    assert web not in ray_public_advice(tagged)


def test_attach_one_only_where_the_vpc_is_known_to_have_no_gateway() -> None:
    s = "subnet-00000000000000001"
    without = vpc_snapshot(subnet(s, name="web-a"), igw=False)
    assert "attach one, or deploy with CreateInternetGateway=true" in ray_public_advice(without)
    # A VPC the read did not detail: its gateway is not known, and not said to be missing.
    region = region_of(without)
    unread = replace(region, details={}, subnets=without.subnets, route_tables=without.route_tables)
    (found,) = [
        e for e in readiness(unread, Policy()) if e.launcher == "ray" and str(e.mode) == "public"
    ]
    assert "attach one first if it has none" in found.advice
