"""The plan put together in the order it is applied (each subnet whole before the next), and a
shared VPC's plan made read-only."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from ..actions import (
    Action,
    SetAssignIpv6AddressOnCreation,
    SetMapPublicIpOnLaunch,
    TagResources,
)
from ..findings import Finding, FindingCode, Severity
from ..model import (
    VpcSnapshot,
    frozen_tags,
)
from ..plan import Plan, names_of
from ..policy import (
    MANAGED_CHANGED,
    MANAGED_TAG_KEY,
    Policy,
)
from .draft import (
    Draft,
)


def assemble(b: Draft, policy: Policy) -> Plan:
    already_tagged = {s.id for s in b.snapshot.subnets if s.tags.get(MANAGED_TAG_KEY)} | {
        rt.id for rt in b.snapshot.route_tables if rt.tags.get(MANAGED_TAG_KEY)
    }
    to_tag = tuple(sorted(b.changed - already_tagged))
    tags: list[Action] = []
    if to_tag:
        # Tagged first: a reconcile that stops part way (its time is up) has said so already.
        tags.append(
            TagResources(
                resource_ids=to_tag,
                tags=frozen_tags({MANAGED_TAG_KEY: MANAGED_CHANGED}),
                reason="every resource the remediator changes says so",
            )
        )
    # Each subnet is finished (moved, then its attributes) before the next one is started, so
    # a reconcile that stops part way leaves whole subnets done. Public addresses wait for the
    # table that will route the subnet.
    moves = {a.subnet or "": a for a in [*b.merges, *b.associations] if a.moves_subnet}
    emptied = [a for a in b.merges if not a.moves_subnet]  # duplicates deleted once emptied

    def addressed(subnet_id: str) -> list[Action]:
        move = moves.get(subnet_id)
        table = move.table if move is not None else None
        if table is None and (governing := b.snapshot.governing_route_table(subnet_id)):
            table = governing.id
        return [
            replace(a, route_table=table)
            if isinstance(a, SetMapPublicIpOnLaunch | SetAssignIpv6AddressOnCreation) and a.enabled
            else a
            for a in b.attributes.get(subnet_id, ())
        ]

    per_subnet: list[Action] = []
    for subnet_id, move in moves.items():
        per_subnet += [move, *addressed(subnet_id)]
    per_subnet += emptied
    per_subnet += [a for sid in b.attributes if sid not in moves for a in addressed(sid)]
    actions: list[Action] = [
        *b.setup,
        *tags,
        *b.routes.values(),
        *b.carries,
        *per_subnet,
        *b.labels,
    ]
    return Plan(
        mode=policy.mode,
        scope=b.snapshot.vpc.id,
        actions=tuple(actions),
        findings=tuple(b.findings),
        intents=tuple(b.intents.values()),
        copies=MappingProxyType(dict(b.copies)),
        names=names_of(b.snapshot),
    )


def is_shared(snapshot: VpcSnapshot) -> bool:
    """Owned by another account: the VPC, or any of its subnets or route tables."""
    owners = [snapshot.vpc.owner_id, *(s.owner_id for s in snapshot.subnets)]
    owners += [t.owner_id for t in snapshot.route_tables]
    return any(snapshot.foreign(owner) for owner in owners)


def read_only(plan: Plan, snapshot: VpcSnapshot) -> Plan:
    """A VPC shared with this account (RAM): what it lacks is reported, to its owner's account;
    nothing is written here, and nothing here needs this account's people."""
    owner = next(
        o
        for o in (snapshot.vpc.owner_id, *(s.owner_id for s in snapshot.subnets))
        if snapshot.foreign(o)
    )
    lacks = "; ".join(a.summary for a in plan.actions) or "nothing"
    finding = Finding(
        FindingCode.SHARED_VPC,
        snapshot.vpc.id,
        f"{snapshot.vpc.id} is owned by account {owner} and shared with this account: it is "
        f"read and reported, never changed from here; what its owner would change: {lacks}",
    )
    quiet = tuple(replace(f, needs_person=False, severity=Severity.INFO) for f in plan.findings)
    return replace(plan, actions=(), findings=(*quiet, finding))
