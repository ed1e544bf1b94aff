"""The AWS adapters against moto: the reader's call budget, the writer's outcomes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import ACCOUNT, REGION
from tests.integration.conftest import Aws
from vpc_remediator.aws.clients import clients_for
from vpc_remediator.aws.reader import SnapshotReader, parse_subnet
from vpc_remediator.aws.writer import ActionWriter
from vpc_remediator.domain.actions import (
    AssociateRouteTable,
    CopyRoute,
    CreateRoute,
    CreateRouteTable,
    DeleteCopiedRoute,
    Pending,
    SetMapPublicIpOnLaunch,
    UpdateCopiedRoute,
)
from vpc_remediator.domain.model import RouteState, TargetKind
from vpc_remediator.domain.outcomes import ActionStatus
from vpc_remediator.domain.triggers import (
    RegionTarget,
    RouteTableTarget,
    SubnetTarget,
    VpcEndpointTarget,
    VpcTarget,
)


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
def test_a_vpc_snapshot_costs_seven_describe_calls_whatever_its_size(
    aws: Aws, subnets: int
) -> None:
    vpc, ids, igw = build_vpc(aws, subnets)
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    region = reader.read({vpc})
    assert aws.log.describes == [
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeRouteTables",
        "DescribeNetworkInterfaces",
        "DescribeInternetGateways",
        "DescribeNatGateways",
        "DescribeVpcBlockPublicAccessOptions",
    ]
    # The region view comes with it: the default VPC is detailed too.
    default = region.default_vpc
    assert default is not None and set(region.details) == {vpc, default.id}
    snap = region.details[vpc]
    assert sorted(s.id for s in snap.subnets) == sorted(ids)
    assert snap.attached_internet_gateway is not None
    assert snap.attached_internet_gateway.id == igw
    main = snap.main_route_table
    assert main is not None and main.routes[0].target_kind is TargetKind.LOCAL


def test_a_read_of_one_vpc_lists_the_whole_regions_subnets_and_tables_in_ec2s_order(
    aws: Aws,
) -> None:
    """The launchers look at every VPC of the region (for the readiness), in the order EC2
    lists them: the same calls, unfiltered; only the gateways stay filtered to the VPC."""
    vpc, ids, _ = build_vpc(aws, 2)
    others = [build_vpc(aws, 1)[1][0] for _ in range(3)]
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    region = reader.read({vpc})
    assert len(aws.log.describes) == 7
    listed = aws.ec2.describe_subnets()["Subnets"]
    assert region.subnets is not None and region.route_tables is not None
    assert [s.id for s in region.subnets] == [s["SubnetId"] for s in listed]
    assert set(others) <= {s.id for s in region.subnets}
    assert [t.id for t in region.route_tables] == [
        t["RouteTableId"] for t in aws.ec2.describe_route_tables()["RouteTables"]
    ]
    assert {s.id for s in region.details[vpc].subnets} == set(ids)  # details stay the VPC's
    assert all(s.state == "available" for s in region.subnets)


def test_a_whole_region_read_is_the_same_seven_calls(aws: Aws) -> None:
    for _ in range(5):
        build_vpc(aws, 3)
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    region = reader.read(None)
    assert len(aws.log.describes) == 7
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
    assert reader.vpc_ids_for(SubnetTarget(subnet)) == frozenset({vpc})
    assert reader.vpc_ids_for(RouteTableTarget(main["RouteTableId"])) == frozenset({vpc})
    assert reader.vpc_ids_for(SubnetTarget("subnet-0123456789abcdef0")) == frozenset()
    assert aws.log.describes == ["DescribeSubnets", "DescribeRouteTables", "DescribeSubnets"]
    assert reader.vpc_ids_for(VpcTarget(vpc)) == frozenset({vpc})
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
    # moto accepts a second association of the subnet; AWS answers Resource.AlreadyAssociated.
    aws.like_aws()
    aws.log.clear()
    outcomes = ActionWriter(clients_for(REGION).ec2).apply(actions)
    statuses = [o.status for o in outcomes]
    assert statuses[:2] == [ActionStatus.APPLIED, ActionStatus.APPLIED]
    assert statuses[2] is ActionStatus.ALREADY_DONE and "RouteAlreadyExists" in outcomes[2].detail
    assert statuses[3] is ActionStatus.APPLIED
    assert statuses[4] is ActionStatus.ALREADY_DONE
    assert "Resource.AlreadyAssociated" in outcomes[4].detail
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


def test_copies_name_each_kind_of_target_and_destination_as_ec2_wants(aws: Aws) -> None:
    """CreateRoute takes a different parameter per target; the copies round-trip through a
    read (AWS's shapes for the targets and destinations moto cannot hold)."""
    vpc, (subnet,), _ = build_vpc(aws, 1)
    table = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    tgw = aws.ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    eni = aws.ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    core = "arn:aws:networkmanager::123456789012:core-network/core-network-0123456789abcdef0"
    wanted = {
        "10.64.0.0/10": tgw,
        "172.31.0.0/16": eni,
        "100.64.0.0/16": "lgw-0123456789abcdef0",
        "100.65.0.0/16": "cagw-0123456789abcdef0",
        "100.66.0.0/16": core,
        "pl-0123456789abcdef0": tgw,
    }
    aws.like_aws()
    copies = tuple(
        CopyRoute(route_table=table, destination=d, target=t, source_table="rtb-main", reason="r")
        for d, t in wanted.items()
    )
    # The VPC's own local route, pointed at an appliance and back.
    there = UpdateCopiedRoute(
        route_table=table,
        destination="10.0.0.0/16",
        target=eni,
        previous_target="local",
        source_table="rtb-main",
        reason="r",
    )
    outcomes = ActionWriter(clients_for(REGION).ec2).apply((*copies, there))
    assert {o.status for o in outcomes} == {ActionStatus.APPLIED}, [o.detail for o in outcomes]
    params = {
        p.get("DestinationCidrBlock") or p.get("DestinationPrefixListId"): p
        for _, n, p in aws.log.calls
        if n == "CreateRoute"
    }
    assert params["10.64.0.0/10"]["TransitGatewayId"] == tgw
    assert params["172.31.0.0/16"]["NetworkInterfaceId"] == eni
    assert params["100.64.0.0/16"]["LocalGatewayId"].startswith("lgw-")
    assert params["100.65.0.0/16"]["CarrierGatewayId"].startswith("cagw-")
    assert params["100.66.0.0/16"]["CoreNetworkArn"] == core
    assert params["pl-0123456789abcdef0"]["TransitGatewayId"] == tgw
    snap = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT).read({vpc}).details[vpc]
    read = next(t for t in snap.route_tables if t.id == table)
    held = {(r.destination, r.target_id) for r in read.routes}
    assert set(wanted.items()) <= held
    assert ("10.0.0.0/16", eni) in held
    back = UpdateCopiedRoute(
        route_table=table,
        destination="10.0.0.0/16",
        target="local",
        previous_target=eni,
        source_table="rtb-main",
        reason="r",
    )
    (outcome,) = ActionWriter(clients_for(REGION).ec2).apply((back,))
    assert outcome.status is ActionStatus.APPLIED
    assert aws.log.calls[-1][2]["LocalTarget"] is True
    removal = DeleteCopiedRoute(
        route_table=table,
        destination="pl-0123456789abcdef0",
        previous_target=tgw,
        source_table="rtb-main",
        reason="r",
    )
    (outcome,) = ActionWriter(clients_for(REGION).ec2).apply((removal,))
    assert outcome.status is ActionStatus.APPLIED
    assert aws.log.calls[-1][2] == {
        "RouteTableId": table,
        "DestinationPrefixListId": "pl-0123456789abcdef0",
    }


