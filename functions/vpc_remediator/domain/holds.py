"""Back off instead of fighting (docs/design.md section 8).

When another principal undoes a change the remediator made (public-IP mapping turned off, its
route deleted, a subnet moved off its table, its gateway detached), the remediator re-applies
it at most once; the next time it puts the resource on hold instead: a tag on the resource
(`vpc-remediator:hold`, naming who undid it and when) that the planner honours everywhere
(events, the sweep, the command line) until a person removes it or runs `vpc-remediator
release`. A gateway is never re-applied at all: one a person detached is not replaced.

What the remediator applied, and how often it re-applied it, is remembered per VPC (one record:
resource and change -> count, held, run). Pure: the service reads and writes the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .actions import (
    Action,
    AssociateRouteTable,
    AttachInternetGateway,
    CreateInternetGateway,
    CreateRoute,
    PlaceHold,
    ReplaceRoute,
    SetAssignIpv6AddressOnCreation,
    SetMapPublicIpOnLaunch,
    TagResources,
)
from .findings import Finding, held_finding
from .outcomes import ActionOutcome, ActionStatus
from .plan import Plan
from .provenance import Caller

APPLIED = "applied"  # memory kind: one record per VPC
APPLIED_DAYS = 90
GATEWAY = "its internet gateway"
# How often a change undone by someone else is made again before the resource is held.
REAPPLY = {GATEWAY: 0}
DEFAULT_REAPPLY = 1
# A change planned again this soon after it was applied is EC2's eventual consistency (a read
# that does not show the write yet), not someone undoing it.
SETTLED_SECONDS = 120.0


@dataclass(frozen=True)
class Change:
    resource: str
    what: str

    @property
    def key(self) -> str:
        return f"{self.resource}|{self.what}"


def change_of(action: Action, vpc_id: str) -> Change | None:
    """The change an action makes that someone else could undo (None: not such a change)."""
    match action:
        case SetMapPublicIpOnLaunch(subnet_id=subnet, enabled=True):
            return Change(subnet, "public-IP mapping")
        case SetAssignIpv6AddressOnCreation(subnet_id=subnet, enabled=True):
            return Change(subnet, "IPv6 address assignment")
        case AssociateRouteTable(subnet_id=subnet):
            return Change(subnet, "association with the managed public table")
        case (
            CreateRoute(route_table=str(table), destination=destination)
            | ReplaceRoute(route_table=str(table), destination=destination)
        ):
            return Change(table, f"route {destination} to the internet gateway")
        case CreateInternetGateway() | AttachInternetGateway():
            return Change(vpc_id, GATEWAY)
    return None


def _written(action: Action, vpc_id: str) -> frozenset[str]:
    """What an action writes; a gateway created is the VPC's."""
    written = action.written
    return written | {vpc_id} if isinstance(action, CreateInternetGateway) else written


@dataclass(frozen=True)
class Undone:
    """Changes the remediator made that someone has undone more often than it makes them
    again: planned once more, the resource is held instead (decided before the planner, from
    the VPC's record; the planner holds them back, `hold_back`)."""

    notes: Mapping[str, str] = field(default_factory=dict)  # change key -> the hold's note
    tool: str = ""  # the tool that undid them, as CloudTrail's fields named it

    def __bool__(self) -> bool:
        return bool(self.notes)


def _again(past: Mapping[str, Any] | None, *, run: str, now: float) -> bool:
    """Whether planning a recorded change again means someone undid it: it was made by an
    earlier reconcile, long enough ago that a read shows it."""
    return (
        past is not None
        and past.get("run") != run
        and now - float(past.get("at", 0)) >= SETTLED_SECONDS
    )


def undone(
    record: Mapping[str, Mapping[str, Any]], *, caller: Caller | None, run: str, now: float
) -> Undone:
    """The recorded changes that are made again no more: re-applied as often as allowed, and
    not released by a person since."""
    who = caller.described if caller else "someone (seen by a later reconcile)"
    when = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    notes = {}
    for key, past in record.items():
        what = key.partition("|")[2]
        if what == DONE or not _again(past, run=run, now=now) or past.get("held"):
            continue
        if past.get("count", 0) >= REAPPLY.get(what, DEFAULT_REAPPLY):
            notes[key] = f"{what} undone by {who} at {when}, after it was made again once"[:256]
    return Undone(notes, caller.tool if caller else "")


