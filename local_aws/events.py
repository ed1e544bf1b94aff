"""The sample events in events/, with their placeholder ids swapped for real ones."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"

# The ids written in events/*.json; callers swap them for the ids an emulator hands out.
EVENT_IDS = {
    "vpc": "vpc-0a1b2c3d4e5f60718",
    "subnet": "subnet-0a1b2c3d4e5f60718",
    "igw": "igw-0a1b2c3d4e5f60718",
    "rtb": "rtb-0a1b2c3d4e5f60718",
    "assoc": "rtbassoc-0a1b2c3d4e5f60718",
    "vgw": "vgw-0a1b2c3d4e5f60718",
    "tgw": "tgw-0a1b2c3d4e5f60718",
    "vpce": "vpce-0a1b2c3d4e5f60718",
}


def load_event(name: str, *, event_id: str | None = None, **ids: str) -> dict[str, Any]:
    """events/<name>.json, with its placeholder ids replaced (vpc=..., subnet=..., ...).

    Each load is a new API call, with an id of its own (CloudTrail's eventID, and EventBridge's
    event id), as AWS gives every call; `event_id` gives one (a redelivery names the first's).
    """
    text = (EVENTS_DIR / f"{name}.json").read_text()
    for kind, real in ids.items():
        text = text.replace(EVENT_IDS[kind], real)
    event: dict[str, Any] = copy.deepcopy(json.loads(text))
    call_id = event_id or str(uuid.uuid4())
    if isinstance(event.get("detail"), dict) and "eventID" in event["detail"]:
        event["detail"]["eventID"] = call_id
        event["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, call_id))
    return event


def made_by(event: dict[str, Any], maker: str) -> dict[str, Any]:
    """The event as another caller's call: the identity and user agent of events/<maker>.json
    (CreateSubnet-terraform, CreateSubnet-cloudformation, ...)."""
    tool = json.loads((EVENTS_DIR / f"{maker}.json").read_text())["detail"]
    event = copy.deepcopy(event)
    for key in ("userIdentity", "userAgent", "sourceIPAddress"):
        event["detail"][key] = tool.get(key)
    event["detail"].pop("sessionCredentialFromConsole", None)
    return event