def test_a_subnet_never_moves_onto_a_table_whose_copy_failed(aws: Aws) -> None:
    vpc, (subnet,), igw = build_vpc(aws, 1)
    table = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    actions = (
        CreateRoute(route_table=table, destination="0.0.0.0/0", gateway=igw, reason="r"),
        # The peering connection does not exist: CreateRoute fails.
        CopyRoute(
            route_table=table,
            destination="10.64.0.0/10",
            target="pcx-0123456789abcdef0",
            source_table="rtb-main",
            reason="r",
        ),
        AssociateRouteTable(route_table=table, subnet_id=subnet, reason="r"),
        SetMapPublicIpOnLaunch(subnet_id=subnet, enabled=True, route_table=table, reason="r"),
    )
    outcomes = ActionWriter(clients_for(REGION).ec2).apply(actions)
    assert [o.status for o in outcomes] == [
        ActionStatus.APPLIED,
        ActionStatus.GONE,
        ActionStatus.SKIPPED,
        ActionStatus.SKIPPED,
    ]
    assert f"{table} is not ready" in outcomes[2].detail
    assert (
        aws.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )["RouteTables"]
        == []
    )
    assert not aws.maps_public_ip(subnet)


def test_a_writer_told_to_stop_defers_the_rest(aws: Aws) -> None:
    _, subnets, _ = build_vpc(aws, 3)
    calls = iter([False, False, True, True, True])
    actions = tuple(SetMapPublicIpOnLaunch(subnet_id=s, enabled=True, reason="r") for s in subnets)
    outcomes = ActionWriter(clients_for(REGION).ec2).apply(actions, stop=lambda: next(calls))
    assert [o.status for o in outcomes] == [
        ActionStatus.APPLIED,
        ActionStatus.APPLIED,
        ActionStatus.DEFERRED,
    ]
    assert aws.maps_public_ip(subnets[1]) and not aws.maps_public_ip(subnets[2])


