"""Merging duplicate managed tables that concurrent reconciles made: only tables the record proves,
only where their whole route sets agree."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import (
    DeleteRouteTable,
    Ref,
    ReplaceRouteTableAssociation,
)
from ..carry import CarryPlan, carried_by
from ..findings import FindingCode
from ..model import (
    IPV4_DEFAULT,
    IPV6_DEFAULT,
    Item,
    RouteState,
    RouteTable,
    TargetKind,
)
from ..routing import RouteStatus
from .draft import (
    Draft,
)


def made_defaults(table: RouteTable) -> dict[str, str]:
    """A table's default routes (destination -> target, and "(blackhole)" after a target that
    is gone), as made, not learned."""
    return {
        d: route.target_id + (" (blackhole)" if route.state is RouteState.BLACKHOLE else "")
        for d in (IPV4_DEFAULT, IPV6_DEFAULT)
        if (route := table.route_to(d)) is not None and not route.is_learned
    }


def covering_routes(table: RouteTable) -> frozenset[tuple[str, str]]:
    """The routes that stand for a table's default route (0.0.0.0/1 + 128.0.0.0/1, ...)."""
    covering = table.covering_destinations()
    return frozenset(
        (r.destination, r.target_id) for r in table.routes if r.destination in covering
    )


@dataclass(frozen=True)
class Verdict:
    """Whether a duplicate is merged into the kept table."""

    reason: str  # why it is not ("": it is)
    adds: frozenset[str] = frozenset()  # default routes the kept table gains first
    as_is: bool = False  # its subnets are out of scope: merged only if the kept table gains none


def plan_merge_duplicates(
    b: Draft,
    canonical: RouteTable,
    duplicates: tuple[RouteTable, ...],
    carry: CarryPlan,
    enforced: set[str],
) -> None:
    """Concurrent reconciles can each create a table before seeing the others'. Every reconcile
    merges them the same way: the lowest id stays, the others' subnets move to it, and the
    emptied tables are deleted. Only tables the record proves are the remediator's are merged,
    and only where the whole route sets agree, so that no subnet's routing changes and no
    route is lost: a default route only the duplicate has is added to the kept table first
    (where every subnet it governs is meant to be public and in scope); one only the kept
    table has reaches the duplicate's subnets only where their intent is enforced.
    """
    kept_items = (
        dict(carry.items)
        if carry.items is not None
        else dict(carried_by(canonical, b.snapshot).items)
    )
    kept_defaults = made_defaults(canonical)
    hands_off = [s.id for s in b.snapshot.subnets_governed_by(canonical) if s.id not in enforced]

    def verdict(table: RouteTable) -> Verdict:
        if table.id in b.held:
            return Verdict("is on hold")
        if b.gateway is None and any(r.target_kind is TargetKind.IGW for r in table.routes):
            # With no gateway attached, the record that one was detached: deleting it would
            # let the next plan replace a gateway someone took away.
            return Verdict("routes to an internet gateway no longer attached (someone detached it)")
        items = dict(carried_by(table, b.snapshot).items)
        defaults = made_defaults(table)
        if not table.subnet_ids:
            # It serves no subnet: deleted only where the kept table holds all it holds.
            extra = [f"{k} -> {t}" for (_, k), t in set(items.items()) - set(kept_items.items())]
            # (A default route to the attached gateway is the remediator's own, and serves
            # nobody here.)
            extra += [
                f"{d} -> {t}"
                for d, t in defaults.items()
                if kept_defaults.get(d) != t and t != str(b.gateway)
            ]
            extra += [f"{d} -> {t}" for d, t in covering_routes(table) - covering_routes(canonical)]
            return Verdict(
                f"it holds routes {canonical.id} does not ({', '.join(sorted(extra))})"
                if extra
                else ""
            )
        if not b.only_public_subnets(table):  # an ignored or private subnet is never moved
            return Verdict("governs subnets not meant to be public")
        if not b.only_public_subnets(canonical):  # nor is one moved in beside it
            return Verdict(f"{canonical.id} governs subnets not meant to be public")
        if covering_routes(table) != covering_routes(canonical):
            return Verdict(f"its routes that cover the default differ from those of {canonical.id}")
        if items != kept_items:
            differ = sorted(set(items.items()) ^ set(kept_items.items()))
            return Verdict(
                f"its routes differ from those of {canonical.id} ({items_words(differ)})"
            )
        unenforced = table.subnet_ids - enforced
        adds: set[str] = set()
        for destination in (IPV4_DEFAULT, IPV6_DEFAULT):
            here, there = defaults.get(destination), kept_defaults.get(destination)
            if not unenforced:  # a gateway gone is repaired for enforced subnets, wherever
                here = repaired(table, destination, b.gateway) or here
                there = repaired(canonical, destination, b.gateway) or there
            if here == there:
                continue
            if there is None and here == b.gateway and not hands_off:
                adds.add(destination)  # the kept table gains it before anything moves
                continue
            if here is None and there == b.gateway and not unenforced:
                continue  # its subnets are meant to be public, enforced, and get the route
            return Verdict(
                f"it sends {destination} to {here or 'nowhere'} and {canonical.id} to "
                f"{there or 'nowhere'}"
            )
        # Subnets out of scope: merged only if the kept table gains nothing in this plan.
        return Verdict("", frozenset(adds), as_is=bool(unenforced))

    verdicts = {t.id: verdict(t) for t in duplicates}
    reasons = {t: v.reason for t, v in verdicts.items()}
    for table in duplicates:
        if reasons[table.id]:
            b.find(
                FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
                table.id,
                f"{table.id} is a second public table of the remediator's besides "
                f"{canonical.id}, but {reasons[table.id]}; it is left as it is",
                person=True,
            )
    mergeable = [t for t in duplicates if not reasons[t.id]]
    if not mergeable:
        return
    # Only the mergeable duplicates' routes are added to the kept table.
    to_add = {d for t in mergeable for d in verdicts[t.id].adds}
    b.merged_as_is.update(t.id for t in mergeable if verdicts[t.id].as_is)
    if to_add and (b.gateway is None or not b.only_public_subnets(canonical)):
        b.find(
            FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
            canonical.id,
            f"duplicates of the managed table {canonical.id} are not merged into it: it "
            f"cannot take their {', '.join(sorted(to_add))} route",
            person=True,
        )
        return
    for destination in sorted(to_add):
        assert b.gateway is not None  # noqa: S101 - to_add names only the attached gateway
        b.fix_route(canonical.id, destination, b.gateway, RouteStatus.MISSING, "")
    b.merged_into.update({t.id: canonical for t in mergeable})
    for table in mergeable:
        for association_id, subnet_id in table.associations:
            b.merges.append(
                ReplaceRouteTableAssociation(
                    association_id=association_id,
                    route_table=canonical.id,
                    subnet_id=subnet_id,
                    reason=f"one managed public table per VPC: {canonical.id} is kept",
                )
            )
    for table in mergeable:
        b.merges.append(
            DeleteRouteTable(
                route_table=table.id,
                reason=f"a duplicate of {canonical.id}, created by a concurrent reconcile",
            )
        )


