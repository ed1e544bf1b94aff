"""Back off instead of fighting (issue 10): Security Hub's EC2.15 automated response and an AWS
Config remediation undo the remediator's changes four times each; it re-applies at most once,
then puts the resource on hold, says so once (naming the tool and how to exempt the resource
there) and writes nothing more, the sweep included."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.conftest import REGION
from tests.faults import VirtualClock
from tests.integration.conftest import Aws
from tests.integration.test_routes_kept import governing
from tests.integration.test_story import new_gateway, new_subnet, new_vpc
from vpc_remediator.cli import main as cli
from vpc_remediator.domain.policy import HOLD_TAG_KEY
from vpc_remediator.lambdas.handlers import sweep, vpc_changes
from vpc_remediator.service import remediator

KEY = "vpc-remediator:intent"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    """The service's clock: minutes pass between one undoing and the next."""
    fake = VirtualClock(now=1_800_000_000.0)
    monkeypatch.setattr(remediator, "time", fake)
    return fake


def public_subnet_fixed(aws: Aws) -> dict[str, str]:
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    aws.ec2.create_tags(Resources=[subnet], Tags=[{"Key": KEY, "Value": "public"}])
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)
    aws.notices()
    aws.log.clear()
    return {
        "vpc": vpc,
        "subnet": subnet,
        "igw": igw,
        "table": governing(aws, subnet)["RouteTableId"],
    }


def tags_of(aws: Aws, resource: str) -> dict[str, str]:
    found = aws.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [resource]}])
    return {t["Key"]: t["Value"] for t in found["Tags"]}


def undo_four_times(
    aws: Aws, clock: VirtualClock, undo: Any, event: str, ids: dict[str, str]
) -> list[list[str]]:
    writes = []
    for _ in range(4):
        clock.now += 600  # the tool runs minutes later
        undo()
        aws.log.clear()
        aws.invoke(vpc_changes, event, **ids)
        writes.append(list(aws.log.writes))
    return writes


def test_security_hub_ec2_15_turning_mapping_off_four_times(aws: Aws, clock: VirtualClock) -> None:
    ids = public_subnet_fixed(aws)

    def ec2_15() -> None:
        aws.ec2.modify_subnet_attribute(
            SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": False}
        )

    writes = undo_four_times(
        aws, clock, ec2_15, "ModifySubnetAttribute-securityhub", {"subnet": ids["subnet"]}
    )
    assert writes[0] == ["ModifySubnetAttribute"]  # made again, once
    assert writes[1] == ["CreateTags"]  # the hold
    assert writes[2:] == [[], []]  # nothing more
    assert not aws.maps_public_ip(ids["subnet"])
    hold = tags_of(aws, ids["subnet"])[HOLD_TAG_KEY]
    assert "public-IP mapping undone by Security Hub automated response" in hold
    notices = [json.loads(n["Message"]) for n in aws.notices()]
    held = [f for n in notices for f in n["findings"] if f["code"] == "held"]
    assert len(held) == 1
    assert "Security Hub automated response" in held[0]["message"]
    assert "EC2.15" in held[0]["message"]
    # The sweep honours the hold: no write, nothing new to say.
    clock.now += 3600
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    assert aws.log.writes == [] and aws.notices() == []


def test_a_config_remediation_deleting_the_route_four_times(aws: Aws, clock: VirtualClock) -> None:
    ids = public_subnet_fixed(aws)

    def no_unrestricted_route_to_igw() -> None:
        # The rule's remediation runs only on a table it finds noncompliant.
        (table,) = aws.ec2.describe_route_tables(RouteTableIds=[ids["table"]])["RouteTables"]
        if any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for r in table["Routes"]):
            aws.ec2.delete_route(RouteTableId=ids["table"], DestinationCidrBlock="0.0.0.0/0")

    writes = undo_four_times(
        aws, clock, no_unrestricted_route_to_igw, "DeleteRoute-config", {"rtb": ids["table"]}
    )
    assert writes[0] == ["CreateRoute"]
    assert writes[1] == ["CreateTags"]
    assert writes[2:] == [[], []]
    assert HOLD_TAG_KEY in tags_of(aws, ids["table"])
    notices = [json.loads(n["Message"]) for n in aws.notices()]
    (held,) = [f for n in notices for f in n["findings"] if f["code"] == "held"]
    assert "AWS Config remediation" in held["message"]
    assert "no-unrestricted-route-to-igw" in held["message"]
    clock.now += 3600
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    assert aws.log.writes == []


@pytest.mark.usefixtures("logger_as_it_was")
def test_a_person_releases_the_hold_and_the_remediator_tries_once_more(
    aws: Aws, clock: VirtualClock
) -> None:
    ids = public_subnet_fixed(aws)

    def ec2_15() -> None:
        aws.ec2.modify_subnet_attribute(
            SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": False}
        )

    undo_four_times(
        aws, clock, ec2_15, "ModifySubnetAttribute-securityhub", {"subnet": ids["subnet"]}
    )
    aws.notices()
    # Removing the tag alone releases nothing: the hold is the stack's record's.
    aws.ec2.delete_tags(Resources=[ids["subnet"]], Tags=[{"Key": HOLD_TAG_KEY}])
    clock.now += 600
    aws.log.clear()
    aws.invoke(vpc_changes, "ModifySubnetAttribute", subnet=ids["subnet"])
    assert aws.log.writes == [] and not aws.maps_public_ip(ids["subnet"])
    out = io.StringIO()
    assert cli.main(["release", ids["subnet"], "--region", REGION], out=out) == 0  # a person
    assert "released" in out.getvalue() and "record" not in out.getvalue()
    clock.now += 600
    aws.log.clear()
    aws.invoke(vpc_changes, "ModifySubnetAttribute", subnet=ids["subnet"])
    assert aws.log.writes == ["ModifySubnetAttribute"] and aws.maps_public_ip(ids["subnet"])


def test_a_gateway_a_person_detached_is_not_replaced(
    aws: Aws, clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.conftest import configure

    configure(monkeypatch, VPCR_CREATE_INTERNET_GATEWAY="true")
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    aws.ec2.create_tags(Resources=[subnet], Tags=[{"Key": KEY, "Value": "public"}])
    from vpc_remediator.lambdas.handlers import vpc_changes

    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet)
    (igw,) = aws.ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}]
    )["InternetGateways"]
    clock.now += 600
    aws.ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc)
    aws.like_aws(gone={igw["InternetGatewayId"]})  # its routes are blackholes now
    aws.log.clear()
    aws.invoke(vpc_changes, "DetachInternetGateway", vpc=vpc, igw=igw["InternetGatewayId"])
    aws.invoke(sweep, "ScheduledEvent")
    assert "CreateInternetGateway" not in aws.log.writes
    assert "AttachInternetGateway" not in aws.log.writes
