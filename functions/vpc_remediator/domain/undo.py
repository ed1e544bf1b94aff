"""Putting back what the remediator changed (`vpc-remediator undo`), from its journal.

Only what still stands as the remediator left it is undone; what a person changed since is
reported and kept. The order is the safe one: public addresses off before a subnet loses its
route, subnets back where they were, then the routes it added, then a table it created once no
subnet is on it (its routes and copies go with it). A default VPC or an internet gateway it
created is left in place, and said.

Pure: `plan_undo()` reads the chosen changes against the live VPC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import journal
from .actions import (
    Action,
    DeleteDefaultVpc,
    DeleteRoute,
    DisassociateRouteTable,
    RemoveRouteTable,
    ReplaceRouteTableAssociation,
    SetAssignIpv6AddressOnCreation,
    SetEndpointRouteTable,
    SetMapPublicIpOnLaunch,
    UntagLoadBalancerRole,
)
from .model import VpcSnapshot

Change = Mapping[str, Any]
WHY = "a person asked to undo it (vpc-remediator undo)"


@dataclass(frozen=True)
class UndoPlan:
    vpc_id: str
    actions: tuple[Action, ...]
    undoes: tuple[tuple[str, ...], ...]  # per action, the journal's changes it puts back
    kept: tuple[tuple[str, str], ...]  # (change id, why it is not undone)
    subnets: frozenset[str]  # the subnets put back (auto intent leaves them alone after)
    warnings: tuple[str, ...] = ()

    @property
    def writes(self) -> tuple[Action, ...]:
        return self.actions


Step = tuple[Action, tuple[str, ...]]  # an action and the journal's changes it puts back


@dataclass
class _Undoing:
    """The chosen changes sorted by what puts them back."""

    snapshot: VpcSnapshot
    undone: set[str]
    including_default_vpc: bool = False
    made: frozenset[str] = frozenset()  # the route tables the journal says it created
    vpc_deleted: list[Step] = field(default_factory=list)
    addressing: list[Step] = field(default_factory=list)
    moves: list[Step] = field(default_factory=list)
    routes: list[Change] = field(default_factory=list)
    tables: list[Change] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    subnets: set[str] = field(default_factory=set)
    leaving: dict[str, set[str]] = field(default_factory=dict)  # table -> subnets moved off

    def take(self, change: Change) -> None:
        ident = str(change.get("id"))
        if change.get("undoes"):
            self.kept.append(
                (ident, "an undo is a person's decision, not undone (release the subnet instead)")
            )
        elif ident in self.undone:
            self.kept.append((ident, "already undone"))
        elif journal.stands(change, self.snapshot) is False:
            self.kept.append((ident, "changed since, by someone else: kept as it is now"))
        elif (why := self._sort(change)) is not None:
            self.kept.append((ident, why))

    def _sort(self, change: Change) -> str | None:
        """Files the change under what puts it back; else says why it is kept."""
        ident = str(change.get("id"))
        before, after = change.get("before") or {}, change.get("after") or {}
        resource = str(change.get("resource", ""))
        match change.get("change"):
            case journal.ADDRESSING_SET:
                if not isinstance(before.get("enabled"), bool):
                    return "what it was before is not known"
                setting = (
                    SetAssignIpv6AddressOnCreation
                    if after.get("attribute") == SetAssignIpv6AddressOnCreation.attribute
                    else SetMapPublicIpOnLaunch
                )
                action = setting(subnet_id=resource, enabled=before["enabled"], reason=WHY)
                self.addressing.append((action, (ident,)))
                self.subnets.add(resource)
            case journal.SUBNET_MOVED:
                table = str(after.get("route_table"))
                move = _move_back(self.snapshot, resource, before, table)
                if isinstance(move, str):
                    return move
                self.moves.append((move, (ident,)))
                self.leaving.setdefault(table, set()).add(resource)
                self.subnets.add(resource)
            case journal.ROUTE_ADDED:
                self.routes.append(change)
            case journal.TABLE_CREATED:
                self.tables.append(change)
            case journal.ROUTE_REPLACED:
                return (
                    f"the route it replaced went to {before.get('target')}, which no longer "
                    "routed anywhere: not put back"
                )
            case journal.COPY_KEPT:
                return "a copy of the main table's: it goes with its table"
            case journal.DEFAULT_VPC_CREATED:
                snap = self.snapshot
                if not self.including_default_vpc:
                    return "a default VPC it recreated is left in place (--including-default-vpc)"
                if not snap.vpc.is_default or snap.vpc.id != resource:
                    return "the default VPC it recreated is not this VPC any more"
                others = sorted(
                    t.id for t in snap.route_tables if not t.is_main and t.id not in self.made
                )
                if others:
                    return (
                        f"the default VPC has route tables it did not make ({', '.join(others)}): "
                        "someone uses it; left in place"
                    )
                step = DeleteDefaultVpc(
                    vpc_id=resource,
                    gateways=tuple(sorted(g.id for g in snap.internet_gateways)),
                    subnets=tuple(sorted(s.id for s in snap.subnets)),
                    route_tables=tuple(
                        (t.id, tuple(a for a, _ in t.associations))
                        for t in snap.route_tables
                        if not t.is_main
                    ),
                    reason=WHY,
                )
                self.vpc_deleted.append((step, (ident,)))
            case journal.ROLE_TAGGED:
                untag = UntagLoadBalancerRole(
                    subnet_id=resource, key=str(after.get("tag")), reason=WHY
                )
                self.addressing.append((untag, (ident,)))
                self.subnets.add(resource)
            case journal.GATEWAY_CREATED | journal.GATEWAY_ATTACHED:
                return "an internet gateway it created is left in place"
            case _:
                return "nothing to put back"
        return None

    def removed_tables(self, journal_of_vpc: Sequence[Change]) -> list[Step]:
        """Its tables no subnet is left on, with the journal's routes on them (they go too)."""
        removed: list[Step] = []
        for change in self.tables:
            ident, table_id = str(change.get("id")), str(change.get("resource"))
            live = next((t for t in self.snapshot.route_tables if t.id == table_id), None)
            if live is None:
                self.kept.append((ident, "the table is gone already"))
                continue
            staying = sorted(set(live.subnet_ids) - self.leaving.get(table_id, set()))
            if staying:
                self.kept.append((ident, f"the table is still used by {', '.join(staying)}"))
                continue
            on_it = (
                str(c.get("id"))
                for c in [*self.routes, *journal_of_vpc]
                if c.get("change") == journal.ROUTE_ADDED and c.get("resource") == table_id
            )
            # A gateway endpoint's route exists through its association: undone first, so
            # that nothing of the table is left behind in the endpoint.
            removed += [
                (
                    SetEndpointRouteTable(
                        route_table=table_id,
                        endpoint_id=e.id,
                        associate=False,
                        source_table=table_id,
                        reason=WHY,
                    ),
                    (ident,),
                )
                for e in self.snapshot.gateway_endpoints
                if table_id in e.route_table_ids
            ]
            step = RemoveRouteTable(route_table=table_id, reason=WHY)
            removed.append((step, tuple(dict.fromkeys((ident, *on_it)))))
        return removed

    def deleted_routes(self, gone: set[str]) -> list[Step]:
        return [
            (
                DeleteRoute(
                    route_table=str(c.get("resource")),
                    destination=str((c.get("after") or {}).get("destination")),
                    target=str((c.get("after") or {}).get("target")),
                    reason=WHY,
                ),
                (str(c.get("id")),),
            )
            for c in self.routes
            if str(c.get("resource")) not in gone
        ]


