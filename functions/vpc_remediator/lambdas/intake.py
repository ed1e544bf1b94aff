"""Event validation with Powertools parser models: EventBridge "AWS API Call via CloudTrail".

Fields the remediator does not read are allowed and ignored; those it reads must have the
right type. Any violation becomes one `InvalidEventError` before any AWS call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..domain.provenance import CallerFields
from ..domain.triggers import ApiCall, InvalidEventError

M = TypeVar("M", bound=EventBridgeModel)


class SessionIssuer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    arn: str | None = None
    user_name: str | None = Field(default=None, alias="userName", max_length=512)


class SessionContext(BaseModel):
    model_config = ConfigDict(extra="ignore")
    session_issuer: SessionIssuer | None = Field(default=None, alias="sessionIssuer")


class UserIdentity(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str | None = Field(default=None, max_length=128)
    arn: str | None = Field(default=None, max_length=2048)
    invoked_by: str | None = Field(default=None, alias="invokedBy", max_length=512)
    session_context: SessionContext | None = Field(default=None, alias="sessionContext")


class CallerRecord(BaseModel):
    """Who made a call, from a CloudTrail record (LookupEvents' CloudTrailEvent)."""

    model_config = ConfigDict(extra="ignore")
    user_identity: UserIdentity = Field(alias="userIdentity")
    user_agent: str | None = Field(default=None, alias="userAgent", max_length=2048)
    from_console: str | bool | None = Field(default=None, alias="sessionCredentialFromConsole")


class CloudTrailDetail(CallerRecord):
    event_id: str = Field(alias="eventID", min_length=1, max_length=128)
    event_name: str = Field(alias="eventName", min_length=1, max_length=128)
    event_source: str = Field(alias="eventSource", min_length=1, max_length=128)
    event_time: datetime = Field(alias="eventTime")
    aws_region: str = Field(alias="awsRegion", min_length=1, max_length=64)
    error_code: str | None = Field(default=None, alias="errorCode", max_length=256)
    request_parameters: dict[str, Any] | None = Field(default=None, alias="requestParameters")
    response_elements: dict[str, Any] | None = Field(default=None, alias="responseElements")


class CloudTrailApiCallEvent(EventBridgeModel):
    detail_type: Literal["AWS API Call via CloudTrail"] = Field(alias="detail-type")
    detail: CloudTrailDetail


def _parse(event: Any, model: type[M], what: str) -> M:
    try:
        return parse(event=event, model=model)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InvalidEventError(f"not {what}: {problems}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidEventError(f"not {what}: {exc}") from None


def parse_api_call(event: Any) -> ApiCall:
    """The event as the domain's ApiCall, or InvalidEventError naming what is wrong."""
    parsed = _parse(event, CloudTrailApiCallEvent, "a CloudTrail API call event")
    detail = parsed.detail
    identity = detail.user_identity
    issuer = identity.session_context.session_issuer if identity.session_context else None
    return ApiCall(
        caller_fields=_caller_fields(detail),
        event_id=detail.event_id,
        event_name=detail.event_name,
        event_source=detail.event_source,
        event_time=detail.event_time.isoformat().replace("+00:00", "Z"),
        region=parsed.region,
        account=parsed.account,
        actor_arn=identity.arn or "",
        issuer_arn=(issuer.arn if issuer else None) or "",
        error_code=detail.error_code,
        request=detail.request_parameters,
        response=detail.response_elements,
    )


def _caller_fields(detail: CloudTrailDetail | CallerRecord) -> CallerFields:
    identity = detail.user_identity
    issuer = identity.session_context.session_issuer if identity.session_context else None
    return CallerFields(
        user_agent=detail.user_agent or "",
        invoked_by=identity.invoked_by or "",
        identity_type=identity.type or "",
        principal=identity.arn or "",
        issuer=(issuer.arn if issuer else None) or "",
        from_console=str(detail.from_console).lower() == "true",
    )


def caller_fields_of(record: Any) -> CallerFields:
    """The caller of a CloudTrail record, or InvalidEventError."""
    try:
        return _caller_fields(CallerRecord.model_validate(record))
    except ValidationError as exc:
        raise InvalidEventError(f"not a CloudTrail record: {exc.errors()[0]['msg']}") from None


class ScheduledEvent(EventBridgeModel):
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    source: Literal["aws.events", "aws.scheduler"]


def parse_scheduled_event(event: Any) -> ScheduledEvent:
    """The sweep's trigger, or InvalidEventError."""
    return _parse(event, ScheduledEvent, "a scheduled event")
