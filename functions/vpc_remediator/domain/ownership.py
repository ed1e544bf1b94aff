"""What the remediator owns, proven by its own record and never by tags.

Anyone who holds `ec2:CreateTags` can write `vpc-remediator:role=public-route-table` on a table
they built; the remediator would then move subnets onto it, copy the main table's routes into
it, merge the real table into it or delete it. So ownership lives in records that only the
stack's functions (and the people an organisation names) can write: the memory table, closed
to everyone else by its resource policy. Tags stay, as labels for people.

One record entry per fact, under the VPC's key (`<region>:<vpc-id>:<entry>`):

- `table|rtb-...`: a route table the remediator created;
- `creation|<token>`: a table it is creating: the one-time token is written before the call and
  tagged on the table (`vpc-remediator:creation`), so a reconcile that stopped before it read the
  new id back still finds its table; nobody knows the token before the call, so nobody can
  plant a table under it (two tables with it: neither is believed);
- `copies|<table>`: the routes, route propagation and gateway endpoints it put on that table
  (item -> target), written before the calls as pending, confirmed once a read shows them;
  a copy a person removed since stays, so that it is reported and not copied again;
- `moved|subnet-...`: a subnet it associated with one of its tables, or with the owner's own
  public table (it joined), and the table it left;
- `mapped|subnet-...`: public addresses it turned on, and how they were before;
- `hold|<resource>`: a resource it stopped changing because someone kept undoing it;
- `undone|subnet-...`: a subnet a person put back with `vpc-remediator undo` (auto intent
  leaves it alone; explicit intent still rules; `release` lifts it).

Pure: `ownership()` reads entries against a snapshot, `tidy()` confirms what a read shows and
drops what never happened, `ahead()` says what to write before a plan is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from .actions import (
    Action,
    AssociateRouteTable,
    CopyRoute,
    CreateRouteTable,
    DeleteCopiedRoute,
    DisableRoutePropagation,
    EnableRoutePropagation,
    Pending,
    PlaceHold,
    Ref,
    ReleaseHold,
    ReplaceRouteTableAssociation,
    SetAssignIpv6AddressOnCreation,
    SetEndpointRouteTable,
    SetMapPublicIpOnLaunch,
    UpdateCopiedRoute,
)
from .carry import ENDPOINT, PROPAGATION, ROUTE, carried_by
from .model import Hold, Item, Ownership, RouteTable, VpcSnapshot, frozen_tags
from .policy import CREATION_TAG_KEY

KIND = "owned"  # the memory's kind of record; kept as long as what it describes exists
# A pending entry no read has shown for this long never happened (a call that failed, or a
# reconcile that stopped before it): EC2 lists what it made within seconds.
GRACE_SECONDS = 900.0
_CREATION = "creation:"  # a table known by its creation token until its id is read back

Entries = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Change:
    """Entries to write (whole) and entries to delete."""

    put: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    delete: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.put or self.delete)

    def applied_to(self, entries: Entries) -> dict[str, Mapping[str, Any]]:
        after = {k: v for k, v in entries.items() if k not in self.delete}
        return after | dict(self.put)


def vpc_prefix(region: str, vpc_id: str) -> str:
    return f"{region}:{vpc_id}:"


def _item_key(item: Item) -> str:
    return f"{item[0]}|{item[1]}"


def _item(key: str) -> Item:
    kind, _, name = key.partition("|")
    return kind, name


def _present(snapshot: VpcSnapshot, table: RouteTable, item: Item, target: str) -> bool:
    kind, key = item
    if kind == ROUTE:
        route = table.route_to(key)
        return route is not None and not route.is_learned and route.target_id == target
    if kind == PROPAGATION:
        return key in table.propagating_vgws
    if kind == ENDPOINT:
        endpoints = snapshot.gateway_endpoints
        return any(e.id == key and table.id in e.route_table_ids for e in endpoints)
    return False


def _created(snapshot: VpcSnapshot, token: str) -> RouteTable | None:
    """The one table that carries the creation token (none where two do: neither is believed)."""
    tagged = [t for t in snapshot.route_tables if t.tags.get(CREATION_TAG_KEY) == token]
    return tagged[0] if len(tagged) == 1 else None


def _tables(entries: Entries, snapshot: VpcSnapshot) -> dict[str, RouteTable]:
    """Each table reference of the record (an id, or "creation:<token>") -> the live table."""
    live = {t.id: t for t in snapshot.route_tables}
    found: dict[str, RouteTable] = {}
    for key in entries:
        kind, _, name = key.partition("|")
        if kind == "table" and name in live:
            found[name] = live[name]
        elif kind == "creation" and (table := _created(snapshot, name)) is not None:
            found[_CREATION + name] = table
    return found


def ownership(entries: Entries, snapshot: VpcSnapshot) -> Ownership:
    """What the record proves about the VPC as it is now."""
    tables = _tables(entries, snapshot)
    owned = {t.id for t in tables.values()}
    live = {t.id: t for t in snapshot.route_tables}
    copies: dict[str, Mapping[Item, str]] = {}
    moved: dict[str, str] = {}
    joined: dict[str, str] = {}
    holds: dict[str, Hold] = {}
    undone: set[str] = set()
    for key, value in entries.items():
        kind, _, name = key.partition("|")
        if kind == "copies" and name in tables:
            table = tables[name]
            items = {
                _item(k): str(v["target"])
                for k, v in value.get("items", {}).items()
                if not v.get("pending") or _present(snapshot, table, _item(k), str(v["target"]))
            }
            copies[table.id] = MappingProxyType({**copies.get(table.id, {}), **items})
        elif kind == "moved":
            to = tables.get(str(value.get("to", ""))) or live.get(str(value.get("to", "")))
            if to is None or (value.get("pending") and name not in to.subnet_ids):
                continue
            if to.id in owned:
                moved[name] = str(value.get("from", ""))
            else:  # the owner's own public table, which it joined
                joined[name] = to.id
        elif kind == "hold":
            holds[name] = Hold(str(value.get("note", "")), str(value.get("tool", "")))
        elif kind == "undone":
            undone.add(name)
    return Ownership(
        known=True,
        tables=frozenset(t.id for t in tables.values()),
        copies=MappingProxyType(copies),
        moved=MappingProxyType(moved),
        joined=MappingProxyType(joined),
        holds=MappingProxyType(holds),
        undone=frozenset(undone),
    )


def tidy(entries: Entries, snapshot: VpcSnapshot, now: float) -> Change:
    """Confirm the pending entries a read shows, and drop what never happened or is gone."""
    put: dict[str, Mapping[str, Any]] = {}
    delete: set[str] = set()
    live = {t.id: t for t in snapshot.route_tables}
    renamed: dict[str, str] = {}  # "creation:<token>" -> the table's id
    for key, value in entries.items():
        kind, _, name = key.partition("|")
        if kind == "creation":
            table = _created(snapshot, name)
            if table is not None:
                put[f"table|{table.id}"] = {"at": value.get("at", now)}
                renamed[_CREATION + name] = table.id
                delete.add(key)
            elif _stale(value, now):
                delete |= {key, f"copies|{_CREATION}{name}"}
        elif kind == "table" and name not in live:
            delete |= {key, f"copies|{name}"}
    for key, value in entries.items():
        kind, _, name = key.partition("|")
        if key in delete:
            continue
        if kind == "copies" and (table := live.get(renamed.get(name, name))) is not None:
            items = _tidy_items(value, snapshot, table, now)
            new_key = f"copies|{table.id}"
            if new_key != key or items != dict(value.get("items", {})):
                put[new_key] = {"items": items, "at": value.get("at", now)}
                delete |= {key} - {new_key}
        elif kind == "moved":
            to = renamed.get(str(value.get("to")), str(value.get("to")))
            subnet_on = snapshot.explicit_route_table(name)
            if value.get("pending") and subnet_on is not None and subnet_on.id == to:
                put[key] = {**value, "to": to, "pending": False}
            elif value.get("pending") and _stale(value, now):
                delete.add(key)
            elif to != value.get("to"):
                put[key] = {**value, "to": to}
        elif kind in ("mapped", "hold", "undone") and not _exists(snapshot, name):
            delete.add(key)
    return Change(MappingProxyType(put), frozenset(delete))


def _stale(value: Mapping[str, Any], now: float) -> bool:
    return now - float(value.get("at", 0)) > GRACE_SECONDS


def _tidy_items(
    value: Mapping[str, Any], snapshot: VpcSnapshot, table: RouteTable, now: float
) -> dict[str, Mapping[str, Any]]:
    """A table's copies with the pending ones a read shows confirmed, the stale ones dropped."""
    items: dict[str, Mapping[str, Any]] = {}
    for item_key, item in value.get("items", {}).items():
        target = str(item["target"])
        if not item.get("pending"):
            items[item_key] = item
        elif _present(snapshot, table, _item(item_key), target):
            items[item_key] = {"target": target, "pending": False}
        elif not _stale(value, now):
            items[item_key] = item
    return items


