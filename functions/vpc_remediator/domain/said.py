"""Say each thing once: what a scope's last notice told, so that the same thing is not said
again. The store is a `Memory` (domain/memory.py); here are only the rules:

- a change (applied, failed, still in progress) is always news;
- a finding that needs a person, or an audit's "would change", is news the first time, and
  again only when it changes or comes back after it was resolved;
- a digest is sent only when one of its reports has news.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .memory import Memory
from .outcomes import ActionStatus, Report

SAID = "said"  # kind of record: what a scope's last notice (or digest) told
SAID_DAYS = 30  # a finding still there after a month of quiet is said once more


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def worth_saying(report: Report) -> frozenset[str]:
    """Fingerprints of what in a report a person is told about once."""
    said = {_digest(f.code, f.resource_id, f.message) for f in report.findings if f.needs_person}
    said |= {
        _digest("would-apply", o.action.summary)
        for o in report.outcomes
        if o.status is ActionStatus.WOULD_APPLY
    }
    return frozenset(said)


def scope_key(report: Report) -> str:
    return f"{report.region}:{report.scope}"


def has_news(report: Report, said: frozenset[str]) -> bool:
    if not report.should_notify:
        return False
    if report.changed or report.failed or report.in_progress:
        return True
    return bool(worth_saying(report) - said)


class Recollection:
    """What a store remembers of the reports at hand: read once, written back only where a
    scope's fingerprints changed."""

    def __init__(self, memory: Memory | None, reports: Iterable[Report]) -> None:
        self._memory = memory
        self._reports = list(reports)
        self._said: dict[str, frozenset[str]] = {}
        for report in self._reports:
            record = memory.recall(SAID, scope_key(report)) if memory else None
            self._said[scope_key(report)] = frozenset((record or {}).get("fingerprints", ()))

    def news(self, report: Report) -> bool:
        if self._memory is None:
            return report.should_notify  # nothing remembered: everything worth a notice is
        return has_news(report, self._said[scope_key(report)])

    def commit(self) -> None:
        """Remember what each scope holds now: what is resolved is forgotten, so that it is
        news again if it comes back."""
        if self._memory is None:
            return
        for report in self._reports:
            key, now = scope_key(report), worth_saying(report)
            if now == self._said[key]:
                continue
            if now:
                self._memory.remember(SAID, key, {"fingerprints": sorted(now)}, days=SAID_DAYS)
            else:
                self._memory.forget(SAID, key)
