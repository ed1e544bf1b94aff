"""The events the Lambdas take in, each read once: an EventBridge "AWS API Call via CloudTrail"
event becomes the domain's ApiCall, a scheduled event the sweep's trigger. The checks are the
domain's (domain/cloudtrail.py), with no validation library to import at cold start."""

from __future__ import annotations

from typing import Any

from ..domain.cloudtrail import Envelope, api_call, scheduled
from ..domain.triggers import ApiCall


def parse_api_call(event: Any) -> ApiCall:
    """The event as the domain's ApiCall, or InvalidEventError naming what is wrong."""
    return api_call(event)


def parse_scheduled_event(event: Any) -> Envelope:
    """The sweep's trigger, or InvalidEventError."""
    return scheduled(event)
