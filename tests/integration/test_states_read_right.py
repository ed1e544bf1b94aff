"""Every state read right (issue 9), through the handlers against moto, with AWS's behaviour put
in front of it where moto differs (tests/aws_behaviour.py names each one)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Aws, configure
from tests.integration.test_routes_kept import governing, main_table, routes
from tests.integration.test_story import delete_default_vpc, new_gateway, new_subnet, new_vpc
from vpc_remediator.lambdas.handlers import delete_vpc, sweep, vpc_changes

OTHER_ACCOUNT = "210987654321"
KEY = "vpc-remediator:intent"


def tag(aws: Aws, resource: str, value: str, key: str = KEY) -> None:
    aws.ec2.create_tags(Resources=[resource], Tags=[{"Key": key, "Value": value}])


def attach(aws: Aws, vpc: str) -> str:
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return igw


def notice_findings(aws: Aws) -> list[dict[str, Any]]:
    return [f for n in aws.notices() for f in json.loads(n["Message"])["findings"]]


def dual_stack_vpc(aws: Aws) -> tuple[str, str]:
    vpc = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    return vpc["VpcId"], vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]


# -- a default route to anything but an internet gateway --------------------------------------


def nat_routed_main(aws: Aws) -> tuple[str, str, str]:
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    nat_subnet = new_subnet(aws, vpc, cidr="10.0.9.0/24", name="nat-host")
    eip = aws.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = aws.ec2.create_nat_gateway(SubnetId=nat_subnet, AllocationId=eip)["NatGateway"][
        "NatGatewayId"
    ]
    aws.ec2.create_route(
        RouteTableId=main_table(aws, vpc), DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )
    aws.ec2.delete_nat_gateway(NatGatewayId=nat)
    return vpc, subnet, nat


def test_a_blackhole_nat_route_never_turns_private_subnets_public(aws: Aws) -> None:
    vpc, subnet, nat = nat_routed_main(aws)
    # The NAT gateway was deleted: AWS reports its route blackhole (moto: active).
    aws.like_aws(gone={nat})
    igw = attach(aws, vpc)
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.log.writes == []
    assert not aws.skypilot_says_public(subnet)
    assert routes(governing(aws, subnet)) >= {("0.0.0.0/0", nat)}  # never replaced
    assert aws.notices() == []  # private by design: nothing to say


def test_a_blackhole_nat_route_under_explicit_public_intent_is_a_conflict_not_a_repair(
    aws: Aws,
) -> None:
    vpc, subnet, nat = nat_routed_main(aws)
    tag(aws, subnet, "public")
    aws.like_aws(gone={nat})
    igw = attach(aws, vpc)
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert "ReplaceRoute" not in aws.log.writes and "CreateRoute" not in aws.log.writes
    codes = {f["code"] for f in notice_findings(aws)}
    assert "route-conflict" in codes


def test_only_a_blackhole_route_to_an_internet_gateway_is_repaired(aws: Aws) -> None:
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    old = attach(aws, vpc)
    table = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    aws.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=old)
    aws.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    aws.ec2.detach_internet_gateway(InternetGatewayId=old, VpcId=vpc)
    aws.like_aws(gone={old})
    new = attach(aws, vpc)
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=new)
    assert "ReplaceRoute" in aws.log.writes
    assert ("0.0.0.0/0", new) in routes(governing(aws, subnet))


# -- IPv6 ---------------------------------------------------------------------------------------


def test_egress_only_ipv6_is_a_design_and_never_blocks_the_ipv4_fix(aws: Aws) -> None:
    """A main table egress-only over IPv6 is an outbound-only design: an untagged subnet on it
    is left alone (issue 19); one tagged public gets IPv4 and keeps ::/0 -> eigw."""
    vpc, block = dual_stack_vpc(aws)
    subnet = aws.ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.0.1.0/24", Ipv6CidrBlock=block.replace("/56", "/64")
    )["Subnet"]["SubnetId"]
    aws.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
    aws.ec2.create_tags(
        Resources=[subnet], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    untagged = aws.ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.0.2.0/24", Ipv6CidrBlock=block.replace("00::/56", "01::/64")
    )["Subnet"]["SubnetId"]
    eigw = aws.ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"
    ]
    aws.ec2.create_route(
        RouteTableId=main_table(aws, vpc),
        DestinationIpv6CidrBlock="::/0",
        EgressOnlyInternetGatewayId=eigw,
    )
    aws.like_aws()  # AWS's IPv6 block state: the reader sees the subnet's IPv6
    igw = attach(aws, vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    held = routes(governing(aws, subnet))
    assert ("0.0.0.0/0", igw) in held and ("::/0", eigw) in held
    assert ("::/0", igw) not in held
    assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)
    assert not aws.skypilot_says_public(untagged) and not aws.maps_public_ip(untagged)
    assert not any(f["code"] == "route-conflict" for f in notice_findings(aws))


def ipv6_only_public_subnet(aws: Aws) -> tuple[str, str, str]:
    """An IPv6-only subnet (`Ipv6Native`) tagged public, in a VPC with a gateway attached."""
    vpc, block = dual_stack_vpc(aws)
    subnet = aws.ec2.create_subnet(
        VpcId=vpc, Ipv6Native=True, Ipv6CidrBlock=block.replace("00::/56", "01::/64")
    )["Subnet"]["SubnetId"]
    aws.ec2.modify_subnet_attribute(SubnetId=subnet, AssignIpv6AddressOnCreation={"Value": False})
    tag(aws, subnet, "public")
    aws.like_aws()
    return vpc, subnet, attach(aws, vpc)


def test_an_ipv6_only_public_subnet_gets_an_ipv6_route_and_address_not_ipv4(aws: Aws) -> None:
    vpc, subnet, igw = ipv6_only_public_subnet(aws)
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    held = routes(governing(aws, subnet))
    assert ("::/0", igw) in held and not any(d == "0.0.0.0/0" for d, _ in held)
    described = aws.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]
    assert described["AssignIpv6AddressOnCreation"] is True
    assert described["MapPublicIpOnLaunch"] is False
    modified = [p for _, n, p in aws.log.calls if n == "ModifySubnetAttribute"]
    assert modified == [{"SubnetId": subnet, "AssignIpv6AddressOnCreation": {"Value": True}}]


def test_the_ipv6_address_on_creation_is_a_setting(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_ASSIGN_IPV6_ON_CREATION="false")
    vpc, subnet, igw = ipv6_only_public_subnet(aws)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert ("::/0", igw) in routes(governing(aws, subnet))
    assert "ModifySubnetAttribute" not in aws.log.writes


# -- a VPC another account owns -----------------------------------------------------------------


def test_a_shared_vpc_is_read_and_reported_never_written(aws: Aws) -> None:
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    igw = attach(aws, vpc)
    # Shared with this account through RAM: AWS reports the owner's account, and refuses a
    # participant's changes to the owner's VPC, subnets and route tables.
    behaviour = aws.like_aws(owners={vpc: OTHER_ACCOUNT})
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    result = aws.invoke(sweep, "ScheduledEvent")
    assert result["status"] == "done"
    assert aws.log.writes == [] and behaviour.refused == []
    assert not aws.skypilot_says_public(subnet)
    # The emulation is real: a write there is refused, as AWS refuses a participant's.
    from botocore.exceptions import ClientError

    from vpc_remediator.aws.clients import clients_for

    with pytest.raises(ClientError, match="UnauthorizedOperation"):
        clients_for("eu-south-1").ec2.create_route(
            RouteTableId=main_table(aws, vpc), DestinationCidrBlock="0.0.0.0/0", GatewayId=igw
        )
    assert behaviour.refused == ["CreateRoute"]
    (report,) = [r for r in result["reports"] if r["scope"] == vpc]
    assert "shared-vpc" in report["findings"]
    assert report["actions"] == []


# -- the default VPC ------------------------------------------------------------------------------


def test_default_vpc_already_exists_means_already_done(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two region reconciles race: the other one recreates the default VPC between this one's
    read and its CreateDefaultVpc, which AWS then answers DefaultVpcAlreadyExists."""
    from vpc_remediator.aws.clients import clients_for

    configure(monkeypatch, VPCR_RESTORE_DEFAULT_VPC="true")
    old = delete_default_vpc(aws)

    def the_other_reconcile_wins(**_: Any) -> None:
        aws.ec2.create_default_vpc()

    clients_for("eu-south-1").ec2.meta.events.register_first(
        "before-call.ec2.CreateDefaultVpc", the_other_reconcile_wins
    )
    result = aws.invoke(delete_vpc, "DeleteVpc", vpc=old)  # no exception: not a failure
    defaults = aws.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    assert len(defaults) == 1
    (report,) = result["reports"]
    assert report["actions"][0].startswith("already-done: recreate the default VPC")
    assert report["outcome"] != "failed"


