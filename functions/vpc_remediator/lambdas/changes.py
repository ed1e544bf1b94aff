"""What the VpcChanges function does: EventBridge delivers the VPC events to a queue, the queue
to the function in batches (or, for `sam local invoke -e events/...`, one bare event).

1. Each CloudTrail event is validated and noted for the VPC(s) it touches, once (Powertools
   Idempotency on its CloudTrail event id: a redelivered event is not noted again).
2. With a settle time, one settle message per VPC goes back on the queue, delayed by it; with
   none (VPCR_SETTLE_SECONDS=0), the VPCs are due at once.
3. Each VPC that is due and quiet (domain/settle.py) is reconciled once, for all its notes.

A record that fails (a malformed event, a reconcile that did not finish) is reported as a
partial batch failure (Powertools batch processing): SQS delivers it again, and after
maxReceiveCount puts it in the dead-letter queue. The notes of a VPC are dropped only once its
reconcile succeeded, so nothing noted is lost.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from ..domain.settle import SETTLE_MESSAGE, keys_for, settled
from ..domain.triggers import ApiCall, InvalidEventError, Skip, Trigger, trigger_for
from ..observability import logger, metrics
from ..service.settings import Settings
from ..service.settling import Settler
from .intake import parse_api_call
from .runtime import account_of, build_remediator, counted, settings, summary

if TYPE_CHECKING:
    from ..domain.outcomes import Report
    from ..service.remediator import Remediator

# A redelivered event is recognised for this long (EventBridge retries for an hour here, and
# Lambda's own retries of a failed batch come within the queue's retention).
IDEMPOTENCY_SECONDS = 24 * 3600
_KEY = re.compile(r"^(vpc-[0-9a-f]{8,17}|\*)$")
_ACCOUNT = re.compile(r"^\d{12}$")


def _is_batch(event: Any) -> bool:
    return isinstance(event, Mapping) and isinstance(event.get("Records"), list)


@dataclass
class _Run:
    """One invocation: the records taken, the VPCs they touch, what is due."""

    config: Settings
    context: Any
    accepted: frozenset[str]
    region: str
    account: str | None
    remediators: dict[str, Remediator] = field(default_factory=dict)
    by_key: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    fresh: set[str] = field(default_factory=set)  # keys noted by this invocation
    due: set[str] = field(default_factory=set)  # keys settle messages asked about
    failed: dict[str, BaseException] = field(default_factory=dict)  # message id -> why
    reports: list[Report] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # Each event read once: a note reconciled in the same invocation is not parsed again (one
    # read from the memory in a later invocation is: it was stored as EventBridge sent it).
    calls: dict[str, ApiCall] = field(default_factory=dict)

    @cached_property
    def _adapters(self) -> tuple[Settler, Callable[..., dict[str, list[str]]]]:
        """The settler and the idempotent note, built when a record needs them (a skipped
        event never pays for boto3)."""
        settling = self.config.settling()
        if not (self.config.memory_table or settling):
            return Settler(self.region, 0), _note
        from ..service.wiring import once_per_event, settler_for

        settler, memory = settler_for(
            self.region,
            settling[0] if settling else 0,
            self.config.memory_table,
            settling[1] if settling else None,
        )
        if memory is None:
            return settler, _note
        return settler, once_per_event(_note, memory, self.context, IDEMPOTENCY_SECONDS)

    @property
    def settler(self) -> Settler:
        return self._adapters[0]

    def noted(self, **kwargs: Any) -> dict[str, list[str]]:
        return self._adapters[1](**kwargs)

    def remediator(self, account: str) -> Remediator:
        if account not in self.remediators:
            self.remediators[account] = build_remediator(
                self.config, self.region, self.context, account
            )
        return self.remediators[account]

    def take(self, body: Mapping[str, Any], message_id: str) -> None:
        """Validate and note one record (raises InvalidEventError for a malformed one)."""
        if body.get("kind") == SETTLE_MESSAGE:
            self._take_settle(body, message_id)
            return
        self.take_call(parse_api_call(body), body, message_id)

    def take_call(self, call: ApiCall, body: Mapping[str, Any], message_id: str) -> None:
        """Note one event, read already."""
        self.calls[call.event_id] = call
        logger.set_correlation_id(call.event_id)
        decision = self.decide(call)
        if isinstance(decision, Skip):
            logger.info(
                "event skipped", extra={"reason": decision.reason, "event_name": call.event_name}
            )
            metrics.add_metric(name="EventsSkipped", unit=MetricUnit.Count, value=1)
            self.skipped.append(decision.reason)
            return
        keys = self.noted(run=self, trigger=decision, event=dict(body))["keys"]
        logger.info(
            "event noted",
            extra={"event_name": call.event_name, "target": str(decision.target), "keys": keys},
        )
        metrics.add_metric(name="EventsNoted", unit=MetricUnit.Count, value=1)
        for key in keys:
            self.by_key[key].append(message_id)
            self.fresh.add(key)

    def decide(self, call: ApiCall) -> Trigger | Skip:
        return trigger_for(
            call,
            accepted=self.accepted,
            own_role_arns=self.config.own_role_arns,
            account=self.account,
            region=self.region,
            auto_intent_from=self.config.policy.auto_intent_from,
        )

    def _take_settle(self, body: Mapping[str, Any], message_id: str) -> None:
        key, region, account = (body.get(k) for k in ("key", "region", "account"))
        if not (isinstance(key, str) and _KEY.match(key)):
            raise InvalidEventError(f"settle message: key must be a vpc- id or *, got {key!r:.80}")
        if (
            region != self.region
            or not isinstance(account, str)
            or not _ACCOUNT.match(account)
            or self.account not in (None, account)
        ):
            raise InvalidEventError(
                f"settle message for {region!r:.40}/{account!r:.20}; this function guards "
                f"{self.region}/{self.account or 'its account'}"
            )
        self.by_key[key].append(message_id)
        self.due.add(key)
        self.remediator(account)  # the account it settles for

    def note(self, trigger: Trigger, event: Mapping[str, Any]) -> list[str]:
        """Note the event under each VPC it touches (the body of the idempotent step)."""
        vpc_ids = self.remediator(trigger.call.account).reader.vpc_ids_for(trigger.target)
        if vpc_ids is not None and not vpc_ids:
            logger.info("target no longer exists", extra={"target": str(trigger.target)})
            return []
        keys = list(keys_for(vpc_ids))
        for key in keys:
            self.settler.note(key, trigger.call.event_id, event)
        return keys

    def settle(self) -> None:
        """Send the settle messages, then reconcile each VPC that is due and quiet."""
        account = self.account or next(iter(self.remediators), "")
        if self.config.settle_seconds:
            for key in sorted(self.fresh):
                try:
                    self.settler.later(key, account)
                except Exception as exc:  # noqa: BLE001 - its records fail; SQS redelivers
                    logger.exception("settle message not sent", extra={"key": key})
                    self._fail(key, exc)
        else:
            self.due |= self.fresh
        for key in sorted(self.due):
            self._reconcile(key)

    def _reconcile(self, key: str) -> None:
        notes = self.settler.notes(key)
        if not notes:
            logger.info("nothing noted (already reconciled)", extra={"key": key})
            return
        if not self.settler.quiet(notes):
            logger.info("not quiet yet: a later settle message follows", extra={"key": key})
            return
        decisions = (
            self.decide(self.calls.get(n.event_id) or parse_api_call(n.event)) for n in notes
        )
        triggers = [d for d in decisions if isinstance(d, Trigger)]
        if not triggers:
            self.settler.done(notes)
            return
        trigger = settled(key, triggers)
        logger.set_correlation_id(trigger.call.event_id)
        logger.info(
            "reconciling",
            extra={"key": key, "events": len(notes), "auto": str(trigger.auto)},
        )
        remediator = self.remediator(trigger.call.account)
        try:
            self.reports += counted(lambda: remediator.handle(trigger))
        except Exception as exc:  # noqa: BLE001 - its records fail; SQS delivers them again
            logger.exception("reconcile failed; its records are retried", extra={"key": key})
            self._fail(key, exc)
            return
        self.settler.done(notes)

    def _fail(self, key: str, exc: BaseException) -> None:
        for message_id in self.by_key[key]:
            self.failed.setdefault(message_id, exc)


def _run(event: Any, context: Any, accepted: frozenset[str]) -> _Run:
    config = settings()
    config.settling()  # SettingsError before any AWS call
    region = os.environ.get("AWS_REGION") or _region_of(event)
    return _Run(config, context, accepted, region, account_of(context))


def _region_of(event: Any) -> str:
    if _is_batch(event):
        records = event["Records"]
        region = records[0].get("awsRegion") if records else None
    else:
        region = event.get("region") if isinstance(event, Mapping) else None
    if not isinstance(region, str) or not region:
        raise InvalidEventError("no region in the event and AWS_REGION is not set")
    return region


def _note(*, run: _Run, trigger: Trigger, event: dict[str, Any]) -> dict[str, list[str]]:
    """Note the event under each VPC it touches (made idempotent on its CloudTrail event id,
    where there is a memory: a redelivered event gets the keys it was noted under the first
    time)."""
    return {"keys": run.note(trigger, event)}


def handle_changes(event: Any, context: Any, *, accepted: frozenset[str]) -> dict[str, Any]:
    """An SQS batch (partial batch response) or one bare EventBridge event."""
    if not _is_batch(event):
        return _bare(event, context, accepted)
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    run = _run(event, context, accepted)
    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(event["Records"]))

    def record_handler(record: SQSRecord) -> None:
        try:
            body = json.loads(record.body)
        except ValueError as exc:
            raise InvalidEventError(f"message {record.message_id}: not JSON") from exc
        if not isinstance(body, Mapping):
            raise InvalidEventError(f"message {record.message_id}: not a JSON object")
        try:
            run.take(body, record.message_id)
        except InvalidEventError:
            metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
            logger.exception("record rejected", extra={"message_id": record.message_id})
            raise

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with processor(records=event["Records"], handler=record_handler, lambda_context=context):
        processor.process()
    run.settle()
    failures = [f["itemIdentifier"] for f in processor.response()["batchItemFailures"]]
    failures += [m for m in run.failed if m not in failures]
    logger.info(
        "batch done",
        extra={
            "records": len(event["Records"]),
            "reconciled": len(run.reports),
            "failed": failures,
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failures]}


def _bare(event: Any, context: Any, accepted: frozenset[str]) -> dict[str, Any]:
    """One EventBridge event (no queue): noted and, without a settle time, reconciled at once.
    A failure raises, as the handlers always did, so that Lambda retries."""
    try:
        call = parse_api_call(event)
    except InvalidEventError:
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
        raise
    run = _run(event, context, accepted)
    run.take_call(call, event, "event")
    if run.skipped:
        return {"status": "skipped", "reason": run.skipped[0]}
    run.settle()
    if run.failed:
        raise next(iter(run.failed.values()))
    if run.config.settle_seconds:
        return {"status": "settling", "vpcs": sorted(run.fresh)}
    return {"status": "done", "reports": [summary(r) for r in run.reports]}
