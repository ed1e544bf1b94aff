"""The managed table carries the main table's routes and follows it, without fighting a person
(domain/carry.py), rule by rule."""

from __future__ import annotations

from dataclasses import replace

from tests.builders import IGW, MAIN, VPC, learned, route, subnet, vpc_snapshot
from tests.fakes import ENDPOINT_PREFIX_LIST, apply_actions
from vpc_remediator.domain.actions import (
    CopyRoute,
    CreateRoute,
    DeleteCopiedRoute,
    DisableRoutePropagation,
    SetEndpointRouteTable,
    UpdateCopiedRoute,
)
from vpc_remediator.domain.carry import carried_by, plan_carry
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.model import (
    IPV6_DEFAULT,
    GatewayEndpoint,
    RouteOrigin,
    RouteTable,
    VpcSnapshot,
)
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Policy

S1 = "subnet-00000000000000001"
S2 = "subnet-00000000000000002"
MANAGED = "rtb-0000000000managed"
TGW = "tgw-0123456789abcdef0"
PCX = "pcx-0123456789abcdef0"
VGW = "vgw-0123456789abcdef0"
ENDPOINT = "vpce-0123456789abcdef0"
ALL = AutoScope.all()


def kinds(actions) -> list[str]:
    return [type(a).__name__ for a in actions]


def moved_story(*main_routes, main_propagating=(), endpoints=()) -> VpcSnapshot:
    """The seed story on a main table with more than a default route, fixed once."""
    snap = vpc_snapshot(
        subnet(S1),
        main_routes=main_routes,
        main_propagating=main_propagating,
        endpoints=endpoints,
    )
    return apply_actions(snap, plan_vpc(snap, Policy(), ALL).actions)


def managed_of(snap: VpcSnapshot) -> RouteTable:
    table = snap.explicit_route_table(S1)
    assert table is not None and table.id != MAIN
    return table


def with_main(snap: VpcSnapshot, *routes, propagating=None) -> VpcSnapshot:
    tables = tuple(
        replace(
            t,
            routes=(t.routes[0], *routes),
            propagating_vgws=t.propagating_vgws if propagating is None else propagating,
        )
        if t.is_main
        else t
        for t in snap.route_tables
    )
    return replace(snap, route_tables=tables)


def with_managed(snap: VpcSnapshot, change) -> VpcSnapshot:
    managed = managed_of(snap)
    return replace(
        snap,
        route_tables=tuple(change(t) if t.id == managed.id else t for t in snap.route_tables),
    )


def test_a_new_managed_table_carries_every_route_of_the_main_table() -> None:
    endpoint = GatewayEndpoint(ENDPOINT, VPC, (MAIN,))
    snap = moved_story(
        route(TGW, "10.64.0.0/10"),
        route(PCX, "10.9.0.0/16"),
        route("eni-0123456789abcdef0", "192.168.0.0/16"),
        route(ENDPOINT, ENDPOINT_PREFIX_LIST),
        learned(VGW, "172.16.0.0/12"),
        main_propagating=(VGW,),
        endpoints=(endpoint,),
    )
    managed = managed_of(snap)
    held = {(r.destination, r.target_id) for r in managed.routes}
    assert {
        ("10.64.0.0/10", TGW),
        ("10.9.0.0/16", PCX),
        ("192.168.0.0/16", "eni-0123456789abcdef0"),
        (ENDPOINT_PREFIX_LIST, ENDPOINT),
        ("0.0.0.0/0", IGW),
    } <= held
    assert managed.propagating_vgws == (VGW,)
    # The record names each copy, so that later changes are told apart.
    assert len(snap.ownership.copied(managed.id)) == 5
    assert plan_vpc(snap, Policy(), ALL).actions == ()


def test_a_route_added_replaced_or_removed_on_the_main_table_is_followed() -> None:
    snap = moved_story(route(TGW, "10.64.0.0/10"), route(PCX, "10.9.0.0/16"))
    changed = with_main(snap, route(TGW, "10.9.0.0/16"), route(TGW, "10.128.0.0/9"))
    plan = plan_vpc(changed, Policy(), AutoScope.none())
    assert {(type(a).__name__, getattr(a, "destination", "")) for a in plan.actions} == {
        ("UpdateCopiedRoute", "10.9.0.0/16"),  # now through the transit gateway
        ("CopyRoute", "10.128.0.0/9"),  # new
        ("DeleteCopiedRoute", "10.64.0.0/10"),  # gone from the main table
    }
    # What the table carries once applied is for the record (written ahead, confirmed by a read).
    assert dict(plan.copies[managed_of(changed).id]) == {
        ("route", "10.9.0.0/16"): TGW,
        ("route", "10.128.0.0/9"): TGW,
    }
    after = apply_actions(changed, plan.actions)
    main = after.main_route_table
    assert main is not None
    assert carried_by(managed_of(after), after).items == carried_by(main, after).items
    assert plan_vpc(after, Policy(), AutoScope.none()).actions == ()