def plan_undo(
    chosen: Sequence[Change],
    snapshot: VpcSnapshot,
    *,
    journal_of_vpc: Sequence[Change] = (),
    intent_tag_key: str = "",
    including_default_vpc: bool = False,
) -> UndoPlan:
    """What puts `chosen` back (the journal's changes of one VPC), against the VPC as it is."""
    undone = {str(u) for c in journal_of_vpc for u in c.get("undoes") or ()}
    made = frozenset(
        str(c.get("resource")) for c in journal_of_vpc if c.get("change") == journal.TABLE_CREATED
    )
    sorting = _Undoing(snapshot, undone, including_default_vpc, made)
    for change in chosen:
        sorting.take(change)
    if sorting.vpc_deleted:
        # The VPC goes, and with it everything else of it: the one step.
        step, _ = sorting.vpc_deleted[0]
        with_it = tuple(str(c.get("id")) for c in chosen if not c.get("undoes"))
        return UndoPlan(
            vpc_id=snapshot.vpc.id, actions=(step,), undoes=(with_it,), kept=(), subnets=frozenset()
        )
    removed = sorting.removed_tables(journal_of_vpc)
    gone = {str(a.table) for a, _ in removed}
    # Addresses off first (no instance gets a public address where the route is going),
    # subnets back, the routes it added, then its empty tables.
    ordered = [
        *sorted(sorting.addressing, key=_off_first),
        *sorting.moves,
        *sorting.deleted_routes(gone),
        *removed,
    ]
    warnings = tuple(
        f"{s} is tagged {intent_tag_key}={v}: explicit intent rules, and the remediator will "
        "change it again unless the tag goes"
        for s in sorted(sorting.subnets)
        if intent_tag_key and (v := _tag(snapshot, s, intent_tag_key)) in ("public", "private")
    )
    return UndoPlan(
        vpc_id=snapshot.vpc.id,
        actions=tuple(a for a, _ in ordered),
        undoes=tuple(u for _, u in ordered),
        kept=tuple(sorting.kept),
        subnets=frozenset(sorting.subnets),
        warnings=warnings,
    )


