"""What a person does by hand at the command line besides a run: take a resource off hold, and
vouch that the remediator made a route table (`adopt`, the upgrade path for tables an earlier
version made). Both go through the ports the wiring gives them; the command line prints."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..domain import holds, journal, ownership, undo
from ..domain.actions import Action, ReleaseHold
from ..domain.memory import Memory
from ..domain.model import RegionSnapshot, VpcSnapshot
from ..domain.outcomes import ActionOutcome, ActionStatus
from ..domain.policy import HOLD_TAG_KEY
from ..domain.undo import UndoPlan


class HandReader(Protocol):
    region: str

    def tag(self, resource_id: str, key: str) -> str | None: ...

    def existing(self, resource_ids: Iterable[str]) -> frozenset[str]: ...

    def vpc_of_route_table(self, route_table_id: str) -> str: ...

    def read(self, vpc_ids: Iterable[str] | None = None) -> RegionSnapshot: ...


class HandWriter(Protocol):
    def apply(self, actions: Iterable[Action]) -> tuple[ActionOutcome, ...]: ...


class NotDone(Exception):
    """Why a person's command did not do what was asked; one line."""


@dataclass(frozen=True)
class Released:
    resource: str
    note: str  # the hold's note: who undid what, and when


def release(
    resource: str, reader: HandReader, writer: HandWriter, record: Memory | None
) -> Released | None:
    """Take a resource off hold: the record's hold is forgotten and its tag (a label) removed;
    a subnet a person put back with `undo` is the remediator's to finish again. None: it is
    neither on hold nor undone."""
    tag = reader.tag(resource, HOLD_TAG_KEY)
    held = {}
    if record is not None:
        held = {
            key: value
            for key, value in record.recall_all(ownership.KIND, prefix=f"{reader.region}:").items()
            if key.endswith((f":hold|{resource}", f":undone|{resource}"))
        }
    if tag is None and not held:
        return None
    if tag is not None:
        action = ReleaseHold(resource_id=resource, reason="a person released it")
        (outcome,) = writer.apply([action])
        if outcome.status is not ActionStatus.APPLIED:
            raise NotDone(f"{resource} not released: {outcome.detail}")
    for key in held:
        assert record is not None  # noqa: S101 - held is empty without a record
        record.forget(ownership.KIND, key)
        if key.endswith(f":undone|{resource}"):
            _finish_again(record, reader.region, key.split(":")[1], resource)
    note = next((str(v.get("note", "")) for v in held.values() if "note" in v), "") or (
        tag
        or f"put back by {next((str(v.get('by')) for v in held.values()), 'a person')} "
        "with vpc-remediator undo"
    )
    return Released(resource, note)


def _finish_again(record: Memory, region: str, vpc_id: str, subnet: str) -> None:
    """Auto intent may finish the subnet again: what it finished before is forgotten."""
    key = f"{region}:{vpc_id}"
    stored = record.recall(holds.APPLIED, key)
    if not stored:
        return
    changes = {k: v for k, v in stored.get("changes", {}).items() if k.split("|")[0] != subnet}
    record.remember(holds.APPLIED, key, {"changes": changes}, days=holds.APPLIED_DAYS)


@dataclass(frozen=True)
class Adoption:
    route_table: str
    vpc_id: str
    change: ownership.Change

    @property
    def copies(self) -> int:
        """The table's routes recorded as copies of the main table's."""
        return len(self.change.put[f"copies|{self.route_table}"]["items"])


def adoption(route_table: str, reader: HandReader) -> Adoption:
    """What adopting the table would record (NotDone: it cannot be adopted)."""
    vpc_id = reader.vpc_of_route_table(route_table)
    snapshot = reader.read({vpc_id}).details[vpc_id]
    try:
        change = ownership.adoption(snapshot, route_table, time.time())
    except ValueError as exc:
        raise NotDone(str(exc)) from None
    return Adoption(route_table, vpc_id, change)


def adopt(adoption: Adoption, region: str, record: Memory) -> None:
    prefix = ownership.vpc_prefix(region, adoption.vpc_id)
    for entry, value in adoption.change.put.items():
        record.remember(ownership.KIND, prefix + entry, value, days=None)


@dataclass(frozen=True)
class History:
    """The journal's changes (newest first), each with whether it still stands, and the live
    read they were checked against (for Names)."""

    changes: tuple[dict[str, object], ...]
    region: RegionSnapshot


