"""Let people finish (issue 10): EventBridge -> the changes queue -> VpcChangesFunction, as
template.yaml wires them (local_aws/bus.py plays EventBridge and Lambda's SQS poller over
moto's SQS). A VPC is reconciled once it has been quiet for SettleSeconds, once for a whole
burst; a bad record or a failed reconcile is a partial batch failure and nothing noted is lost.

Time is virtual: the function's clock (settling.py) and SQS's (moto hides a delayed message
until its delay passes, as SQS does, on moto's clock) move together, so that 90 s pass at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from local_aws.bus import Delivery, LocalEventBus
from local_aws.emulator import create_changes_queue
from local_aws.events import load_event

from tests.conftest import ACCOUNT, REGION
from tests.faults import VirtualClock
from tests.integration.conftest import Aws, configure
from tests.integration.test_story import new_gateway, new_subnet, new_vpc
from vpc_remediator.domain.triggers import InvalidEventError
from vpc_remediator.lambdas.handlers import vpc_changes
from vpc_remediator.service import settling
from vpc_remediator.service.settings import SettingsError

MODULE = "vpc_remediator.lambdas.handlers.vpc_changes"


@dataclass
class Settling:
    aws: Aws
    bus: LocalEventBus
    clock: VirtualClock
    queue_url: str

    def deliver(self, name: str, **ids: str) -> list[Delivery]:
        return self._as_function(lambda: self.bus.deliver(load_event(name, **ids)))

    def settle(self) -> list[Delivery]:
        def wait(seconds: float) -> None:
            self.clock.advance(seconds)

        return self._as_function(lambda: self.bus.settle(wait=wait))

    def _as_function(self, work: Any) -> list[Delivery]:
        # The calls are checked against VpcChangesFunction's policy (conftest).
        self.aws.log.function = MODULE
        try:
            deliveries: list[Delivery] = work()
        finally:
            self.aws.log.function = None
        for d in deliveries:
            assert d.error is None, d.error
        return deliveries

    def reconciles(self) -> int:
        return sum(json.loads(line).get("message") == "reconciling" for line in self._logs())

    def _logs(self) -> list[str]:
        return [line for line in self.aws.logs.getvalue().splitlines() if line.startswith("{")]


def _settling(aws: Aws, monkeypatch: pytest.MonkeyPatch, seconds: int) -> Settling:
    import moto.sqs.models

    clock = VirtualClock(now=1_800_000_000.0)
    monkeypatch.setattr(settling, "time", clock)
    monkeypatch.setattr(moto.sqs.models, "unix_time_millis", lambda *_: clock.millis())
    dead_letter = aws.sqs.create_queue(QueueName="vpc-remediator-dead-letter")["QueueUrl"]
    queue = create_changes_queue(aws.sqs, dead_letter)
    bus = LocalEventBus(
        REGION,
        ACCOUNT,
        aws.topic_arn,
        dead_letter,
        {"SettleSeconds": str(seconds)},
        memory_table="vpc-remediator-memory",
        changes_queue_url=queue,
        sqs=aws.sqs,
    )
    return Settling(aws, bus, clock, queue)


@pytest.fixture
def settled(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Settling:
    return _settling(aws, monkeypatch, 90)


def console_vpc(aws: Aws) -> dict[str, str]:
    """What the console's clicks leave: a VPC, a subnet, a gateway attached, nothing routed."""
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return {"vpc": vpc, "subnet": subnet, "igw": igw}