def hold_back(plan: Plan, undone: Undone) -> Plan:
    """The plan with each resource whose change someone keeps undoing put on hold instead of
    changed again (a tag, and the record's hold), and said once. (The planner plans nothing for
    a resource on hold, so a held change planned again means a person released it.)"""
    if not undone:
        return plan
    holds: dict[str, str] = {}
    findings: list[Finding] = []
    for action in plan.actions:
        change = change_of(action, plan.scope)
        if change is None or change.key not in undone.notes or change.resource in holds:
            continue
        holds[change.resource] = undone.notes[change.key]
        findings.append(held_finding(change.resource, holds[change.resource], undone.tool))
    if not holds:
        return plan
    kept = [
        _untagged(a, holds)
        for a in plan.actions
        if plan.scope not in holds  # the VPC held: nothing in it is written
        and (isinstance(a, TagResources) or not _written(a, plan.scope) & set(holds))
    ]
    placed = [
        PlaceHold(
            resource_id=resource,
            note=note,
            tool=undone.tool,
            reason="another principal keeps undoing this change: the remediator stops",
        )
        for resource, note in sorted(holds.items())
    ]
    return replace(
        plan,
        actions=(*placed, *(a for a in kept if a is not None)),
        findings=(*plan.findings, *findings),
    )


def _untagged(action: Action, holds: Mapping[str, str]) -> Action | None:
    if not isinstance(action, TagResources):
        return action
    ids = tuple(r for r in action.resource_ids if r not in holds)
    return replace(action, resource_ids=ids) if ids else None


DONE = "done"  # a subnet whose whole change an earlier reconcile completed


def finished_before(record: Mapping[str, Mapping[str, Any]], *, run: str) -> frozenset[str]:
    """The subnets an earlier reconcile finished: auto intent applies once per subnet, so a
    redelivered or retried event does not redo what someone undid since. A subnet whose change
    stopped part way (moved, its public addresses not yet on) is not finished: the retry is."""
    return frozenset(
        key.split("|", 1)[0]
        for key, entry in record.items()
        if key.endswith(f"|{DONE}") and entry.get("run") != run
    )


def completed(
    record: Mapping[str, Mapping[str, Any]],
    outcomes: tuple[ActionOutcome, ...],
    remaining: tuple[Action, ...],
    *,
    run: str,
    now: float,
) -> dict[str, dict[str, Any]]:
    """The record with the subnets this reconcile finished: changed, with nothing of theirs
    left undone (deferred, failed, skipped, or still planned after the read that verified)."""
    after = {k: dict(v) for k, v in record.items()}
    succeeded = frozenset({ActionStatus.APPLIED, ActionStatus.ALREADY_DONE})

    def subnets(action: Action) -> set[str]:
        return {i for i in action.written if i.startswith("subnet-")}

    changed = {s for o in outcomes if o.status is ActionStatus.APPLIED for s in subnets(o.action)}
    unfinished = {s for o in outcomes if o.status not in succeeded for s in subnets(o.action)}
    unfinished |= {s for a in remaining for s in subnets(a)}
    for subnet in sorted(changed - unfinished):
        after[f"{subnet}|{DONE}"] = {"run": run, "at": now}
    return after


def applied(
    vpc_id: str,
    outcomes: tuple[ActionOutcome, ...],
    record: Mapping[str, Mapping[str, Any]],
    *,
    caller: Caller | None = None,
    run: str,
    now: float,
) -> dict[str, dict[str, Any]]:
    """The record after applying: when each change was (last) made, how often it was made
    again after someone undid it, and the changes a hold now stops."""
    after = {k: dict(v) for k, v in record.items()}
    who = caller.described if caller else "someone (seen by a later reconcile)"
    # A route to a table this plan created is remembered on the table's id.
    created = {ref: o.resource_id for o in outcomes if o.resource_id and (ref := o.action.creates)}
    for outcome in outcomes:
        if outcome.status is not ActionStatus.APPLIED:
            continue
        if isinstance(outcome.action, PlaceHold):
            held = outcome.action.resource_id
            for key, past in after.items():
                if key.partition("|")[0] == held and not key.endswith(f"|{DONE}"):
                    after[key] = {**past, "held": True, "by": who, "run": run, "at": now}
            continue
        change = change_of(outcome.action.resolved(created), vpc_id)
        if change is None:
            continue
        before = after.get(change.key)
        if before is None or not _again(before, run=run, now=now):
            # Made for the first time, in this reconcile's own earlier round, or not visible
            # yet: the count stands.
            after[change.key] = {"count": 0, **(before or {}), "run": run, "at": now}
        elif before.get("held"):
            after[change.key] = {"count": 1, "run": run, "at": now, "by": who}  # released
        else:
            count = int(before.get("count", 0)) + 1
            after[change.key] = {"count": count, "run": run, "at": now, "by": who}
    return after
