"""The versioned JSON documents machine subscribers receive (and `--json` prints): one per
reconcile (`vpc-remediator/notice`), and a sweep's digest (`vpc-remediator/digest`) of them.
docs/json-schema.md describes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .actions import Action
from .outcomes import Report

NOTICE_SCHEMA = "vpc-remediator/notice"
NOTICE_VERSION = 2  # 2: `readiness` (per launcher and mode) replaces `verdict`
DIGEST_SCHEMA = "vpc-remediator/digest"
DIGEST_VERSION = 2  # 2: its reports are notice documents v2


def _action_dict(action: Action) -> dict[str, Any]:
    fields = {name: _json(v) for name, v in action.parameters().items() if v is not None}
    return {
        "type": type(action).__name__,
        "summary": action.summary,
        "reason": action.reason,
        "iam_actions": list(action.iam_actions),
        "parameters": fields,
    }


def _json(value: object) -> object:
    """A parameter as JSON has it: booleans and numbers as such, a resource still to be
    created by its placeholder's words, lists and maps as lists and objects."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    return str(value)


def notice_document(report: Report, *, readiness: bool = True) -> dict[str, Any]:
    """The versioned JSON document for machine subscribers (and `--json` output, which holds
    the region's readiness once, beside its reports: `readiness=False`)."""
    call = report.trigger
    return {
        "schema": NOTICE_SCHEMA,
        "version": NOTICE_VERSION,
        "account": report.account or None,
        "region": report.region,
        "scope": report.scope,
        "mode": str(report.mode),
        "outcome": str(report.outcome),
        "severity": str(report.severity),
        "trigger": None
        if call is None
        else {
            "event_name": call.event_name,
            "event_id": call.event_id,
            "event_time": call.event_time,
            "actor_arn": call.actor_arn,
            "account": call.account,
        },
        "actions": [
            {
                **_action_dict(o.action),
                "status": str(o.status),
                "detail": o.detail,
                "resource_id": o.resource_id,
            }
            for o in report.outcomes
        ],
        "remaining": [_action_dict(a) for a in report.remaining],
        "compliant": report.compliant,
        "findings": [
            {
                "code": str(f.code),
                "resource_id": f.resource_id,
                "severity": str(f.severity),
                "needs_person": f.needs_person,
                "message": f.message,
            }
            for f in report.findings
        ],
        "intents": [
            {
                "subnet_id": i.subnet_id,
                "intent": str(i.intent),
                "source": str(i.source),
                "reason": i.reason,
            }
            for p in report.plans
            for i in p.intents
        ],
        **({"readiness": [r.document() for r in report.readiness]} if readiness else {}),
        "error": report.error,
    }
