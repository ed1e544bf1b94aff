"""Infrastructure-as-code building a VPC (issue 10): a Terraform first apply in the shape of
terraform-aws-modules/vpc (public, private and intra subnets; the associations made after the
subnets) and a CloudFormation stack in the shape of the AWS VPC quick start, with their
CloudTrail events delivered at once (each reconciled as it comes, the worst case) and late.

The tools' own calls go through a client that answers as AWS does (tests/aws_behaviour.py):
an AssociateRouteTable for a subnet that already has an explicit association fails with
`Resource.AlreadyAssociated`, which moto would accept. So a remediator that raced the tool
would make the tool's apply fail here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from local_aws.events import made_by

from tests.aws_behaviour import AwsBehaviour
from tests.conftest import REGION, load_event
from tests.integration.conftest import Aws
from vpc_remediator.lambdas.handlers import vpc_changes

ZONES = (f"{REGION}a", f"{REGION}b")
KEY = "vpc-remediator:intent"
STACK = {"aws:cloudformation:stack-name": "network", "aws:cloudformation:logical-id": "X"}


@dataclass
class Tool:
    """An IaC tool at work: its calls (answered as AWS would), and the events they log."""

    aws: Aws
    maker: str  # the sample event whose caller the tool's events carry
    deliver: Callable[[dict[str, Any]], None] | None  # at once; None: kept for later
    tags: dict[str, str] = field(default_factory=dict)  # what it tags everything with
    ec2: Any = None
    logged: list[dict[str, Any]] = field(default_factory=list)
    associations: int = 0

    def __post_init__(self) -> None:
        self.ec2 = boto3.client("ec2", region_name=REGION)
        AwsBehaviour(self.aws.ec2).attach(self.ec2)

    def _log(self, name: str, **ids: str) -> None:
        event = made_by(load_event(name, **ids), self.maker)
        self.logged.append(event)
        if self.deliver is not None:
            self.deliver(event)

    def _tags(self, kind: str, name: str, extra: dict[str, str] | None = None) -> list[Any]:
        tags = {"Name": name, **self.tags, **(extra or {})}
        return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]

    def vpc(self, name: str) -> str:
        vpc = self.ec2.create_vpc(
            CidrBlock="10.0.0.0/16", TagSpecifications=self._tags("vpc", name)
        )
        vpc_id = str(vpc["Vpc"]["VpcId"])
        self._log("CreateVpc", vpc=vpc_id)
        return vpc_id

    def gateway(self, vpc: str) -> str:
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self._log("CreateInternetGateway", igw=igw)
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        self._log("AttachInternetGateway", vpc=vpc, igw=igw)
        return str(igw)

    def subnet(self, vpc: str, cidr: str, zone: str, name: str, **tags: str) -> str:
        subnet = self.ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=cidr,
            AvailabilityZone=zone,
            TagSpecifications=self._tags("subnet", name, tags),
        )["Subnet"]["SubnetId"]
        # AWS leaves MapPublicIpOnLaunch off in a custom VPC (moto sometimes turns it on).
        self.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
        self._log("CreateSubnet", vpc=vpc, subnet=subnet)
        return str(subnet)

    def table(self, vpc: str, name: str, igw: str | None = None) -> str:
        rtb = self.ec2.create_route_table(
            VpcId=vpc, TagSpecifications=self._tags("route-table", name)
        )
        table = str(rtb["RouteTable"]["RouteTableId"])
        self._log("CreateRouteTable", vpc=vpc, rtb=table)
        if igw:
            self.ec2.create_route(
                RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw
            )
            self._log("CreateRoute", rtb=table)
        return table

    def associate(self, table: str, subnet: str) -> None:
        # Fails with Resource.AlreadyAssociated if the remediator moved the subnet first.
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        self.associations += 1
        self._log("AssociateRouteTable", rtb=table, subnet=subnet)

    def map_public_ip(self, subnet: str) -> None:
        self.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
        self._log("ModifySubnetAttribute", subnet=subnet)


def terraform_first_apply(
    tool: Tool, *, public_tag: dict[str, str] | None = None
) -> dict[str, Any]:
    """terraform-aws-modules/vpc: one public table with the gateway route, one private table
    per zone (no NAT gateway asked for), one intra table; subnets first, associations after;
    public subnets keep map_public_ip_on_launch = false (the module's default)."""
    vpc = tool.vpc("main")
    igw = tool.gateway(vpc)
    subnets: dict[str, list[str]] = {"public": [], "private": [], "intra": []}
    for kind, base in (("public", 100), ("private", 0), ("intra", 200)):
        for n, zone in enumerate(ZONES):
            tags = (public_tag or {}) if kind == "public" else {}
            subnets[kind].append(
                tool.subnet(vpc, f"10.0.{base + n}.0/24", zone, f"main-{kind}-{zone}", **tags)
            )
    public = tool.table(vpc, "main-public", igw)
    private = [tool.table(vpc, f"main-private-{zone}") for zone in ZONES]
    intra = tool.table(vpc, "main-intra")
    for subnet in subnets["public"]:
        tool.associate(public, subnet)
    for subnet, table in zip(subnets["private"], private, strict=True):
        tool.associate(table, subnet)
    for subnet in subnets["intra"]:
        tool.associate(intra, subnet)
    return {"vpc": vpc, "igw": igw, "subnets": subnets, "public_table": public}


def cloudformation_stack(tool: Tool) -> dict[str, Any]:
    """The AWS VPC quick start: public subnets mapping public IPs, private subnets, a public
    table with the gateway route, a private table per zone; every resource tagged by the stack."""
    vpc = tool.vpc("network VPC")
    igw = tool.gateway(vpc)
    public = [
        tool.subnet(vpc, f"10.0.{n}.0/24", zone, f"Public Subnet (AZ{n + 1})")
        for n, zone in enumerate(ZONES)
    ]
    private = [
        tool.subnet(vpc, f"10.0.{10 + n}.0/24", zone, f"Private Subnet (AZ{n + 1})")
        for n, zone in enumerate(ZONES)
    ]
    for subnet in public:
        tool.map_public_ip(subnet)
    public_table = tool.table(vpc, "Public Routes", igw)
    for subnet in public:
        tool.associate(public_table, subnet)
    for n, subnet in enumerate(private):
        tool.associate(tool.table(vpc, f"Private Routes (AZ{n + 1})"), subnet)
    return {"vpc": vpc, "subnets": {"public": public, "private": private}}


def at_once(aws: Aws) -> Callable[[dict[str, Any]], None]:
    def deliver(event: dict[str, Any]) -> None:
        aws.log.function = vpc_changes.__name__
        try:
            vpc_changes.lambda_handler(event, aws.context)
        finally:
            aws.log.function = None

    return deliver


def public_to_skypilot(aws: Aws, subnet: str) -> bool:
    return aws.skypilot_says_public(subnet) or aws.maps_public_ip(subnet)


@pytest.mark.parametrize("delivery", ["at once", "late"])
def test_a_terraform_first_apply_is_not_raced_and_nothing_it_made_is_changed(
    aws: Aws, delivery: str
) -> None:
    tool = Tool(aws, "CreateSubnet-terraform", at_once(aws) if delivery == "at once" else None)
    aws.log.clear()
    built = terraform_first_apply(tool)
    if delivery == "late":
        for event in tool.logged:
            at_once(aws)(event)
    assert tool.associations == 6  # every association Terraform made succeeded
    assert aws.log.writes == []  # auto intent is Terraform's to finish, not the remediator's
    for kind in ("private", "intra"):
        for subnet in built["subnets"][kind]:
            assert not public_to_skypilot(aws, subnet), (kind, subnet)
    for subnet in built["subnets"]["public"]:
        assert aws.skypilot_says_public(subnet) and not aws.maps_public_ip(subnet)


def test_a_terraform_apply_with_intent_in_its_code_is_finished_without_a_race(aws: Aws) -> None:
    """The public subnets tagged vpc-remediator:intent=public in the module's public_subnet_tags:
    the remediator moves no subnet while Terraform builds (its associations all succeed), then
    finishes what the intent asks on the table Terraform chose: public IPs on launch."""
    tool = Tool(aws, "CreateSubnet-terraform", at_once(aws))
    aws.log.clear()
    built = terraform_first_apply(tool, public_tag={KEY: "public"})
    assert tool.associations == 6
    assert "AssociateRouteTable" not in aws.log.writes
    assert "CreateRouteTable" not in aws.log.writes
    for subnet in built["subnets"]["public"]:
        assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)
    for kind in ("private", "intra"):
        for subnet in built["subnets"][kind]:
            assert not public_to_skypilot(aws, subnet)
    # Every write was on a resource whose intent the code stated.
    public = set(built["subnets"]["public"])
    for _, name, params in aws.log.calls:
        if name == "ModifySubnetAttribute":
            assert params["SubnetId"] in public
        if name == "CreateTags":
            assert set(params["Resources"]) <= public


