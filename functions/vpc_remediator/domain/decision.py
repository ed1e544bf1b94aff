"""One pure decision before the planner: what the remediator's memory says about a VPC, made
into what the planner takes.

- **Auto intent once.** The subnets an earlier reconcile finished whole are `done`: what changed
  since is a person's (or a tool's) to keep, and is only reported (domain/holds.py).
- **Who made it.** Where no event says who made a subnet (the sweep, the command line), auto
  intent acts only on what a caller it finishes for made: the subnets it would change are
  `subjects`, their makers are looked up (an adapter's job, remembered once known), and
  `decide` limits the scope to them (domain/creators.py).
- **Back off instead of fighting.** The changes someone has undone more often than the
  remediator makes them again are `undone`: planned once more, the resource is held instead.

The service's keepers read what this needs (`Past`) and write back what was applied; this module
and the planner decide, once per round of a reconcile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import creators, holds
from .creators import owner
from .intent import Intent, resolve_intents
from .model import VpcSnapshot
from .policy import AutoScope, Policy
from .provenance import Caller
from .routing import RouteStatus, destinations, route_status


@dataclass(frozen=True)
class Past:
    """What the keepers recalled of one VPC."""

    # The VPC's record of what was applied: change -> when, how often made again, held.
    applied: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Who made the subjects that were looked up (None: not known); absent: not looked up.
    makers: Mapping[str, Caller | None] | None = None
    # A subnet whose maker is not known is planned (a person approves the plan) rather than
    # left alone.
    ask_unknown: bool = False


@dataclass(frozen=True)
class Decision:
    """What the planner takes from the memory for one VPC."""

    auto: AutoScope
    undone: holds.Undone


def asks_makers(auto: AutoScope) -> bool:
    """Whether who made the subnets is to be looked up: auto intent is at stake and no event
    says who made them (a tool's event withholds it already)."""
    return not auto.withheld and (auto.everything or bool(auto.subnet_ids))


def subjects(snapshot: VpcSnapshot, policy: Policy, auto: AutoScope) -> frozenset[str]:
    """The subnets auto intent would change: meant to be public by auto intent (not a tag), in
    scope, not a tool's by its tags, not on hold, and missing a route to the internet gateway
    or (on the remediator's own table) their public addresses; a route that conflicts is never
    changed."""
    intents = resolve_intents(snapshot, policy)
    attached = snapshot.attached_internet_gateway is not None
    found = set()
    for subnet in snapshot.subnets:
        intent = intents[subnet.id]
        if (
            intent.intent is not Intent.PUBLIC
            or intent.is_explicit
            or not auto.covers(subnet.id)
            or owner(snapshot, subnet, policy)
            or not attached
            or snapshot.ownership.holds.get(subnet.id) is not None
        ):
            continue
        table = snapshot.governing_route_table(subnet.id)
        if table is None:
            continue
        statuses = [route_status(table, d, subnet).status for d in destinations(subnet)]
        if RouteStatus.CONFLICT in statuses:
            continue
        # Public addresses are finished only where the remediator routes the subnet (now, or
        # on its own table): a subnet someone else routed keeps its mapping as they left it.
        unrouted = any(s is not RouteStatus.OK for s in statuses)
        lacking = policy.lacks_public_addresses(subnet) and snapshot.ownership.owns(table.id)
        if unrouted or lacking:
            found.add(subnet.id)
    return frozenset(found)


def once(auto: AutoScope, applied: Mapping[str, Mapping[str, Any]], *, run: str) -> AutoScope:
    """Auto intent without the subnets an earlier reconcile finished whole."""
    done = holds.finished_before(applied, run=run)
    if done and (auto.everything or auto.subnet_ids):
        return replace(auto, done=auto.done | done)
    return auto


def decide(
    snapshot: VpcSnapshot | None,
    policy: Policy,
    auto: AutoScope,
    past: Past,
    *,
    caller: Caller | None,
    run: str,
    now: float,
) -> Decision:
    """The scope auto intent may act on, and what is held instead of changed again."""
    auto = once(auto, past.applied, run=run)
    if snapshot is not None and snapshot.ownership.undone:
        auto = replace(auto, undone=auto.undone | snapshot.ownership.undone)
    if past.makers is not None and snapshot is not None and asks_makers(auto):
        asked = subjects(snapshot, policy, auto)
        auto = creators.vouched(
            auto, asked, past.makers, policy.auto_intent_from, ask_unknown=past.ask_unknown
        )
    return Decision(auto, holds.undone(past.applied, caller=caller, run=run, now=now))
