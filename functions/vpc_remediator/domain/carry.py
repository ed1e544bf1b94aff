"""Moving a subnet never loses a route (docs/design.md section 5).

A subnet the `dedicated` strategy moves off the main table onto the managed public table keeps
every route it had: the managed table carries every route of the main table besides the
default routes (transit gateway, virtual private gateway and its route propagation, peering,
gateway endpoints, appliances, local and carrier gateways, Cloud WAN, a local route pointed at
an appliance), and is kept in step when the main table changes later. The default routes are
the planner's: it moves a subnet only to a table that keeps what the main table's default
routes gave it (`::/0` to an egress-only gateway included).

The remediator's record (domain/ownership.py, never a tag) says which routes it put on the
managed table, so that it tells its own copies from a person's changes to the table itself:

- a copy whose source the main table changed or removed is updated or removed with it;
- a copy a person removed from the managed table is reported, never restored;
- a route a person added to the managed table is kept; one that contradicts the main table
  is reported, never overwritten.

Where the managed table cannot be kept equal (a route that cannot be copied, a copy removed
by hand), no further subnet is moved onto it and a finding
says why. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .actions import (
    Action,
    CopyRoute,
    DeleteCopiedRoute,
    DisableRoutePropagation,
    EnableRoutePropagation,
    Ref,
    SetEndpointRouteTable,
    UpdateCopiedRoute,
)
from .model import (
    Item,
    RouteOrigin,
    RouteState,
    RouteTable,
    TargetKind,
    VpcSnapshot,
)

ROUTE, PROPAGATION, ENDPOINT = "route", "propagation", "endpoint"
_ROUTE, _PROPAGATION, _ENDPOINT = ROUTE, PROPAGATION, ENDPOINT
# Targets CreateRoute can name.
_COPYABLE = frozenset(TargetKind) - {TargetKind.OTHER, TargetKind.LOCAL}


@dataclass(frozen=True)
class Carried:
    """What a table holds beyond its default routes, keyed by item: target (or "")."""

    items: Mapping[Item, str] = field(default_factory=dict)
    # Destinations of the table's local routes (they exist in every table of the VPC).
    local_destinations: frozenset[str] = frozenset()
    # Why some of the table's routes cannot be carried at all (learned from a route server).
    uncarriable: tuple[str, ...] = ()


def carried_by(table: RouteTable, snapshot: VpcSnapshot) -> Carried:
    gateway_endpoints = {e.id for e in snapshot.gateway_endpoints}
    items: dict[Item, str] = {}
    local: set[str] = set()
    uncarriable: list[str] = []
    covers = table.covering_destinations()
    for route in table.routes:
        if route.destination in covers:
            continue  # they stand for a default route: the planner's to decide, never copied
        if route.origin is RouteOrigin.CREATE_ROUTE_TABLE:
            local.add(route.destination)
        if route.origin is RouteOrigin.ADVERTISEMENT:
            uncarriable.append(f"{route.destination} is learned from a VPC route server")
            continue
        if route.is_learned or route.is_local or route.target_id in gateway_endpoints:
            continue  # propagation and endpoints are carried as such, below
        if route.is_default:
            continue  # the managed table's own default routes are the planner's to decide
        items[(_ROUTE, route.destination)] = route.target_id
    for vgw in table.propagating_vgws:
        items[(_PROPAGATION, vgw)] = ""
    for endpoint in snapshot.gateway_endpoints:
        if table.id in endpoint.route_table_ids:
            items[(_ENDPOINT, endpoint.id)] = ""
    return Carried(items, frozenset(local), tuple(uncarriable))


@dataclass(frozen=True)
class CarryPlan:
    actions: tuple[Action, ...] = ()
    # What the table carries for the record once the actions are applied (item -> target),
    # when that changes: the copies a person removed since stay in it, so that they are not
    # copied again.
    record: Mapping[Item, str] | None = None
    # Why the managed table is not equal to the main table (no subnet is moved onto it).
    problems: tuple[str, ...] = ()
    # The routes the table will carry once the actions are applied (destination -> target).
    routes: Mapping[str, str] = field(default_factory=dict)
    # Everything it will carry once the actions are applied (None: not planned).
    items: Mapping[Item, str] | None = None


def plan_carry(
    snapshot: VpcSnapshot, source: RouteTable, managed: RouteTable | None, table: Ref
) -> CarryPlan:
    """Bring `table` (the managed table, or a new one when `managed` is None) in step with
    `source` (the main table)."""
    desired = carried_by(source, snapshot)
    actual = carried_by(managed, snapshot) if managed is not None else Carried()
    local = actual.local_destinations if managed is not None else desired.local_destinations
    recorded = snapshot.ownership.copied(managed.id) if managed is not None else {}
    routes_by_destination = {r.destination: r for r in source.routes}

    def ours(item: Item, target: str) -> bool:
        return recorded.get(item) == target

    actions: list[Action] = []
    problems = list(desired.uncarriable)
    after = dict(actual.items)
    for item, target in sorted(desired.items.items()):
        have = actual.items.get(item)
        if have == target:
            continue
        kind, key = item
        if have is not None and not ours(item, have):
            problems.append(
                f"{_describe(item, have)} in the managed table was set by hand, while "
                f"{source.id} has {_describe(item, target)}"
            )
            continue
        if have is None and ours(item, target):
            problems.append(
                f"{_describe(item, target)} was removed from the managed table by hand; it is "
                "not restored"
            )
            continue
        if kind == _ROUTE:
            route = routes_by_destination[key]
            if route.state is RouteState.BLACKHOLE or route.target_kind not in _COPYABLE:
                why = "a blackhole" if route.state is RouteState.BLACKHOLE else "not copyable"
                problems.append(f"{_describe(item, target)} in {source.id} is {why}")
                continue
        actions.append(_change(item, target, have, table, source.id, key in local))
        after[item] = target
    for item, have in sorted(actual.items.items()):
        if item in desired.items or not ours(item, have):
            continue  # a route a person added to the managed table is theirs to keep
        actions.append(_removal(item, have, table, source.id, item[1] in local))
        del after[item]
    # The record names what the table carries in step with the main table, and remembers the
    # copies a person removed or pointed elsewhere (so that they are not copied again).
    matching = {i: t for i, t in desired.items.items() if after.get(i) == t or ours(i, t)}
    record = matching if matching != dict(recorded) else None
    return CarryPlan(
        tuple(actions),
        record,
        tuple(problems),
        {key: target for (kind, key), target in after.items() if kind == _ROUTE},
        after,
    )


def _describe(item: Item, target: str) -> str:
    kind, key = item
    if kind == _ROUTE:
        return f"the route {key} -> {target}"
    if kind == _PROPAGATION:
        return f"route propagation from {key}"
    return f"the gateway endpoint {key}"


def _change(  # noqa: PLR0917 - a private helper of plan_carry
    item: Item, target: str, have: str | None, table: Ref, source: str, is_local: bool
) -> Action:
    kind, key = item
    reason = f"the managed table carries every route of {source}, so no subnet loses one"
    if kind == _PROPAGATION:
        return EnableRoutePropagation(
            route_table=table, gateway=key, source_table=source, reason=reason
        )
    if kind == _ENDPOINT:
        return SetEndpointRouteTable(
            endpoint_id=key, route_table=table, associate=True, source_table=source, reason=reason
        )
    if have is not None or is_local:
        return UpdateCopiedRoute(
            route_table=table,
            destination=key,
            target=target,
            previous_target=have or "local",
            source_table=source,
            reason=f"{source} now sends {key} to {target}",
        )
    return CopyRoute(
        route_table=table, destination=key, target=target, source_table=source, reason=reason
    )


def _removal(item: Item, have: str, table: Ref, source: str, is_local: bool) -> Action:
    kind, key = item
    reason = f"{source} no longer has it, and the managed table follows {source}"
    if kind == _PROPAGATION:
        return DisableRoutePropagation(
            route_table=str(table), gateway=key, source_table=source, reason=reason
        )
    if kind == _ENDPOINT:
        return SetEndpointRouteTable(
            endpoint_id=key, route_table=table, associate=False, source_table=source, reason=reason
        )
    if is_local:
        # A local route can only be pointed back at the VPC, never deleted.
        return UpdateCopiedRoute(
            route_table=table,
            destination=key,
            target="local",
            previous_target=have,
            source_table=source,
            reason=f"{source} sends {key} to the VPC again",
        )
    return DeleteCopiedRoute(
        route_table=str(table),
        destination=key,
        previous_target=have,
        source_table=source,
        reason=reason,
    )
