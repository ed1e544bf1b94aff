"""The service's keeper of what it applied and re-applied (domain/holds.py), one memory record
per VPC. Without a memory (the command line) it judges nothing: holds already placed, being
tags, are honoured by the planner everywhere."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain import holds
from ..domain.actions import Action
from ..domain.memory import Memory
from ..domain.outcomes import ActionOutcome
from ..domain.plan import Plan
from ..domain.policy import AutoScope
from ..domain.triggers import ApiCall


class HoldBook:
    def __init__(self, memory: Memory | None, region: str) -> None:
        self._memory = memory
        self._region = region
        self.run = uuid.uuid4().hex  # this reconcile: its own rounds are not someone undoing
        self._records: dict[str, dict[str, dict[str, Any]]] = {}

    def _key(self, vpc_id: str) -> str:
        return f"{self._region}:{vpc_id}"

    def _record(self, vpc_id: str) -> dict[str, dict[str, Any]]:
        """The VPC's record: read once per reconcile, then kept up to date here."""
        assert self._memory is not None  # noqa: S101 - callers check
        if vpc_id not in self._records:
            stored = self._memory.recall(holds.APPLIED, self._key(vpc_id)) or {}
            self._records[vpc_id] = {k: dict(v) for k, v in stored.get("changes", {}).items()}
        return {k: dict(v) for k, v in self._records[vpc_id].items()}

    def _store(self, vpc_id: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        if after != before and self._memory is not None:
            self._memory.remember(
                holds.APPLIED, self._key(vpc_id), {"changes": after}, days=holds.APPLIED_DAYS
            )
            self._records[vpc_id] = after

    def once(self, vpc_id: str, auto: AutoScope) -> AutoScope:
        """Auto intent without the subnets it already finished in an earlier reconcile."""
        if self._memory is None or not (auto.everything or auto.subnet_ids):
            return auto
        done = holds.finished_before(self._record(vpc_id), run=self.run)
        return replace(auto, done=auto.done | done) if done else auto

    def review(self, plan: Plan, call: ApiCall | None) -> Plan:
        if self._memory is None or not plan.actions or not plan.scope.startswith("vpc-"):
            return plan
        record = self._record(plan.scope)
        judged = holds.review(
            plan, record, caller=call.caller if call else None, run=self.run, now=time.time()
        )
        self._store(plan.scope, record, judged.record)
        return judged.plan

    def applied(self, vpc_id: str, outcomes: tuple[ActionOutcome, ...]) -> None:
        self._update(
            vpc_id,
            outcomes,
            lambda record: holds.applied(vpc_id, outcomes, record, run=self.run, now=time.time()),
        )

    def completed(
        self, vpc_id: str, outcomes: tuple[ActionOutcome, ...], remaining: tuple[Action, ...]
    ) -> None:
        """Note the subnets this reconcile finished whole (auto intent is then done with them)."""
        self._update(
            vpc_id,
            outcomes,
            lambda record: holds.completed(
                record, outcomes, remaining, run=self.run, now=time.time()
            ),
        )

    def _update(
        self,
        vpc_id: str,
        outcomes: tuple[ActionOutcome, ...],
        change: Callable[[dict[str, dict[str, Any]]], dict[str, dict[str, Any]]],
    ) -> None:
        if self._memory is None or not outcomes or not vpc_id.startswith("vpc-"):
            return
        record = self._record(vpc_id)
        self._store(vpc_id, record, change(record))
