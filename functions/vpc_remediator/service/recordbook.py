"""The service's keeper of what the remediator owns (domain/ownership.py), in its memory.

Every read of the region is given what the record proves for each VPC (one query for the
region), after confirming what that read shows of the entries written ahead; every plan is
written ahead before it is applied, its new route tables under one-time tokens. Without a
memory (the command line without the stack's record) nothing is proven: each VPC's ownership
says so, and nothing is deleted, merged or removed on a tag's claim.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from ..domain import journal, ownership
from ..domain.actions import CreateRouteTable
from ..domain.memory import Memory
from ..domain.model import RegionSnapshot, VpcSnapshot
from ..domain.outcomes import ActionOutcome
from ..domain.plan import Plan
from ..observability import logger


class RecordBook:
    def __init__(
        self,
        memory: Memory | None,
        region: str,
        *,
        durable: bool = True,
        clock: Callable[[], float] = time.time,
        token: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        """`durable`: the memory is the stack's record; False for one that lasts a run (what
        the run made is its own, and the rest is not proven)."""
        self._memory = memory
        self._durable = durable
        self._region = region
        self._clock = clock
        self._token = token
        # vpc -> its entries as last read (and written) in this reconcile
        self._entries: dict[str, dict[str, Mapping[str, Any]]] = {}
        # vpc -> what reading found to confirm or drop, not yet written
        self._tidied: dict[str, list[ownership.Change]] = {}
        self._read: RegionSnapshot | None = None
        self._journaled = 0  # the journal's entries this reconcile wrote (ids are per run)

    def attach(self, region: RegionSnapshot) -> RegionSnapshot:
        """The region with each VPC's ownership: what the record proves, once the pending
        entries this read shows are confirmed."""
        if self._memory is None:
            return region
        stored = self._memory.recall_all(ownership.KIND, prefix=f"{self._region}:")
        by_vpc: dict[str, dict[str, Mapping[str, Any]]] = {}
        for key, value in stored.items():
            vpc_id, _, entry = key[len(self._region) + 1 :].partition(":")
            by_vpc.setdefault(vpc_id, {})[entry] = value
        listed = {v.id for v in region.vpcs}
        for vpc_id in sorted(set(by_vpc) - listed):
            # The VPC is gone (every read lists the region's VPCs): so is what it described.
            self._tidied[vpc_id] = [ownership.Change(delete=frozenset(by_vpc[vpc_id]))]
        details = {}
        for vpc_id, snapshot in region.details.items():
            entries = by_vpc.get(vpc_id, {})
            change = ownership.tidy(entries, snapshot, self._clock())
            if change:
                # Written with the next change the remediator makes: reading (an audit, a person
                # without the right to write the record) never writes.
                self._tidied.setdefault(vpc_id, []).append(change)
                entries = change.applied_to(entries)
            self._entries[vpc_id] = dict(entries)
            owned = ownership.ownership(entries, snapshot)
            details[vpc_id] = replace(snapshot, ownership=replace(owned, known=self._durable))
        self._read = replace(region, details=MappingProxyType(details))
        return self._read

    def ahead(self, plan: Plan) -> Plan:
        """The plan as it will be applied (its new tables under one-time tokens), recorded first
        so that a reconcile that stops part way leaves nothing it did unaccounted for."""
        tokens = {a.ref: self._token() for a in plan.writes if isinstance(a, CreateRouteTable)}
        actions = ownership.with_tokens(plan.actions, tokens)
        plan = replace(plan, actions=actions)
        read = self._read
        snapshot = read.details.get(plan.scope) if read is not None else None
        if self._memory is None or read is None or snapshot is None or not plan.writes:
            return plan
        # What reading found for this VPC, and for VPCs that are gone, goes first.
        self._flush({plan.scope} | (set(self._tidied) - set(read.details)))
        entries = self._entries.get(plan.scope, {})
        change = ownership.ahead(
            entries,
            snapshot,
            actions=plan.writes,
            copies=plan.copies,
            tokens=tokens,
            now=self._clock(),
        )
        if change:
            self._write(plan.scope, change)
            self._entries[plan.scope] = change.applied_to(entries)
        return plan

    def journal(
        self,
        snapshot: VpcSnapshot,
        outcomes: tuple[ActionOutcome, ...],
        *,
        run: str,
        trigger: journal.Trigger,
        intents: Mapping[str, str],
    ) -> list[dict[str, Any]]:
        """Every change applied to the VPC, with what it was before (`snapshot`, as read before
        applying), when, why and what triggered it: kept until the VPC is gone. One item per
        apply (a few for a large one), so that the journal costs a write, not one per change."""
        if self._memory is None:
            return []
        at = journal.timestamp(self._clock())
        changes = journal.entries(
            snapshot,
            outcomes,
            run=run,
            at=at,
            trigger=trigger,
            intents=intents,
            region=self._region,
            first=self._journaled,
        )
        for key, item in journal.items(changes, self._region, snapshot.vpc.id, at, run).items():
            self._memory.remember(journal.KIND, key, item, days=None)
        self._journaled += len(changes)
        return changes

    def forget_journals_of_gone_vpcs(self, region: RegionSnapshot) -> None:
        """The journal lives as long as the VPC it describes: the sweep forgets the journals of
        VPCs that are gone (their keys alone are read)."""
        if self._memory is None or not self._durable:
            return
        listed = {v.id for v in region.vpcs}
        for key in self._memory.keys(journal.KIND, prefix=f"{self._region}:"):
            if key[len(self._region) + 1 :].partition(":")[0] not in listed:
                self._memory.forget(journal.KIND, key)

    def flush(self) -> None:
        """Write what the last reads confirmed or dropped (after a reconcile that changed
        something: its verifying read confirms what was written ahead)."""
        if self._memory is not None:
            self._flush(set(self._tidied))

    def _flush(self, vpc_ids: set[str]) -> None:
        for vpc_id in sorted(vpc_ids & set(self._tidied)):
            for change in self._tidied.pop(vpc_id):
                self._write(vpc_id, change)

    def _write(self, vpc_id: str, change: ownership.Change) -> None:
        assert self._memory is not None  # noqa: S101 - callers check
        prefix = ownership.vpc_prefix(self._region, vpc_id)
        for entry, value in change.put.items():
            self._memory.remember(ownership.KIND, prefix + entry, value, days=None)
        for entry in change.delete:
            self._memory.forget(ownership.KIND, prefix + entry)
        logger.info(
            "record written",
            extra={"vpc": vpc_id, "put": sorted(change.put), "deleted": sorted(change.delete)},
        )
