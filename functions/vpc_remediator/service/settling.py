"""The keeper of settling VPCs (domain/settle.py): notes in the memory, settle messages on the
queue. Without a memory (settle time 0, no table) the notes live for this invocation only."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from ..domain import settle
from ..domain.memory import Memory
from ..domain.settle import Note


class SettleSender(Protocol):
    def send_later(self, body: Mapping[str, str], *, delay_seconds: int) -> str: ...


class Settler:
    def __init__(
        self,
        region: str,
        settle_seconds: int,
        memory: Memory | None = None,
        queue: SettleSender | None = None,
    ) -> None:
        if settle_seconds and (memory is None or queue is None):
            raise ValueError("a settle time needs a memory and a queue")
        self.region = region
        self.settle_seconds = settle_seconds
        self._memory = memory
        self._queue = queue
        self._local: dict[str, Note] = {}

    def _prefix(self, key: str) -> str:
        return f"{self.region}:{key}#"

    def note(self, key: str, event_id: str, event: Mapping[str, Any]) -> Note:
        noted = Note(key, event_id, time.time(), event)
        if self._memory is None:
            self._local[noted.record_key] = noted
        else:
            self._memory.remember(
                settle.SETTLING,
                self._prefix(key) + event_id,
                noted.value(),
                days=settle.SETTLING_DAYS,
            )
        return noted

    def later(self, key: str, account: str) -> None:
        """A settle message for the VPC, back after the settle time."""
        assert self._queue is not None  # noqa: S101 - a settle time has a queue (__init__)
        self._queue.send_later(
            settle.settle_message(key, self.region, account), delay_seconds=self.settle_seconds
        )

    def notes(self, key: str) -> list[Note]:
        if self._memory is None:
            return [n for n in self._local.values() if n.key == key]
        found = self._memory.recall_all(settle.SETTLING, self._prefix(key))
        return sorted((Note.of(v) for v in found.values()), key=lambda n: n.at)

    def quiet(self, notes: list[Note]) -> bool:
        return settle.quiet(notes, time.time(), self.settle_seconds)

    def done(self, notes: list[Note]) -> None:
        """Drop the notes a reconcile covered (notes made since stay for their own message)."""
        for n in notes:
            if self._memory is None:
                self._local.pop(n.record_key, None)
            else:
                self._memory.forget(settle.SETTLING, self._prefix(n.key) + n.event_id)
