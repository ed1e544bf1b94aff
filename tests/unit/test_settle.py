"""The pure rules of settling (domain/settle.py): when a VPC is quiet, and the one trigger a
burst of events becomes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import EVENT_IDS, load_event
from tests.fakes import FakeMemory
from vpc_remediator.domain.policy import AutoScope
from vpc_remediator.domain.settle import (
    ALL_VPCS,
    QUIET_TOLERANCE_SECONDS,
    Note,
    keys_for,
    merged_scope,
    quiet,
    settled,
)
from vpc_remediator.domain.triggers import RegionTarget, Trigger, VpcTarget, trigger_for
from vpc_remediator.lambdas.intake import parse_api_call
from vpc_remediator.service import settling

VPC, SUBNET = EVENT_IDS["vpc"], EVENT_IDS["subnet"]
EVERYTHING = frozenset(
    {"CreateVpc", "CreateSubnet", "AttachInternetGateway", "CreateRoute", "DeleteRoute"}
)


def trigger(name: str, time: str = "2026-11-29T09:00:00Z") -> Trigger:
    event = load_event(name)
    event["detail"]["eventTime"] = time
    decided = trigger_for(parse_api_call(event), accepted=EVERYTHING, own_role_arns=frozenset())
    assert isinstance(decided, Trigger)
    return decided


def note(at: float) -> Note:
    return Note(VPC, f"e{at}", at, {})


@pytest.mark.parametrize(
    ("since_last", "is_quiet"),
    [(0, False), (45, False), (90 - QUIET_TOLERANCE_SECONDS - 0.1, False), (89, True), (90, True)],
)
def test_a_vpc_is_quiet_once_the_settle_time_passed_since_its_last_event(
    since_last: float, is_quiet: bool
) -> None:
    notes = [note(1000), note(1030), note(1060)]
    assert quiet(notes, 1060 + since_last, 90) is is_quiet


@given(st.lists(st.floats(0, 10_000), min_size=1, max_size=30), st.floats(0, 900))
def test_only_the_last_event_decides(times: list[float], settle: float) -> None:
    notes = [note(t) for t in times]
    now = max(times) + settle
    assert quiet(notes, now, settle)
    assert not quiet(notes, now - QUIET_TOLERANCE_SECONDS - 0.5, settle)


def test_a_burst_is_one_trigger_for_its_vpc() -> None:
    burst = [
        trigger("CreateRoute", "2026-11-29T09:00:30Z"),
        trigger("CreateVpc", "2026-11-29T09:00:00Z"),
        trigger("CreateSubnet", "2026-11-29T09:00:10Z"),
    ]
    one = settled(VPC, burst)
    assert one.target == VpcTarget(VPC)
    assert one.call.event_name == "CreateRoute"  # the last call, for the notice
    assert one.auto == AutoScope.all()  # CreateVpc's scope covers the subnet's
    assert one.created == (VPC, SUBNET)
    assert settled(ALL_VPCS, burst).target == RegionTarget(all_vpcs=True)


@pytest.mark.parametrize(
    ("scopes", "merged"),
    [
        ([AutoScope.none(), AutoScope.none()], AutoScope.none()),
        (
            [AutoScope.subnets("subnet-a"), AutoScope.subnets("subnet-b")],
            AutoScope.subnets("subnet-a", "subnet-b"),
        ),
        # A person's scope wins over a tool's withheld one: auto intent where the person acted.
        (
            [AutoScope(everything=True, withheld="Terraform"), AutoScope.subnets("subnet-a")],
            AutoScope.subnets("subnet-a"),
        ),
        # Only tools: withheld, naming each.
        (
            [
                AutoScope(everything=True, withheld="Terraform"),
                AutoScope(subnet_ids=frozenset({"subnet-a"}), withheld="Pulumi"),
            ],
            AutoScope(everything=True, withheld="Terraform, Pulumi"),
        ),
    ],
)
def test_scopes_merge(scopes: list[AutoScope], merged: AutoScope) -> None:
    assert merged_scope(scopes) == merged


def test_keys_are_vpcs_or_the_whole_region() -> None:
    assert keys_for(frozenset({"vpc-b", "vpc-a"})) == ("vpc-a", "vpc-b")
    assert keys_for(None) == (ALL_VPCS,)


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, str], int]] = []

    def send_later(self, body: Mapping[str, str], *, delay_seconds: int) -> str:
        self.sent.append((dict(body), delay_seconds))
        return "m"


def test_the_settler_notes_once_per_event_and_drops_only_what_it_covered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Clock:
        now = 100.0

        def time(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(settling, "time", clock)
    memory, queue = FakeMemory(), FakeQueue()
    settler = settling.Settler("eu-south-1", 90, memory, queue)
    settler.note(VPC, "e1", {"n": 1})
    settler.note(VPC, "e1", {"n": 1})  # redelivered: the same record
    settler.note("vpc-other", "e2", {"n": 2})
    settler.later(VPC, "123456789012")
    assert queue.sent == [
        (
            {
                "kind": "vpc-remediator/settle",
                "key": VPC,
                "region": "eu-south-1",
                "account": "123456789012",
            },
            90,
        )
    ]
    covered = settler.notes(VPC)
    assert [n.event_id for n in covered] == ["e1"]
    assert not settler.quiet(covered)
    clock.now += 90
    assert settler.quiet(covered)
    settler.note(VPC, "e3", {"n": 3})  # arrives while the reconcile runs
    settler.done(covered)
    assert [n.event_id for n in settler.notes(VPC)] == ["e3"]
    assert [n.event_id for n in settler.notes("vpc-other")] == ["e2"]


def test_a_settle_time_needs_a_memory_and_a_queue() -> None:
    with pytest.raises(ValueError, match="needs a memory and a queue"):
        settling.Settler("eu-south-1", 90)
    local = settling.Settler("eu-south-1", 0)  # no settle time: notes for this invocation
    local.note(VPC, "e1", {})
    assert [n.event_id for n in local.notes(VPC)] == ["e1"]
