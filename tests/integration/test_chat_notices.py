"""Notices in a chat channel (issue 20): with ChatTopicArn set, every notice is also published
to the topic a Slack or Teams channel is configured with in Amazon Q Developer in chat
applications, as a custom notification; a chat topic that fails loses nothing and re-sends
nothing (the local notice is out; the card is logged, counted and parked)."""

from __future__ import annotations

import json

import boto3
import jsonschema
import pytest
from local_aws.emulator import drain, subscribed_topic

from tests.chat_format import CUSTOM_NOTIFICATION
from tests.conftest import REGION
from tests.integration.conftest import Aws, configure
from tests.integration.test_story import replay_story


def test_every_notice_reaches_the_chat_topic_as_a_custom_notification(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn, queue = subscribed_topic(boto3.client("sns", region_name=REGION), aws.sqs, "platform-chat")
    configure(monkeypatch, VPCR_CHAT_TOPIC_ARN=arn)

    replay_story(aws)
    local = aws.notices()
    cards = [json.loads(m["Message"]) for m in drain(aws.sqs, queue)]

    assert local and len(cards) == len(local)
    for card, notice in zip(cards, local, strict=True):
        jsonschema.validate(card, CUSTOM_NOTIFICATION)
        assert card["content"]["title"].replace("\\", "") == notice["Subject"].removeprefix(
            "[vpc-remediator] "
        )
    fixed = cards[-1]
    assert fixed["content"]["description"].startswith('Fixed "skypilot-vpc" in eu-south-1')
    assert fixed["metadata"]["eventType"] == "vpc-remediator.changed"
    publishes = [p["TopicArn"] for _, name, p in aws.log.calls if name == "Publish"]
    assert publishes.count(arn) == len(local)


def test_a_chat_topic_that_fails_loses_nothing_and_resends_nothing(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A topic deleted since the stack was deployed: SNS answers Publish with NotFound.
    sns = boto3.client("sns", region_name=REGION)
    arn = sns.create_topic(Name="platform-chat")["TopicArn"]
    sns.delete_topic(TopicArn=arn)
    dead_letter = aws.sqs.create_queue(QueueName="vpc-remediator-dead-letter")["QueueUrl"]
    configure(monkeypatch, VPCR_CHAT_TOPIC_ARN=arn, VPCR_DEAD_LETTER_QUEUE_URL=dead_letter)

    replay_story(aws)  # no invocation fails: the local notices are out
    local = aws.notices()
    parked = drain(aws.sqs, dead_letter)
    assert local and [p["subject"] for p in parked] == [n["Subject"] for n in local]
    assert all(p["kind"] == "uncopied-chat-notice" and p["topic"] == arn for p in parked)
    logs = [json.loads(line) for line in aws.logs.getvalue().splitlines()]
    assert any(line["message"] == "notice not copied to the chat topic" for line in logs)
