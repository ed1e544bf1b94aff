"""What a person does by hand at the command line besides a run: take a resource off hold, and
vouch that the remediator made a route table (`adopt`, the upgrade path for tables an earlier
version made). Both go through the ports the wiring gives them; the command line prints."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..domain import journal, ownership
from ..domain.actions import Action, ReleaseHold
from ..domain.memory import Memory
from ..domain.model import RegionSnapshot
from ..domain.outcomes import ActionOutcome, ActionStatus
from ..domain.policy import HOLD_TAG_KEY


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
    """Take a resource off hold: the record's hold is forgotten and its tag (a label) removed.
    None: it is not on hold."""
    tag = reader.tag(resource, HOLD_TAG_KEY)
    held = {}
    if record is not None:
        held = {
            key: value
            for key, value in record.recall_all(ownership.KIND, prefix=f"{reader.region}:").items()
            if key.endswith(f":hold|{resource}")
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
    note = next((str(v.get("note", "")) for v in held.values()), tag or "")
    return Released(resource, note)


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
    undone = {str(c.get("undoes")) for c in found if c.get("undoes")}
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
