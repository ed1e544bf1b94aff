"""Publish a notice to SNS: plain text for people, a versioned JSON document for machines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..domain.report import Notice

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

# SNS accepts 256 KiB per message; MessageStructure=json repeats the document per protocol.
MESSAGE_LIMIT = 250_000
MACHINE_PROTOCOLS = ("sqs", "lambda", "http", "https", "email-json", "firehose", "application")


def message_for(notice: Notice) -> str:
    document: dict[str, Any] = dict(notice.document)
    while True:
        doc = json.dumps(document, sort_keys=True)
        message = {"default": notice.text, "email": notice.text}
        message.update(dict.fromkeys(MACHINE_PROTOCOLS, doc))
        body = json.dumps(message)
        if len(body.encode()) <= MESSAGE_LIMIT or not document.get("intents"):
            return body
        # The per-subnet intents are the bulk of a large VPC's notice; the rest must go out.
        document["intents_omitted"] = len(document["intents"])
        document["intents"] = []


class SnsNotifier:
    def __init__(self, sns: SNSClient, topic_arn: str) -> None:
        self._sns = sns
        self.topic_arn = topic_arn

    def publish(self, notice: Notice) -> str:
        response = self._sns.publish(
            TopicArn=self.topic_arn,
            Subject=notice.subject,
            Message=message_for(notice),
            MessageStructure="json",
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in notice.attributes.items()
            },
        )
        return response["MessageId"]


class DeadLetterNotifier:
    """Parks a notice SNS refused in the dead-letter queue, whose alarm tells a person."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self.queue_url = queue_url

    def publish(self, notice: Notice) -> str:
        body = json.dumps(
            {
                "kind": "unsent-notice",
                "subject": notice.subject,
                "text": notice.text,
                "document": notice.document,
            },
            sort_keys=True,
        )
        response = self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=body[:262_000])
        return response["MessageId"]
