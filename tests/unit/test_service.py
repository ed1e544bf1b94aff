"""The service's loop (service/remediator.py) on fakes of its ports (tests/ports.py): read,
decide, plan, apply, verify, notify, with the memory and a clock, in milliseconds. The same
loop against moto, through the handlers and the command line, is in tests/integration."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.builders import IGW, subnet, vpc_snapshot
from tests.fakes import FakeMemory
from tests.faults import VirtualClock
from tests.ports import FakeNotifier, FakeReader, FakeWriter, World
from vpc_remediator.domain.model import VpcSnapshot
from vpc_remediator.domain.outcomes import ActionStatus, Outcome
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.policy import AutoScope, Mode, Policy
from vpc_remediator.domain.provenance import CallerFields
from vpc_remediator.domain.triggers import ApiCall, Trigger, VpcTarget
from vpc_remediator.service import remediator as service_module
from vpc_remediator.service.remediator import (
    NotificationFailed,
    RemediationIncomplete,
    RemediationInProgress,
    Remediator,
)

S1 = "subnet-00000000000000001"
VPC = "vpc-00000000000000001"
KEY = "vpc-remediator:intent"


def console_call(name: str = "AttachInternetGateway") -> ApiCall:
    return ApiCall(
        event_id=f"event-{name}",
        event_name=name,
        event_source="ec2.amazonaws.com",
        event_time="2026-12-03T10:00:00Z",
        region="eu-south-1",
        account="123456789012",
        actor_arn="arn:aws:sts::123456789012:assumed-role/Admin/alice",
        caller_fields=CallerFields(from_console=True, user_agent="console.amazonaws.com"),
    )


def seed_story() -> VpcSnapshot:
    """The seed user's VPC: a gateway attached, a subnet on the main table with no route."""
    return vpc_snapshot(subnet(S1, name="skypilot-subnet"))


def service(
    world: World,
    *,
    policy: Policy | None = None,
    memory: FakeMemory | None = None,
    notifier: FakeNotifier | None = None,
    writer: FakeWriter | None = None,
    **options: Any,
) -> Remediator:
    policy = policy or Policy()
    return Remediator(
        policy=policy,
        reader=FakeReader(world),
        writer=(writer or FakeWriter(world)) if policy.mode is Mode.REMEDIATE else None,
        notifier=notifier if notifier is not None else FakeNotifier(),
        memory=memory,
        record=memory,
        **options,
    )


def public(world: World, subnet_id: str) -> bool:
    snap = next(s for s in world.vpcs.values() if any(n.id == subnet_id for n in s.subnets))
    table = snap.governing_route_table(subnet_id)
    routed = table is not None and any(r.target_id == IGW for r in table.routes)
    mapped = next(n for n in snap.subnets if n.id == subnet_id).map_public_ip_on_launch
    return routed and mapped


def test_the_seed_story_is_fixed_verified_and_said_once() -> None:
    world = World().add(seed_story())
    memory, notifier = FakeMemory(), FakeNotifier()
    trigger = Trigger(console_call(), VpcTarget(VPC), AutoScope.all())
    (report,) = service(world, memory=memory, notifier=notifier).handle(trigger)
    assert report.outcome is Outcome.CHANGED and report.compliant
    assert public(world, S1)
    assert report.verified is not None and not report.remaining
    assert len(notifier.notices) == 1 and "fixed" in notifier.notices[0].subject
    # The same event again (a redelivery): nothing to do and nothing to say.
    again = service(world, memory=memory, notifier=notifier).handle(trigger)
    assert [r.outcome for r in again] == [Outcome.COMPLIANT]
    assert len(notifier.notices) == 1


def test_audit_mode_has_no_writer_and_says_what_it_would_do() -> None:
    world = World().add(seed_story())
    notifier = FakeNotifier()
    audit = service(world, policy=Policy(mode=Mode.AUDIT), notifier=notifier)
    assert audit.writer is None
    (report,) = audit.handle(Trigger(console_call(), VpcTarget(VPC), AutoScope.all()))
    assert report.outcome is Outcome.WOULD_CHANGE
    assert {o.status for o in report.outcomes} == {ActionStatus.WOULD_APPLY}
    assert not public(world, S1)