def _off_first(item: tuple[Action, tuple[str, ...]]) -> bool:
    action = item[0]
    return bool(getattr(action, "enabled", False))


def _tag(snapshot: VpcSnapshot, subnet_id: str, key: str) -> str:
    subnet = next((s for s in snapshot.subnets if s.id == subnet_id), None)
    return subnet.tags.get(key, "") if subnet is not None else ""


def _move_back(
    snapshot: VpcSnapshot, subnet_id: str, before: Mapping[str, Any], table_id: str
) -> Action | str:
    """The action that puts the subnet back where it was, or why it cannot."""
    table = next((t for t in snapshot.route_tables if t.id == table_id), None)
    association = (
        next((a for a, s in table.associations if s == subnet_id), None)
        if table is not None
        else None
    )
    if table is None or association is None:
        return "the subnet is no longer on the table it was moved to"
    if before.get("main"):
        return DisassociateRouteTable(
            subnet_id=subnet_id, association_id=association, route_table=table_id, reason=WHY
        )
    was = str(before.get("route_table", ""))
    if not any(t.id == was for t in snapshot.route_tables):
        return f"the table it was on ({was}) is gone"
    return ReplaceRouteTableAssociation(
        subnet_id=subnet_id, route_table=was, association_id=association, reason=WHY
    )


def chosen_changes(
    changes: Sequence[Change],
    *,
    ids: Iterable[str] = (),
    vpc_id: str = "",
    subnet_id: str = "",
) -> list[Change]:
    """The changes to undo: by id, every change of a VPC, or a subnet's (with the table it was
    moved to, which goes if nothing else uses it)."""
    wanted = set(ids)
    if wanted:
        return [c for c in changes if c.get("id") in wanted]
    # An undo's own changes are a person's decision: never undone by a later undo (that
    # would redo the fix); `release` lets the remediator finish the subnet again.
    changes = [c for c in changes if not c.get("undoes")]
    if vpc_id:
        return [c for c in changes if c.get("vpc_id") == vpc_id]
    mine = [c for c in changes if c.get("resource") == subnet_id]
    tables = {
        str((c.get("after") or {}).get("route_table"))
        for c in mine
        if c.get("change") == journal.SUBNET_MOVED
    }
    return [
        c
        for c in changes
        if c in mine or (c.get("change") == journal.TABLE_CREATED and c.get("resource") in tables)
    ]
