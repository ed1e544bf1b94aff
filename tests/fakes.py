"""An in-memory EC2: applies planned actions to a snapshot, as AWS would, for pure tests."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from vpc_remediator.domain.actions import (
    Action,
    AssociateRouteTable,
    AttachInternetGateway,
    CopyRoute,
    CreateInternetGateway,
    CreateRoute,
    CreateRouteTable,
    DeleteCopiedRoute,
    DeleteRoute,
    DeleteRouteTable,
    DisableRoutePropagation,
    DisassociateRouteTable,
    EnableRoutePropagation,
    Pending,
    PlaceHold,
    Ref,
    ReplaceRoute,
    ReplaceRouteTableAssociation,
    SetAssignIpv6AddressOnCreation,
    SetEndpointRouteTable,
    SetMapPublicIpOnLaunch,
    TagLoadBalancerRole,
    TagResources,
    UntagLoadBalancerRole,
    UpdateCopiedRoute,
)
from vpc_remediator.domain.model import (
    Hold,
    InternetGateway,
    Ownership,
    Route,
    RouteOrigin,
    RouteState,
    RouteTable,
    TargetKind,
    VpcSnapshot,
    frozen_tags,
)
from vpc_remediator.domain.ownership import written_item

# The prefix list a gateway endpoint's routes name (one per fake endpoint is enough).
ENDPOINT_PREFIX_LIST = "pl-0000000000000000e"

_ids = itertools.count(1)


class FakeEc2Error(Exception):
    pass


def apply_actions(snapshot: VpcSnapshot, actions: tuple[Action, ...]) -> VpcSnapshot:
    """The snapshot after the actions, as AWS would make it; its ownership as the record would
    say once a read confirmed what the remediator wrote (domain/ownership.py)."""
    created: dict[Pending, str] = {}
    after = apply_to_ec2(snapshot, actions, created)
    return replace(after, ownership=_owned_after(snapshot, after, actions, created))


def _owned_after(
    before: VpcSnapshot,
    after: VpcSnapshot,
    actions: tuple[Action, ...],
    created: dict[Pending, str],
) -> Ownership:
    owned = before.ownership
    tables = set(owned.tables)
    copies = {t: dict(items) for t, items in owned.copies.items()}
    moved = dict(owned.moved)
    holds = dict(owned.holds)
    for action in actions:
        match action:
            case CreateRouteTable(ref=ref) if ref in created:
                tables.add(created[ref])
            case DeleteRouteTable(route_table=rt):
                tables.discard(rt)
                copies.pop(rt, None)
            case AssociateRouteTable(route_table=rt, subnet_id=sid):
                came = before.explicit_route_table(sid)
                moved[sid] = came.id if came else ""
            case PlaceHold(resource_id=rid, note=note, tool=tool):
                holds[rid] = Hold(note, tool)
        if (written := written_item(action)) is not None:
            table, item, target = written
            tid = created.get(table, "") if isinstance(table, Pending) else table
            if tid in tables and target is None:
                copies.get(tid, {}).pop(item, None)
            elif tid in tables and target is not None:
                copies.setdefault(tid, {})[item] = target
    live = {t.id for t in after.route_tables}
    return Ownership(
        known=True,
        tables=frozenset(tables & live),
        copies=MappingProxyType({t: MappingProxyType(i) for t, i in copies.items() if t in live}),
        moved=MappingProxyType(moved),
        holds=MappingProxyType(holds),
    )


def apply_to_ec2(
    snapshot: VpcSnapshot, actions: tuple[Action, ...], created: dict[Pending, str] | None = None
) -> VpcSnapshot:
    """EC2's side alone: the record is left as it was (the service's RecordBook keeps it)."""
    created = {} if created is None else created

    def rid(ref: Ref) -> str:
        return created[ref] if isinstance(ref, Pending) else ref

    def update_table(tid: str, change) -> None:
        nonlocal snapshot
        if not any(t.id == tid for t in snapshot.route_tables):
            raise FakeEc2Error(f"InvalidRouteTableID.NotFound {tid}")
        tables = tuple(change(t) if t.id == tid else t for t in snapshot.route_tables)
        snapshot = replace(snapshot, route_tables=tables)

    def routes_of(t: RouteTable, dest: str) -> tuple[Route, ...]:
        return tuple(r for r in t.routes if r.destination == dest and not r.is_learned)

    for action in actions:
        match action:
            case CreateInternetGateway(ref=ref, tags=tags):
                created[ref] = f"igw-fake{next(_ids):013d}"
                gateways = (*snapshot.internet_gateways, InternetGateway(created[ref], (), tags))
                snapshot = replace(snapshot, internet_gateways=gateways)
            case AttachInternetGateway(gateway=gw, vpc_id=vpc_id):
                gateways = tuple(
                    replace(g, attached_vpc_ids=(vpc_id,)) if g.id == rid(gw) else g
                    for g in snapshot.internet_gateways
                )
                snapshot = replace(snapshot, internet_gateways=gateways)
            case CreateRouteTable(ref=ref, vpc_id=vpc_id, tags=tags):
                created[ref] = f"rtb-fake{next(_ids):013d}"
                local = tuple(
                    replace(r, target_id="local")
                    for t in snapshot.route_tables
                    if t.is_main
                    for r in t.routes
                    if r.origin is RouteOrigin.CREATE_ROUTE_TABLE
                )
                new = RouteTable(created[ref], vpc_id, routes=local, tags=tags)
                snapshot = replace(snapshot, route_tables=(*snapshot.route_tables, new))
            case CreateRoute(route_table=rt, destination=dest, gateway=gw):

                def add(t: RouteTable, dest: str = dest, gw: Ref = gw) -> RouteTable:
                    if routes_of(t, dest):
                        raise FakeEc2Error(f"RouteAlreadyExists {dest} in {t.id}")
                    return replace(t, routes=(*t.routes, Route(dest, rid(gw))))

                update_table(rid(rt), add)
            case ReplaceRoute(route_table=rt, destination=dest, gateway=gw):

                def swap(t: RouteTable, dest: str = dest, gw: Ref = gw) -> RouteTable:
                    kept = tuple(r for r in t.routes if r not in routes_of(t, dest))
                    return replace(t, routes=(*kept, Route(dest, rid(gw))))

                update_table(rid(rt), swap)
            case CopyRoute(route_table=rt, destination=dest, target=target):

                def copy(t: RouteTable, dest: str = dest, target: str = target) -> RouteTable:
                    if routes_of(t, dest):
                        raise FakeEc2Error(f"RouteAlreadyExists {dest} in {t.id}")
                    return replace(t, routes=(*t.routes, Route(dest, target)))

                update_table(rid(rt), copy)
            case UpdateCopiedRoute(route_table=rt, destination=dest, target=target):

                def point(t: RouteTable, dest: str = dest, target: str = target) -> RouteTable:
                    (old,) = routes_of(t, dest)
                    kept = tuple(r for r in t.routes if r is not old)
                    return replace(t, routes=(*kept, replace(old, target_id=target)))

                update_table(rid(rt), point)
            case DeleteCopiedRoute(route_table=rt, destination=dest):

                def drop(t: RouteTable, dest: str = dest) -> RouteTable:
                    (old,) = routes_of(t, dest)
                    if old.origin is RouteOrigin.CREATE_ROUTE_TABLE:
                        raise FakeEc2Error(f"InvalidParameterValue: cannot delete local {dest}")
                    return replace(t, routes=tuple(r for r in t.routes if r is not old))

                update_table(rid(rt), drop)
            case EnableRoutePropagation(route_table=rt, gateway=vgw):

                def enable(t: RouteTable, vgw: str = vgw) -> RouteTable:
                    vgws = tuple(sorted({*t.propagating_vgws, vgw}))
                    return replace(t, propagating_vgws=vgws)

                update_table(rid(rt), enable)
            case DisableRoutePropagation(route_table=rt, gateway=vgw):

                def disable(t: RouteTable, vgw: str = vgw) -> RouteTable:
                    vgws = tuple(v for v in t.propagating_vgws if v != vgw)
                    return replace(t, propagating_vgws=vgws)

                update_table(rid(rt), disable)
            case SetEndpointRouteTable(endpoint_id=ep, route_table=rt, associate=associate):
                tid = rid(rt)
                endpoints = tuple(
                    replace(
                        e,
                        route_table_ids=tuple(
                            sorted(
                                {*e.route_table_ids, tid}
                                if associate
                                else set(e.route_table_ids) - {tid}
                            )
                        ),
                    )
                    if e.id == ep
                    else e
                    for e in snapshot.gateway_endpoints
                )
                snapshot = replace(snapshot, gateway_endpoints=endpoints)

                def endpoint_route(
                    t: RouteTable, ep: str = ep, add: bool = associate
                ) -> RouteTable:
                    kept = tuple(r for r in t.routes if r.target_id != ep)
                    extra = (Route(ENDPOINT_PREFIX_LIST, ep),) if add else ()
                    return replace(t, routes=(*kept, *extra))

                update_table(tid, endpoint_route)
            case SetAssignIpv6AddressOnCreation(subnet_id=sid, enabled=enabled):
                subnets = tuple(
                    replace(s, assign_ipv6_address_on_creation=enabled) if s.id == sid else s
                    for s in snapshot.subnets
                )
                snapshot = replace(snapshot, subnets=subnets)
            case AssociateRouteTable(route_table=rt, subnet_id=sid):
                if snapshot.explicit_route_table(sid):
                    raise FakeEc2Error(f"Resource.AlreadyAssociated {sid}")

                def assoc(t: RouteTable, sid: str = sid) -> RouteTable:
                    return replace(t, associations=(*t.associations, (f"rtbassoc-{sid}", sid)))

                update_table(rid(rt), assoc)
            case ReplaceRouteTableAssociation(
                association_id=association, route_table=rt, subnet_id=sid
            ):
                tables = tuple(
                    replace(t, associations=tuple(a for a in t.associations if a[0] != association))
                    for t in snapshot.route_tables
                )
                snapshot = replace(snapshot, route_tables=tables)

                def reassoc(t: RouteTable, sid: str = sid) -> RouteTable:
                    return replace(t, associations=(*t.associations, (f"rtbassoc-m-{sid}", sid)))

                update_table(rid(rt), reassoc)
            case DisassociateRouteTable(association_id=association):
                if not any(
                    a[0] == association for t in snapshot.route_tables for a in t.associations
                ):
                    raise FakeEc2Error(f"InvalidAssociationID.NotFound {association}")
                tables = tuple(
                    replace(t, associations=tuple(a for a in t.associations if a[0] != association))
                    for t in snapshot.route_tables
                )
                snapshot = replace(snapshot, route_tables=tables)
            case DeleteRoute(route_table=rt, destination=dest):

                def unroute(t: RouteTable, dest: str = dest) -> RouteTable:
                    if not routes_of(t, dest):
                        raise FakeEc2Error(f"InvalidRoute.NotFound {dest}")
                    return replace(t, routes=tuple(r for r in t.routes if r.destination != dest))

                update_table(rt, unroute)
            case DeleteRouteTable(route_table=rt):
                if any(t.associations for t in snapshot.route_tables if t.id == rt):
                    raise FakeEc2Error(f"DependencyViolation {rt}")
                kept = tuple(t for t in snapshot.route_tables if t.id != rt)
                snapshot = replace(snapshot, route_tables=kept)
            case SetMapPublicIpOnLaunch(subnet_id=sid, enabled=enabled):
                subnets = tuple(
                    replace(s, map_public_ip_on_launch=enabled) if s.id == sid else s
                    for s in snapshot.subnets
                )
                snapshot = replace(snapshot, subnets=subnets)
            case TagResources() | PlaceHold():
                ids, tags = action.written, action.tags
                subnets = tuple(
                    replace(s, tags=frozen_tags({**s.tags, **tags})) if s.id in ids else s
                    for s in snapshot.subnets
                )
                tables = tuple(
                    replace(t, tags=frozen_tags({**t.tags, **tags})) if t.id in ids else t
                    for t in snapshot.route_tables
                )
                snapshot = replace(snapshot, subnets=subnets, route_tables=tables)
            case (
                TagLoadBalancerRole(subnet_id=sid, key=key)
                | UntagLoadBalancerRole(subnet_id=sid, key=key)
            ):
                tagged = isinstance(action, TagLoadBalancerRole)
                subnets = tuple(
                    replace(
                        s,
                        tags=frozen_tags(
                            {**s.tags, key: "1"}
                            if tagged
                            else {k: v for k, v in s.tags.items() if k != key}
                        ),
                    )
                    if s.id == sid
                    else s
                    for s in snapshot.subnets
                )
                snapshot = replace(snapshot, subnets=subnets)
            case _:
                raise FakeEc2Error(f"the fake does not know {type(action).__name__}")
    return snapshot


class FakeMemory:
    """The domain's Memory port in a dict (domain/memory.py), for pure tests."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], Mapping[str, Any]] = {}
        self.writes = 0

    def recall(self, kind: str, key: str) -> Mapping[str, Any] | None:
        return self.records.get((kind, key))

    def remember(self, kind: str, key: str, value: Mapping[str, Any], *, days: int | None) -> None:
        assert days is None or days > 0
        self.records[(kind, key)] = dict(value)
        self.writes += 1

    def forget(self, kind: str, key: str) -> None:
        self.records.pop((kind, key), None)
        self.writes += 1

    def recall_all(self, kind: str, prefix: str = "") -> dict[str, Mapping[str, Any]]:
        return {
            k: v for (kind_, k), v in self.records.items() if kind_ == kind and k.startswith(prefix)
        }

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        return sorted(self.recall_all(kind, prefix))


def public_subnets(snapshot: VpcSnapshot) -> tuple[str, ...]:
    """Ids of the subnets EC2 routes to an internet gateway (an active route in the table that
    governs them), in zone order: what the property tests call public."""
    public = []
    for subnet in sorted(snapshot.subnets, key=lambda s: (s.availability_zone, s.id)):
        table = snapshot.governing_route_table(subnet.id)
        if table and any(
            r.target_kind is TargetKind.IGW and r.state is RouteState.ACTIVE for r in table.routes
        ):
            public.append(subnet.id)
    return tuple(public)
