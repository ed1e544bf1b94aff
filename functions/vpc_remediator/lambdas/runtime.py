"""What every Lambda handler does with its event: validate, decide, wire the adapters, run.

Settings are read from the environment on the first invocation and cached for warm ones;
clients are built on first use. Nothing here runs at import time, and a handler's import holds
only what reading and deciding on an event takes: an event that is skipped (the remediator's
own call, another account's, a failed call) never pays for the service, the planner or boto3,
which the first reconcile imports.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from ..domain.policy import AutoScope
from ..domain.triggers import InvalidEventError, Skip, trigger_for
from ..observability import logger, metrics
from ..service.settings import Settings
from .intake import parse_api_call, parse_scheduled_event

if TYPE_CHECKING:
    from ..domain.outcomes import Report
    from ..service.remediator import Remediator


@cache
def settings() -> Settings:
    return Settings.from_env(os.environ)


def build_remediator(
    config: Settings, region: str, context: Any, account: str, *, look_up_makers: bool = False
) -> Remediator:
    # Imported here so that a skipped event never pays for boto3.
    from ..service.wiring import clients_for, remediator_for

    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remediator_for(
        config.policy,
        clients_for(region),
        account=account_of(context) or account,
        topic_arn=config.topic_arn,
        central_topic_arn=config.central_topic_arn,
        chat_topic_arn=config.chat_topic_arn,
        event_bus=config.event_bus,
        security_hub=config.security_hub_findings,
        coordinate_with_security_hub=config.coordinate_with_security_hub,
        dead_letter_queue_url=config.dead_letter_queue_url,
        memory_table=config.memory_table,
        look_up_makers=look_up_makers,
        # The service stops before the invocation's timeout; the retry carries on.
        time_left=(lambda: remaining() / 1000) if callable(remaining) else None,
    )


def account_of(context: Any) -> str | None:
    arn = getattr(context, "invoked_function_arn", "") or ""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None


def handle_event(event: Any, context: Any, *, accepted: frozenset[str]) -> dict[str, Any]:
    config = settings()
    try:
        call = parse_api_call(event)
        decision = trigger_for(
            call,
            accepted=accepted,
            own_role_arns=config.own_role_arns,
            account=account_of(context),
            region=os.environ.get("AWS_REGION"),
            auto_intent_from=config.policy.auto_intent_from,
        )
    except InvalidEventError:
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
        raise
    if isinstance(decision, Skip):
        logger.info(
            "event skipped", extra={"reason": decision.reason, "event_name": call.event_name}
        )
        metrics.add_metric(name="EventsSkipped", unit=MetricUnit.Count, value=1)
        return {"status": "skipped", "reason": decision.reason}
    logger.info(
        "reconciling", extra={"event_name": call.event_name, "target": str(decision.target)}
    )
    remediator = build_remediator(config, call.region, context, call.account)
    reports = counted(lambda: remediator.handle(decision))
    return {"status": "done", "reports": [summary(r) for r in reports]}


def handle_schedule(event: Any, context: Any) -> dict[str, Any]:
    """The scheduled sweep: every VPC of the region, one digest when something needs a word."""
    config = settings()
    try:
        scheduled = parse_scheduled_event(event)
    except InvalidEventError:
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
        raise
    region = os.environ.get("AWS_REGION") or scheduled.region
    account = account_of(context)
    if account and scheduled.account != account:
        reason = f"event from account {scheduled.account}; this function guards {account}"
        logger.info("event skipped", extra={"reason": reason})
        metrics.add_metric(name="EventsSkipped", unit=MetricUnit.Count, value=1)
        return {"status": "skipped", "reason": reason}
    auto = AutoScope.all() if config.sweep_applies_auto_intent else AutoScope.none()
    # No event says who made what the sweep finds: CloudTrail's history does (for auto intent).
    remediator = build_remediator(
        config,
        region,
        context,
        scheduled.account,
        look_up_makers=config.sweep_applies_auto_intent,
    )
    reports = counted(lambda: remediator.finish_sweep(remediator.sweep(None, auto)))
    return {"status": "done", "reports": [summary(r) for r in reports]}


def counted(work: Callable[[], list[Report]]) -> list[Report]:
    """Run the service; count what it did, whether it succeeded or not."""
    from ..service.remediator import (
        NotificationFailed,
        RemediationIncomplete,
        RemediationInProgress,
    )

    try:
        reports = work()
    except RemediationIncomplete as failed:
        _count(failed.reports)
        metrics.add_metric(name="ReconcilesFailed", unit=MetricUnit.Count, value=1)
        raise
    except RemediationInProgress as going:
        _count(going.reports)
        metrics.add_metric(name="ReconcilesContinued", unit=MetricUnit.Count, value=1)
        raise
    except NotificationFailed as unsent:
        _count(unsent.reports)
        metrics.add_metric(name="NoticesFailed", unit=MetricUnit.Count, value=1)
        raise
    _count(reports)
    return reports


def _count(reports: list[Report]) -> None:
    from ..domain.actions import PlaceHold
    from ..domain.outcomes import ActionStatus

    metrics.add_metric(name="Reconciles", unit=MetricUnit.Count, value=len(reports))
    made = [o for r in reports for o in r.outcomes if o.status is ActionStatus.APPLIED]
    metrics.add_metric(name="ActionsApplied", unit=MetricUnit.Count, value=len(made))
    held = sum(isinstance(o.action, PlaceHold) for o in made)
    metrics.add_metric(name="HoldsPlaced", unit=MetricUnit.Count, value=held)
    metrics.add_metric(
        name="FindingsNeedingPerson",
        unit=MetricUnit.Count,
        value=sum(f.needs_person for r in reports for f in r.findings),
    )


def summary(report: Report) -> dict[str, Any]:
    from ..domain.launchers import lines as readiness_lines

    return {
        "scope": report.scope,
        "outcome": str(report.outcome),
        "actions": [f"{o.status}: {o.action.summary}" for o in report.outcomes],
        "findings": [str(f.code) for f in report.findings],
        "readiness": readiness_lines(report.readiness),
    }