@pytest.mark.parametrize("event", ["DetachInternetGateway", "CreateSubnet", "sweep"])
def test_a_default_vpc_whose_gateway_was_removed_gets_none(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, event: str
) -> None:
    """moto's default VPC has no gateway: the state of one whose gateway was removed on
    purpose. RestoreDefaultVpc (and CreateInternetGateway) do not bring one back."""
    configure(monkeypatch, VPCR_RESTORE_DEFAULT_VPC="true", VPCR_CREATE_INTERNET_GATEWAY="true")
    default = aws.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    subnet = aws.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default]}])["Subnets"][
        0
    ]["SubnetId"]
    aws.log.clear()
    if event == "sweep":
        aws.invoke(sweep, "ScheduledEvent")
    elif event == "CreateSubnet":
        aws.invoke(vpc_changes, "CreateSubnet", vpc=default, subnet=subnet)
    else:
        aws.invoke(vpc_changes, event, vpc=default, igw="igw-0123456789abcdef0")
    assert "CreateInternetGateway" not in aws.log.writes
    assert (
        aws.ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [default]}]
        )["InternetGateways"]
        == []
    )


def test_explicit_intent_with_gateway_creation_allowed_does_create_one(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_CREATE_INTERNET_GATEWAY="true")
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    tag(aws, subnet, "public")
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet)
    assert aws.log.writes[:2] == ["CreateInternetGateway", "AttachInternetGateway"]
    assert aws.skypilot_says_public(subnet)