def _exists(snapshot: VpcSnapshot, resource_id: str) -> bool:
    return (
        resource_id == snapshot.vpc.id
        or any(resource_id == s.id for s in snapshot.subnets)
        or any(resource_id == t.id for t in snapshot.route_tables)
    )


def with_tokens(actions: tuple[Action, ...], tokens: Mapping[Pending, str]) -> tuple[Action, ...]:
    """The plan's route tables created under their one-time tokens: tagged with it, and with a
    ClientToken derived from it."""
    return tuple(
        replace(
            a,
            tags=frozen_tags({**a.tags, CREATION_TAG_KEY: tokens[a.ref]}),
            client_token=f"vpcr-{tokens[a.ref]}",
        )
        if isinstance(a, CreateRouteTable) and a.ref in tokens
        else a
        for a in actions
    )


def written_item(action: Action) -> tuple[Ref, Item, str | None] | None:
    """The item an action puts on a table (target) or takes off it (None)."""
    match action:
        case (
            CopyRoute(route_table=table, destination=d, target=t)
            | UpdateCopiedRoute(route_table=table, destination=d, target=t)
        ):
            return table, (ROUTE, d), t
        case DeleteCopiedRoute(route_table=table, destination=d):
            return table, (ROUTE, d), None
        case EnableRoutePropagation(route_table=table, gateway=g):
            return table, (PROPAGATION, g), ""
        case DisableRoutePropagation(route_table=table, gateway=g):
            return table, (PROPAGATION, g), None
        case SetEndpointRouteTable(route_table=table, endpoint_id=e, associate=on):
            return table, (ENDPOINT, e), "" if on else None
    return None


