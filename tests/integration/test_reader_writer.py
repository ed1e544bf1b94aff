"""The AWS adapters against moto: the reader's call budget, the writer's outcomes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import ACCOUNT, REGION
from tests.integration.conftest import Aws
from vpc_remediator.aws.clients import clients_for
from vpc_remediator.aws.reader import SnapshotReader
from vpc_remediator.aws.writer import ActionWriter
from vpc_remediator.domain.actions import (
    AssociateRouteTable,
    CreateRoute,
    CreateRouteTable,
    Pending,
    SetMapPublicIpOnLaunch,
)
from vpc_remediator.domain.model import RouteState, TargetKind
from vpc_remediator.domain.report import ActionStatus
from vpc_remediator.domain.triggers import RegionTarget, RouteTableTarget, SubnetTarget, VpcTarget


def build_vpc(aws: Aws, subnets: int) -> tuple[str, list[str], str]:
    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids = [
        aws.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}a")[
            "Subnet"
        ]["SubnetId"]
        for i in range(subnets)
    ]
    igw = aws.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return vpc, ids, igw


@pytest.mark.parametrize("subnets", [1, 40])
def test_a_vpc_snapshot_costs_six_describe_calls_whatever_its_size(aws: Aws, subnets: int) -> None:
    vpc, ids, igw = build_vpc(aws, subnets)
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    region = reader.read({vpc})
    assert aws.log.describes == [
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeRouteTables",
        "DescribeInternetGateways",
        "DescribeNatGateways",
        "DescribeVpcBlockPublicAccessOptions",
    ]
    # The region view comes with it: the default VPC is detailed too, for the verdict.
    default = region.default_vpc
    assert default is not None and set(region.details) == {vpc, default.id}
    snap = region.details[vpc]
    assert sorted(s.id for s in snap.subnets) == sorted(ids)
    assert snap.attached_internet_gateway is not None
    assert snap.attached_internet_gateway.id == igw
    main = snap.main_route_table
    assert main is not None and main.routes[0].target_kind is TargetKind.LOCAL


def test_a_whole_region_read_is_the_same_six_calls(aws: Aws) -> None:
    for _ in range(5):
        build_vpc(aws, 3)
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    region = reader.read(None)
    assert len(aws.log.describes) == 6
    assert len(region.details) == 6  # five VPCs and moto's default VPC


def test_routes_and_associations_are_read_as_aws_reports_them(aws: Aws) -> None:
    vpc, (s1, s2), igw = build_vpc(aws, 2)
    table = aws.ec2.create_route_table(
        VpcId=vpc,
        TagSpecifications=[
            {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "web"}]}
        ],
    )["RouteTable"]["RouteTableId"]
    aws.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    aws.ec2.associate_route_table(RouteTableId=table, SubnetId=s1)
    snap = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT).read({vpc}).details[vpc]
    explicit = snap.explicit_route_table(s1)
    assert explicit is not None and explicit.id == table and explicit.tags["Name"] == "web"
    default = explicit.route_to("0.0.0.0/0")
    assert default is not None
    assert (default.target_id, default.target_kind, default.state) == (
        igw,
        TargetKind.IGW,
        RouteState.ACTIVE,
    )
    assert snap.explicit_route_table(s2) is None
    assert snap.governing_route_table(s2) == snap.main_route_table


def test_targets_resolve_to_their_vpc_with_one_call(aws: Aws) -> None:
    vpc, (subnet,), _ = build_vpc(aws, 1)
    main = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "RouteTables"
    ][0]
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    assert reader.vpc_ids_for(SubnetTarget(subnet)) == {vpc}
    assert reader.vpc_ids_for(RouteTableTarget(main["RouteTableId"])) == {vpc}
    assert reader.vpc_ids_for(SubnetTarget("subnet-0123456789abcdef0")) == frozenset()
    assert aws.log.describes == ["DescribeSubnets", "DescribeRouteTables", "DescribeSubnets"]
    assert reader.vpc_ids_for(VpcTarget(vpc)) == {vpc}
    assert reader.vpc_ids_for(RegionTarget(all_vpcs=True)) is None
    assert reader.vpc_ids_for(RegionTarget()) == frozenset()


def test_the_writer_resolves_what_it_creates_and_records_races_as_outcomes(aws: Aws) -> None:
    vpc, (subnet,), igw = build_vpc(aws, 1)
    new_table = Pending("public route table")
    actions = (
        CreateRouteTable(
            vpc_id=vpc, ref=new_table, tags={"Name": "t"}, client_token="tok", reason="r"
        ),
        CreateRoute(route_table=new_table, destination="0.0.0.0/0", gateway=igw, reason="r"),
        CreateRoute(route_table=new_table, destination="0.0.0.0/0", gateway=igw, reason="again"),
        AssociateRouteTable(route_table=new_table, subnet_id=subnet, reason="r"),
        AssociateRouteTable(route_table=new_table, subnet_id=subnet, reason="again"),
        SetMapPublicIpOnLaunch(subnet_id="subnet-0123456789abcdef0", enabled=True, reason="gone"),
    )
    aws.log.clear()
    outcomes = ActionWriter(clients_for(REGION).ec2).apply(actions)
    statuses = [o.status for o in outcomes]
    assert statuses[:2] == [ActionStatus.APPLIED, ActionStatus.APPLIED]
    assert statuses[2] is ActionStatus.ALREADY_DONE and "RouteAlreadyExists" in outcomes[2].detail
    assert statuses[3] is ActionStatus.APPLIED
    # moto does not refuse a second association of the same pair; AWS answers
    # Resource.AlreadyAssociated, which the next test covers.
    assert statuses[5] is ActionStatus.GONE
    created = outcomes[0].resource_id
    assert created.startswith("rtb-")
    # One API call per action, with the created id passed on.
    assert aws.log.writes == [
        "CreateRouteTable",
        "CreateRoute",
        "CreateRoute",
        "AssociateRouteTable",
        "AssociateRouteTable",
        "ModifySubnetAttribute",
    ]
    create_params = aws.log.calls[0][2]
    assert create_params["ClientToken"] == "tok"
    assert create_params["TagSpecifications"][0]["ResourceType"] == "route-table"
    assert aws.log.calls[1][2]["RouteTableId"] == created


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("Resource.AlreadyAssociated", ActionStatus.ALREADY_DONE),
        ("RouteAlreadyExists", ActionStatus.ALREADY_DONE),
        ("InvalidRouteTableID.NotFound", ActionStatus.GONE),
        ("UnauthorizedOperation", ActionStatus.FAILED),
    ],
)
def test_error_codes_become_outcomes(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, code: str, status: ActionStatus
) -> None:
    ec2 = clients_for(REGION).ec2

    def refuse(**_: object) -> None:
        raise ClientError({"Error": {"Code": code, "Message": "m"}}, "AssociateRouteTable")

    monkeypatch.setattr(ec2, "associate_route_table", refuse)
    action = AssociateRouteTable(
        route_table="rtb-0123456789abcdef0", subnet_id="subnet-0123456789abcdef0", reason="r"
    )
    (outcome,) = ActionWriter(ec2).apply((action,))
    assert outcome.status is status
    assert code in outcome.detail


def test_actions_that_depend_on_a_failed_creation_are_skipped(aws: Aws) -> None:
    pending = Pending("public route table")
    actions = (
        CreateRouteTable(vpc_id="vpc-0123456789abcdef0", ref=pending, reason="r"),
        CreateRoute(
            route_table=pending,
            destination="0.0.0.0/0",
            gateway="igw-0123456789abcdef0",
            reason="r",
        ),
    )
    outcomes = ActionWriter(clients_for(REGION).ec2).apply(actions)
    assert [o.status for o in outcomes] == [ActionStatus.GONE, ActionStatus.SKIPPED]