def test_propagation_and_endpoints_are_followed_on_and_off() -> None:
    snap = moved_story(route(TGW, "10.64.0.0/10"))
    endpoint = GatewayEndpoint(ENDPOINT, VPC, (MAIN,))
    on = replace(
        with_main(
            snap,
            route(TGW, "10.64.0.0/10"),
            route(ENDPOINT, ENDPOINT_PREFIX_LIST),
            propagating=(VGW,),
        ),
        gateway_endpoints=(endpoint,),
    )
    plan = plan_vpc(on, Policy(), AutoScope.none())
    assert sorted(kinds(plan.actions)) == ["EnableRoutePropagation", "SetEndpointRouteTable"]
    after = apply_actions(on, plan.actions)
    off = replace(
        with_main(after, route(TGW, "10.64.0.0/10"), propagating=()),
        gateway_endpoints=(replace(endpoint, route_table_ids=(managed_of(after).id,)),),
    )
    plan = plan_vpc(off, Policy(), AutoScope.none())
    (removal,) = [a for a in plan.actions if isinstance(a, SetEndpointRouteTable)]
    assert not removal.associate
    assert sum(isinstance(a, DisableRoutePropagation) for a in plan.actions) == 1
    after = apply_actions(off, plan.actions)
    assert plan_vpc(after, Policy(), AutoScope.none()).actions == ()


def test_a_copy_a_person_removed_is_reported_and_never_restored() -> None:
    snap = moved_story(route(TGW, "10.64.0.0/10"))
    edited = with_managed(
        snap,
        lambda t: replace(t, routes=tuple(r for r in t.routes if r.destination != "10.64.0.0/10")),
    )
    plan = plan_vpc(edited, Policy(), ALL)
    assert plan.actions == ()
    (finding,) = plan.findings
    assert finding.code is FindingCode.ROUTES_NOT_CARRIED and finding.needs_person
    assert "removed from the managed table by hand" in finding.message
    # Still not restored on the next reconcile, nor when the main table changes otherwise.
    later = with_main(edited, route(TGW, "10.64.0.0/10"), route(PCX, "10.9.0.0/16"))
    assert kinds(plan_vpc(later, Policy(), ALL).actions) == ["CopyRoute"]


def test_a_new_subnet_is_not_moved_onto_a_table_a_person_made_unequal() -> None:
    snap = moved_story(route(TGW, "10.64.0.0/10"))
    edited = with_managed(
        snap,
        lambda t: replace(t, routes=tuple(r for r in t.routes if r.destination != "10.64.0.0/10")),
    )
    edited = replace(edited, subnets=(*edited.subnets, subnet(S2)))
    plan = plan_vpc(edited, Policy(), AutoScope.subnets(S2))
    assert not any(a.subnet == S2 for a in plan.actions)
    assert [f.code for f in plan.findings].count(FindingCode.ROUTES_NOT_CARRIED) == 2


def test_a_route_a_person_added_to_the_managed_table_is_kept() -> None:
    snap = moved_story(route(TGW, "10.64.0.0/10"))
    edited = with_managed(
        snap, lambda t: replace(t, routes=(*t.routes, route(PCX, "10.50.0.0/16")))
    )
    assert plan_vpc(edited, Policy(), AutoScope.none()).actions == ()


def test_a_copy_a_person_pointed_elsewhere_is_reported_not_overwritten() -> None:
    snap = moved_story(route(TGW, "10.64.0.0/10"))
    edited = with_managed(
        snap,
        lambda t: replace(
            t,
            routes=tuple(
                replace(r, target_id=PCX) if r.destination == "10.64.0.0/10" else r
                for r in t.routes
            ),
        ),
    )
    plan = plan_vpc(edited, Policy(), ALL)
    assert plan.actions == ()
    assert "set by hand" in plan.findings[0].message


