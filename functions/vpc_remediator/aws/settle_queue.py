"""Settle messages (domain/settle.py) on the queue EventBridge delivers the VPC events to: each
comes back to the VpcChanges function after the settle time (SQS's per-message delay)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .clients import AwsClients


class SettleQueue:
    def __init__(self, clients: AwsClients, queue_url: str) -> None:
        self._clients = clients
        self.queue_url = queue_url

    def send_later(self, body: Mapping[str, str], *, delay_seconds: int) -> str:
        response = self._clients.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=json.dumps(body, sort_keys=True),
            DelaySeconds=delay_seconds,
        )
        return response["MessageId"]
