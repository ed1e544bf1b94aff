"""A local EventBridge and Lambda: events go where template.yaml's rules send them.

A rule that targets a function (DeleteVpc) invokes it at once. A rule that targets a queue
(the VPC changes) sends the event to that queue, and the function with that queue as its SQS
event source is invoked with what the queue holds, in batches, as Lambda's poller would: a
record it reports failed stays on the queue for another delivery (and, after the queue's
maxReceiveCount, the dead-letter queue); a delayed message (a settle message) waits its delay.

Each function runs in this process with the environment template.yaml gives it (Globals and its
own variables, intrinsics resolved for the chosen parameters): the pattern decides, not the
caller.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.events.models import EventPattern

from .context import FakeContext
from .template import Resolver, load_template

CHANGES_QUEUE = "ChangesQueue"


@dataclass(frozen=True)
class FunctionRoute:
    name: str  # the function's logical id in template.yaml
    handler: str  # module.function
    pattern: EventPattern | None  # the rule that reaches it (via its queue), None: a schedule
    environment: Mapping[str, str]
    queue: str | None = None  # the logical id of its SQS event source
    batch_size: int = 10


@dataclass(frozen=True)
class Delivery:
    function: str
    result: Any = None
    error: BaseException | None = None
    records: int = 0  # an SQS batch's size (0: the event itself)


@dataclass
class LocalEventBus:
    region: str
    account: str
    topic_arn: str
    dead_letter_url: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    memory_table: str = "vpc-remediator-memory"
    changes_queue_url: str = ""
    sqs: Any = None  # a client for the changes queue (needed when one is given)
    routes: list[FunctionRoute] = field(init=False)

    def __post_init__(self) -> None:
        template = load_template()
        resources = template["Resources"]
        functions = {n: r for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
        refs: dict[str, str] = {
            "NoticeTopic": self.topic_arn,
            "DeadLetterQueue": self.dead_letter_url,
            "MemoryTable": self.memory_table,
            CHANGES_QUEUE: self.changes_queue_url or "https://sqs.invalid/000000000000/none",
        }
        for name in functions:
            refs[f"{name}Role.Arn"] = f"arn:aws:iam::{self.account}:role/vpc-remediator-{name}Role"
        resolver = Resolver(template, self.parameters, self.region, self.account, refs, strict=True)
        shared = resolver.value(template["Globals"]["Function"]["Environment"]["Variables"])
        # queue logical id -> the pattern of the rule that targets it
        queue_patterns = {
            target["Arn"]["Fn::GetAtt"][0]: rule["Properties"]["EventPattern"]
            for rule in resources.values()
            if rule["Type"] == "AWS::Events::Rule"
            for target in rule["Properties"]["Targets"]
            if isinstance(target["Arn"], dict) and "Fn::GetAtt" in target["Arn"]
        }
        self.routes = []
        for name, resource in functions.items():
            props = resource["Properties"]
            own = resolver.value(props.get("Environment", {}).get("Variables", {}))
            (event,) = props["Events"].values()
            pattern, queue, batch = None, None, 10
            if event["Type"] == "EventBridgeRule":
                pattern = resolver.value(event["Properties"]["Pattern"])
            elif event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                pattern = resolver.value(queue_patterns[queue])
                batch = int(event["Properties"].get("BatchSize", 10))
            self.routes.append(
                FunctionRoute(
                    name,
                    props["Handler"],
                    None if pattern is None else EventPattern.load(json.dumps(pattern)),
                    {k: str(v) for k, v in {**shared, **own}.items()},
                    queue,
                    batch,
                )
            )

    def matching(self, event: Mapping[str, Any]) -> list[FunctionRoute]:
        """The functions the event reaches (directly, or through their queue)."""
        message = dict(event)
        return [
            r
            for r in self.routes
            if r.pattern is not None and r.pattern.matches_event(message)  # type: ignore[arg-type]
        ]

    def deliver(self, event: Mapping[str, Any]) -> list[Delivery]:
        """Invoke every function whose rule matches (an empty list when none does); an event
        for a queue is sent to it, and what the queue holds now is delivered."""
        deliveries = []
        queued = False
        for route in self.matching(event):
            if route.queue is None:
                deliveries.append(self.invoke(route, event))
            else:
                self._queue_client().send_message(
                    QueueUrl=self.changes_queue_url, MessageBody=json.dumps(event)
                )
                queued = True
        return deliveries + (self.pump() if queued else [])

    def _queue_client(self) -> Any:
        if self.sqs is None or not self.changes_queue_url:
            raise ValueError("this bus has no changes queue: pass changes_queue_url and sqs")
        return self.sqs

    def pump(self) -> list[Delivery]:
        """One pass of Lambda's poller: what each function's queue holds now, in batches."""
        deliveries = []
        for route in self.routes:
            if route.queue is None or not self.changes_queue_url:
                continue
            while messages := self._receive(route.batch_size):
                deliveries.append(self._invoke_batch(route, messages))
        return deliveries

    def settle(
        self, *, wait: Callable[[float], None] = time.sleep, timeout: float = 900.0
    ) -> list[Delivery]:
        """Deliver until the queue is empty: settle messages included, waiting out their
        delays with `wait` (a test passes its virtual clock's)."""
        deliveries: list[Delivery] = []
        waited = 0.0
        while True:
            deliveries += self.pump()
            if not self.waiting():
                return deliveries
            if waited >= timeout:
                raise TimeoutError(f"the changes queue still holds messages after {timeout} s")
            wait(0.5)
            waited += 0.5

    def waiting(self) -> int:
        """Messages on the changes queue that are delayed or in flight."""
        attributes = self._queue_client().get_queue_attributes(
            QueueUrl=self.changes_queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesDelayed",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())

    def _receive(self, batch_size: int) -> list[dict[str, Any]]:
        sqs = self._queue_client()
        messages: list[dict[str, Any]] = []
        while len(messages) < batch_size:
            got = sqs.receive_message(
                QueueUrl=self.changes_queue_url,
                MaxNumberOfMessages=min(10, batch_size - len(messages)),
                AttributeNames=["All"],
            ).get("Messages", [])
            if not got:
                break
            messages += got
        return messages

    def _invoke_batch(self, route: FunctionRoute, messages: list[dict[str, Any]]) -> Delivery:
        arn = (
            f"arn:aws:sqs:{self.region}:{self.account}:{self.changes_queue_url.rsplit('/', 1)[-1]}"
        )
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": self.region,
                }
                for m in messages
            ]
        }
        delivery = self.invoke(route, event)
        failed = (
            {m["MessageId"] for m in messages}
            if delivery.error is not None
            else {f["itemIdentifier"] for f in delivery.result.get("batchItemFailures", [])}
        )
        sqs = self._queue_client()
        for m in messages:
            if m["MessageId"] in failed:
                # Lambda leaves it for the visibility timeout; locally it is due again at once.
                sqs.change_message_visibility(
                    QueueUrl=self.changes_queue_url,
                    ReceiptHandle=m["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
            else:
                sqs.delete_message(
                    QueueUrl=self.changes_queue_url, ReceiptHandle=m["ReceiptHandle"]
                )
        return Delivery(route.name, delivery.result, delivery.error, records=len(messages))

    def invoke(self, route: FunctionRoute, event: Mapping[str, Any]) -> Delivery:
        module_name, _, attribute = route.handler.rpartition(".")
        context = FakeContext.of(route.name, self.region, self.account)
        with _environment({**route.environment, "AWS_REGION": self.region}):
            from vpc_remediator.lambdas import runtime  # the same process serves every function

            runtime.settings.cache_clear()
            handler = getattr(importlib.import_module(module_name), attribute)
            try:
                return Delivery(route.name, result=handler(dict(event), context))
            except Exception as exc:  # noqa: BLE001 - reported to the caller, as Lambda would
                return Delivery(route.name, error=exc)
            finally:
                runtime.settings.cache_clear()


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