# -- what a person did by hand --------------------------------------------------------------------


def test_a_route_a_person_deleted_from_the_managed_table_is_not_restored_for_another_subnet(
    aws: Aws,
) -> None:
    vpc = new_vpc(aws)
    first = new_subnet(aws, vpc)
    igw = attach(aws, vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    managed = governing(aws, first)["RouteTableId"]
    aws.ec2.delete_route(RouteTableId=managed, DestinationCidrBlock="0.0.0.0/0")
    aws.notices()
    second = new_subnet(aws, vpc, cidr="10.0.2.0/24")
    aws.log.clear()
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=second)
    assert "CreateRoute" not in aws.log.writes and "AssociateRouteTable" not in aws.log.writes
    assert not aws.skypilot_says_public(first) and not aws.skypilot_says_public(second)
    assert governing(aws, second)["RouteTableId"] == main_table(aws, vpc)
    assert "managed-route-removed" in {f["code"] for f in notice_findings(aws)}


# -- VPC Block Public Access --------------------------------------------------------------------


def seed_vpc(aws: Aws) -> tuple[str, str, str]:
    delete_default_vpc(aws)
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    return vpc, subnet, attach(aws, vpc)


@pytest.mark.parametrize("mode", ["block-bidirectional", "block-ingress"])
def test_block_public_access_means_no_route_or_mapping_in_vain(aws: Aws, mode: str) -> None:
    vpc, subnet, igw = seed_vpc(aws)
    aws.like_aws(block=(mode, {}))
    aws.log.clear()
    result = aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.log.writes == []
    assert not aws.maps_public_ip(subnet)
    (report,) = result["reports"]
    assert "blocked-by-public-access" in report["findings"]
    # Every launcher's advice in public mode says a route alone would not do.
    public = [line for line in report["readiness"] if "(" not in line.split(":", 1)[0]]
    assert [line.split(":", 1)[0] for line in public] == [
        "SkyPilot",
        "SkyPilot 0.7",
        "Ray",
        "dstack",
    ]
    assert all(f"VPC Block Public Access ({mode})" in line for line in public)
    assert aws.log.names.count("DescribeVpcBlockPublicAccessExclusions") == 1


@pytest.mark.parametrize(
    ("exclusion", "fixed"), [("allow-bidirectional", True), ("allow-egress", False)]
)
def test_an_exclusion_lets_a_vpc_through_only_both_ways(
    aws: Aws, exclusion: str, fixed: bool
) -> None:
    vpc, subnet, igw = seed_vpc(aws)
    arn = f"arn:aws:ec2:eu-south-1:123456789012:vpc/{vpc}"
    aws.like_aws(block=("block-bidirectional", {arn: exclusion}))
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.skypilot_says_public(subnet) is fixed
    assert aws.maps_public_ip(subnet) is fixed


def test_an_emulator_without_block_public_access_leaves_the_readiness_as_it_was(aws: Aws) -> None:
    vpc, subnet, igw = seed_vpc(aws)  # plain moto: the call is not implemented
    result = aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.skypilot_says_public(subnet)
    (report,) = result["reports"]
    assert not any("Block Public Access" in line for line in report["readiness"])
    assert '"block_public_access":"unknown (not implemented here; read as off)"' in (
        aws.logs.getvalue()
    )


# -- names read as words --------------------------------------------------------------------------


def test_a_terraform_aws_modules_layout_mid_apply_moves_only_its_public_subnets(aws: Aws) -> None:
    """terraform-aws-modules/vpc names subnets <name>-public|private|intra|db-<zone>; caught
    before its route tables are associated, every subnet is still on the main table."""
    vpc = new_vpc(aws, name="main")
    subnets = {
        kind: new_subnet(aws, vpc, cidr=f"10.0.{i}.0/24", name=f"main-{kind}-eu-south-1a")
        for i, kind in enumerate(("public", "private", "intra", "db"), 1)
    }
    igw = attach(aws, vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.skypilot_says_public(subnets["public"]) and aws.maps_public_ip(subnets["public"])
    for kind in ("private", "intra", "db"):
        assert not aws.skypilot_says_public(subnets[kind]), kind
        assert not aws.maps_public_ip(subnets[kind]), kind


def test_a_vpc_called_public_and_private_does_not_make_its_public_subnets_private(
    aws: Aws,
) -> None:
    vpc = new_vpc(aws, name="Public and Private")
    public = new_subnet(aws, vpc, name="Public and Private - PublicSubnet1")
    igw = attach(aws, vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.skypilot_says_public(public)


def test_a_public_tag_on_a_private_name_is_noted_once_and_honoured(aws: Aws) -> None:
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc, name="db-a")
    tag(aws, subnet, "public")
    igw = attach(aws, vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.skypilot_says_public(subnet)
    (finding,) = [f for f in notice_findings(aws) if f["code"] == "name-contradicts-intent"]
    assert not finding["needs_person"] and "db-a" in finding["message"]
