"""Let people finish (docs/design.md section 4): a VPC is reconciled once it has been quiet.

Every event for a VPC is noted (one record each, so that concurrent notes never overwrite one
another, and a redelivered event is the same record) and a settle message is sent that comes
back after the settle time. A settle message finds the VPC quiet when no event was noted for it
within the settle time: then the VPC is reconciled once, for everything noted, and the notes
are dropped. Otherwise a later event's settle message is on its way and this one does nothing.
So a burst of events (the console's "create VPC" clicks, a Terraform apply) is one reconcile.

Pure: the settler (settling.py) keeps the notes in the memory and sends the messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .policy import AutoScope
from .triggers import RegionTarget, Trigger, VpcTarget

SETTLING = "settling"  # memory kind: one record per event noted for a VPC
SETTLING_DAYS = 1  # a note outlives any settle time; a lost one expires
ALL_VPCS = "*"  # the key of an event that names no VPC (DisassociateRouteTable)
# SQS keeps a message hidden for its whole delay; the functions' clocks may differ by a little.
QUIET_TOLERANCE_SECONDS = 1.0
MAX_SETTLE_SECONDS = 900  # SQS's longest message delay
SETTLE_MESSAGE = "vpc-remediator/settle"  # the `kind` of a settle message's body


@dataclass(frozen=True)
class Note:
    """An event noted for a VPC while it settles."""

    key: str  # the VPC (or ALL_VPCS)
    event_id: str
    at: float  # when it was noted (epoch seconds)
    event: Mapping[str, Any]  # the EventBridge event, to be read again when the VPC settles

    @property
    def record_key(self) -> str:
        return f"{self.key}#{self.event_id}"

    def value(self) -> dict[str, Any]:
        return {"key": self.key, "event_id": self.event_id, "at": self.at, "event": self.event}

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> Note:
        return cls(str(value["key"]), str(value["event_id"]), float(value["at"]), value["event"])


def keys_for(vpc_ids: frozenset[str] | None) -> tuple[str, ...]:
    """What a trigger's VPCs are noted under (None: every VPC of the region)."""
    return (ALL_VPCS,) if vpc_ids is None else tuple(sorted(vpc_ids))


def quiet(notes: Iterable[Note], now: float, settle_seconds: float) -> bool:
    """Whether nothing was noted for the VPC within the settle time."""
    last = max((n.at for n in notes), default=None)
    return last is None or now - last >= settle_seconds - QUIET_TOLERANCE_SECONDS


def merged_scope(scopes: Iterable[AutoScope]) -> AutoScope:
    """Where auto intent may act after all the events of a burst: what the allowed callers'
    events cover; failing those, what the others' would have (withheld, naming them)."""
    scopes = list(scopes)
    building = ", ".join(dict.fromkeys(s.iac_building for s in scopes if s.iac_building))
    scopes = [s for s in scopes if s.everything or s.subnet_ids]
    allowed = [s for s in scopes if not s.withheld]
    chosen = allowed or scopes
    if not chosen:
        return AutoScope(iac_building=building)
    everything = any(s.everything for s in chosen)
    return AutoScope(
        everything=everything,
        subnet_ids=frozenset()
        if everything
        else frozenset().union(*(s.subnet_ids for s in chosen)),
        withheld="" if allowed else ", ".join(dict.fromkeys(s.withheld for s in chosen)),
        iac_building=building,
    )


def settled(key: str, triggers: Sequence[Trigger]) -> Trigger:
    """One trigger for a quiet VPC: the last call (for the notice), every call's auto intent,
    everything the calls created."""
    ordered = sorted(triggers, key=lambda t: (t.call.event_time, t.call.event_id))
    last = ordered[-1]
    return Trigger(
        call=last.call,
        target=RegionTarget(all_vpcs=True) if key == ALL_VPCS else VpcTarget(key),
        auto=merged_scope(t.auto for t in ordered),
        created=tuple(dict.fromkeys(r for t in ordered for r in t.created)),
    )


def settle_message(key: str, region: str, account: str) -> dict[str, str]:
    return {"kind": SETTLE_MESSAGE, "key": key, "region": region, "account": account}
