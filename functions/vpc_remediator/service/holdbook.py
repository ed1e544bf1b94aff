"""The keeper of what the remediator applied in each VPC (domain/holds.py): one memory record
per VPC, read once per reconcile for the decision before the planner (domain/decision.py), and
written after each apply. Without a memory (the command line) there is no record: holds already
placed, being the record's or tags, are honoured by the planner everywhere."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..domain import holds
from ..domain.actions import Action
from ..domain.memory import Memory
from ..domain.outcomes import ActionOutcome
from ..domain.provenance import Caller


class HoldBook:
    def __init__(
        self, memory: Memory | None, region: str, run: str, clock: Callable[[], float]
    ) -> None:
        self._memory = memory
        self._region = region
        self._run = run  # this reconcile: its own rounds are not someone undoing
        self._clock = clock
        self._records: dict[str, dict[str, dict[str, Any]]] = {}

    def _key(self, vpc_id: str) -> str:
        return f"{self._region}:{vpc_id}"

    def recall(self, vpc_id: str) -> Mapping[str, Mapping[str, Any]]:
        """The VPC's record: read once per reconcile, then kept up to date here."""
        if self._memory is None or not vpc_id.startswith("vpc-"):
            return {}
        if vpc_id not in self._records:
            stored = self._memory.recall(holds.APPLIED, self._key(vpc_id)) or {}
            self._records[vpc_id] = {k: dict(v) for k, v in stored.get("changes", {}).items()}
        return {k: dict(v) for k, v in self._records[vpc_id].items()}

    def applied(
        self, vpc_id: str, outcomes: tuple[ActionOutcome, ...], caller: Caller | None
    ) -> None:
        self._update(
            vpc_id,
            outcomes,
            lambda record: holds.applied(
                vpc_id, outcomes, record, caller=caller, run=self._run, now=self._clock()
            ),
        )

    def completed(
        self, vpc_id: str, outcomes: tuple[ActionOutcome, ...], remaining: tuple[Action, ...]
    ) -> None:
        """Note the subnets this reconcile finished whole (auto intent is then done with them)."""
        self._update(
            vpc_id,
            outcomes,
            lambda record: holds.completed(
                record, outcomes, remaining, run=self._run, now=self._clock()
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
        before = {k: dict(v) for k, v in self.recall(vpc_id).items()}
        after = change(before)
        if after != before:
            self._memory.remember(
                holds.APPLIED, self._key(vpc_id), {"changes": after}, days=holds.APPLIED_DAYS
            )
            self._records[vpc_id] = after