def test_a_local_route_pointed_at_an_appliance_is_carried_and_pointed_back() -> None:
    appliance = route("eni-0123456789abcdef0", "10.0.0.0/16", origin=RouteOrigin.CREATE_ROUTE_TABLE)
    snap = vpc_snapshot(subnet(S1))
    inspected = replace(
        snap,
        route_tables=tuple(
            replace(t, routes=(appliance,)) if t.is_main else t for t in snap.route_tables
        ),
    )
    plan = plan_vpc(inspected, Policy(), ALL)
    (update,) = [a for a in plan.actions if isinstance(a, UpdateCopiedRoute)]
    assert (update.destination, update.target, update.previous_target) == (
        "10.0.0.0/16",
        "eni-0123456789abcdef0",
        "local",
    )
    after = apply_actions(inspected, plan.actions)
    assert plan_vpc(after, Policy(), ALL).actions == ()
    # The main table sends the VPC's traffic to the VPC again: so does the managed table.
    back = with_main(after)
    back = replace(
        back,
        route_tables=tuple(
            replace(t, routes=(replace(appliance, target_id="local"),)) if t.is_main else t
            for t in back.route_tables
        ),
    )
    plan = plan_vpc(back, Policy(), ALL)
    (update,) = [a for a in plan.actions if isinstance(a, UpdateCopiedRoute)]
    assert update.target == "local"
    assert not any(isinstance(a, DeleteCopiedRoute) for a in plan.actions)


def test_routes_that_cannot_be_copied_keep_the_subnet_on_the_main_table() -> None:
    for blocker in (
        route(PCX, "10.9.0.0/16", blackhole=True),  # the peering was deleted
        route(VGW, "10.8.0.0/16", origin=RouteOrigin.ADVERTISEMENT),  # a VPC route server's
    ):
        snap = vpc_snapshot(subnet(S1), main_routes=(blocker,))
        plan = plan_vpc(snap, Policy(), ALL)
        assert plan.actions == (), blocker
        (finding,) = plan.findings
        assert finding.code is FindingCode.ROUTES_NOT_CARRIED and finding.needs_person
        assert "RouteStrategy=main" in finding.message


def test_a_main_table_with_many_routes_is_carried_whole() -> None:
    # The record is the remediator's own (not a 256-character tag): no limit of 48 routes.
    many = tuple(route(TGW, f"10.{100 + i}.0.0/16") for i in range(120))
    snap = vpc_snapshot(subnet(S1), main_routes=many)
    plan = plan_vpc(snap, Policy(), ALL)
    assert kinds(plan.actions).count("CopyRoute") == 120
    after = apply_actions(snap, plan.actions)
    assert len(after.ownership.copied(managed_of(after).id)) == 120
    assert plan_vpc(after, Policy(), ALL).actions == ()


def test_egress_only_ipv6_of_the_main_table_comes_with_a_dual_stack_subnet() -> None:
    eigw = "eigw-0123456789abcdef0"
    # Tagged public: on auto intent a main table egress-only over IPv6 is an outbound-only
    # design, and the subnet is left alone (tests/unit/test_intent.py).
    tagged = subnet(S1, ipv6=True, tags={"vpc-remediator:intent": "public"})
    snap = vpc_snapshot(tagged, main_routes=(route(eigw, IPV6_DEFAULT),))
    assert (
        plan_vpc(
            vpc_snapshot(subnet(S1, ipv6=True), main_routes=(route(eigw, IPV6_DEFAULT),)),
            Policy(),
            ALL,
        ).actions
        == ()
    )
    plan = plan_vpc(snap, Policy(), ALL)
    copies = [(a.destination, a.target) for a in plan.actions if isinstance(a, CopyRoute)]
    assert copies == [(IPV6_DEFAULT, eigw)]
    # ::/0 -> eigw is the IPv6 design: no ::/0 -> igw is added, and IPv4 is fixed.
    routes = [(a.destination, a.gateway) for a in plan.actions if isinstance(a, CreateRoute)]
    assert routes == [("0.0.0.0/0", IGW)]
    after = apply_actions(snap, plan.actions)
    assert plan_vpc(after, Policy(), ALL).actions == ()


def test_a_table_it_cannot_carry_routes_for_plans_nothing_for_it() -> None:
    snap = vpc_snapshot(subnet(S1), main_routes=(route(PCX, "10.9.0.0/16", blackhole=True),))
    assert snap.main_route_table is not None
    carry = plan_carry(snap, snap.main_route_table, None, MANAGED)
    assert carry.actions == () and carry.problems