def ahead(
    entries: Entries,
    snapshot: VpcSnapshot,
    *,
    actions: tuple[Action, ...],
    copies: Mapping[Ref, Mapping[Item, str]],
    tokens: Mapping[Pending, str],
    now: float,
) -> Change:
    """What to record before `actions` are applied: every table, copy and move as pending (a
    read confirms it), holds and mappings as they are."""
    put: dict[str, Mapping[str, Any]] = {}
    delete: set[str] = set()
    live = {t.id: t for t in snapshot.route_tables}

    def ref(table: Ref) -> str:
        return _CREATION + tokens[table] if isinstance(table, Pending) else table

    writes: dict[str, dict[Item, str | None]] = {}
    for action in actions:
        if (written := written_item(action)) is not None:
            table, item, target = written
            writes.setdefault(ref(table), {})[item] = target
    for table in {ref(t) for t in copies} | set(writes):
        key = f"copies|{table}"
        old: dict[str, Any] = dict(entries.get(key, {}).get("items", {}))
        wanted = next((m for t, m in copies.items() if ref(t) == table), None)
        items: dict[str, Any] = {}
        for item, target in (wanted or {_item(k): v["target"] for k, v in old.items()}).items():
            before = old.get(_item_key(item))
            if before is not None and before.get("target") == target:
                items[_item_key(item)] = before
            elif table in live and _present(snapshot, live[table], item, target):
                items[_item_key(item)] = {"target": target, "pending": False}
        for item, target in writes.get(table, {}).items():
            if target is None:
                items.pop(_item_key(item), None)
            else:
                items[_item_key(item)] = {"target": target, "pending": True}
        if items != old:
            put[key] = {"items": items, "at": now}
    for action in actions:
        match action:
            case CreateRouteTable(ref=pending) if pending in tokens:
                put[f"creation|{tokens[pending]}"] = {"at": now}
            case AssociateRouteTable(route_table=table, subnet_id=subnet):
                came_from = snapshot.explicit_route_table(subnet)
                put[f"moved|{subnet}"] = {
                    "to": ref(table),
                    "from": came_from.id if came_from else "",
                    "pending": True,
                    "at": now,
                }
            case ReplaceRouteTableAssociation(route_table=table, subnet_id=subnet):
                earlier = entries.get(f"moved|{subnet}", {})
                put[f"moved|{subnet}"] = {
                    "to": ref(table),
                    "from": earlier.get("from", ""),
                    "pending": True,
                    "at": now,
                }
            case SetMapPublicIpOnLaunch(subnet_id=subnet, enabled=True) | (
                SetAssignIpv6AddressOnCreation(subnet_id=subnet, enabled=True)
            ) if f"mapped|{subnet}" not in entries:
                found = next((s for s in snapshot.subnets if s.id == subnet), None)
                if found is not None:
                    put[f"mapped|{subnet}"] = {
                        "map_public_ip": found.map_public_ip_on_launch,
                        "assign_ipv6": found.assign_ipv6_address_on_creation,
                        "at": now,
                    }
            case PlaceHold(resource_id=resource, note=note, tool=tool):
                put[f"hold|{resource}"] = {"note": note, "tool": tool, "at": now}
            case ReleaseHold(resource_id=resource):
                delete.add(f"hold|{resource}")
    return Change(MappingProxyType(put), frozenset(delete))


def adoption(snapshot: VpcSnapshot, table_id: str, now: float) -> Change:
    """What a person's `vpc-remediator adopt` records: that the remediator made the table (a
    version that trusted its tags made it, say), and, as its copies, the routes, propagation and
    endpoints it holds that are the main table's too. Raises ValueError where it cannot be."""
    table = next((t for t in snapshot.route_tables if t.id == table_id), None)
    if table is None:
        raise ValueError(f"{table_id} is not a route table of {snapshot.vpc.id}")
    if table.is_main:
        raise ValueError(f"{table_id} is the main route table of {snapshot.vpc.id}: never adopted")
    main = snapshot.main_route_table
    source = carried_by(main, snapshot).items if main is not None else {}
    held = carried_by(table, snapshot).items
    items = {
        _item_key(item): {"target": target, "pending": False}
        for item, target in sorted(held.items())
        if source.get(item) == target
    }
    return Change(
        MappingProxyType(
            {
                f"table|{table_id}": {"at": now, "adopted": True},
                f"copies|{table_id}": {"items": items, "at": now},
            }
        ),
        frozenset(),
    )