def test_the_console_story_with_a_settle_time_is_one_reconcile_and_one_notice(
    aws: Aws, settled: Settling
) -> None:
    ids = console_vpc(aws)
    aws.log.clear()
    # The person clicks through the console: an event every 20 s, each inside the settle time.
    for name in ("CreateVpc", "CreateSubnet", "CreateInternetGateway", "AttachInternetGateway"):
        settled.deliver(name, **ids)
        assert aws.log.writes == []  # nothing is raced while the person is still at it
        settled.clock.advance(20)
    assert settled.reconciles() == 0 and aws.notices() == []
    assert settled.bus.waiting() == 3  # one settle message per event the remediator watches
    # 85 s after the last event, the earlier events' settle messages have come back: the VPC
    # is not quiet yet, so they do nothing.
    settled.clock.advance(85 - 20)
    settled.bus.pump()
    assert settled.reconciles() == 0 and aws.log.writes == []
    settled.settle()
    assert settled.reconciles() == 1
    (notice,) = aws.notices()
    assert "fixed" in notice["Subject"]
    assert aws.skypilot_says_public(ids["subnet"]) and aws.maps_public_ip(ids["subnet"])
    assert settled.bus.waiting() == 0


def test_each_new_event_restarts_the_settle_time(aws: Aws, settled: Settling) -> None:
    ids = console_vpc(aws)
    settled.deliver("CreateVpc", **ids)
    settled.clock.advance(80)
    settled.bus.pump()
    settled.deliver("CreateSubnet", **ids)  # 80 s later: the VPC is not quiet yet
    settled.clock.advance(80)  # the first settle message is due: 80 s since the last event
    settled.bus.pump()
    assert settled.reconciles() == 0 and aws.log.writes == []
    settled.clock.advance(10)  # 90 s since the last event
    settled.bus.pump()
    assert settled.reconciles() == 1
    # Later changes are a new burst of their own.
    settled.clock.advance(600)
    settled.deliver("AttachInternetGateway", **ids)
    settled.settle()
    assert settled.reconciles() == 2


def test_a_bare_event_with_a_settle_time_is_noted_and_its_settle_message_sent(
    aws: Aws, settled: Settling, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = console_vpc(aws)
    configure(
        monkeypatch,
        VPCR_SETTLE_SECONDS="90",
        VPCR_SETTLE_QUEUE_URL=settled.queue_url,
    )
    result = aws.invoke(vpc_changes, "CreateVpc", vpc=ids["vpc"])
    assert result == {"status": "settling", "vpcs": [ids["vpc"]]}
    assert aws.log.writes == []
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=settled.queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


def test_a_settle_time_without_its_queue_is_a_clear_error_before_any_call(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = console_vpc(aws)
    configure(monkeypatch, VPCR_SETTLE_SECONDS="90")
    aws.log.clear()
    with pytest.raises(SettingsError, match="VPCR_SETTLE_SECONDS=90 needs VPCR_SETTLE_QUEUE_URL"):
        aws.invoke(vpc_changes, "CreateVpc", vpc=ids["vpc"])
    assert aws.log.calls == []


def sqs_batch(*bodies: Any) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "receiptHandle": f"r{n}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:vpc-remediator-changes",
                "awsRegion": REGION,
            }
            for n, body in enumerate(bodies)
        ]
    }


def test_without_a_settle_time_a_batch_is_one_reconcile_per_vpc(aws: Aws) -> None:
    one, other = console_vpc(aws), console_vpc(aws)
    aws.log.clear()
    batch = sqs_batch(
        load_event("CreateVpc", **one),
        load_event("CreateSubnet", **one),
        load_event("AttachInternetGateway", **one),
        load_event("AttachInternetGateway", **other),
        load_event("CreateSubnet", **other),
    )
    aws.log.function = MODULE
    try:
        result = vpc_changes.lambda_handler(batch, aws.context)
    finally:
        aws.log.function = None
    assert result == {"batchItemFailures": []}
    lines = [json.loads(line) for line in aws.logs.getvalue().splitlines()]
    reconciles = [r for r in lines if r["message"] == "reconciling"]
    assert sorted(r["key"] for r in reconciles) == sorted([one["vpc"], other["vpc"]])
    assert [r["events"] for r in sorted(reconciles, key=lambda r: r["key"] != one["vpc"])] == [
        3,
        2,
    ]
    assert len(aws.notices()) == 2
    for ids in (one, other):
        assert aws.skypilot_says_public(ids["subnet"])


