"""Routes are never lost (issue 9): a subnet moved off the main table keeps every route it had,
and the managed table follows the main table's later changes, through the handlers against
moto with AWS's behaviour put in front of it (tests/aws_behaviour.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.aws_behaviour import AwsBehaviour
from tests.integration.conftest import Aws, configure
from tests.integration.test_story import new_gateway, new_subnet, new_vpc
from vpc_remediator.lambdas.handlers import vpc_changes

S3 = "com.amazonaws.eu-south-1.s3"


def main_table(aws: Aws, vpc: str) -> str:
    return str(
        aws.ec2.describe_route_tables(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc]},
                {"Name": "association.main", "Values": ["true"]},
            ]
        )["RouteTables"][0]["RouteTableId"]
    )


def governing(aws: Aws, subnet: str) -> dict[str, Any]:
    """The subnet's route table as the handlers' client sees it (AWS's shape)."""
    from vpc_remediator.aws.clients import clients_for

    ec2 = clients_for("eu-south-1").ec2
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
    )["RouteTables"]
    if not tables:
        vpc = aws.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["VpcId"]
        tables = ec2.describe_route_tables(RouteTableIds=[main_table(aws, vpc)])["RouteTables"]
    return dict(tables[0])


def routes(table: dict[str, Any]) -> set[tuple[str, str]]:
    """(destination, target) of every route, and the VGWs the table propagates."""
    out = set()
    for r in table["Routes"]:
        destination = next(
            r[k]
            for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
            if r.get(k)
        )
        target = next(v for k, v in r.items() if k.endswith(("Id", "Arn")) and v)
        out.add((destination, target))
    out |= {("propagation", v["GatewayId"]) for v in table.get("PropagatingVgws", ())}
    return out


@pytest.fixture
def network(aws: Aws) -> dict[str, str]:
    """A VPC whose main table routes to a transit gateway, a peering connection, an appliance
    (a network interface), an Outposts local gateway, an S3 gateway endpoint (a prefix-list
    route) and learns routes from a virtual private gateway: what a platform team's VPC has
    before the console user adds a subnet, an internet gateway and no route."""
    vpc = new_vpc(aws)
    main = main_table(aws, vpc)
    subnet = new_subnet(aws, vpc)
    ec2 = aws.ec2
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    peer = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    appliance_subnet = new_subnet(aws, vpc, cidr="10.0.200.0/24", name="private-appliance")
    appliance_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=appliance_table, SubnetId=appliance_subnet)
    eni = ec2.create_network_interface(SubnetId=appliance_subnet)["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=vpc)
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=S3, VpcEndpointType="Gateway", RouteTableIds=[main]
    )["VpcEndpoint"]["VpcEndpointId"]
    behaviour = aws.like_aws(learned={vgw: ["192.168.100.0/24", "192.168.101.0/24"]})
    # Routes moto cannot hold go through the AWS behaviour (it keeps them as AWS does).
    from vpc_remediator.aws.clients import clients_for

    person = clients_for("eu-south-1").ec2  # a person's calls, seen as AWS would see them
    person.create_route(
        RouteTableId=main, DestinationCidrBlock="10.64.0.0/10", TransitGatewayId=tgw
    )
    person.create_route(
        RouteTableId=main, DestinationCidrBlock="10.9.0.0/16", VpcPeeringConnectionId=pcx
    )
    person.create_route(
        RouteTableId=main, DestinationCidrBlock="172.31.0.0/16", NetworkInterfaceId=eni
    )
    person.create_route(
        RouteTableId=main,
        DestinationCidrBlock="100.64.0.0/16",
        LocalGatewayId="lgw-0123456789abcdef0",
    )
    person.enable_vgw_route_propagation(RouteTableId=main, GatewayId=vgw)
    igw = new_gateway(aws)
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.log.clear()
    assert behaviour.propagating == {main: {vgw}}
    return {
        "vpc": vpc,
        "main": main,
        "subnet": subnet,
        "tgw": tgw,
        "pcx": pcx,
        "eni": eni,
        "vgw": vgw,
        "endpoint": endpoint,
        "igw": igw,
    }