def history(
    reader: HandReader, record: Memory, vpc_id: str | None = None, since: str = ""
) -> History:
    """What the remediator changed in the region (or one VPC), from `since` (an ISO date or
    time), each change checked against one read of the VPCs it touched."""
    prefix = journal.vpc_prefix(reader.region, vpc_id) if vpc_id else f"{reader.region}:"
    found = [
        c
        for c in journal.changes_of(record.recall_all(journal.KIND, prefix=prefix))
        if str(c.get("at", "")) >= since
    ]
    vpcs = sorted({str(c.get("vpc_id")) for c in found})
    existing = reader.existing(vpcs) if vpcs else frozenset()
    region = reader.read(sorted(existing))
    undone = {str(u) for c in found for u in c.get("undoes") or ()}
    changes = tuple(
        dict(c)
        | {
            "stands": False
            if c.get("id") in undone
            else journal.stands(c, region.details.get(str(c.get("vpc_id")))),
            "undone": c.get("id") in undone,
        }
        for c in found
    )
    return History(changes, region)


@dataclass(frozen=True)
class Undoing:
    """What an undo would put back in one VPC, and the read it was planned against."""

    plan: UndoPlan
    snapshot: VpcSnapshot


def undo_plans(
    reader: HandReader,
    record: Memory,
    *,
    ids: Iterable[str] = (),
    vpc_id: str = "",
    subnet_id: str = "",
    intent_tag_key: str,
    including_default_vpc: bool = False,
) -> list[Undoing]:
    """Per VPC, what puts the chosen changes back (NotDone: none of them is in the journal)."""
    wanted = frozenset(ids)
    prefix = journal.vpc_prefix(reader.region, vpc_id) if vpc_id else f"{reader.region}:"
    every = journal.changes_of(record.recall_all(journal.KIND, prefix=prefix))
    chosen = undo.chosen_changes(every, ids=wanted, vpc_id=vpc_id, subnet_id=subnet_id)
    missing = sorted(wanted - {str(c.get("id")) for c in chosen})
    if missing:
        raise NotDone(f"no change {', '.join(missing)} in the journal of {reader.region}")
    if not chosen:
        what = vpc_id or subnet_id or "the region"
        raise NotDone(f"the journal of {reader.region} has no change to {what}")
    vpcs = sorted({str(c.get("vpc_id")) for c in chosen})
    region = reader.read(sorted(reader.existing(vpcs)))
    plans = []
    for vpc in vpcs:
        snapshot = region.details.get(vpc)
        if snapshot is None:
            raise NotDone(f"{vpc} is gone: nothing of it to put back")
        of_vpc = [c for c in every if c.get("vpc_id") == vpc]
        mine = [c for c in chosen if c.get("vpc_id") == vpc]
        plan = undo.plan_undo(
            mine,
            snapshot,
            journal_of_vpc=of_vpc,
            intent_tag_key=intent_tag_key,
            including_default_vpc=including_default_vpc,
        )
        plans.append(Undoing(plan, snapshot))
    return plans


def apply_undo(
    undoing: Undoing,
    writer: HandWriter,
    record: Memory,
    region: str,
    *,
    actor: str,
    now: float | None = None,
) -> tuple[ActionOutcome, ...]:
    """Put back what the plan says, and journal it (each change says what it undoes). The
    subnets put back are marked in the record first, as a person's, so that auto intent
    leaves them alone: a record the person may not write stops the undo before any change."""
    plan = undoing.plan
    when = time.time() if now is None else now
    prefix = ownership.vpc_prefix(region, plan.vpc_id)
    for subnet in sorted(plan.subnets):
        record.remember(
            ownership.KIND, f"{prefix}undone|{subnet}", {"at": when, "by": actor}, days=None
        )
    outcomes = writer.apply(plan.actions)
    at = journal.timestamp(when)
    run = uuid.uuid4().hex
    changes = journal.entries(
        undoing.snapshot,
        outcomes,
        region=region,
        run=run,
        at=at,
        trigger=journal.Trigger("command-line", actor),
        undoes=plan.undoes,
    )
    for key, item in journal.items(changes, region, plan.vpc_id, at, run).items():
        record.remember(journal.KIND, key, item, days=None)
    put_back = {
        a.subnet
        for a, o in zip(plan.actions, outcomes, strict=True)
        if a.subnet and o.status is ActionStatus.APPLIED
    }
    for subnet in sorted(put_back):
        for entry in (f"moved|{subnet}", f"mapped|{subnet}"):
            record.forget(ownership.KIND, prefix + entry)
    return outcomes
