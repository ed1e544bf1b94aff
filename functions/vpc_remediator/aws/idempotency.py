"""Powertools Idempotency in the memory table: a function runs once per CloudTrail event id, and
a redelivered event gets the first run's answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .memory import DynamoMemory

F = TypeVar("F", bound=Callable[..., dict[str, Any]])


def once_per_event(fn: F, memory: DynamoMemory, context: Any, expires_seconds: int) -> F:
    """`fn`, called with the keyword argument `event` (an EventBridge CloudTrail event), run
    once per `detail.eventID` for `expires_seconds`."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(
        table_name=memory.table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value="idempotency",
        expiry_attr="ttl",
        boto3_client=memory.client,
    )
    config = IdempotencyConfig(
        event_key_jmespath="detail.eventID",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=expires_seconds,
    )
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        config.register_lambda_context(context)
    wrapped: F = idempotent_function(
        data_keyword_argument="event", persistence_store=persistence, config=config
    )(fn)
    return wrapped
