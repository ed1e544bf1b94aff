"""The keeper of who made what (domain/creators.py), where no event says it: the sweep and the
command line. The memory first; CloudTrail's event history for the rest, for at most
MAX_LOOKUPS subnets a reconcile (the others wait for the next one, their maker unknown)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ..domain import creators
from ..domain.memory import Memory
from ..domain.provenance import Caller
from ..observability import logger

MAX_LOOKUPS = 20  # at 2 a second, ten seconds of a reconcile at most


class History(Protocol):
    unavailable: str  # why it cannot be read (""): then every maker is not known

    def maker(self, resource_id: str) -> Caller | None: ...


class MakerBook:
    def __init__(
        self, history: History, memory: Memory | None, region: str, *, ask_unknown: bool
    ) -> None:
        self._history = history
        self._memory = memory
        self._region = region
        self.ask_unknown = ask_unknown  # the command line asks a person instead
        self.makers: dict[str, Caller | None] = {}  # what this reconcile learnt, for the plan
        self.lookups = 0
        self._failed = False
        # Why CloudTrail's history could not be read in this reconcile ("" if it could): said
        # beside every subnet whose maker is then not known, never hidden.
        self.failure = ""

    def look_up(self, subjects: Iterable[str]) -> dict[str, Caller | None]:
        """Who made each subject (None: not known), from the memory or CloudTrail's history."""
        return {s: self.maker(s) for s in sorted(subjects)}

    def maker(self, resource_id: str) -> Caller | None:
        if resource_id in self.makers:
            return self.makers[resource_id]
        key = f"{self._region}:{resource_id}"
        known = self._memory.recall(creators.CREATOR, key) if self._memory else None
        if known is not None:
            found = creators.maker_of(known)
        elif self.lookups >= MAX_LOOKUPS or self._failed:
            return None  # the next reconcile asks
        else:
            self.lookups += 1
            try:
                found = self._history.maker(resource_id)
            except Exception as exc:  # noqa: BLE001 - not knowing is an answer the rules handle
                # Denied, or throttled past the retry: asked no more in this reconcile.
                logger.warning(
                    "CloudTrail history not read; makers not known",
                    extra={"resource": resource_id},
                    exc_info=True,
                )
                self._failed = True
                self.failure = _lookup_failure(exc)
                return None
            if self._history.unavailable:
                logger.info(
                    "CloudTrail history unavailable", extra={"why": self._history.unavailable}
                )
                self._failed = True
                self.failure = f"CloudTrail history unavailable: {self._history.unavailable}"
                return None
            if self._memory is not None:
                days = creators.CREATOR_DAYS if found else creators.UNKNOWN_DAYS
                self._memory.remember(creators.CREATOR, key, creators.maker_value(found), days=days)
        self.makers[resource_id] = found
        return found


def _lookup_failure(exc: Exception) -> str:
    """Why LookupEvents failed, in a few words: denied, throttled, or what the error was."""
    response = getattr(exc, "response", None)
    code = str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return f"CloudTrail lookup denied ({code})"
    return f"CloudTrail lookup failed ({code or type(exc).__name__})"
