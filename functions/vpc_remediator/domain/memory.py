"""The remediator's memory, as plain values: a small key-value store of records by kind and key
that expire after some days. The store behind it is an adapter's (DynamoDB in the stack); a
run of the command line without it has `RunMemory`. What is kept in it, and why, is each
keeper's: what was said (domain/said.py), what was applied and held (domain/holds.py), who
made what (domain/creators.py), what the remediator owns (domain/ownership.py), settling VPCs
(domain/settle.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Memory(Protocol):
    """A small key-value store: records of a kind, by key, that expire after some days."""

    def recall(self, kind: str, key: str) -> Mapping[str, Any] | None: ...

    def remember(self, kind: str, key: str, value: Mapping[str, Any], *, days: int | None) -> None:
        """Keep a record for `days`, or (None) until it is forgotten."""
        ...

    def forget(self, kind: str, key: str) -> None: ...

    def recall_all(self, kind: str, prefix: str = "") -> dict[str, Mapping[str, Any]]:
        """Every record of a kind whose key starts with `prefix`."""
        ...

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        """The keys of those records (their values are not read)."""
        ...


class RunMemory:
    """A memory that lasts one run (the command line without the stack's record): what the run
    itself made is known to it, and nothing else."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], Mapping[str, Any]] = {}

    def recall(self, kind: str, key: str) -> Mapping[str, Any] | None:
        return self._records.get((kind, key))

    def remember(self, kind: str, key: str, value: Mapping[str, Any], *, days: int | None) -> None:
        self._records[(kind, key)] = dict(value)

    def forget(self, kind: str, key: str) -> None:
        self._records.pop((kind, key), None)

    def recall_all(self, kind: str, prefix: str = "") -> dict[str, Mapping[str, Any]]:
        return {k: v for (c, k), v in self._records.items() if c == kind and k.startswith(prefix)}

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        return sorted(self.recall_all(kind, prefix))
