"""A sweep's digest fits one SNS message whatever the number of VPCs that need a word, and one
that could not be sent never turns every later sweep into a failure."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from types import MappingProxyType

import pytest

from tests.builders import subnet, table, vpc_snapshot
from tests.fakes import FakeMemory
from vpc_remediator.aws.notifier import MESSAGE_LIMIT, message_for
from vpc_remediator.domain.launchers import readiness
from vpc_remediator.domain.model import RegionSnapshot, Vpc
from vpc_remediator.domain.notice import Notice, render_digest
from vpc_remediator.domain.outcomes import Report
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Mode, Policy
from vpc_remediator.domain.triggers import Target
from vpc_remediator.service.remediator import NotificationFailed, Remediator

REGION = "eu-south-1"


def crowded(vpcs: int) -> RegionSnapshot:
    """`vpcs` VPCs, each with a subnet a person must look at (a table shared with a private
    subnet, and an undecided one)."""
    details = {}
    for i in range(vpcs):
        base = vpc_snapshot(
            subnet("subnet-00000000000000001", name="web-a"),
            subnet("subnet-00000000000000002", name="db-a"),
            subnet("subnet-00000000000000003"),
            tables=(
                table(
                    "rtb-00000000000shared",
                    subnets=("subnet-00000000000000001", "subnet-00000000000000002"),
                ),
            ),
        )
        vpc_id = f"vpc-{i:017d}"
        details[vpc_id] = replace(
            base,
            vpc=Vpc(vpc_id, cidr="10.0.0.0/16"),
            subnets=tuple(replace(s, vpc_id=vpc_id) for s in base.subnets),
        )
    return RegionSnapshot(REGION, tuple(d.vpc for d in details.values()), MappingProxyType(details))


def digest_of(region: RegionSnapshot) -> Notice:
    entries = readiness(region, Policy())
    reports = [
        Report(
            REGION,
            Mode.AUDIT,
            vpc_id,
            (plan_vpc(snap, Policy(), AutoScope.all()),),
            readiness=entries,
        )
        for vpc_id, snap in region.details.items()
    ]
    return render_digest(REGION, Mode.AUDIT, reports, intent_tag_key="vpc-remediator:intent")


@pytest.mark.parametrize("vpcs", [1, 100, 1000])
def test_a_digest_of_any_size_fits_one_sns_message(vpcs: int) -> None:
    notice = digest_of(crowded(vpcs))
    body = message_for(notice)
    assert len(body.encode()) <= MESSAGE_LIMIT
    document = json.loads(json.loads(body)["default"])
    assert len(document["reports"]) == vpcs  # every VPC is still named, summarised if need be
    text = json.loads(body)["email"]
    assert len(text.splitlines()) <= 200
    # The point first: one sentence, the sweep counted.
    many = "VPC" if vpcs == 1 else "VPCs"
    need = "needs" if vpcs == 1 else "need"
    assert text.startswith(
        f"Sweep of {REGION} (audit mode), {vpcs} {many} checked: {vpcs} {need} you; 0 compliant."
    )
    assert notice.subject == f"[vpc-remediator] sweep of {REGION}: {vpcs} {need} you"
    # The VPCs told in full are named; the rest counted by outcome; details cut at a VPC.
    told = text.count(": needs you\n  Needs you:")
    assert told == min(vpcs, 24)  # four lines each, within the summary's 100
    if vpcs > told:
        assert f"{vpcs - told} more VPCs need a word" in text
        # The digest cuts its details at a VPC (the message's own cut may go further).
        assert "details: in the JSON document" in notice.text


class Reader:
    region = REGION
    account = ""

    def __init__(self, region: RegionSnapshot) -> None:
        self.snapshot = region

    def read(self, vpc_ids: Iterable[str] | None = None) -> RegionSnapshot:
        return self.snapshot

    def vpc_ids_for(self, target: Target) -> frozenset[str] | None:
        return None

    def wait_visible(self, resource_ids: Iterable[str]) -> frozenset[str]:
        return frozenset()


class RefusingTopic:
    """A topic that refuses every message (a policy changed, a key disabled)."""

    def __init__(self) -> None:
        self.tried = 0

    def publish(self, notice: Notice) -> str:
        self.tried += 1
        raise RuntimeError("AuthorizationError: not allowed to publish")


class Parked:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def publish(self, notice: Notice) -> str:
        self.notices.append(notice)
        return "parked"


def test_a_digest_that_could_not_be_sent_fails_one_sweep_not_every_later_one() -> None:
    memory, topic, parked = FakeMemory(), RefusingTopic(), Parked()

    def sweeper() -> Remediator:
        return Remediator(
            policy=Policy(mode=Mode.AUDIT),
            reader=Reader(crowded(3)),
            writer=None,
            notifier=topic,
            fallback=parked,
            memory=memory,
        )

    remediator = sweeper()
    with pytest.raises(NotificationFailed):
        remediator.finish_sweep(remediator.sweep(None, AutoScope.none()))
    assert topic.tried == 1 and len(parked.notices) == 1  # parked: its alarm tells a person
    # The next sweep, the same state: nothing new to say, so nothing fails.
    later = sweeper()
    later.finish_sweep(later.sweep(None, AutoScope.none()))
    assert topic.tried == 1
