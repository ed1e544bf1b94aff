"""Say it once (issue 10): the same finding is notified once, again only when it changes or comes
back; a digest only when something is new; a region without a default VPC by policy is quiet.
The memory is the stack's DynamoDB table (moto's)."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import Aws, configure
from tests.integration.test_story import delete_default_vpc, new_gateway, new_subnet, new_vpc
from vpc_remediator.lambdas.handlers import delete_vpc, sweep, vpc_changes


@pytest.mark.parametrize(("policy", "notices"), [("expected", 1), ("absent-by-policy", 0)])
def test_three_delete_vpc_events_and_two_sweeps_without_a_default_vpc(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, policy: str, notices: int
) -> None:
    configure(monkeypatch, VPCR_DEFAULT_VPC=policy)
    old = delete_default_vpc(aws)
    for _ in range(3):
        aws.invoke(delete_vpc, "DeleteVpc", vpc=old)
    for _ in range(2):
        aws.invoke(sweep, "ScheduledEvent")
    said = aws.notices()
    assert len(said) == notices
    if notices:
        assert "no-default-vpc" in said[0]["Subject"]


def test_the_absent_by_policy_region_is_still_told_by_the_verdict_and_the_report(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_DEFAULT_VPC="absent-by-policy")
    old = delete_default_vpc(aws)
    result = aws.invoke(delete_vpc, "DeleteVpc", vpc=old)
    (report,) = result["reports"]
    assert report["findings"] == ["default-vpc-absent-by-policy"]
    assert report["outcome"] == "compliant"
    # Every launcher that uses the default VPC says it is gone; none is told to recreate it.
    lines = report["readiness"]
    assert (
        "dstack: not ready: dstack fails with 'No default VPC in region eu-south-1'"
        in "\n".join(lines)
    )
    assert not any("restore-default-vpc" in line for line in lines)


def conflicted_vpc(aws: Aws) -> tuple[str, str, str]:
    """A subnet tagged public whose table sends 0.0.0.0/0 to a transit gateway: a conflict a
    person must look at, on every reconcile until it changes."""
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    aws.ec2.create_tags(
        Resources=[subnet], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    tgw = aws.ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    table = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    aws.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=tgw)
    aws.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return vpc, table, igw


def test_a_finding_is_said_once_and_again_when_it_comes_back(aws: Aws) -> None:
    vpc, table, igw = conflicted_vpc(aws)
    for _ in range(3):
        aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    (first,) = aws.notices()
    assert "route-conflict" in first["Subject"]
    # Resolved (the route is gone; the subnet stays explicitly public, fixed by a later event)
    route = aws.ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    target = next(r for r in route if r.get("DestinationCidrBlock") == "0.0.0.0/0")
    aws.ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
    aws.invoke(vpc_changes, "DeleteRoute", rtb=table)
    fixed = aws.notices()
    assert [json.loads(n["Message"])["outcome"] for n in fixed] == ["changed"]
    # ... and back: a person points it at the transit gateway again.
    aws.ec2.replace_route(
        RouteTableId=table,
        DestinationCidrBlock="0.0.0.0/0",
        TransitGatewayId=target["TransitGatewayId"],
    )
    for _ in range(2):
        aws.invoke(vpc_changes, "ReplaceRoute", rtb=table)
    (again,) = aws.notices()
    assert "route-conflict" in again["Subject"]


def test_a_digest_goes_out_only_when_something_is_new(aws: Aws) -> None:
    conflicted_vpc(aws)
    for _ in range(3):
        aws.invoke(sweep, "ScheduledEvent")
    (digest,) = aws.notices()
    assert "sweep" in digest["Subject"]
    assert json.loads(digest["Message"])["outcome"] == "needs-attention"


def test_audit_mode_says_what_it_would_change_once(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_MODE="audit")
    vpc = new_vpc(aws)
    new_subnet(aws, vpc)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    for _ in range(3):
        aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    (notice,) = aws.notices()
    assert json.loads(notice["Message"])["outcome"] == "would-change"
    assert aws.log.writes == []


def test_a_notice_that_could_not_be_sent_is_news_the_next_time(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpc_remediator.aws.notifier import SnsNotifier
    from vpc_remediator.service.remediator import NotificationFailed

    vpc, _, igw = conflicted_vpc(aws)
    original = SnsNotifier.publish

    def refuse(self: SnsNotifier, notice: object) -> str:
        raise RuntimeError("SNS is down")

    monkeypatch.setattr(SnsNotifier, "publish", refuse)
    with pytest.raises(NotificationFailed):
        aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    monkeypatch.setattr(SnsNotifier, "publish", original)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    (notice,) = aws.notices()
    assert "route-conflict" in notice["Subject"]
