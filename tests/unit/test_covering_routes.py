"""Routes that together cover the default (0.0.0.0/1 + 128.0.0.0/1, and any such set, IPv6
too) are the default in every rule: through a NAT they mean private, through the internet
gateway public (model.RouteTable.default_route)."""

from __future__ import annotations

import pytest

from tests.builders import IGW, MAIN, NAT, region_of, route, subnet, table, vpc_snapshot
from vpc_remediator.domain.actions import CopyRoute, CreateRoute, ReplaceRoute
from vpc_remediator.domain.intent import Intent
from vpc_remediator.domain.launchers.view import LaunchView
from vpc_remediator.domain.model import IPV4_DEFAULT, IPV6_DEFAULT, Route, RouteTable, VpcSnapshot
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import DEFAULT_INTENT_TAG_KEY, AutoScope, Policy
from vpc_remediator.domain.routing import RouteStatus, route_status

S1 = "subnet-00000000000000001"
ENI = "eni-0000000000000appl1"
TGW = "tgw-0123456789abcdef0"
ALL = AutoScope.all()


def halves(target: str, *, blackhole: bool = False) -> tuple[Route, ...]:
    return (
        route(target, "0.0.0.0/1", blackhole=blackhole),
        route(target, "128.0.0.0/1", blackhole=blackhole),
    )


@pytest.mark.parametrize(
    ("routes", "target"),
    [
        (halves(IGW), IGW),
        ((route(IGW, "0.0.0.0/2"), route(IGW, "64.0.0.0/2"), route(IGW, "128.0.0.0/1")), IGW),
        (
            (
                route(
                    IGW,
                    "::/1",
                ),
                route(IGW, "8000::/1"),
            ),
            None,
        ),  # IPv6 covers only IPv6
        ((route(IGW, "0.0.0.0/1"),), None),  # half the range is not a default
        ((route(IGW), *halves(ENI)), ENI),  # the halves win over 0.0.0.0/0
        ((route(IGW, "0.0.0.0/1"), route(NAT, "128.0.0.0/1")), NAT),  # mixed: not the internet
        ((*halves(IGW), route(TGW, "10.0.0.0/8")), IGW),  # narrower routes are narrower
    ],
)
def test_the_default_route_of_a_table(routes: tuple[Route, ...], target: str | None) -> None:
    found = table("rtb-00000000000000001", *routes).default_route(IPV4_DEFAULT)
    assert (found.target_id if found else None) == target


def test_ipv6_halves_are_the_ipv6_default() -> None:
    t = table("rtb-00000000000000001", route(IGW, "::/1"), route(IGW, "8000::/1"))
    found = t.default_route(IPV6_DEFAULT)
    assert found is not None and found.target_id == IGW and found.covering == ("::/1", "8000::/1")


def on_own_table(*routes: Route) -> tuple[VpcSnapshot, RouteTable]:
    own = table("rtb-00000000000000own", *routes, subnets=(S1,))
    snap = vpc_snapshot(subnet(S1), tables=(own,))
    return snap, own


def test_halves_to_the_gateway_are_public_and_need_nothing() -> None:
    snap, _ = on_own_table(*halves(IGW))
    plan = plan_vpc(snap, Policy(), ALL)
    (intent,) = plan.intents
    assert intent.intent is Intent.PUBLIC
    assert not any(isinstance(a, CreateRoute | ReplaceRoute) for a in plan.actions)
    view = LaunchView.of(region_of(snap))
    assert view.unreachable_because(snap.subnets[0]) == ""


def test_halves_through_a_nat_are_private_and_egress() -> None:
    snap, _ = on_own_table(*halves(NAT))
    plan = plan_vpc(snap, Policy(), ALL)
    assert plan.intents[0].intent is Intent.PRIVATE and plan.actions == ()
    view = LaunchView.of(region_of(snap))
    assert view.has_egress(snap.subnets[0])


def test_a_main_table_with_halves_through_a_nat_keeps_new_subnets_private() -> None:
    snap = vpc_snapshot(subnet(S1, name="web-a"), main_routes=halves(NAT))
    plan = plan_vpc(snap, Policy(), ALL)
    assert plan.intents[0].intent is Intent.PRIVATE and plan.actions == ()


def test_halves_that_win_over_the_default_are_never_redirected() -> None:
    snap, own = on_own_table(route(IGW), *halves(ENI))
    tagged = vpc_snapshot(
        subnet(S1, tags={DEFAULT_INTENT_TAG_KEY: "public"}),
        tables=(own,),
    )
    for s in (snap, tagged):
        plan = plan_vpc(s, Policy(), ALL)
        assert plan.actions == () or not any(a.table == own.id for a in plan.actions)
    status, target = route_status(own, IPV4_DEFAULT, tagged.subnets[0])
    assert (status, target) == (RouteStatus.CONFLICT, ENI)


def test_halves_with_a_gateway_gone_are_reported_not_repaired() -> None:
    own: RouteTable = table("rtb-00000000000000own", *halves(IGW, blackhole=True), subnets=(S1,))
    snap = vpc_snapshot(subnet(S1, tags={DEFAULT_INTENT_TAG_KEY: "public"}), tables=(own,))
    assert route_status(own, IPV4_DEFAULT, snap.subnets[0])[0] is RouteStatus.CONFLICT
    plan = plan_vpc(snap, Policy(), ALL)
    assert not any(isinstance(a, ReplaceRoute) for a in plan.actions)


def test_halves_of_the_main_table_are_never_copied_into_a_public_table() -> None:
    """Forced egress through an inspection transit gateway (0.0.0.0/1 + 128.0.0.0/1): a
    subnet tagged public on the main table is a conflict, and no half is copied anywhere."""
    snap = vpc_snapshot(
        subnet(S1, tags={DEFAULT_INTENT_TAG_KEY: "public"}), main_routes=halves(TGW)
    )
    plan = plan_vpc(snap, Policy(), ALL)
    assert not any(isinstance(a, CopyRoute) for a in plan.actions)
    assert not any(a.subnet == S1 for a in plan.actions)
    assert any(TGW in f.message for f in plan.findings)
    assert snap.main_route_table is not None and snap.main_route_table.id == MAIN