def repaired(table: RouteTable, destination: str, gateway: Ref | None) -> str:
    """The attached gateway, where the table's default route is to one that is gone."""
    route = table.route_to(destination)
    if route is None or route.target_kind is not TargetKind.IGW or not gateway:
        return ""
    return str(gateway) if route.state is RouteState.BLACKHOLE else ""


def undo_merges_that_would_reroute(b: Draft) -> None:
    """A duplicate whose subnets' intent is not enforced now is merged only into a table that
    routes them as it did: not if this plan gives the kept table a route."""
    gaining = {table for table, _ in b.routes}
    undone = {
        t
        for t in b.merged_as_is
        if (kept := b.merged_into.get(t)) is not None and kept.id in gaining
    }
    if not undone:
        return
    moved = {sid for t in b.snapshot.route_tables if t.id in undone for sid in t.subnet_ids}
    b.merges = [
        a
        for a in b.merges
        if not (isinstance(a, DeleteRouteTable) and a.route_table in undone)
        and not (isinstance(a, ReplaceRouteTableAssociation) and a.subnet_id in moved)
    ]
    for table_id in sorted(undone):
        kept = b.merged_into.pop(table_id)
        b.find(
            FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
            table_id,
            f"{table_id} is a second public table of the remediator's besides {kept.id}, but "
            f"{kept.id} gains a route now and the subnets on {table_id} are not in scope of "
            "auto intent: it is left as it is",
            person=False,
        )


def items_words(items: list[tuple[Item, str]]) -> str:
    shown_items = [f"{key} -> {target or kind}" for (kind, key), target in items[:3]]
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    return ", ".join(shown_items) + more
