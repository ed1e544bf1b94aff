"""A notice for a large VPC still fits in one SNS message, failures kept whole."""

from __future__ import annotations

import json

from tests.builders import region_of, subnet, vpc_snapshot
from vpc_remediator.aws.notifier import MESSAGE_LIMIT, message_for
from vpc_remediator.domain.launchers import readiness
from vpc_remediator.domain.notice import render_notice
from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus, Report
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Mode, Policy


def big_notice(subnets: int, failed_every: int = 0):
    snap = vpc_snapshot(*(subnet(f"subnet-{i:017d}") for i in range(subnets)))
    plan = plan_vpc(snap, Policy(), AutoScope.all())
    outcomes = tuple(
        ActionOutcome(
            a,
            ActionStatus.FAILED if failed_every and i % failed_every == 0 else ActionStatus.APPLIED,
        )
        for i, a in enumerate(plan.actions)
    )
    report = Report(
        "eu-south-1",
        Mode.REMEDIATE,
        snap.vpc.id,
        (plan,),
        outcomes,
        readiness=readiness(region_of(snap), Policy()),
    )
    return render_notice(report, intent_tag_key="vpc-remediator:intent")


def test_a_small_notice_goes_out_whole() -> None:
    notice = big_notice(2)
    message = json.loads(message_for(notice))
    assert set(message) == {"default", "email"}  # e-mail the text, every other protocol the JSON
    assert message["email"] == notice.text
    assert json.loads(message["default"]) == json.loads(json.dumps(notice.document))


def test_a_notice_for_a_thousand_subnets_is_shrunk_to_fit_and_keeps_its_failures() -> None:
    notice = big_notice(1000, failed_every=50)
    body = message_for(notice)
    assert len(body.encode()) <= MESSAGE_LIMIT
    document = json.loads(json.loads(body)["default"])
    assert document["intents"] == [] and document["intents_omitted"] == 1000
    failed = [a for a in document["actions"] if a["status"] == "failed"]
    assert (
        len(failed) == len([a for a in notice.document["actions"] if a["status"] == "failed"]) > 0
    )
    assert sum(document["actions_counted"].values()) + len(failed) == len(
        notice.document["actions"]
    )
    assert document["outcome"] == "failed"
