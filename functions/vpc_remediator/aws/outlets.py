"""Where changes and findings go besides the notice: an EventBridge bus (`EventBusName`), for
other automation to react to. Each outlet sends what the service gives it after the notices;
a failure is logged and counted, never a failed invocation (the notice is out, and a retry
would say it again)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..domain import events
from ..domain.outcomes import Report

if TYPE_CHECKING:
    from .clients import AwsClients


class EventBridgeOutlet:
    name = "Events"

    def __init__(self, clients: AwsClients, bus: str, account: str) -> None:
        self._clients = clients
        self.bus = bus
        self._account = account

    def send(self, changes: Sequence[Mapping[str, Any]], reports: Sequence[Report]) -> int:
        """Every change and finding on the bus; the number put. Raises if EventBridge refused
        any entry (with why)."""
        entries = events.change_events(changes, self._account) + events.finding_events(reports)
        refused: list[str] = []
        for batch in events.batches([e | {"EventBusName": self.bus} for e in entries]):
            answer = self._clients.events.put_events(Entries=batch)  # type: ignore[arg-type]  # dicts built in the domain
            refused += [
                f"{e.get('ErrorCode')}: {e.get('ErrorMessage')}"
                for e in answer.get("Entries", ())
                if e.get("ErrorCode")
            ]
        if refused:
            raise RuntimeError(f"EventBridge refused {len(refused)} event(s): {refused[0]}")
        return len(entries)
