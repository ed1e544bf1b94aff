"""What the remediator puts on an EventBridge bus, so that other automation can react (retry a
`sky launch`, open a ticket): one event per change it made (the journal's entry) and one per
finding of a reconcile that is news (said once, as the notice is).

`source` is `vpc-remediator`; the detail types and their JSON Schemas are in
docs/schemas/ (docs/json-schema.md says what each field means). Pure: `change_events()` and
`finding_events()` build the entries; the adapter (aws/outlets.py) sends them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .findings import finding_line
from .outcomes import NORMAL_STATES, Report

SOURCE = "vpc-remediator"
CHANGE = "VPC Remediator Change"
FINDING = "VPC Remediator Finding"
CHANGE_SCHEMA = "vpc-remediator/change-event"
FINDING_SCHEMA = "vpc-remediator/finding-event"
VERSION = 1
# What EventBridge takes: 10 entries a call (an entry, at most 256 KB: a change or finding is a
# few hundred bytes).
ENTRIES_PER_CALL = 10

_ARN_KIND = {"subnet": "subnet", "rtb": "route-table", "vpc": "vpc", "igw": "internet-gateway"}


def arn(resource: str, region: str, account: str, partition: str = "aws") -> str | None:
    """The resource's ARN, where its kind and the account are known (EventBridge's
    `resources` takes ARNs only)."""
    kind = _ARN_KIND.get(resource.split("-", 1)[0])
    if not kind or not account:
        return None
    return f"arn:{partition}:ec2:{region}:{account}:{kind}/{resource}"


def change_events(changes: Iterable[Mapping[str, Any]], account: str) -> list[dict[str, Any]]:
    """One event per journal entry: the change, what it was before, why, and what set it off."""
    events = []
    for change in changes:
        detail = {"schema": CHANGE_SCHEMA, "version": VERSION, "account": account or None}
        detail |= {k: change.get(k) for k in _CHANGE_FIELDS}
        events.append(
            _entry(CHANGE, detail, [str(change.get("resource", "")), str(change.get("vpc_id"))])
        )
    return events


_CHANGE_FIELDS = (
    "id",
    "region",
    "vpc_id",
    "at",
    "change",
    "resource",
    "action",
    "summary",
    "before",
    "after",
    "why",
    "intent",
    "trigger",
    "undoes",
)


def finding_events(reports: Iterable[Report]) -> list[dict[str, Any]]:
    """One event per finding of these reports (the news ones), but the normal states on the
    way to being finished."""
    events = []
    for report in reports:
        vpc = report.scope if report.scope.startswith("vpc-") else None
        for finding in report.findings:
            if finding.code in NORMAL_STATES and not finding.needs_person:
                continue
            detail = {
                "schema": FINDING_SCHEMA,
                "version": VERSION,
                "account": report.account or None,
                "region": report.region,
                "vpc_id": vpc,
                "code": finding.code.value,
                "severity": str(finding.severity),
                "resource": finding.resource_id,
                "message": finding_line(finding),
                "needs_person": finding.needs_person,
                "outcome": str(report.outcome),
                "mode": str(report.mode),
            }
            events.append(_entry(FINDING, detail, [finding.resource_id, vpc or ""]))
    return events


def _entry(detail_type: str, detail: dict[str, Any], resources: list[str]) -> dict[str, Any]:
    region, account = str(detail.get("region", "")), str(detail.get("account") or "")
    arns = sorted({a for r in resources if r and (a := arn(r, region, account))})
    return {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps(detail, sort_keys=True, default=str),
        "Resources": arns,
    }


def batches(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """PutEvents' calls: ten entries each."""
    return [entries[n : n + ENTRIES_PER_CALL] for n in range(0, len(entries), ENTRIES_PER_CALL)]