@pytest.mark.parametrize("delivery", ["at once", "late"])
def test_a_cloudformation_stack_being_built_is_left_to_cloudformation(
    aws: Aws, delivery: str
) -> None:
    tool = Tool(
        aws,
        "CreateSubnet-cloudformation",
        at_once(aws) if delivery == "at once" else None,
        tags=STACK,
    )
    aws.log.clear()
    built = cloudformation_stack(tool)
    if delivery == "late":
        for event in tool.logged:
            at_once(aws)(event)
    assert tool.associations == 4
    assert aws.log.writes == []
    for subnet in built["subnets"]["private"]:
        assert not public_to_skypilot(aws, subnet)
    for subnet in built["subnets"]["public"]:
        assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)


def test_a_stack_owned_subnet_is_not_finished_by_a_persons_event_either(aws: Aws) -> None:
    """Tags say CloudFormation owns the VPC: a person attaching a gateway in the console does
    not make auto intent apply to it; the notice names the stack (once)."""
    tool = Tool(aws, "CreateSubnet-cloudformation", None, tags=STACK)
    vpc = tool.vpc("network VPC")
    subnet = tool.subnet(vpc, "10.0.1.0/24", ZONES[0], "web")
    igw = aws.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.log.clear()
    result = aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)  # a person's
    assert aws.log.writes == []
    assert not public_to_skypilot(aws, subnet)
    (report,) = result["reports"]
    assert report["findings"] == ["owned-by-tool"]
    (notice,) = aws.notices()
    assert "the CloudFormation stack network" in notice["Message"]