def test_a_bad_record_fails_alone_and_the_rest_of_the_batch_is_reconciled(aws: Aws) -> None:
    ids = console_vpc(aws)
    broken = load_event("CreateSubnet", **ids)
    broken["detail"]["responseElements"]["subnet"]["subnetId"] = "sg-0123456789abcdef0"
    batch = sqs_batch(
        load_event("AttachInternetGateway", **ids),
        "not json",
        broken,
        {"kind": "vpc-remediator/settle", "key": "vpc-1", "region": REGION, "account": ACCOUNT},
    )
    result = vpc_changes.lambda_handler(batch, aws.context)
    assert result == {"batchItemFailures": [{"itemIdentifier": m} for m in ("m1", "m2", "m3")]}
    assert aws.skypilot_says_public(ids["subnet"])


def test_a_failed_reconcile_fails_its_records_and_keeps_its_notes_for_the_retry(
    aws: Aws,
) -> None:
    from vpc_remediator.aws.clients import clients_for

    ids = console_vpc(aws)
    event = load_event("AttachInternetGateway", **ids)

    def refuse(**_: Any) -> None:
        raise RuntimeError("EC2 is unreachable")

    ec2 = clients_for(REGION).ec2
    ec2.meta.events.register_first("before-call.ec2.CreateRouteTable", refuse)
    try:
        failed = vpc_changes.lambda_handler(sqs_batch(event), aws.context)
    finally:
        ec2.meta.events.unregister("before-call.ec2.CreateRouteTable", refuse)
    assert failed == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert not aws.skypilot_says_public(ids["subnet"])
    # SQS delivers the record again: the note is still there, and Powertools Idempotency
    # knows the event (it is not noted twice); the reconcile finishes the work.
    assert vpc_changes.lambda_handler(sqs_batch(event), aws.context) == {"batchItemFailures": []}
    assert aws.skypilot_says_public(ids["subnet"])
    memory = boto3.client("dynamodb", region_name=REGION)
    left = memory.query(
        TableName="vpc-remediator-memory",
        KeyConditionExpression="pk = :k",
        ExpressionAttributeValues={":k": {"S": "settling"}},
    )["Items"]
    assert left == []  # the notes are dropped once the reconcile succeeded


def test_a_redelivered_event_is_noted_once_and_reconciled_once(aws: Aws) -> None:
    ids = console_vpc(aws)
    event = load_event("AttachInternetGateway", **ids)
    vpc_changes.lambda_handler(sqs_batch(event), aws.context)
    assert aws.skypilot_says_public(ids["subnet"])
    aws.notices()
    # A person takes the subnet back off the internet; EventBridge then delivers the same
    # event again (at least once): Powertools Idempotency recognises its event id.
    aws.ec2.modify_subnet_attribute(SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": False})
    aws.log.clear()
    assert vpc_changes.lambda_handler(sqs_batch(event), aws.context) == {"batchItemFailures": []}
    assert aws.log.writes == [] and aws.log.describes == []
    assert not aws.maps_public_ip(ids["subnet"]) and aws.notices() == []


def test_a_settle_message_names_a_vpc_and_this_region(aws: Aws) -> None:
    from vpc_remediator.lambdas.changes import handle_changes

    for body, problem in (
        (
            {"kind": "vpc-remediator/settle", "key": "rtb-1", "region": REGION, "account": ACCOUNT},
            "key",
        ),
        (
            {
                "kind": "vpc-remediator/settle",
                "key": "*",
                "region": "us-east-1",
                "account": ACCOUNT,
            },
            "guards",
        ),
        (
            {
                "kind": "vpc-remediator/settle",
                "key": "*",
                "region": REGION,
                "account": "999999999999",
            },
            "another account",
        ),
    ):
        result = handle_changes(sqs_batch(body), aws.context, accepted=frozenset())
        assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}, problem
    with pytest.raises(InvalidEventError):
        handle_changes({"detail-type": "nonsense"}, aws.context, accepted=frozenset())
