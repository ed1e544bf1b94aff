"""Who made it, where no event says it (issue 10): the sweep looks the makers of the subnets
auto intent would change up in CloudTrail's event history (LookupEvents: emulated, since moto
lacks it, with CloudTrail's rate of 2 requests a second), within that rate, and remembers
them. Only what a person made is finished; a tool's is that tool's; an unknown maker's is
left alone by the sweep."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.aws_behaviour import EventHistory
from tests.conftest import REGION, load_event
from tests.faults import VirtualClock
from tests.integration.conftest import Aws, configure
from tests.integration.test_story import new_gateway, new_subnet, new_vpc
from vpc_remediator.aws import history
from vpc_remediator.aws.clients import clients_for
from vpc_remediator.lambdas.handlers import sweep


def cloudtrail_history(monkeypatch: pytest.MonkeyPatch) -> EventHistory:
    """LookupEvents in front of the handlers' CloudTrail client, on a virtual clock (the
    adapter's pacing sleeps pass virtual time)."""
    clock = VirtualClock(now=1000.0)
    monkeypatch.setattr(history, "time", clock)
    events = EventHistory(clock.monotonic)
    events.attach(clients_for(REGION).cloudtrail)
    return events


@pytest.fixture
def cloudtrail(monkeypatch: pytest.MonkeyPatch) -> EventHistory:
    return cloudtrail_history(monkeypatch)


def three_makers(aws: Aws, cloudtrail: EventHistory) -> dict[str, str]:
    """A VPC with its gateway attached and nothing routed, and three subnets on the main table
    (auto intent: public): one a person made in the console, one Terraform made, one made
    before the history's 90 days."""
    vpc = new_vpc(aws)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ids = {
        "vpc": vpc,
        "console": new_subnet(aws, vpc, "10.0.1.0/24"),
        "terraform": new_subnet(aws, vpc, "10.0.2.0/24"),
        "unknown": new_subnet(aws, vpc, "10.0.3.0/24"),
    }
    cloudtrail.logged(ids["console"], load_event("CreateSubnet", vpc=vpc, subnet=ids["console"]))
    cloudtrail.logged(
        ids["terraform"], load_event("CreateSubnet-terraform", vpc=vpc, subnet=ids["terraform"])
    )
    aws.give_the_default_vpc_its_gateway()  # the region as AWS has it: nothing else to say
    return ids


def test_the_sweep_finishes_only_what_a_person_made(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, cloudtrail: EventHistory
) -> None:
    configure(monkeypatch, VPCR_SWEEP_APPLIES_AUTO_INTENT="true")
    ids = three_makers(aws, cloudtrail)
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    assert aws.skypilot_says_public(ids["console"]) and aws.maps_public_ip(ids["console"])
    for other in ("terraform", "unknown"):
        assert not aws.skypilot_says_public(ids[other]) and not aws.maps_public_ip(ids[other])
    # One request per subnet, paced within CloudTrail's 2 a second, never throttled.
    assert len(cloudtrail.calls) == 3 and cloudtrail.throttled == 0
    gaps = [b - a for a, b in zip(cloudtrail.calls, cloudtrail.calls[1:], strict=False)]
    assert all(gap >= 0.5 for gap in gaps), gaps
    (digest,) = aws.notices()
    findings = {
        f["resource_id"]: f for r in json.loads(digest["Message"])["reports"] for f in r["findings"]
    }
    assert findings[ids["terraform"]]["code"] == "owned-by-tool"
    assert "made by Terraform" in findings[ids["terraform"]]["message"]
    assert "who made it is not known" in findings[ids["unknown"]]["message"]
    # The next sweep remembers who made what: no request, no write, nothing new to say.
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    assert len(cloudtrail.calls) == 3
    assert aws.log.writes == [] and aws.notices() == []


def test_the_sweep_looks_nothing_up_when_it_applies_no_auto_intent(
    aws: Aws, cloudtrail: EventHistory
) -> None:
    ids = three_makers(aws, cloudtrail)
    aws.invoke(sweep, "ScheduledEvent")
    assert cloudtrail.calls == []
    assert not aws.skypilot_says_public(ids["console"])


def test_a_history_the_sweep_may_not_read_leaves_auto_intent_alone(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, cloudtrail: EventHistory
) -> None:
    """AccessDenied (no cloudtrail:LookupEvents), as AWS would answer: asked once, warned."""
    from tests.aws_behaviour import _error

    configure(monkeypatch, VPCR_SWEEP_APPLIES_AUTO_INTENT="true")
    ids = three_makers(aws, cloudtrail)
    client = clients_for(REGION).cloudtrail
    # botocore's stubs type event handlers as returning None; a before-call handler returns
    # the response that stands in for the call (botocore's documented contract).
    client.meta.events.unregister(
        "before-call.cloudtrail.LookupEvents",
        cloudtrail._lookup,  # type: ignore[arg-type]
    )
    denied: list[int] = []

    def deny(**_: object) -> Any:
        denied.append(1)
        return _error("AccessDeniedException", "not authorized to perform LookupEvents")

    client.meta.events.register("before-call.cloudtrail.LookupEvents", deny)
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    assert len(denied) == 1
    assert aws.log.writes == []
    assert not aws.skypilot_says_public(ids["console"])
    assert "CloudTrail history not read" in aws.logs.getvalue()
