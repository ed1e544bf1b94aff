"""The domain's memory (domain/memory.py) in a DynamoDB table of the stack.

One item per record: partition key `pk` = the kind of record, sort key `sk` = its key, the value
as JSON in `value`, and `ttl` (epoch seconds) for DynamoDB's time to live. The same table holds
Powertools Idempotency's records, under a partition of their own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from .clients import AwsClients

DAY = 86_400


class DynamoMemory:
    def __init__(self, clients: AwsClients, table_name: str) -> None:
        self._clients = clients
        self.table_name = table_name

    @property
    def client(self) -> DynamoDBClient:
        """The client it uses (Powertools Idempotency shares it, and the table)."""
        return self._clients.dynamodb

    def recall(self, kind: str, key: str) -> Mapping[str, Any] | None:
        item = self._clients.dynamodb.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": kind}, "sk": {"S": key}},
            ConsistentRead=True,
        ).get("Item")
        if item is None or _expired(item):
            return None
        value: Mapping[str, Any] = json.loads(item["value"]["S"])
        return value

    def remember(self, kind: str, key: str, value: Mapping[str, Any], *, days: int | None) -> None:
        item: dict[str, AttributeValueTypeDef] = {
            "pk": {"S": kind},
            "sk": {"S": key},
            "value": {"S": json.dumps(value, sort_keys=True, default=str)},
        }
        if days is not None:  # None: kept until forgotten (what the remediator owns)
            item["ttl"] = {"N": str(int(time.time()) + days * DAY)}
        self._clients.dynamodb.put_item(TableName=self.table_name, Item=item)

    def forget(self, kind: str, key: str) -> None:
        self._clients.dynamodb.delete_item(
            TableName=self.table_name, Key={"pk": {"S": kind}, "sk": {"S": key}}
        )

    def recall_all(self, kind: str, prefix: str = "") -> dict[str, Mapping[str, Any]]:
        paginator = self._clients.dynamodb.get_paginator("query")
        records: dict[str, Mapping[str, Any]] = {}
        condition, values = "pk = :kind", {":kind": {"S": kind}}
        if prefix:
            condition += " AND begins_with(sk, :prefix)"
            values[":prefix"] = {"S": prefix}
        for page in paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ConsistentRead=True,
        ):
            for item in page.get("Items", ()):
                if not _expired(item):
                    records[item["sk"]["S"]] = json.loads(item["value"]["S"])
        return records

    def keys(self, kind: str, prefix: str = "") -> list[str]:
        """The keys alone (a projection: the values are not read or paid for)."""
        paginator = self._clients.dynamodb.get_paginator("query")
        condition, values = (
            "pk = :kind AND begins_with(sk, :prefix)",
            {
                ":kind": {"S": kind},
                ":prefix": {"S": prefix},
            },
        )
        return [
            item["sk"]["S"]
            for page in paginator.paginate(
                TableName=self.table_name,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                ProjectionExpression="sk",
                ConsistentRead=True,
            )
            for item in page.get("Items", ())
        ]


def _expired(item: Mapping[str, Any]) -> bool:
    # DynamoDB deletes expired items within days, not at once: an expired one is not read.
    ttl = item.get("ttl", {}).get("N")
    return ttl is not None and int(ttl) < time.time()
