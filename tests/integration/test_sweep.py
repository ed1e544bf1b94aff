"""The scheduled sweep against moto: several VPCs in different states, one digest."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_event
from tests.integration.conftest import Aws, configure
from tests.integration.test_story import (
    new_gateway,
    new_subnet,
    new_vpc,
    replay_story,
)
from vpc_remediator.lambdas.handlers import sweep

INTENT = "vpc-remediator:intent"


def region_in_several_states(aws: Aws) -> dict[str, str]:
    """A fixed VPC, an explicitly public subnet with no route, an auto-public gap, a private VPC."""
    ids = {f"fixed_{k}": v for k, v in replay_story(aws).items()}  # also deletes the default VPC
    explicit_vpc = new_vpc(aws, "explicit")
    ids["explicit"] = new_subnet(aws, explicit_vpc)
    aws.ec2.create_tags(Resources=[ids["explicit"]], Tags=[{"Key": INTENT, "Value": "public"}])
    gateway = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=explicit_vpc)
    gap_vpc = new_vpc(aws, "gap")
    ids["gap"] = new_subnet(aws, gap_vpc)
    gateway = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=gap_vpc)
    private_vpc = new_vpc(aws, "private-only")
    ids["private"] = new_subnet(aws, private_vpc)
    ids.update(explicit_vpc=explicit_vpc, gap_vpc=gap_vpc, private_vpc=private_vpc)
    aws.notices()
    aws.log.clear()
    return ids


def test_sweep_enforces_explicit_intent_reports_the_rest_in_one_digest(aws: Aws) -> None:
    ids = region_in_several_states(aws)
    aws.invoke(sweep, "ScheduledEvent")

    assert aws.skypilot_says_public(ids["explicit"]) and aws.maps_public_ip(ids["explicit"])
    assert not aws.skypilot_says_public(ids["gap"])  # auto intent: reported, not changed
    assert not aws.skypilot_says_public(ids["private"])
    (digest,) = aws.notices()
    document = json.loads(digest["Message"])
    assert document["schema"] == "vpc-remediator/digest" and document["version"] == 2
    by_scope = {r["scope"]: r for r in document["reports"]}
    assert set(by_scope) == {
        "default VPC",
        ids["fixed_vpc"],
        ids["explicit_vpc"],
        ids["gap_vpc"],
        ids["private_vpc"],
    }
    assert by_scope[ids["explicit_vpc"]]["outcome"] == "changed"
    assert by_scope[ids["fixed_vpc"]]["compliant"] is True
    assert by_scope[ids["private_vpc"]]["compliant"] is True  # undecided: a normal state
    assert [f["code"] for f in by_scope[ids["gap_vpc"]]["findings"]] == ["auto-intent-not-enforced"]
    assert [f["code"] for f in by_scope["default VPC"]["findings"]] == ["no-default-vpc"]
    assert digest["Subject"] == (
        "[vpc-remediator] sweep of eu-south-1 (123456789012): fixed 1 VPC, 1 needs you, "
        "1 to look at"
    )
    text = next(json.loads(p["Message"])["email"] for _, n, p in aws.log.calls if n == "Publish")
    assert text.startswith(
        "Sweep of account 123456789012, eu-south-1 (remediate mode), 5 VPCs checked: "
        "fixed 1 VPC; 1 needs you; 1 to look at; 2 compliant."
    )
    compliant = next(line for line in text.splitlines() if line.startswith("Compliant: "))
    assert ids["fixed_vpc"] in compliant and ids["private_vpc"] in compliant
    # Each VPC told by Name and id, with what it needs: here, what auto intent left alone.
    gap = text.split(f'"gap" ({ids["gap_vpc"]}): to look at\n')[1].splitlines()[0]
    assert "auto intent is applied only when resources are created" in gap


def test_a_sweep_reads_the_region_with_seven_calls_whatever_the_number_of_vpcs(aws: Aws) -> None:
    # AWS answers DescribeVpcBlockPublicAccessOptions (here: the setting is off); moto does not.
    aws.like_aws(block=("off", {}))
    region_in_several_states(aws)
    for i in range(8):
        vpc = new_vpc(aws, f"extra-{i}")
        new_subnet(aws, vpc, name=f"private-{i}")
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    # Seven batched reads, then seven more to verify after the one change it made.
    assert (
        aws.log.describes
        == [
            "DescribeVpcs",
            "DescribeSubnets",
            "DescribeRouteTables",
            "DescribeNetworkInterfaces",
            "DescribeInternetGateways",
            "DescribeNatGateways",
            "DescribeVpcBlockPublicAccessOptions",
        ]
        * 2
    )
    aws.notices()
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    assert len(aws.log.describes) == 7  # nothing left to change: no verification read
    assert aws.log.writes == []


def test_the_sweep_can_be_allowed_to_apply_auto_intent(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.test_makers import cloudtrail_history

    configure(monkeypatch, VPCR_SWEEP_APPLIES_AUTO_INTENT="true")
    ids = region_in_several_states(aws)
    # CloudTrail's history says a person made the subnet in the console (tests/test_makers.py
    # has the other makers): only then does the sweep finish it.
    history = cloudtrail_history(monkeypatch)
    subnet = aws.ec2.describe_subnets(SubnetIds=[ids["gap"]])["Subnets"][0]
    history.logged(ids["gap"], load_event("CreateSubnet", vpc=subnet["VpcId"], subnet=ids["gap"]))
    aws.invoke(sweep, "ScheduledEvent")
    assert aws.skypilot_says_public(ids["gap"])
    assert not aws.skypilot_says_public(ids["private"])


def test_a_default_vpc_without_its_gateway_is_reported_quietly_not_fixed(aws: Aws) -> None:
    # moto's default VPC has no internet gateway, as an AWS default VPC whose gateway was
    # removed on purpose: SkyPilot cannot use it, and no gateway is created for it. Nobody
    # needs to act, so no digest is sent for it.
    vpc = new_vpc(aws)
    new_subnet(aws, vpc, name="db-a")
    result = aws.invoke(sweep, "ScheduledEvent")
    assert aws.notices() == []
    findings = [code for r in result["reports"] for code in r["findings"]]
    assert findings == ["no-internet-gateway"]
    assert aws.log.writes == []


def test_a_region_without_findings_is_quiet(aws: Aws) -> None:
    # Give moto's default VPC what AWS's has: a gateway and a default route on its main table.
    default = aws.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    gateway = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=default)
    main = aws.ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [default]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    aws.ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    vpc = new_vpc(aws)
    new_subnet(aws, vpc, name="private-a")
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    assert aws.notices() == []
    assert aws.log.writes == []
    assert len(aws.log.describes) == 7
