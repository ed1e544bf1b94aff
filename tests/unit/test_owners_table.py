"""The owner's public table is joined, not duplicated (issue 19): a subnet meant to be public on
the main table is associated with the VPC's own public table where exactly one serves it; a
managed table is created only where there is none or the choice is ambiguous."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.builders import IGW, MAIN, VPC, region_of, route, subnet, table, vpc_snapshot
from tests.fakes import apply_to_ec2
from tests.unit.test_ownership import Keeper
from vpc_remediator.domain.actions import (
    AssociateRouteTable,
    CreateRoute,
    CreateRouteTable,
    SetMapPublicIpOnLaunch,
)
from vpc_remediator.domain.model import (
    GatewayEndpoint,
    Ownership,
    Route,
    RouteTable,
    Subnet,
    VpcSnapshot,
)
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Policy

PUBLIC_RTB = "rtb-000000000000pub01"
OTHER_RTB = "rtb-000000000000pub02"
PRIVATE_RTB = "rtb-0000000000000priv"
NEW = "subnet-000000000000new03"
PUB1 = "subnet-00000000000pub01"
PUB2 = "subnet-00000000000pub02"
PRIV1 = "subnet-0000000000priv01"
TGW = "tgw-0123456789abcdef0"
S3 = "vpce-0123456789abcdef0"


def wizard(
    *extra: Subnet,
    public_ip: bool = False,
    public_tags: dict[str, str] | None = None,
    tables: tuple[RouteTable, ...] = (),
    main_routes: tuple[Route, ...] = (),
    public_routes: tuple[Route, ...] = (),
    **kw,
) -> VpcSnapshot:
    """The console wizard's VPC: two public subnets on `project-rtb-public` (default route to the
    gateway), a private one on its own table, and a new subnet `extra` left on the main table."""
    return vpc_snapshot(
        subnet(PUB1, name="project-subnet-public1-eu-south-1a", public_ip=public_ip),
        subnet(PUB2, name="project-subnet-public2-eu-south-1b", public_ip=public_ip),
        subnet(PRIV1, name="project-subnet-private1-eu-south-1a"),
        *extra,
        tables=(
            table(
                PUBLIC_RTB,
                route(IGW),
                *public_routes,
                subnets=(PUB1, PUB2),
                tags={"Name": "project-rtb-public", **(public_tags or {})},
            ),
            table(PRIVATE_RTB, subnets=(PRIV1,), tags={"Name": "project-rtb-private1"}),
            *tables,
        ),
        main_routes=main_routes,
        **kw,
    )


def public3(**kw) -> Subnet:
    return subnet(NEW, name="project-subnet-public3-eu-south-1c", zone="eu-south-1c", **kw)


def plan_of(snap: VpcSnapshot, auto: AutoScope | None = None) -> Plan:
    return plan_vpc(snap, Policy(), auto or AutoScope.all())


def associations(plan: Plan) -> dict[str, str]:
    return {
        a.subnet_id: str(a.route_table) for a in plan.writes if isinstance(a, AssociateRouteTable)
    }


def test_the_wizard_subnet_added_later_joins_the_owners_public_table() -> None:
    plan = plan_of(wizard(public3()))
    assert associations(plan) == {NEW: PUBLIC_RTB}
    assert not [a for a in plan.writes if isinstance(a, (CreateRouteTable, CreateRoute))]
    (joined,) = [a for a in plan.writes if isinstance(a, AssociateRouteTable)]
    assert "project-rtb-public" in joined.reason and "project-subnet-public1" in joined.reason
    # The wizard's public subnets do not map public IPs; the new one is left as they are.
    assert not [a for a in plan.writes if isinstance(a, SetMapPublicIpOnLaunch)]
    assert "stay off" in joined.reason


def test_where_its_siblings_map_public_ips_the_joined_subnet_does_too() -> None:
    plan = plan_of(wizard(public3(), public_ip=True))
    assert associations(plan) == {NEW: PUBLIC_RTB}
    assert [(a.subnet_id, a.enabled) for a in plan.writes if isinstance(a, SetMapPublicIpOnLaunch)]
    assert [a.subnet_id for a in plan.writes if isinstance(a, SetMapPublicIpOnLaunch)] == [NEW]


def test_explicit_public_intent_maps_public_ips_whatever_its_siblings_do() -> None:
    plan = plan_of(wizard(public3(tags={"vpc-remediator:intent": "public"})))
    assert associations(plan) == {NEW: PUBLIC_RTB}
    assert [a.subnet_id for a in plan.writes if isinstance(a, SetMapPublicIpOnLaunch)] == [NEW]


def created_managed(plan: Plan) -> bool:
    return any(isinstance(a, CreateRouteTable) for a in plan.writes)


@pytest.mark.parametrize(
    ("why", "snap"),
    [
        (
            "two public tables of the owner serve it: the choice is the owner's",
            wizard(
                public3(),
                subnet("subnet-0000000000000000x", name="public-x"),
                tables=(table(OTHER_RTB, route(IGW), subnets=("subnet-0000000000000000x",)),),
            ),
        ),
        (
            "a tool's table (CloudFormation tags) is that tool's",
            wizard(public3(), public_tags={"aws:cloudformation:stack-name": "net"}),
        ),
        (
            "the main table's transit gateway route would be lost",
            wizard(public3(), main_routes=(route(TGW, "10.64.0.0/10"),)),
        ),
        (
            "a dual-stack subnet would have no ::/0 there",
            wizard(public3(ipv6=True)),
        ),
    ],
)
def test_where_no_single_owners_table_serves_a_managed_table_is_made(
    why: str, snap: VpcSnapshot
) -> None:
    plan = plan_of(snap)
    assert created_managed(plan), why
    assert PUBLIC_RTB not in associations(plan).values(), why


def test_a_table_with_a_subnet_not_meant_public_on_it_is_not_the_owners_public_table() -> None:
    # `app-c` on the gateway's table: not every subnet on it is public, so it is not joined.
    app = subnet("subnet-000000000000app01", name="app-c")
    snap = wizard(public3())
    tables = tuple(
        replace(t, associations=(*t.associations, ("rtbassoc-app", app.id)))
        if t.id == PUBLIC_RTB
        else t
        for t in snap.route_tables
    )
    snap = replace(snap, subnets=(*snap.subnets, app), route_tables=tables)
    plan = plan_of(snap)
    assert PUBLIC_RTB not in associations(plan).values()


def test_the_main_tables_routes_present_on_the_owners_table_keep_it_serving() -> None:
    endpoint = GatewayEndpoint(S3, VPC, route_table_ids=(MAIN, PUBLIC_RTB))
    snap = wizard(
        public3(),
        main_routes=(route(TGW, "10.64.0.0/10"),),
        public_routes=(route(TGW, "10.64.0.0/10"),),
        endpoints=(endpoint,),
    )
    assert associations(plan_of(snap)) == {NEW: PUBLIC_RTB}
    # Without the endpoint on the owner's table, its prefix-list route would be lost.
    lost = replace(snap, gateway_endpoints=(replace(endpoint, route_table_ids=(MAIN,)),))
    assert created_managed(plan_of(lost))


def test_a_table_only_tagged_like_ours_is_never_joined_and_blocks_a_second_one() -> None:
    # Anyone who holds ec2:CreateTags can write the role tag; the record does not prove it.
    snap = wizard(
        public3(),
        public_tags={"vpc-remediator:role": "public-route-table"},
        ownership=Ownership(known=True),
    )
    plan = plan_of(snap)
    assert not associations(plan) and not created_managed(plan)


def test_a_held_owners_table_is_not_joined() -> None:
    snap = wizard(public3(), public_tags={"vpc-remediator:hold": "do not touch"})
    assert PUBLIC_RTB not in associations(plan_of(snap)).values()


def test_outside_the_auto_scope_the_gap_is_reported_and_nothing_joined() -> None:
    plan = plan_of(wizard(public3()), AutoScope.none())
    assert not plan.writes
    assert any(f.resource_id == NEW for f in plan.findings)


def test_the_record_says_which_subnet_the_remediator_joined_where() -> None:
    keeper = Keeper(wizard(public3()))
    plan = keeper.plan()
    assert keeper.entries()[f"moved|{NEW}"]["to"] == PUBLIC_RTB
    keeper.apply(plan)
    snap = keeper.verify()
    assert snap.explicit_route_table(NEW).id == PUBLIC_RTB  # type: ignore[union-attr]
    assert snap.ownership.joined == {NEW: PUBLIC_RTB}
    assert snap.ownership.moved == {} and not snap.ownership.owns(PUBLIC_RTB)
    assert keeper.entries()[f"moved|{NEW}"]["pending"] is False
    # Compliant now: nothing more is written.
    assert not keeper.plan().writes


def test_the_joined_vpc_is_compliant_afterwards_on_every_scope() -> None:
    after = apply_to_ec2(wizard(public3()), plan_of(wizard(public3())).writes)
    for auto in (AutoScope.all(), AutoScope.none()):
        assert not plan_of(after, auto).writes
    assert region_of(after).details[VPC].explicit_route_table(NEW).id == PUBLIC_RTB  # type: ignore[union-attr]


def test_tags_alone_never_make_a_table_the_owners_public_table() -> None:
    # An attacker who holds only ec2:CreateTags names an isolated table like the wizard's
    # public one, and its subnet public: with no route to the gateway it is never joined.
    lure = table(
        OTHER_RTB,
        subnets=("subnet-0000000000000lure",),
        tags={"Name": "project-rtb-public"},
    )
    snap = wizard(public3(), tables=(lure,))
    snap = replace(
        snap,
        subnets=(*snap.subnets, subnet("subnet-0000000000000lure", name="project-subnet-public9")),
    )
    assert associations(plan_of(snap)) == {NEW: PUBLIC_RTB}
