"""Explicitly private subnets: public IPv4 mapping turned off; a route to the internet is reported,
never deleted."""

from __future__ import annotations

from ..actions import (
    SetMapPublicIpOnLaunch,
)
from ..findings import FindingCode
from ..intent import Intent
from ..model import (
    TargetKind,
)
from ..routing import RouteStatus, destinations, route_status
from .draft import (
    Draft,
)


def plan_private(b: Draft) -> None:
    for subnet in b.snapshot.subnets:
        intent = b.intent(subnet)
        if intent.intent is not Intent.PRIVATE or not intent.is_explicit:
            continue
        if b.is_held(subnet.id):
            b.report_hold(subnet.id)
            continue
        if subnet.map_public_ip_on_launch:
            b.set_attribute(
                subnet.id,
                SetMapPublicIpOnLaunch(
                    subnet_id=subnet.id,
                    enabled=False,
                    reason=f"{intent.reason}: private subnets get no public IPv4 address",
                ),
            )
        table = b.snapshot.governing_route_table(subnet.id)
        if table is None:
            continue
        public = [
            d
            for d in destinations(subnet)
            if (route := table.default_route(d)) is not None
            and route.target_kind is TargetKind.IGW
            and route_status(table, d, subnet)[0] is RouteStatus.OK
        ]
        if public:
            b.find(
                FindingCode.EXPLICIT_INTENT_UNMET,
                subnet.id,
                f"{subnet.id} is tagged private but {table.id} routes {public[0]} to an "
                "internet gateway; the remediator never deletes routes: move or fix it by hand",
                person=True,
            )
