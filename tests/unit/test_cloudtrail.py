"""The intake's checks (domain/cloudtrail.py), field by field: what the Powertools parser's
pydantic models refused is still refused, with the field named; what they allowed still reads."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import load_event
from vpc_remediator.domain.cloudtrail import api_call, caller_fields, scheduled
from vpc_remediator.domain.triggers import InvalidEventError

Mutation = Callable[[dict[str, Any]], object]


def _detail(**changes: Any) -> Mutation:
    return lambda e: e["detail"].update(changes)


REFUSED: list[tuple[str, Mutation, str]] = [
    ("no version", lambda e: e.pop("version"), "version: missing"),
    ("numeric id", lambda e: e.update(id=7), "id: not a string"),
    ("time not a time", lambda e: e.update(time="noon"), "time: not an ISO 8601 time"),
    ("resources not a list", lambda e: e.update(resources="arn"), "resources: not a list"),
    ("resources of numbers", lambda e: e.update(resources=[1]), "resources: not a list"),
    ("another detail-type", lambda e: e.update({"detail-type": "Object Created"}), "detail-type"),
    ("detail a string", lambda e: e.update(detail="{}"), "detail: not an object"),
    ("no eventID", lambda e: e["detail"].pop("eventID"), "detail.eventID: missing"),
    ("empty eventName", _detail(eventName=""), "detail.eventName: empty"),
    ("long eventSource", _detail(eventSource="x" * 129), "longer than 128"),
    ("eventTime a number", _detail(eventTime=1700000000), "detail.eventTime: not a string"),
    ("awsRegion missing", lambda e: e["detail"].pop("awsRegion"), "detail.awsRegion: missing"),
    ("errorCode a list", _detail(errorCode=["x"]), "detail.errorCode: not a string"),
    ("requestParameters a list", _detail(requestParameters=[1]), "requestParameters: not an"),
    ("responseElements a string", _detail(responseElements="ok"), "responseElements: not an"),
    ("no userIdentity", lambda e: e["detail"].pop("userIdentity"), "userIdentity: missing"),
    ("userIdentity a string", _detail(userIdentity="alice"), "userIdentity: not an object"),
    ("identity arn too long", lambda e: e["detail"]["userIdentity"].update(arn="a" * 2049), "arn"),
    ("userAgent a number", _detail(userAgent=5), "detail.userAgent: not a string"),
    ("console a list", _detail(sessionCredentialFromConsole=[]), "sessionCredentialFromConsole"),
    (
        "issuer not an object",
        lambda e: e["detail"]["userIdentity"].update(sessionContext={"sessionIssuer": "x"}),
        "sessionIssuer: not an object",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "named"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_field_the_remediator_reads_must_have_its_type(
    case: str, mutate: Mutation, named: str
) -> None:
    event = load_event("CreateVpc")
    mutate(event)
    with pytest.raises(InvalidEventError, match="not a CloudTrail API call event") as refused:
        api_call(event)
    assert named in str(refused.value), (case, str(refused.value))


def test_fields_it_does_not_read_are_allowed_and_ignored() -> None:
    event = load_event("CreateVpc")
    plain = api_call(copy.deepcopy(event))
    event["something-new"] = {"nested": [1, 2]}
    event["detail"]["additionalEventData"] = 42
    event["detail"]["userIdentity"]["accessKeyId"] = None
    event["replay-name"] = "archive-replay"
    assert api_call(event) == plain


def test_the_times_read_as_the_parser_read_them() -> None:
    event = load_event("CreateVpc")
    event["detail"]["eventTime"] = "2026-11-20T10:00:00Z"
    assert api_call(event).event_time == "2026-11-20T10:00:00Z"
    event["detail"]["eventTime"] = "2026-11-20T12:00:00+02:00"
    assert api_call(event).event_time == "2026-11-20T12:00:00+02:00"


def test_many_problems_are_counted_and_five_named() -> None:
    event = {"detail-type": "AWS API Call via CloudTrail", "detail": {}}
    with pytest.raises(InvalidEventError) as refused:
        api_call(event)
    message = str(refused.value)
    assert message.count(": missing") == 5
    assert "more)" in message


@pytest.mark.parametrize("event", [None, [], "CreateVpc", 42, {}])
def test_what_is_not_an_event_is_refused(event: object) -> None:
    with pytest.raises(InvalidEventError, match="not a CloudTrail API call event"):
        api_call(event)


def test_a_scheduled_event_from_either_scheduler_reads() -> None:
    event = load_event("ScheduledEvent")
    assert scheduled(event).account == event["account"]
    by_scheduler = {**event, "source": "aws.scheduler", "detail": "{}"}
    assert scheduled(by_scheduler).region == event["region"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.update(source="aws.ec2"),
        lambda e: e.update({"detail-type": "AWS API Call via CloudTrail"}),
        lambda e: e.update(account=None),
        lambda e: e.update(detail="{}"),  # the string only EventBridge Scheduler sends
    ],
)
def test_a_scheduled_event_from_elsewhere_is_refused(mutate: Mutation) -> None:
    event = load_event("ScheduledEvent")
    mutate(event)
    with pytest.raises(InvalidEventError, match="not a scheduled event"):
        scheduled(event)


def test_a_cloudtrail_record_gives_its_caller() -> None:
    detail = load_event("CreateSubnet-terraform")["detail"]
    assert caller_fields(detail).user_agent == detail["userAgent"]
    with pytest.raises(InvalidEventError, match="not a CloudTrail record: userIdentity: missing"):
        caller_fields({"userAgent": "x"})