def test_a_moved_subnet_keeps_every_route_of_the_main_table(
    aws: Aws, network: dict[str, str]
) -> None:
    before = routes(governing(aws, network["subnet"]))
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=network["vpc"], igw=network["igw"])
    table = governing(aws, network["subnet"])
    after = routes(table)
    assert table["RouteTableId"] != network["main"]  # moved to the managed table
    assert aws.skypilot_says_public(network["subnet"])
    # Every route it had, learned ones included, plus the default route to the gateway.
    assert before <= after, before - after
    assert after - before == {("0.0.0.0/0", network["igw"])}
    assert ("propagation", network["vgw"]) in after
    # The gateway endpoint's prefix-list route comes with the endpoint's association.
    endpoint = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[network["endpoint"]])
    assert table["RouteTableId"] in endpoint["VpcEndpoints"][0]["RouteTableIds"]
    # The main table is untouched.
    assert routes(governing_main(aws, network)) == before
    (notice,) = aws.notices()
    kinds = [a["type"] for a in json.loads(notice["Message"])["actions"]]
    assert kinds.count("CopyRoute") == 4  # transit gateway, peering, appliance, local gateway
    assert "EnableRoutePropagation" in kinds and "SetEndpointRouteTable" in kinds
    # Copies are made before the subnet moves: it never sits on a table without them.
    assert kinds.index("AssociateRouteTable") > max(
        i for i, k in enumerate(kinds) if k in ("CopyRoute", "SetEndpointRouteTable")
    )


def governing_main(aws: Aws, network: dict[str, str]) -> dict[str, Any]:
    from vpc_remediator.aws.clients import clients_for

    return dict(
        clients_for("eu-south-1").ec2.describe_route_tables(RouteTableIds=[network["main"]])[
            "RouteTables"
        ][0]
    )


def test_the_managed_table_follows_the_main_table_later(aws: Aws, network: dict[str, str]) -> None:
    from vpc_remediator.aws.clients import clients_for

    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=network["vpc"], igw=network["igw"])
    aws.notices()
    person = clients_for("eu-south-1").ec2
    main = network["main"]

    def managed_routes() -> set[tuple[str, str]]:
        return routes(governing(aws, network["subnet"]))

    # A route added to the main table (CreateRoute) is copied.
    person.create_route(
        RouteTableId=main, DestinationCidrBlock="10.128.0.0/9", TransitGatewayId=network["tgw"]
    )
    aws.invoke(vpc_changes, "CreateRoute", rtb=main)
    assert ("10.128.0.0/9", network["tgw"]) in managed_routes()
    # One pointed elsewhere (ReplaceRoute) is pointed there too.
    person.replace_route(
        RouteTableId=main, DestinationCidrBlock="10.9.0.0/16", TransitGatewayId=network["tgw"]
    )
    aws.invoke(vpc_changes, "ReplaceRoute", rtb=main)
    assert ("10.9.0.0/16", network["tgw"]) in managed_routes()
    assert ("10.9.0.0/16", network["pcx"]) not in managed_routes()
    # One deleted (DeleteRoute) goes from the managed table: it follows the main table.
    person.delete_route(RouteTableId=main, DestinationCidrBlock="10.128.0.0/9")
    aws.invoke(vpc_changes, "DeleteRoute", rtb=main)
    assert ("10.128.0.0/9", network["tgw"]) not in managed_routes()
    # Propagation turned off, and the endpoint taken off the main table.
    person.disable_vgw_route_propagation(RouteTableId=main, GatewayId=network["vgw"])
    aws.invoke(vpc_changes, "DisableVgwRoutePropagation", rtb=main, vgw=network["vgw"])
    assert ("propagation", network["vgw"]) not in managed_routes()
    aws.ec2.modify_vpc_endpoint(VpcEndpointId=network["endpoint"], RemoveRouteTableIds=[main])
    aws.invoke(vpc_changes, "ModifyVpcEndpoint", vpce=network["endpoint"])
    endpoint = aws.ec2.describe_vpc_endpoints(VpcEndpointIds=[network["endpoint"]])
    assert endpoint["VpcEndpoints"][0]["RouteTableIds"] == []
    # The main table and the managed table hold the same routes but the default one.
    assert managed_routes() - routes(governing_main(aws, network)) == {
        ("0.0.0.0/0", network["igw"])
    }
    # Each step was one reconcile, said once.
    assert len(aws.notices()) == 5


def test_the_sweep_catches_up_a_change_whose_event_was_lost(
    aws: Aws, network: dict[str, str]
) -> None:
    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.lambdas.handlers import sweep

    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=network["vpc"], igw=network["igw"])
    clients_for("eu-south-1").ec2.create_route(
        RouteTableId=network["main"],
        DestinationCidrBlock="10.200.0.0/16",
        TransitGatewayId=network["tgw"],
    )
    aws.invoke(sweep, "ScheduledEvent")  # no CreateRoute event was delivered
    assert ("10.200.0.0/16", network["tgw"]) in routes(governing(aws, network["subnet"]))


