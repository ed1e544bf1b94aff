"""Moving public subnets off the main table (the `dedicated` strategy) onto the managed table,
created when there is none, only where they keep every route they had."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..actions import (
    AssociateRouteTable,
    CopyRoute,
    CreateRouteTable,
    Ref,
)
from ..carry import CarryPlan, plan_carry
from ..findings import FindingCode
from ..model import (
    IPV4_DEFAULT,
    IPV6_DEFAULT,
    RouteTable,
    Subnet,
    TargetKind,
    frozen_tags,
)
from ..policy import (
    MANAGED_CREATED,
    MANAGED_TAG_KEY,
    ROLE_PUBLIC_ROUTE_TABLE,
    ROLE_TAG_KEY,
)
from ..routing import RouteStatus, destinations
from .draft import (
    MANAGED_ROUTE_TABLE,
    Draft,
    claimed_route_tables,
    will_route,
)


@dataclass(frozen=True)
class DefaultsKept:
    """What the main table's default routes give a subnet, which the table it moves to must
    give too."""

    to_internet: frozenset[str]  # the destinations to route to the internet gateway
    problems: tuple[str, ...]  # why the table it moves to cannot give them
    copied: Mapping[str, str]  # what a new table copies (`::/0 -> eigw-...`)


def defaults_kept(main: RouteTable, managed: RouteTable | None) -> DefaultsKept:
    to_internet: set[str] = set()
    problems: list[str] = []
    copied: dict[str, str] = {}
    for destination in (IPV4_DEFAULT, IPV6_DEFAULT):
        route = main.default_route(destination)
        if route is None:
            continue
        if route.target_kind is TargetKind.IGW:
            to_internet.add(destination)
        elif destination == IPV4_DEFAULT:
            # Only IPv6-only subnets get this far: they would lose the table's IPv4 route.
            problems.append(
                f"it sends {IPV4_DEFAULT} to {route.target_id}, and a managed table sends it "
                "to the internet gateway"
            )
        elif managed is None:
            copied[destination] = route.target_id
        elif (
            kept := managed.default_route(destination)
        ) is None or kept.target_id != route.target_id:
            problems.append(
                f"it sends {destination} to {route.target_id}, and the managed table "
                f"{managed.id} does not"
            )
    return DefaultsKept(frozenset(to_internet), tuple(problems), MappingProxyType(copied))


def new_managed_table(b: Draft, main: RouteTable, carry: CarryPlan, carried: dict[str, str]) -> Ref:
    vpc_id = b.snapshot.vpc.id
    b.setup.append(
        CreateRouteTable(
            vpc_id=vpc_id,
            ref=MANAGED_ROUTE_TABLE,
            tags=frozen_tags(
                {
                    MANAGED_TAG_KEY: MANAGED_CREATED,
                    ROLE_TAG_KEY: ROLE_PUBLIC_ROUTE_TABLE,
                    "Name": f"vpcr-public-{vpc_id}",
                }
            ),
            reason="public subnets get their own route table; the main table stays private",
        )
    )
    b.carries.extend(carry.actions)
    b.carries.extend(
        CopyRoute(
            route_table=MANAGED_ROUTE_TABLE,
            destination=destination,
            target=target,
            source_table=main.id,
            reason=f"subnets moving off {main.id} keep its {destination} route",
        )
        for destination, target in carried.items()
        if destination in (IPV4_DEFAULT, IPV6_DEFAULT)
    )
    b.copies[MANAGED_ROUTE_TABLE] = MappingProxyType(dict(carry.record or {}))
    return MANAGED_ROUTE_TABLE


def plan_dedicated_table(  # noqa: PLR0917 - one call site, named by position there
    b: Draft,
    main: RouteTable,
    managed: RouteTable | None,
    subnets: list[Subnet],
    enforced: set[str],
    carry: CarryPlan,
) -> None:
    """Move `subnets` off the main table onto the managed table (created when there is none),
    only where they keep every route they had and gain the route to the internet gateway."""
    gateway = b.gateway
    if gateway is None:  # subnets are only moved once a gateway is known
        return
    if managed is not None and b.is_held(managed.id):
        b.report_hold(managed.id)
        return
    moving = ", ".join(s.id for s in subnets)
    if managed is None and (claimed := claimed_route_tables(b.snapshot)):
        # Not a second table beside one that says it is the remediator's: a person decides.
        b.find(
            FindingCode.CLAIMED_ROUTE_TABLE,
            subnets[0].id,
            f"{moving} not moved off the main table {main.id}: "
            f"{', '.join(t.id for t in claimed)} says it is the remediator's public table, which "
            "its record does not prove, and a second one is not made beside it",
            person=True,
        )
        return
    if managed is None:
        carry = plan_carry(b.snapshot, main, None, MANAGED_ROUTE_TABLE)
    kept = defaults_kept(main, managed)
    carried = {**carry.routes, **kept.copied}
    to_internet = kept.to_internet
    problems = [*carry.problems, *kept.problems]
    if problems:
        b.find(
            FindingCode.ROUTES_NOT_CARRIED,
            subnets[0].id,
            f"{moving} not moved off the main table {main.id}: a managed public table cannot "
            f"keep every route it has ({'; '.join(problems)}); use RouteStrategy=main, or "
            "associate them with a route table of your own that routes to the internet gateway",
            person=True,
        )
        return
    if managed is not None and not b.only_public_subnets(managed):
        b.find(
            FindingCode.SHARED_ROUTE_TABLE,
            managed.id,
            f"the managed table {managed.id} governs subnets not meant to be public; "
            f"{moving} are not moved to it",
            person=True,
        )
        return
    needed = {(d, s.id) for s in subnets for d in destinations(s)}
    needed |= {(d, subnets[0].id) for d in to_internet}
    by_id = {s.id: s for s in subnets}
    statuses = {(d, sid): will_route(managed, carried, d, by_id[sid]) for d, sid in sorted(needed)}
    for (destination, _), (status, target) in statuses.items():
        if status is RouteStatus.CONFLICT:
            b.find(
                FindingCode.ROUTE_CONFLICT,
                managed.id if managed else b.snapshot.vpc.id,
                f"the managed table sends {destination} to {target}; {moving} are not moved to it",
                person=True,
            )
            return
    if managed is not None:
        missing = {d for (d, _), (status, _) in statuses.items() if status is RouteStatus.MISSING}
        # A route this plan already restores for a subnet whose intent is enforced is not left
        # out by a person's hand any more.
        missing -= {d for table, d in b.routes if table == managed.id}
        hands_off = [
            s.id
            for s in b.snapshot.subnets_governed_by(managed)
            if s.id not in enforced and missing & set(destinations(s))
        ]
        if hands_off:
            # Its subnets lack the route by a person's hand; another subnet is no reason to
            # put it back.
            b.find(
                FindingCode.MANAGED_ROUTE_REMOVED,
                managed.id,
                f"the {', '.join(sorted(missing))} route of the managed table {managed.id} was "
                f"removed by hand (it governs {', '.join(hands_off)}); it is not restored, and "
                f"{moving} are left on the main table",
                person=True,
            )
            return
    table = managed.id if managed is not None else new_managed_table(b, main, carry, carried)
    for (destination, _), (status, target) in sorted(statuses.items()):
        if status is not RouteStatus.OK:
            b.fix_route(table, destination, gateway, status, target)
    for subnet in subnets:
        b.associations.append(
            AssociateRouteTable(
                route_table=table,
                subnet_id=subnet.id,
                reason=f"{subnet.id} is public and the main table has no internet route",
            )
        )
        b.changed.add(subnet.id)
