"""Reading CloudTrail's words: an EventBridge "AWS API Call via CloudTrail" event, a scheduled
event, and a CloudTrail record (LookupEvents' CloudTrailEvent), each checked field by field.

Pure and standard library only, so the Lambdas' intake and the CloudTrail history adapter share
it and neither pays for a validation library at cold start. The checks are those of the
EventBridge envelope (Powertools' `EventBridgeModel`: version, id, source, account, time,
region, resources, detail-type, detail) and of the detail fields the remediator reads: fields
it does not read are allowed and ignored; those it reads must have the right type and a sane
length. Any violation is one `InvalidEventError` naming up to five problems, before any AWS
call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .provenance import CallerFields
from .triggers import ApiCall, InvalidEventError

API_CALL = "AWS API Call via CloudTrail"
SCHEDULED = "Scheduled Event"
SCHEDULE_SOURCES = ("aws.events", "aws.scheduler")
_SHOWN_PROBLEMS = 5


@dataclass
class _Fields:
    """Reads typed fields out of a JSON object, noting every problem by its path."""

    problems: list[str] = field(default_factory=list)

    def object(self, value: Any, path: str, *, required: bool = True) -> Mapping[str, Any]:
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(f"{path}: {'missing' if value is None else 'not an object'}")
            return {}
        return value

    def text(
        self,
        parent: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        shortest: int = 0,
        longest: int | None = None,
    ) -> str | None:
        where = f"{path}.{key}" if path else key
        if key not in parent or parent[key] is None:
            if required:
                self.problems.append(f"{where}: missing")
            return None
        value = parent[key]
        if not isinstance(value, str):
            self.problems.append(f"{where}: not a string")
            return None
        if len(value) < shortest:
            self.problems.append(f"{where}: empty")
            return None
        if longest is not None and len(value) > longest:
            self.problems.append(f"{where}: longer than {longest} characters")
            return None
        return value

    def time(self, parent: Mapping[str, Any], key: str, path: str) -> datetime | None:
        raw = self.text(parent, key, path)
        if raw is None:
            return None
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            where = f"{path}.{key}" if path else key
            self.problems.append(f"{where}: not an ISO 8601 time")
            return None

    def mapping(self, parent: Mapping[str, Any], key: str, path: str) -> dict[str, Any] | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.problems.append(f"{path}.{key}: not an object")
            return None
        return dict(value)

    def strings(self, parent: Mapping[str, Any], key: str) -> None:
        value = parent.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(
                f"{key}: {'missing' if value is None else 'not a list of strings'}"
            )

    def raise_if_any(self, what: str) -> None:
        if self.problems:
            shown = "; ".join(self.problems[:_SHOWN_PROBLEMS])
            more = len(self.problems) - _SHOWN_PROBLEMS
            raise InvalidEventError(
                f"not {what}: {shown}" + (f" (and {more} more)" if more > 0 else "")
            )


@dataclass(frozen=True)
class Envelope:
    """The EventBridge envelope's fields the remediator reads."""

    detail_type: str
    source: str
    account: str
    region: str
    detail: Mapping[str, Any]


def _envelope(event: Any, fields: _Fields, detail_type: str) -> Envelope:
    body = fields.object(event, "event")
    for key in ("version", "id", "source", "account", "region"):
        fields.text(body, key, "")
    fields.time(body, "time", "")
    fields.strings(body, "resources")
    fields.text(body, "replay-name", "", required=False)
    kind = fields.text(body, "detail-type", "")
    if kind is not None and kind != detail_type:
        fields.problems.append(f"detail-type: {kind[:80]!r}, not {detail_type!r}")
    raw = body.get("detail")
    if raw == "{}" and body.get("source") == "aws.scheduler":
        raw = {}  # EventBridge Scheduler sends an empty detail as the string "{}"
    detail = fields.object(raw, "detail") if body else {}
    return Envelope(
        detail_type=str(body.get("detail-type", "")),
        source=str(body.get("source", "")),
        account=str(body.get("account", "")),
        region=str(body.get("region", "")),
        detail=detail,
    )