def test_a_copy_a_person_removes_from_the_managed_table_is_reported_not_restored(
    aws: Aws, network: dict[str, str]
) -> None:
    from vpc_remediator.aws.clients import clients_for

    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=network["vpc"], igw=network["igw"])
    aws.notices()
    managed = governing(aws, network["subnet"])["RouteTableId"]
    clients_for("eu-south-1").ec2.delete_route(
        RouteTableId=managed, DestinationCidrBlock="10.64.0.0/10"
    )
    aws.log.clear()
    aws.invoke(vpc_changes, "DeleteRoute", rtb=managed)
    assert aws.log.writes == []
    assert ("10.64.0.0/10", network["tgw"]) not in routes(governing(aws, network["subnet"]))
    (notice,) = aws.notices()
    (finding,) = json.loads(notice["Message"])["findings"]
    assert finding["code"] == "routes-not-carried" and finding["needs_person"]
    assert "removed from the managed table by hand" in finding["message"]
    # And no further subnet is moved onto a table that no longer equals the main table.
    second = new_subnet(aws, network["vpc"], cidr="10.0.2.0/24")
    aws.invoke(vpc_changes, "CreateSubnet", vpc=network["vpc"], subnet=second)
    assert governing(aws, second)["RouteTableId"] == network["main"]


def test_a_route_a_person_adds_to_the_managed_table_is_theirs_to_keep(
    aws: Aws, network: dict[str, str]
) -> None:
    from vpc_remediator.aws.clients import clients_for

    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=network["vpc"], igw=network["igw"])
    managed = governing(aws, network["subnet"])["RouteTableId"]
    clients_for("eu-south-1").ec2.create_route(
        RouteTableId=managed, DestinationCidrBlock="10.250.0.0/16", TransitGatewayId=network["tgw"]
    )
    aws.notices()
    aws.log.clear()
    aws.invoke(vpc_changes, "CreateRoute", rtb=managed)
    assert aws.log.writes == []
    assert ("10.250.0.0/16", network["tgw"]) in routes(governing(aws, network["subnet"]))
    assert aws.notices() == []


def test_a_route_that_cannot_be_copied_keeps_the_subnet_where_it_is(aws: Aws) -> None:
    vpc = new_vpc(aws)
    main = main_table(aws, vpc)
    subnet = new_subnet(aws, vpc)
    peer = aws.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    pcx = aws.ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    aws.ec2.create_route(
        RouteTableId=main, DestinationCidrBlock="10.9.0.0/16", VpcPeeringConnectionId=pcx
    )
    # The peering was deleted: AWS reports its route `blackhole`, and CreateRoute to it fails.
    aws.like_aws(gone={pcx})
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.log.writes == []
    assert governing(aws, subnet)["RouteTableId"] == main
    (notice,) = aws.notices()
    (finding,) = json.loads(notice["Message"])["findings"]
    assert finding["code"] == "routes-not-carried" and finding["needs_person"]
    assert "blackhole" in finding["message"] and "RouteStrategy=main" in finding["message"]


def test_the_main_strategy_is_the_way_out_and_loses_nothing(
    aws: Aws, network: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_ROUTE_STRATEGY="main")
    before = routes(governing(aws, network["subnet"]))
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=network["vpc"], igw=network["igw"])
    table = governing(aws, network["subnet"])
    assert table["RouteTableId"] == network["main"]
    assert routes(table) == {*before, ("0.0.0.0/0", network["igw"])}
    assert aws.skypilot_says_public(network["subnet"])


def test_a_subnet_public_over_ipv4_is_never_moved_just_for_ipv6(aws: Aws) -> None:
    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet = aws.ec2.create_subnet(
        VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=block.replace("/56", "/64")
    )["Subnet"]["SubnetId"]
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc["VpcId"])
    main = main_table(aws, vpc["VpcId"])
    aws.ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    aws.like_aws()  # AWS's IPv6 block state: the reader sees the subnet's IPv6
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc["VpcId"], igw=igw)
    assert [w for w in aws.log.writes if w != "ModifySubnetAttribute"] in ([], ["CreateTags"])
    assert governing(aws, subnet)["RouteTableId"] == main
    (notice,) = aws.notices()
    codes = [f["code"] for f in json.loads(notice["Message"])["findings"]]
    assert codes == ["ipv6-route-missing"]


def test_without_the_aws_behaviour_moto_hides_the_subnets_ipv6(aws: Aws) -> None:
    """Why the test above needs it: moto returns the block's state as a string."""
    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.aws.reader import SnapshotReader

    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet = aws.ec2.create_subnet(
        VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=block.replace("/56", "/64")
    )["Subnet"]["SubnetId"]
    reader = SnapshotReader(clients_for("eu-south-1").ec2, "eu-south-1", "123456789012")
    (seen,) = reader.read({vpc["VpcId"]}).details[vpc["VpcId"]].subnets
    assert (seen.id, seen.has_ipv6) == (subnet, False)
    AwsBehaviour(aws.ec2).attach(clients_for("eu-south-1").ec2)
    (seen,) = reader.read({vpc["VpcId"]}).details[vpc["VpcId"]].subnets
    assert seen.has_ipv6
