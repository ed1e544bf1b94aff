"""Every change and finding on an EventBridge bus (issue 21): source vpc-remediator, one
"VPC Remediator Change" per change the journal records and one "VPC Remediator Finding" per
finding of a reconcile that is news, each detail valid against its JSON Schema in
docs/schemas/, delivered through a rule to a queue as a subscriber would get them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest

from tests.conftest import REGION
from tests.integration.conftest import Aws, configure
from tests.integration.test_journal import changes
from tests.integration.test_story import replay_story

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
BUS = "platform-events"
# `changes()` reads the journal through the command line, which quiets the service's logger.
pytestmark = pytest.mark.usefixtures("logger_as_it_was")


@pytest.fixture
def bus(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A bus with a rule that sends everything from vpc-remediator to a queue."""
    events, sqs = (
        boto3.client("events", region_name=REGION),
        boto3.client("sqs", region_name=REGION),
    )
    events.create_event_bus(Name=BUS)
    queue = sqs.create_queue(QueueName="vpcr-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="vpcr", EventBusName=BUS, EventPattern=json.dumps({"source": ["vpc-remediator"]})
    )
    events.put_targets(Rule="vpcr", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])
    configure(monkeypatch, VPCR_EVENT_BUS=BUS)

    def received() -> list[dict[str, Any]]:
        out = []
        while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            out += [json.loads(m["Body"]) for m in batch]
            sqs.delete_message_batch(
                QueueUrl=queue,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)
                ],
            )
        return out

    return received


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def test_the_seed_storys_changes_and_findings_are_on_the_bus_and_match_their_schemas(
    aws: Aws, bus: Any
) -> None:
    from vpc_remediator.lambdas.handlers import sweep

    ids = replay_story(aws)
    aws.invoke(sweep, "ScheduledEvent")  # the deleted default VPC: a finding for a person
    got = bus()
    assert got and all(e["source"] == "vpc-remediator" for e in got)
    change_events = [e for e in got if e["detail-type"] == "VPC Remediator Change"]
    finding_events = [e for e in got if e["detail-type"] == "VPC Remediator Finding"]
    assert len(change_events) + len(finding_events) == len(got)
    for event in change_events:
        jsonschema.validate(event["detail"], schema("change-event"))
    for event in finding_events:
        jsonschema.validate(event["detail"], schema("finding-event"))
    # The changes are the journal's, by id; each event names its resources by ARN.
    assert {e["detail"]["id"] for e in change_events} == {c["id"] for c in changes()}
    moved = next(e for e in change_events if e["detail"]["change"] == "subnet-moved")
    assert f"arn:aws:ec2:{REGION}:123456789012:subnet/{ids['subnet']}" in moved["resources"]
    assert moved["detail"]["account"] == "123456789012"
    # The deleted default VPC is a finding that needs a person: on the bus, once.
    assert [e["detail"]["code"] for e in finding_events].count("no-default-vpc") == 1
    aws.notices()


def test_what_was_said_is_not_put_on_the_bus_again(aws: Aws, bus: Any) -> None:
    from vpc_remediator.lambdas.handlers import vpc_changes

    ids = replay_story(aws)
    bus()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"], event_id="x")
    assert bus() == []


def test_a_refused_event_never_fails_the_invocation(
    aws: Aws, bus: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EventBridge answers PutEvents with FailedEntryCount and per-entry error codes rather than
    an error (moto accepts all): the outlet says so in the log and a metric, and the fix and
    its notice stand."""
    from vpc_remediator.aws.clients import clients_for

    def refuse(**_: Any) -> dict[str, Any]:
        return {
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}],
        }

    clients_for(REGION).events.meta.events.register(
        "before-call.events.PutEvents",
        refuse,  # type: ignore[arg-type] # a before-call handler's answer stands for the call's
    )
    ids = replay_story(aws)
    assert aws.skypilot_says_public(ids["subnet"])
    assert len(aws.notices()) >= 1
    assert "Events not told" in aws.logs.getvalue()
    assert bus() == []