def _caller(record: Mapping[str, Any], fields: _Fields, path: str) -> CallerFields:
    identity = fields.object(record.get("userIdentity"), f"{path}.userIdentity".lstrip("."))
    at = f"{path}.userIdentity".lstrip(".")
    kind = fields.text(identity, "type", at, required=False, longest=128)
    arn = fields.text(identity, "arn", at, required=False, longest=2048)
    invoked_by = fields.text(identity, "invokedBy", at, required=False, longest=512)
    context = fields.object(identity.get("sessionContext"), f"{at}.sessionContext", required=False)
    issuer = fields.object(
        context.get("sessionIssuer"), f"{at}.sessionContext.sessionIssuer", required=False
    )
    at_issuer = f"{at}.sessionContext.sessionIssuer"
    issuer_arn = fields.text(issuer, "arn", at_issuer, required=False)
    fields.text(issuer, "userName", at_issuer, required=False, longest=512)
    agent = fields.text(record, "userAgent", path, required=False, longest=2048)
    console = record.get("sessionCredentialFromConsole")
    if console is not None and not isinstance(console, str | bool):
        fields.problems.append(f"{path}.sessionCredentialFromConsole: not a string or a boolean")
        console = None
    return CallerFields(
        user_agent=agent or "",
        invoked_by=invoked_by or "",
        identity_type=kind or "",
        principal=arn or "",
        issuer=issuer_arn or "",
        from_console=str(console).lower() == "true",
    )


def api_call(event: Any) -> ApiCall:
    """The event as the domain's ApiCall, or InvalidEventError naming what is wrong."""
    fields = _Fields()
    envelope = _envelope(event, fields, API_CALL)
    detail = envelope.detail
    caller = _caller(detail, fields, "detail")
    event_id = fields.text(detail, "eventID", "detail", shortest=1, longest=128)
    event_name = fields.text(detail, "eventName", "detail", shortest=1, longest=128)
    event_source = fields.text(detail, "eventSource", "detail", shortest=1, longest=128)
    event_time = fields.time(detail, "eventTime", "detail")
    fields.text(detail, "awsRegion", "detail", shortest=1, longest=64)
    error_code = fields.text(detail, "errorCode", "detail", required=False, longest=256)
    request = fields.mapping(detail, "requestParameters", "detail")
    response = fields.mapping(detail, "responseElements", "detail")
    fields.raise_if_any("a CloudTrail API call event")
    identity = detail["userIdentity"]
    issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
    if not (event_id and event_name and event_source and event_time):  # pragma: no cover
        raise InvalidEventError("not a CloudTrail API call event")  # the checks above said so
    return ApiCall(
        caller_fields=caller,
        event_id=event_id,
        event_name=event_name,
        event_source=event_source,
        event_time=event_time.isoformat().replace("+00:00", "Z"),
        region=envelope.region,
        account=envelope.account,
        actor_arn=identity.get("arn") or "",
        issuer_arn=issuer.get("arn") or "",
        error_code=error_code,
        request=request,
        response=response,
    )


def caller_fields(record: Any) -> CallerFields:
    """The caller of a CloudTrail record (LookupEvents' CloudTrailEvent), or InvalidEventError."""
    fields = _Fields()
    caller = _caller(fields.object(record, "record"), fields, "")
    fields.raise_if_any("a CloudTrail record")
    return caller


def scheduled(event: Any) -> Envelope:
    """The sweep's trigger (EventBridge's schedule, or EventBridge Scheduler's), or
    InvalidEventError."""
    fields = _Fields()
    envelope = _envelope(event, fields, SCHEDULED)
    if envelope.source and envelope.source not in SCHEDULE_SOURCES:
        fields.problems.append(
            f"source: {envelope.source[:80]!r}, not {' or '.join(SCHEDULE_SOURCES)}"
        )
    fields.raise_if_any("a scheduled event")
    return envelope
