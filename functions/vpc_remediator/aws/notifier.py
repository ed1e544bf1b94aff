"""Publish a notice to SNS: plain text for people, a versioned JSON document for machines."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from ..domain.notice import Notice
from ..observability import logger, metrics

if TYPE_CHECKING:
    from .clients import AwsClients

# SNS accepts 256 KiB per message, attributes included.
MESSAGE_LIMIT = 250_000
PARKED_LIMIT = 200_000  # of the document and text, leaving room for the envelope
TEXT_LINES_KEPT = 120


def _without_intents(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    return {**doc, "intents": [], "intents_omitted": len(doc.get("intents", []))}, text


# Counted rather than listed when a notice must shrink: they either went well, or wait for
# something else (a failure listed in full, or the retry that finishes the work).
_COUNTABLE = frozenset({"applied", "would-apply", "already-done", "deferred", "skipped"})
FAILURES_KEPT = 50


def _counted(actions: list[dict[str, Any]]) -> dict[str, int]:
    return dict(
        sorted(Counter(f"{a['type']}:{a.get('status', 'planned')}" for a in actions).items())
    )


def _actions_counted(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """Keep every action that failed; count the rest by type and status."""
    actions = doc.get("actions", [])
    quiet = [a for a in actions if a["status"] in _COUNTABLE]
    kept = [a for a in actions if a["status"] not in _COUNTABLE]
    return {**doc, "actions": kept, "actions_counted": _counted(quiet)}, text


def _remaining_counted(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    remaining = doc.get("remaining", [])
    return {**doc, "remaining": [], "remaining_counted": _counted(remaining)}, text


def _text_cut(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    lines = text.splitlines()
    if len(lines) <= TEXT_LINES_KEPT:
        return doc, text
    kept = lines[:TEXT_LINES_KEPT]
    kept.append(f"... {len(lines) - TEXT_LINES_KEPT} more lines: the JSON document has the facts")
    return doc, "\n".join(kept) + "\n"


def _failures_cut(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """The last resort: the first failures in full, the others counted with the rest."""
    failed = doc.get("actions", [])
    counts = Counter(doc.get("actions_counted", {}))
    counts.update(_counted(failed[FAILURES_KEPT:]))
    return {
        **doc,
        "actions": failed[:FAILURES_KEPT],
        "actions_counted": dict(sorted(counts.items())),
    }, text


def _each_report(
    step: Callable[[dict[str, Any], str], tuple[dict[str, Any], str]],
) -> Callable[[dict[str, Any], str], tuple[dict[str, Any], str]]:
    """A digest's step: the same shrinking, for each of its reports."""

    def shrink(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
        if "reports" not in doc:
            return doc, text
        return {**doc, "reports": [step(r, "")[0] for r in doc["reports"]]}, text

    return shrink


def _notice_only(
    step: Callable[[dict[str, Any], str], tuple[dict[str, Any], str]],
) -> Callable[[dict[str, Any], str], tuple[dict[str, Any], str]]:
    def shrink(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
        return (doc, text) if "reports" in doc else step(doc, text)

    return shrink


def _readiness_once(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """A digest's reports share one read of the region: its readiness is said once."""
    if "reports" not in doc:
        return doc, text
    readiness: list[Any] = next(
        (r["readiness"] for r in reversed(doc["reports"]) if r.get("readiness")), []
    )
    reports = [{**r, "readiness": []} for r in doc["reports"]]
    return {**doc, "reports": reports, "readiness": readiness}, text


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    codes = Counter(f["code"] for f in report.get("findings", []))
    return {
        "scope": report["scope"],
        "outcome": report["outcome"],
        "severity": report["severity"],
        "findings_counted": dict(sorted(codes.items())),
    }


def _reports_summarised(doc: dict[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """The last resort for a digest: every report as its outcome and its findings counted."""
    if "reports" not in doc:
        return doc, text
    return {
        **doc,
        "reports": [_summary(r) for r in doc["reports"]],
        "reports_summarised": True,
    }, text


def fitted(notice: Notice, limit: int = MESSAGE_LIMIT) -> tuple[dict[str, Any], str, str]:
    """The notice's document and text, shrunk in steps until the SNS message fits: failures
    kept whole as long as they fit, a digest's reports last summarised. Returns the two and
    the message body (MessageStructure=json)."""
    document: dict[str, Any] = dict(notice.document)
    text = notice.text
    body = ""
    steps = (
        None,
        _notice_only(_without_intents),
        _readiness_once,
        _each_report(_without_intents),
        _notice_only(_actions_counted),
        _each_report(_actions_counted),
        _notice_only(_remaining_counted),
        _each_report(_remaining_counted),
        _text_cut,
        _notice_only(_failures_cut),
        _each_report(_failures_cut),
        _reports_summarised,
    )
    for shrink in steps:
        if shrink is not None:
            document, text = shrink(document, text)
        body = json.dumps({"default": json.dumps(document, sort_keys=True), "email": text})
        if len(body.encode()) <= limit:
            break
    return document, text, body


def message_for(notice: Notice) -> str:
    """MessageStructure=json: e-mail gets the text, every other protocol the JSON document
    ("default"), shrunk to fit."""
    return fitted(notice)[2]


class SnsNotifier:
    """Publishes to the topic. The SNS client is built on the first notice: most reconciles
    find nothing to say, and a cold start should not pay for a client it does not use."""

    def __init__(self, clients: AwsClients, topic_arn: str) -> None:
        self._clients = clients
        self.topic_arn = topic_arn

    def publish(self, notice: Notice) -> str:
        response = self._clients.sns.publish(
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

    def __init__(self, clients: AwsClients, queue_url: str) -> None:
        self._clients = clients
        self.queue_url = queue_url

    def publish(
        self, notice: Notice, *, kind: str = "unsent-notice", topic: str | None = None
    ) -> str:
        # Shrunk as SNS would have taken it (the queue takes 256 KiB too): whole JSON, always.
        document, text, _ = fitted(notice, PARKED_LIMIT)
        body = json.dumps(
            {
                "kind": kind,
                **({"topic": topic} if topic else {}),
                "subject": notice.subject,
                "text": text,
                "document": document,
            },
            sort_keys=True,
        )
        response = self._clients.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
        return response["MessageId"]


class ChatNotifier:
    """Publishes a notice's chat card (domain/chat.py) to the topic a chat channel is
    configured with in Amazon Q Developer in chat applications: the card is the whole
    message (no MessageStructure), as the service reads it. A notice without a card is not
    sent."""

    def __init__(self, clients: AwsClients, topic_arn: str) -> None:
        self._clients = clients
        self.topic_arn = topic_arn

    def publish(self, notice: Notice) -> str:
        if notice.chat is None:
            return ""
        response = self._clients.sns.publish(
            TopicArn=self.topic_arn, Message=json.dumps(notice.chat, ensure_ascii=False)
        )
        return response["MessageId"]


class Copy(Protocol):
    topic_arn: str

    def publish(self, notice: Notice) -> str: ...


class CopiesNotifier:
    """Publishes to the stack's own topic, then a copy to each other topic: a central
    account's (`central`), a chat channel's (`chat`).

    The notice is said once where it belongs: a failed local publish raises as before (the
    service parks it and the invocation is retried whole). A failed copy does not: the local
    notice is out, and a retry would say it again; the copy is logged, counted
    (`CentralCopiesFailed`, `ChatCopiesFailed`) and parked in the dead-letter queue, whose
    alarm tells a person.
    """

    def __init__(
        self,
        local: SnsNotifier,
        copies: Mapping[str, Copy],
        parked: DeadLetterNotifier | None,
    ) -> None:
        self.local = local
        self.copies = dict(copies)
        self.parked = parked
        self.topic_arn = local.topic_arn

    def publish(self, notice: Notice) -> str:
        message_id = self.local.publish(notice)
        for kind, copy in self.copies.items():
            try:
                copy_id = copy.publish(notice)
            except Exception as error:  # noqa: BLE001 - a lost copy must not re-send the notice
                self._park(kind, copy, notice, error)
            else:
                logger.info(
                    f"notice copied to the {kind} topic",
                    extra={"topic": copy.topic_arn, "id": copy_id},
                )
        return message_id

    def _park(self, kind: str, copy: Copy, notice: Notice, error: Exception) -> None:
        logger.exception(
            f"notice not copied to the {kind} topic",
            extra={"topic": copy.topic_arn, "subject": notice.subject},
        )
        metrics.add_metric(name=f"{kind.capitalize()}CopiesFailed", unit=MetricUnit.Count, value=1)
        if self.parked is None:
            return
        try:
            self.parked.publish(
                notice,
                kind="uncopied-notice" if kind == "central" else f"uncopied-{kind}-notice",
                topic=copy.topic_arn,
            )
        except Exception:  # noqa: BLE001 - both failures are in the log; the notice is out
            logger.exception(f"{kind} copy not parked either", extra={"error": str(error)})
