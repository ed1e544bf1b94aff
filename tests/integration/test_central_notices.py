"""Notices in one place (issue 12): with CentralNoticeTopicArn set, each notice also goes to a
topic in a central account and another region, once; a central topic that refuses loses
nothing and re-sends nothing.

The central topic lives in another moto account (the one an STS role session is bound to).
moto publishes to any account's topic; AWS refuses a cross-account Publish with
AuthorizationError unless the topic's policy allows the caller, which the refusal tests
emulate (tests/aws_behaviour.py's TopicPolicy).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from local_aws.emulator import drain, subscribed_topic

from tests.aws_behaviour import TopicPolicy
from tests.conftest import ACCOUNT, REGION
from tests.integration.conftest import Aws, configure
from tests.integration.test_say_once import conflicted_vpc
from tests.integration.test_story import replay_story
from vpc_remediator.aws.clients import clients_for
from vpc_remediator.lambdas.handlers import vpc_changes

CENTRAL_ACCOUNT = "111122223333"
CENTRAL_REGION = "us-east-1"


def central_topic(aws: Aws) -> tuple[str, str, Any]:
    """A topic with a subscribed queue in the central account: (ARN, queue URL, its SQS)."""
    sts = boto3.client("sts", region_name=CENTRAL_REGION)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/notices-admin", RoleSessionName="setup"
    )["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=CENTRAL_REGION,
    )
    sqs = session.client("sqs")
    arn, queue = subscribed_topic(session.client("sns"), sqs, "org-vpc-remediator-notices")
    assert arn.split(":")[3:5] == [CENTRAL_REGION, CENTRAL_ACCOUNT]
    return arn, queue, sqs


def central_sns(aws: Aws) -> Any:
    """The handlers' client for the central region: built on the handlers' session, it is
    recorded like the others (the IAM check at the end of the test judges its Publish calls
    against template.yaml)."""
    return clients_for(REGION).in_region(CENTRAL_REGION).sns


def test_every_notice_reaches_the_central_topic_once_with_its_account(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn, queue, sqs = central_topic(aws)
    configure(monkeypatch, VPCR_CENTRAL_TOPIC_ARN=arn)
    central_sns(aws)

    replay_story(aws)
    local = aws.notices()
    central = drain(sqs, queue)

    assert local, "the story is said locally"
    assert [n["Subject"] for n in central] == [n["Subject"] for n in local]
    for notice in central:
        assert notice["TopicArn"] == arn
        assert f" in {REGION} ({ACCOUNT})" in notice["Subject"]
        assert notice["MessageAttributes"]["account"]["Value"] == ACCOUNT
        assert json.loads(notice["Message"])["account"] == ACCOUNT
    publishes = [p["TopicArn"] for _, name, p in aws.log.calls if name == "Publish"]
    assert publishes.count(arn) == len(local)


def test_a_finding_said_once_is_copied_once(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    arn, queue, sqs = central_topic(aws)
    configure(monkeypatch, VPCR_CENTRAL_TOPIC_ARN=arn)
    vpc, _, igw = conflicted_vpc(aws)
    for _ in range(3):
        aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    (local,) = aws.notices()
    (central,) = drain(sqs, queue)
    assert "route-conflict" in local["Subject"] and central["Subject"] == local["Subject"]


def test_a_central_topic_that_refuses_loses_nothing_and_resends_nothing(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn, queue, sqs = central_topic(aws)
    dead_letter = aws.sqs.create_queue(QueueName="vpc-remediator-dead-letter")["QueueUrl"]
    configure(monkeypatch, VPCR_CENTRAL_TOPIC_ARN=arn, VPCR_DEAD_LETTER_QUEUE_URL=dead_letter)
    refusal = TopicPolicy(caller=ACCOUNT)  # the central topic's policy forgot this account
    refusal.attach(central_sns(aws))

    replay_story(aws)  # no invocation fails: the local notices are out
    local = aws.notices()
    assert local and drain(sqs, queue) == []
    assert refusal.refused == [arn] * len(local)

    parked = drain(aws.sqs, dead_letter)
    assert [p["subject"] for p in parked] == [n["Subject"] for n in local]
    for copy in parked:
        assert copy["kind"] == "uncopied-notice" and copy["topic"] == arn
        assert copy["document"]["account"] == ACCOUNT
    logs = [json.loads(line) for line in aws.logs.getvalue().splitlines()]
    assert any(
        line["message"] == "notice not copied to the central topic" and line["topic"] == arn
        for line in logs
    )


def test_a_lost_copy_does_not_make_the_finding_news_again(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local notice went out, so the finding is remembered as said: a failed copy must
    not have the next reconciles say it again (it is parked once per notice instead)."""
    arn, _, _ = central_topic(aws)
    dead_letter = aws.sqs.create_queue(QueueName="vpc-remediator-dead-letter")["QueueUrl"]
    configure(monkeypatch, VPCR_CENTRAL_TOPIC_ARN=arn, VPCR_DEAD_LETTER_QUEUE_URL=dead_letter)
    refusal = TopicPolicy(caller=ACCOUNT)
    refusal.attach(central_sns(aws))
    vpc, _, igw = conflicted_vpc(aws)
    for _ in range(3):
        result = aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
        assert result["status"] != "failed"
    assert len(aws.notices()) == 1
    assert refusal.refused == [arn]
    assert len(drain(aws.sqs, dead_letter)) == 1
