"""From events/*.json to what is reconciled, what is skipped, and what is rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ACCOUNT, EVENT_IDS, EVENTS_DIR, REGION, load_event
from vpc_remediator.domain.policy import AutoScope
from vpc_remediator.domain.triggers import (
    HANDLED_EVENTS,
    InvalidEventError,
    RegionTarget,
    RouteTableTarget,
    Skip,
    SubnetTarget,
    Trigger,
    VpcEndpointTarget,
    VpcTarget,
    trigger_for,
)
from vpc_remediator.lambdas.intake import parse_api_call

EVERYTHING = frozenset(HANDLED_EVENTS)
OWN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator-VpcChangesFunctionRole"
VPC, SUBNET, RTB = EVENT_IDS["vpc"], EVENT_IDS["subnet"], EVENT_IDS["rtb"]
VPCE = EVENT_IDS["vpce"]

EXPECTED = {
    "CreateVpc": (VpcTarget(VPC), AutoScope.all()),
    "CreateDefaultVpc": (VpcTarget(VPC), AutoScope.all()),
    "CreateSubnet": (VpcTarget(VPC), AutoScope.subnets(SUBNET)),
    "DeleteVpc": (RegionTarget(vpc_id=VPC), AutoScope.none()),
    "AttachInternetGateway": (VpcTarget(VPC), AutoScope.all()),
    "DetachInternetGateway": (VpcTarget(VPC), AutoScope.none()),
    "CreateRouteTable": (VpcTarget(VPC), AutoScope.none()),
    "AssociateRouteTable": (RouteTableTarget(RTB), AutoScope.none()),
    "ReplaceRouteTableAssociation": (RouteTableTarget(RTB), AutoScope.none()),
    "DisassociateRouteTable": (RegionTarget(all_vpcs=True), AutoScope.none()),
    "CreateRoute": (RouteTableTarget(RTB), AutoScope.none()),
    "DeleteRoute": (RouteTableTarget(RTB), AutoScope.none()),
    "ReplaceRoute": (RouteTableTarget(RTB), AutoScope.none()),
    "EnableVgwRoutePropagation": (RouteTableTarget(RTB), AutoScope.none()),
    "DisableVgwRoutePropagation": (RouteTableTarget(RTB), AutoScope.none()),
    # Logged wrapped, with the API's own capitalised member names.
    "CreateVpcEndpoint": (VpcTarget(VPC), AutoScope.none()),
    "ModifyVpcEndpoint": (VpcEndpointTarget(VPCE), AutoScope.none()),
    "ModifySubnetAttribute": (SubnetTarget(SUBNET), AutoScope.none()),
}


def decide(event: dict[str, Any], **kwargs: Any) -> Trigger | Skip:
    options: dict[str, Any] = {"accepted": EVERYTHING, "own_role_arns": frozenset({OWN_ROLE})}
    options |= kwargs
    return trigger_for(parse_api_call(event), **options)


def test_every_handled_event_has_a_sample_and_an_expectation() -> None:
    assert set(EXPECTED) == set(HANDLED_EVENTS)
    for name in HANDLED_EVENTS:
        assert (EVENTS_DIR / f"{name}.json").exists(), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_maps_to_its_target_and_auto_scope(name: str) -> None:
    decision = decide(load_event(name), account=ACCOUNT, region=REGION)
    assert isinstance(decision, Trigger), decision
    assert (decision.target, decision.auto) == EXPECTED[name]
    assert decision.call.actor_arn.endswith("assumed-role/PlatformAdmin/alice")
    assert decision.call.event_time.endswith("Z")


@pytest.mark.parametrize(
    ("event", "kwargs", "reason"),
    [
        ("CreateSubnet-failed", {}, "failed with Client.UnauthorizedOperation"),
        ("CreateRoute-by-remediator", {}, "made by the remediator itself"),
        ("AssociateRouteTable-by-remediator", {}, "made by the remediator itself"),
        ("CreateInternetGateway", {}, "not an event this function handles"),
        (
            "CreateVpc",
            {"accepted": frozenset({"CreateSubnet"})},
            "not an event this function handles",
        ),
        ("CreateVpc", {"account": "999999999999"}, "this function guards 999999999999"),
        ("CreateVpc", {"region": "us-east-1"}, "this function guards us-east-1"),
    ],
)
def test_skips_say_why(event: str, kwargs: dict[str, Any], reason: str) -> None:
    decision = decide(load_event(event), **kwargs)
    assert isinstance(decision, Skip)
    assert reason in decision.reason


def test_other_event_sources_are_skipped() -> None:
    event = load_event("CreateVpc")
    event["detail"]["eventSource"] = "s3.amazonaws.com"
    assert isinstance(decide(event), Skip)


def test_wrapped_request_and_response_elements_are_read() -> None:
    event = load_event("CreateSubnet")
    detail = event["detail"]
    detail["requestParameters"] = {"CreateSubnetRequest": detail["requestParameters"]}
    detail["responseElements"] = {"CreateSubnetResponse": detail["responseElements"]}
    decision = decide(event)
    assert isinstance(decision, Trigger)
    assert decision.target == VpcTarget(VPC)
    assert decision.auto == AutoScope.subnets(SUBNET)


@pytest.mark.parametrize(
    ("name", "mutate", "message"),
    [
        ("CreateVpc", lambda d: d["responseElements"].pop("vpc"), "no vpc- id"),
        (
            "CreateVpc",
            lambda d: d["responseElements"]["vpc"].update(vpcId="subnet-0123456789abcdef0"),
            "must be a vpc- id",
        ),
        (
            "CreateSubnet",
            lambda d: d["responseElements"]["subnet"].update(subnetId=42),
            "must be a subnet- id",
        ),
        ("AttachInternetGateway", lambda d: d.update(requestParameters=None), "no vpc- id"),
        (
            "DeleteRoute",
            lambda d: d["requestParameters"].update(routeTableId="rtb-XYZ"),
            "must be a rtb- id",
        ),
        (
            "ModifySubnetAttribute",
            lambda d: d["requestParameters"].update(subnetId=["subnet-0123456789abcdef0"]),
            "must be a subnet- id",
        ),
    ],
)
def test_malformed_ids_raise_one_clear_error(name: str, mutate, message: str) -> None:
    event = load_event(name)
    mutate(event["detail"])
    with pytest.raises(InvalidEventError, match=message):
        decide(event)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("detail"),
        lambda e: e.update({"detail-type": "EC2 Instance State-change Notification"}),
        lambda e: e["detail"].pop("eventName"),
        lambda e: e["detail"].update(eventTime="yesterday"),
        lambda e: e["detail"].update(userIdentity="alice"),
        lambda e: e["detail"].update(requestParameters=["not", "a", "map"]),
        lambda e: e.update(account=None),
    ],
)
def test_malformed_events_raise_invalid_event_error(mutate) -> None:
    event = load_event("CreateVpc")
    mutate(event)
    with pytest.raises(InvalidEventError, match="not a CloudTrail API call event"):
        parse_api_call(event)


@pytest.mark.parametrize("event", [None, [], "CreateVpc", 42, {}])
def test_non_events_raise_invalid_event_error(event: object) -> None:
    with pytest.raises(InvalidEventError):
        parse_api_call(event)


def test_sample_events_hold_no_secret_but_a_fake_key_id() -> None:
    for path in EVENTS_DIR.glob("*.json"):
        text = path.read_text()
        assert "secretAccessKey" not in text
        assert json.loads(text)["detail-type"] in ("AWS API Call via CloudTrail", "Scheduled Event")


def test_the_remediators_own_roles_under_their_path_are_known_by_the_issuer() -> None:
    """template.yaml gives the functions' roles the path /vpc-remediator/: CloudTrail names the
    session's issuer with that path, as GetAtt's Arn (VPCR_OWN_ROLE_ARNS) does."""
    event = load_event("CreateRoute-by-remediator")
    identity = event["detail"]["userIdentity"]
    role = f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator/vpc-remediator-VpcChangesFunctionRole-1A"
    identity["sessionContext"]["sessionIssuer"]["arn"] = role
    identity["arn"] = (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/vpc-remediator-VpcChangesFunctionRole-1A/s"
    )
    skipped = decide(event, own_role_arns=frozenset({role}))
    assert isinstance(skipped, Skip) and "made by the remediator itself" in skipped.reason
    # The same role name without the path is someone else's.
    assert isinstance(decide(event, own_role_arns=frozenset({OWN_ROLE})), Trigger)
