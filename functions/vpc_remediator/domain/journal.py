"""The journal: every change the remediator made, with what it was before, when, why and what
triggered it, so that a person can see it (`vpc-remediator history`) and put it back
(`vpc-remediator undo`).

It lives in the stack's record (the memory table, which only the stack's functions and the
people named in `RecordWriters` can write: nobody else can forge or erase an entry), one item
per apply under `<region>:<vpc-id>:<when>:<run>:<n>` (`items()`), so that a VPC's changes read
in the order they were made, and a reconcile's journal costs one write. An entry is kept until
the VPC it describes is gone (no time to live: a change that still stands can be undone).

Pure: `entries()` turns what a reconcile applied into entries, against the snapshot read before
it; `stands()` says whether a change still stands as the remediator left it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .actions import (
    Action,
    AssociateRouteTable,
    AttachInternetGateway,
    CopyRoute,
    CreateDefaultVpc,
    CreateInternetGateway,
    CreateRoute,
    CreateRouteTable,
    DeleteCopiedRoute,
    DeleteDefaultVpc,
    DeleteRoute,
    DeleteRouteTable,
    DisableRoutePropagation,
    DisassociateRouteTable,
    EnableRoutePropagation,
    Pending,
    PlaceHold,
    ReleaseHold,
    ReplaceRoute,
    ReplaceRouteTableAssociation,
    SetAddressing,
    SetAssignIpv6AddressOnCreation,
    SetEndpointRouteTable,
    TagLoadBalancerRole,
    TagResources,
    UntagLoadBalancerRole,
    UpdateCopiedRoute,
)
from .model import VpcSnapshot
from .outcomes import ActionOutcome, ActionStatus

KIND = "journal"
SCHEMA = "vpc-remediator/history"
VERSION = 1

# What each change is, as `history` names it.
TABLE_CREATED = "route-table-created"
SUBNET_MOVED = "subnet-moved"
ROUTE_ADDED = "route-added"
ROUTE_REPLACED = "route-replaced"
ROUTE_DELETED = "route-deleted"  # by an undo
ADDRESSING_SET = "addressing-set"
COPY_KEPT = "copy-kept"  # a route, propagation or endpoint kept in step on its own table
TABLE_DELETED = "route-table-deleted"
GATEWAY_CREATED = "internet-gateway-created"
GATEWAY_ATTACHED = "internet-gateway-attached"
DEFAULT_VPC_CREATED = "default-vpc-created"
DEFAULT_VPC_DELETED = "default-vpc-deleted"  # by an undo, when asked
HOLD_PLACED = "hold-placed"
HOLD_RELEASED = "hold-released"
ROLE_TAGGED = "load-balancer-role-tagged"
ROLE_UNTAGGED = "load-balancer-role-untagged"  # by an undo


@dataclass(frozen=True)
class Trigger:
    """What set a change off: an event and its caller, the sweep, or a person at the CLI."""

    by: str  # "event", "sweep" or "command-line"
    who: str = ""  # the caller's ARN (an event, the command line), "" for the sweep
    event: str = ""  # the event's name
    event_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def timestamp(epoch: float) -> str:
    """When a change was made, as the journal keys and shows it (ISO 8601 UTC, microseconds:
    the changes of one VPC sort in the order they were made)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def change_id(run: str, n: int) -> str:
    """A short id a person can type (`undo c-1f2e3d4c5b`), the same for the same change."""
    return "c-" + hashlib.sha256(f"{run}:{n}".encode()).hexdigest()[:10]


CHANGES_PER_ITEM = 100  # one item of the record holds up to this many (well under 400 KB)


def items(
    changes: Sequence[Mapping[str, Any]], region: str, vpc_id: str, at: str, run: str
) -> dict[str, dict[str, Any]]:
    """The record's items for one apply's changes: `<region>:<vpc>:<when>:<run>:<n>` ->
    {"changes": [...]}, in the order they were made."""
    return {
        f"{vpc_prefix(region, vpc_id)}{at}:{run}:{n // CHANGES_PER_ITEM}": {
            "changes": list(changes[n : n + CHANGES_PER_ITEM])
        }
        for n in range(0, len(changes), CHANGES_PER_ITEM)
    }


