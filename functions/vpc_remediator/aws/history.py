"""Who made a resource, from CloudTrail's event history (LookupEvents), for the sweep and the
command line (domain/creators.py).

LookupEvents answers 2 requests a second per account and region (CloudTrail's documented
limit); the calls are paced to stay within it, and botocore's standard retry mode waits out a
ThrottlingException should another caller share the budget. The history keeps 90 days.

An endpoint that does not implement LookupEvents (an emulator: moto answers with an HTTP 500
page) makes the history unavailable for the rest of the run: every maker is then not known.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..domain.cloudtrail import caller_fields
from ..domain.creators import HISTORY_DAYS
from ..domain.provenance import Caller, classify
from ..domain.triggers import InvalidEventError
from .unsupported import CALL_ERRORS, error_code, lacks_operation

if TYPE_CHECKING:
    from .clients import AwsClients

LOOKUPS_PER_SECOND = 2.0
PAGE_SIZE = 50  # LookupEvents' largest page
# moto's server answers LookupEvents, which it does not implement, with an HTTP 500.
_LACKING = frozenset({"InternalError", "500"})
# The event that made each kind of resource.
CREATED_BY = {"subnet-": "CreateSubnet", "vpc-": "CreateVpc", "rtb-": "CreateRouteTable"}


class CloudTrailHistory:
    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients
        self._next_call = 0.0
        self.calls = 0  # LookupEvents requests made (a reconcile's budget counts them)
        self.unavailable = ""  # why the history cannot be read here, once it is known

    def _paced(self) -> None:
        wait = self._next_call - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._next_call = time.monotonic() + 1 / LOOKUPS_PER_SECOND
        self.calls += 1

    def maker(self, resource_id: str) -> Caller | None:
        """Who made the resource, or None when the history does not say (older than 90
        days, made before the trail, or by a call CloudTrail did not record)."""
        created_by = next((e for p, e in CREATED_BY.items() if resource_id.startswith(p)), None)
        if created_by is None or self.unavailable:
            return None
        try:
            return self._maker(resource_id, created_by)
        except CALL_ERRORS as exc:
            if not lacks_operation(exc, also=_LACKING):
                raise
            why = error_code(exc) or exc
            self.unavailable = f"this endpoint does not implement LookupEvents ({why})"
            return None

    def _maker(self, resource_id: str, created_by: str) -> Caller | None:
        pages = iter(
            self._clients.cloudtrail.get_paginator("lookup_events").paginate(
                LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": resource_id}],
                StartTime=datetime.now(UTC) - timedelta(days=HISTORY_DAYS),
                PaginationConfig={"PageSize": PAGE_SIZE},
            )
        )
        while True:
            self._paced()  # before each page's request
            page = next(pages, None)
            if page is None:
                return None
            for event in page.get("Events", ()):
                if event.get("EventName") == created_by and event.get("CloudTrailEvent"):
                    return _caller(event["CloudTrailEvent"])


def _caller(record: str) -> Caller | None:
    try:
        return classify(caller_fields(json.loads(record)))
    except (ValueError, InvalidEventError):
        return None  # a record it cannot read says nothing about who made it