def test_a_change_made_by_hand_is_reported_not_undone() -> None:
    world = World().add(seed_story())
    (report,) = service(world).handle(
        Trigger(console_call("CreateRoute"), VpcTarget(VPC), AutoScope.none())
    )
    assert not report.outcomes and not public(world, S1)
    assert any(f.code.value == "auto-intent-not-enforced" for f in report.findings)


def test_a_write_that_fails_is_said_then_raised_so_lambda_retries() -> None:
    world = World().add(seed_story())
    notifier = FakeNotifier()
    writer = FakeWriter(world, fail={"AssociateRouteTable"})
    remediator = service(world, notifier=notifier, writer=writer)
    with pytest.raises(RemediationIncomplete) as failed:
        remediator.handle(Trigger(console_call(), VpcTarget(VPC), AutoScope.all()))
    (report,) = failed.value.reports
    assert report.failed and not public(world, S1)
    statuses = {type(o.action).__name__: o.status for o in report.outcomes}
    assert statuses["AssociateRouteTable"] is ActionStatus.FAILED
    assert len(notifier.notices) == 1  # said before raising
    assert "FAILED" in notifier.notices[0].subject


def test_time_running_out_stops_in_time_and_the_retry_finishes() -> None:
    world = World().add(seed_story())
    remediator = service(world, time_left=lambda: 5.0)  # under the stop margin from the start
    with pytest.raises(RemediationInProgress) as going:
        remediator.handle(Trigger(console_call(), VpcTarget(VPC), AutoScope.all()))
    (report,) = going.value.reports
    assert report.in_progress and {o.status for o in report.outcomes} == {ActionStatus.DEFERRED}
    (retried,) = service(world).handle(Trigger(console_call(), VpcTarget(VPC), AutoScope.all()))
    assert retried.outcome is Outcome.CHANGED and public(world, S1)


def test_a_refused_notice_is_parked_and_the_invocation_fails() -> None:
    world = World().add(seed_story())
    fallback = FakeNotifier()
    remediator = service(world, notifier=FakeNotifier(refuse=True), fallback=fallback)
    with pytest.raises(NotificationFailed):
        remediator.handle(Trigger(console_call(), VpcTarget(VPC), AutoScope.all()))
    assert public(world, S1)  # the change stands
    assert len(fallback.notices) == 1  # and its notice waits in the dead-letter queue


def test_a_person_who_says_no_changes_nothing() -> None:
    world = World().add(seed_story())
    asked = []

    def say_no(plans: list[Plan]) -> frozenset[str]:
        asked.append(plans)
        return frozenset()

    remediator = service(world, approve=say_no)
    (report,) = remediator.sweep(None, AutoScope.all())[1:]
    assert asked and not public(world, S1)
    assert report.outcome is Outcome.WOULD_CHANGE


def test_someone_undoing_a_change_twice_puts_the_subnet_on_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = VirtualClock(now=1_800_000_000.0)
    monkeypatch.setattr(service_module, "time", clock)
    world = World().add(vpc_snapshot(subnet(S1, tags={KEY: "public"})))
    memory = FakeMemory()
    trigger = Trigger(console_call(), VpcTarget(VPC), AutoScope.all())
    service(world, memory=memory).handle(trigger)
    assert public(world, S1)
    reports = []
    for _ in range(2):
        clock.now += 600
        world.change(
            VPC,
            lambda s: replace(
                s, subnets=tuple(replace(n, map_public_ip_on_launch=False) for n in s.subnets)
            ),
        )
        undo = replace(
            trigger,
            call=replace(
                trigger.call, caller_fields=CallerFields(invoked_by="securityhub.amazonaws.com")
            ),
        )
        reports += service(world, memory=memory).handle(undo)
    first, second = reports
    assert [type(o.action).__name__ for o in first.outcomes] == ["SetMapPublicIpOnLaunch"]
    assert [type(o.action).__name__ for o in second.outcomes] == ["PlaceHold"]
    assert not public(world, S1)  # held: left as the other tool wants it
    (held,) = [f for f in second.findings if f.code.value == "held"]
    assert held.needs_person and "undone by AWS service" in held.message
    # From now on the subnet is left alone, whoever asks.
    clock.now += 600
    (quiet,) = service(world, memory=memory).handle(trigger)
    assert not quiet.outcomes and not public(world, S1)