def test_block_public_access_is_read_with_the_exclusions_that_concern_the_vpcs_read(
    aws: Aws,
) -> None:
    vpc, (subnet,), _ = build_vpc(aws, 1)
    arn = "arn:aws:ec2:eu-south-1:123456789012:"
    aws.like_aws(
        block=(
            "block-ingress",
            {
                f"{arn}subnet/{subnet}": "allow-bidirectional",
                f"{arn}vpc/vpc-0123456789abcdef0": "allow-bidirectional",  # another VPC's
            },
        )
    )
    region = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT).read({vpc})
    access = region.details[vpc].public_access
    assert (access.mode, dict(access.exclusions)) == (
        "block-ingress",
        {subnet: "allow-bidirectional"},
    )
    assert access.known and not access.blocks(vpc, subnet) and access.blocks(vpc, "subnet-other")


def test_an_endpoint_that_lacks_block_public_access_reads_as_off_and_says_so(aws: Aws) -> None:
    vpc, _, _ = build_vpc(aws, 1)
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    first, second = reader.read({vpc}), reader.read({vpc})
    assert first.public_access.mode == "off" and not first.public_access.known
    assert not second.public_access.known
    # Asked once: the endpoint said it does not know the call.
    assert aws.log.names.count("DescribeVpcBlockPublicAccessOptions") == 1


def test_gateway_endpoints_are_read_only_where_a_table_routes_to_one(aws: Aws) -> None:
    vpc, _, _ = build_vpc(aws, 1)
    reader = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT)
    aws.log.clear()
    reader.read({vpc})
    assert "DescribeVpcEndpoints" not in aws.log.names
    main = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "RouteTables"
    ][0]["RouteTableId"]
    endpoint = aws.ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="com.amazonaws.eu-south-1.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[main],
    )["VpcEndpoint"]["VpcEndpointId"]
    snap = reader.read({vpc}).details[vpc]
    assert [(e.id, e.route_table_ids) for e in snap.gateway_endpoints] == [(endpoint, (main,))]
    assert reader.vpc_ids_for(VpcEndpointTarget(endpoint)) == frozenset({vpc})
    assert reader.vpc_ids_for(VpcEndpointTarget("vpce-0123456789abcdef0")) == frozenset()


def test_owners_propagation_and_ipv6_only_subnets_are_read(aws: Aws) -> None:
    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    only6 = aws.ec2.create_subnet(
        VpcId=vpc["VpcId"], Ipv6Native=True, Ipv6CidrBlock=block.replace("/56", "/64")
    )["Subnet"]["SubnetId"]
    main = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "RouteTables"
    ][0]["RouteTableId"]
    vgw = aws.ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    behaviour = aws.like_aws(
        owners={vpc["VpcId"]: "210987654321"}, learned={vgw: ["192.168.0.0/16"]}
    )
    behaviour.propagating[main] = {vgw}
    snap = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT).read({vpc["VpcId"]})
    details = snap.details[vpc["VpcId"]]
    (subnet,) = details.subnets
    assert (subnet.id, subnet.ipv6_only, subnet.cidr) == (only6, True, "")
    assert details.vpc.owner_id == subnet.owner_id == "210987654321"
    assert details.foreign(details.vpc.owner_id)
    table = details.main_route_table
    assert table is not None and table.propagating_vgws == (vgw,)
    (learned,) = [r for r in table.routes if r.is_learned]
    assert (learned.destination, learned.target_id) == ("192.168.0.0/16", vgw)


def test_a_subnets_state_is_read_and_defaults_to_available() -> None:
    raw = {"SubnetId": "subnet-1", "VpcId": "vpc-1", "AvailabilityZone": "eu-south-1a"}
    assert parse_subnet({**raw, "State": "pending"}).state == "pending"
    assert parse_subnet(raw).state == "available"
