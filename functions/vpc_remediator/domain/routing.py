"""What a subnet's route table does for its default routes, shared by intent and planner.

A default route to an internet gateway makes a subnet public; a blackhole one (its gateway was
deleted or detached) is the only kind the remediator repairs. A default route to anything else
is a private design whatever its state (a blackhole NAT route included): a conflict for a
public subnet, never redirected. `::/0 -> eigw-...` (an egress-only internet gateway) is a
deliberate IPv6 design for a dual-stack subnet: it needs nothing more. An IPv6-only subnet has
no IPv4 route to need; its public route is `::/0 -> igw-...`.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import NamedTuple

from .model import (
    IPV4_DEFAULT,
    IPV6_DEFAULT,
    Route,
    RouteState,
    RouteTable,
    Subnet,
    TargetKind,
)


class RouteStatus(Enum):
    OK = auto()
    MISSING = auto()
    BLACKHOLE = auto()  # to an internet gateway that is gone: repairable
    CONFLICT = auto()  # to anything else, in any state: never redirected


class Reach(NamedTuple):
    """What a table does for one default route: its status, and the target it names ("")."""

    status: RouteStatus
    target: str


def primary_destination(subnet: Subnet) -> str:
    return IPV6_DEFAULT if subnet.ipv6_only else IPV4_DEFAULT


def destinations(subnet: Subnet) -> tuple[str, ...]:
    """The default routes a public subnet needs."""
    if subnet.ipv6_only:
        return (IPV6_DEFAULT,)
    return (IPV4_DEFAULT, IPV6_DEFAULT) if subnet.has_ipv6 else (IPV4_DEFAULT,)


def _one_target(table: RouteTable, route: Route) -> bool:
    targets = {r.target_id for r in table.routes if r.destination in route.covering}
    return targets == {route.target_id}


def route_status(table: RouteTable, destination: str, subnet: Subnet) -> Reach:
    route = table.default_route(destination)
    if route is None:
        return Reach(RouteStatus.MISSING, "")
    kind = route.target_kind
    if route.covering and (route.state is RouteState.BLACKHOLE or not _one_target(table, route)):
        # Routes that cover the default with a gateway gone, or to more than one target: no
        # single route to repair, and no plain way to the internet.
        return Reach(RouteStatus.CONFLICT, route.target_id)
    if kind is TargetKind.IGW:
        if route.state is RouteState.BLACKHOLE:
            return Reach(RouteStatus.BLACKHOLE, route.target_id)
        return Reach(RouteStatus.OK, route.target_id)
    if destination == IPV6_DEFAULT and kind is TargetKind.EGRESS_ONLY_IGW and not subnet.ipv6_only:
        return Reach(RouteStatus.OK, route.target_id)
    return Reach(RouteStatus.CONFLICT, route.target_id)