def changes_of(stored: Mapping[str, Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Every change in the record's items, newest first."""
    return newest_first(c for item in stored.values() for c in item.get("changes", ()))


def vpc_prefix(region: str, vpc_id: str) -> str:
    return f"{region}:{vpc_id}:"


def entries(
    snapshot: VpcSnapshot,
    outcomes: Sequence[ActionOutcome],
    *,
    region: str,
    run: str,
    at: str,
    trigger: Trigger,
    intents: Mapping[str, str] | None = None,
    first: int = 0,
    undoes: Sequence[tuple[str, ...]] = (),
) -> list[dict[str, Any]]:
    """The journal's entries for what was applied to one VPC, in order, from the snapshot
    read before it was applied (`intents`: each subnet's intent, in words). Our own label tags
    are bookkeeping, not changes."""
    created = {
        o.action.creates: o.resource_id
        for o in outcomes
        if o.action.creates is not None and o.resource_id and o.status is ActionStatus.APPLIED
    }
    out: list[dict[str, Any]] = []
    n = first
    for position, outcome in enumerate(outcomes):
        action = outcome.action
        if outcome.status is not ActionStatus.APPLIED or isinstance(action, TagResources):
            continue
        resolved = action.resolved(created)
        change, resource, before, after = _described(snapshot, resolved, outcome.resource_id)
        n += 1
        ident = change_id(run, n)
        out.append(
            {
                "id": ident,
                "region": region,
                "vpc_id": snapshot.vpc.id,
                "at": at,
                "change": change,
                "resource": resource,
                "action": type(action).__name__,
                "summary": resolved.summary,
                "before": before,
                "after": after,
                "why": action.reason,
                "intent": (intents or {}).get(action.subnet or "", ""),
                "trigger": trigger.as_dict(),
                "run": run,
                "seq": n,
                "undoes": list(undoes[position]) if position < len(undoes) else [],
            }
        )
    return out


def _described(
    snapshot: VpcSnapshot, action: Action, made: str | None
) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """(what the change is, the resource, before, after) for one applied action."""
    match action:
        case CreateRouteTable():
            return TABLE_CREATED, made or "", {}, {"route_table": made or ""}
        case DisassociateRouteTable(subnet_id=subnet, route_table=table):
            main = snapshot.main_route_table
            back = {"route_table": main.id if main else "", "main": True}
            return SUBNET_MOVED, subnet, {"route_table": table, "main": False}, back
        case DeleteDefaultVpc(vpc_id=vpc):
            return DEFAULT_VPC_DELETED, vpc, {"vpc": vpc}, {}
        case DeleteRoute(route_table=table, destination=destination, target=target):
            return (
                ROUTE_DELETED,
                table,
                {"destination": destination, "target": target},
                {"destination": destination, "target": None},
            )
        case AssociateRouteTable(subnet_id=subnet) | ReplaceRouteTableAssociation(subnet_id=subnet):
            was = snapshot.governing_route_table(subnet)
            before = (
                {"route_table": was.id, "main": was.is_main} if was is not None else {"main": True}
            )
            return SUBNET_MOVED, subnet, before, {"route_table": str(action.table)}
        case CreateRoute(route_table=table, destination=destination, gateway=gateway):
            return (
                ROUTE_ADDED,
                str(table),
                {"destination": destination, "target": None},
                {"destination": destination, "target": str(gateway)},
            )
        case ReplaceRoute(route_table=table, destination=destination, gateway=gateway):
            old = _route(snapshot, str(table), destination)
            return (
                ROUTE_REPLACED,
                str(table),
                {"destination": destination, "target": old or action.previous_target},
                {"destination": destination, "target": str(gateway)},
            )
        case SetAddressing(subnet_id=subnet, enabled=enabled):
            attribute = type(action).attribute
            live = next((s for s in snapshot.subnets if s.id == subnet), None)
            enabled_before = (
                None
                if live is None
                else live.assign_ipv6_address_on_creation
                if isinstance(action, SetAssignIpv6AddressOnCreation)
                else live.map_public_ip_on_launch
            )
            return (
                ADDRESSING_SET,
                subnet,
                {"attribute": attribute, "enabled": enabled_before},
                {"attribute": attribute, "enabled": enabled},
            )
        case (
            CopyRoute()
            | UpdateCopiedRoute()
            | DeleteCopiedRoute()
            | EnableRoutePropagation()
            | DisableRoutePropagation()
            | SetEndpointRouteTable()
        ):
            return COPY_KEPT, str(action.table), {}, action.parameters() | {"type": "copy"}
        case DeleteRouteTable(route_table=table):
            return TABLE_DELETED, table, {"route_table": table}, {}
        case CreateInternetGateway():
            return GATEWAY_CREATED, made or "", {}, {"internet_gateway": made or ""}
        case AttachInternetGateway(gateway=gateway, vpc_id=vpc):
            return GATEWAY_ATTACHED, str(gateway), {"attached_to": None}, {"attached_to": vpc}
        case CreateDefaultVpc():
            return DEFAULT_VPC_CREATED, made or "", {}, {"vpc": made or ""}
        case TagLoadBalancerRole(subnet_id=subnet, key=key):
            return ROLE_TAGGED, subnet, {"tag": key, "value": None}, {"tag": key, "value": "1"}
        case UntagLoadBalancerRole(subnet_id=subnet, key=key):
            return ROLE_UNTAGGED, subnet, {"tag": key, "value": "1"}, {"tag": key, "value": None}
        case PlaceHold(resource_id=resource):
            return HOLD_PLACED, resource, {"hold": None}, {"hold": action.parameters()}
        case ReleaseHold(resource_id=resource):
            return HOLD_RELEASED, resource, {"hold": True}, {"hold": None}
    return type(action).__name__, str(action.resource), {}, _plain(action.parameters())


def _route(snapshot: VpcSnapshot, table_id: str, destination: str) -> str | None:
    table = next((t for t in snapshot.route_tables if t.id == table_id), None)
    route = table.route_to(destination) if table is not None else None
    return route.target_id if route is not None else None


def _plain(values: Mapping[str, object]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Pending) else v for k, v in values.items()}


def stands(entry: Mapping[str, Any], snapshot: VpcSnapshot | None) -> bool | None:
    """Whether the change still stands as the remediator left it (None: not a thing a read
    can say, or the VPC is not read)."""
    if snapshot is None:
        return None
    after = entry.get("after") or {}
    resource = str(entry.get("resource", ""))
    match entry.get("change"):
        case "route-table-created":
            return any(t.id == resource for t in snapshot.route_tables)
        case "subnet-moved":
            table = snapshot.explicit_route_table(resource)
            if after.get("main"):
                return table is None
            return table is not None and table.id == after.get("route_table")
        case "route-added" | "route-replaced":
            return _route(snapshot, resource, str(after.get("destination"))) == after.get("target")
        case "load-balancer-role-tagged":
            tagged = next((s for s in snapshot.subnets if s.id == resource), None)
            return tagged is not None and tagged.tags.get(str(after.get("tag"))) == "1"
        case "addressing-set":
            subnet = next((s for s in snapshot.subnets if s.id == resource), None)
            if subnet is None:
                return False
            value = (
                subnet.assign_ipv6_address_on_creation
                if after.get("attribute") == SetAssignIpv6AddressOnCreation.attribute
                else subnet.map_public_ip_on_launch
            )
            return value == after.get("enabled")
    return None


def newest_first(found: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Entries newest first (by when, then by their order within a run)."""
    return sorted(found, key=lambda e: (str(e.get("at", "")), int(e.get("seq", 0))), reverse=True)
