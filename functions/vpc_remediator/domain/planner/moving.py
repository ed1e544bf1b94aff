"""Moving public subnets off the main table (the `dedicated` strategy), only where they keep
every route they had: onto the managed table; where there is none, onto the owner's own public
table when exactly one serves them (docs/design.md section 5); else onto a managed table
created for them."""

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
from ..carry import CarryPlan, carried_by, plan_carry
from ..findings import FindingCode
from ..model import (
    IPV4_DEFAULT,
    IPV6_DEFAULT,
    RouteState,
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
from ..provenance import iac_owner
from ..routing import RouteStatus, destinations, route_status
from ..text import shown
from .draft import (
    MANAGED_ROUTE_TABLE,
    Draft,
    claimed_route_tables,
    table_words,
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


def owners_public_tables(b: Draft) -> tuple[RouteTable, ...]:
    """The VPC owner's own public tables: not the main table, not the remediator's, not claimed
    by its tags, not a tool's (by the table's or the VPC's tags), not on hold; a default route
    to this VPC's attached internet gateway, active; and subnets, every one meant to be public.
    Routes and associations say so, which only route table calls write (a tag says nothing)."""
    snapshot = b.snapshot
    igw = snapshot.attached_internet_gateway
    if igw is None:
        return ()
    claimed = {t.id for t in claimed_route_tables(snapshot)}
    keys = b.policy.iac_tag_keys
    found = []
    for table in snapshot.route_tables:
        default = table.default_route(IPV4_DEFAULT)
        if (
            table.is_main
            or snapshot.ownership.owns(table.id)
            or table.id in claimed
            or b.is_held(table.id)
            or iac_owner(table.tags, keys)
            or iac_owner(snapshot.vpc.tags, keys)
            or default is None
            or default.target_id != igw.id
            or default.state is not RouteState.ACTIVE
            or not snapshot.subnets_governed_by(table)
            or not b.only_public_subnets(table)
        ):
            continue
        found.append(table)
    return tuple(sorted(found, key=lambda t: t.id))


def serves(b: Draft, table: RouteTable, main: RouteTable, subnets: list[Subnet]) -> bool:
    """Whether the subnets, moved off the main table onto `table`, keep every route they had
    and reach the internet over each address family they have, with nothing written to it."""
    have = carried_by(main, b.snapshot)
    there = carried_by(table, b.snapshot).items
    if have.uncarriable or any(there.get(item) != target for item, target in have.items.items()):
        return False
    if defaults_kept(main, table).problems:
        return False
    return all(
        route_status(table, destination, subnet).status is RouteStatus.OK
        for subnet in subnets
        for destination in destinations(subnet)
    )


def addressed_like_siblings(b: Draft, subnet: Subnet, table: RouteTable) -> bool:
    """Whether a subnet on (or joining) the owner's own public table gets public addresses on
    launch: as explicit intent says, or as some subnet on the table has them (where none has,
    the owner launches with addresses asked for, or none: Security Hub's EC2.15 asks that)."""
    if b.intent(subnet).is_explicit:
        return True
    return any(
        s.map_public_ip_on_launch or s.assign_ipv6_address_on_creation
        for s in b.snapshot.subnets_governed_by(table)
    )


def join_owners_table(b: Draft, main: RouteTable, subnets: list[Subnet]) -> bool:
    """Associate the subnets with the owner's own public table where exactly one serves them
    (True); where there is none, or several (the choice is the owner's), False."""
    serving = [t for t in owners_public_tables(b) if serves(b, t, main, subnets)]
    if len(serving) != 1:
        return False
    table = serving[0]
    siblings = sorted(b.snapshot.subnets_governed_by(table), key=lambda s: (s.name or s.id, s.id))
    named = ", ".join(shown(s.name) if s.name else s.id for s in siblings[:3])
    more = f" and {len(siblings) - 3} more" if len(siblings) > 3 else ""
    for subnet in subnets:
        off = (
            ""
            if addressed_like_siblings(b, subnet, table)
            else ("; public IPs stay off on launch, as on them (the owner's choice)")
        )
        b.associations.append(
            AssociateRouteTable(
                route_table=table.id,
                subnet_id=subnet.id,
                reason=(
                    f"{subnet.id} is public; it joins the VPC's own public table "
                    f"{table_words(table)}, beside {named}{more}{off}"
                ),
            )
        )
        b.changed.add(subnet.id)
        b.joined[subnet.id] = table
    return True


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
    if managed is None and join_owners_table(b, main, subnets):
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
