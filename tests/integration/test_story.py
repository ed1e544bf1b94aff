"""The seed story and its variations, through the Lambda handlers, against moto.

Events are delivered as EventBridge would deliver them (moto emits none), in the order the
console produces them.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from local_aws.emulator import delete_default_vpc as delete_default_vpc_of

from tests.integration.conftest import Aws, configure
from tests.launch_expectations import entry
from vpc_remediator.domain.triggers import InvalidEventError
from vpc_remediator.lambdas.handlers import delete_vpc, vpc_changes
from vpc_remediator.service.remediator import RemediationIncomplete

ZONE = "eu-south-1a"


def new_vpc(aws: Aws, name: str = "skypilot-vpc") -> str:
    vpc = aws.ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}],
    )["Vpc"]["VpcId"]
    return str(vpc)


def new_subnet(
    aws: Aws, vpc: str, cidr: str = "10.0.1.0/24", name: str = "", zone: str = ZONE
) -> str:
    tags = [{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}] if name else []
    subnet = aws.ec2.create_subnet(
        VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=tags
    )["Subnet"]["SubnetId"]
    # Real AWS leaves MapPublicIpOnLaunch off in a custom VPC; moto sometimes turns it on.
    aws.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
    return str(subnet)


def new_gateway(aws: Aws) -> str:
    return str(aws.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"])


def published_texts(aws: Aws) -> list[str]:
    """The e-mail text of every notice published, as recorded on the way to SNS."""
    return [
        json.loads(params["Message"])["email"]
        for _, name, params in aws.log.calls
        if name == "Publish"
    ]


def replay_story(aws: Aws) -> dict[str, str]:
    """The seed: the default VPC was deleted earlier; then, in the console's order, a VPC, a
    subnet, a gateway created and attached, and no route."""
    delete_default_vpc(aws)
    ids: dict[str, str] = {"vpc": new_vpc(aws)}
    aws.invoke(vpc_changes, "CreateVpc", vpc=ids["vpc"])
    ids["subnet"] = new_subnet(aws, ids["vpc"])
    aws.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    ids["igw"] = new_gateway(aws)
    skipped = aws.invoke(vpc_changes, "CreateInternetGateway", igw=ids["igw"])
    assert skipped["status"] == "skipped"
    aws.ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["vpc"])
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    return ids


def test_the_seed_story_is_fixed_and_said_once(aws: Aws) -> None:
    ids = replay_story(aws)

    assert aws.skypilot_says_public(ids["subnet"])
    assert aws.maps_public_ip(ids["subnet"])
    governing = aws.ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [ids["subnet"]]}]
    )["RouteTables"]
    (table,) = governing
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": ids["igw"]}.items() <= next(
        r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"
    ).items()
    tags = {t["Key"]: t["Value"] for t in table["Tags"]}
    assert tags["vpc-remediator:role"] == "public-route-table"
    # The main table is left alone, so later subnets stay private by default.
    main = aws.ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [ids["vpc"]]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]
    assert all(r.get("DestinationCidrBlock") != "0.0.0.0/0" for r in main["Routes"])

    (notice,) = aws.notices()
    # Whose it is, for a topic many accounts publish to: subject, text, JSON, attributes.
    assert notice["Subject"] == (
        '[vpc-remediator] fixed "skypilot-vpc" in eu-south-1 (123456789012): 1 subnet public'
    )
    document = json.loads(notice["Message"])
    assert document["schema"] == "vpc-remediator/notice"
    assert document["outcome"] == "changed"
    assert document["trigger"]["event_name"] == "AttachInternetGateway"
    assert [a["type"] for a in document["actions"]] == [
        "CreateRouteTable",
        "TagResources",
        "CreateRoute",
        "AssociateRouteTable",
        "SetMapPublicIpOnLaunch",
    ]
    assert all(a["status"] == "applied" for a in document["actions"])
    assert notice["MessageAttributes"]["outcome"]["Value"] == "changed"
    assert notice["MessageAttributes"]["account"]["Value"] == "123456789012"
    assert document["account"] == "123456789012"
    assert notice["MessageAttributes"]["vpc_id"]["Value"] == ids["vpc"]
    # SkyPilot as is still finds no default VPC; with the VPC named it launches (the remediator
    # never pretends the first is fixed); Ray and SkyPilot 0.7 look at every VPC.
    sky = entry(document["readiness"], "skypilot")
    assert not sky["ready"] and "either does not exist or has no subnets" in sky["reason"]
    assert "Does a default VPC exist" in sky["reason"]  # what SkyPilot 0.8 says
    assert sky["advice"] == 'in ~/.sky/config.yaml: aws: {vpc_name: "skypilot-vpc"}'
    named = entry(document["readiness"], "skypilot", vpc_name="skypilot-vpc")
    assert (named["ready"], named["vpc_id"], named["subnet_ids"]) == (
        True,
        ids["vpc"],
        [ids["subnet"]],
    )
    assert entry(document["readiness"], "ray")["subnet_ids"] == [ids["subnet"]]
    assert entry(document["readiness"], "skypilot-0.7")["ready"] is True
    (text,) = published_texts(aws)
    assert text.startswith(
        'Fixed "skypilot-vpc" in eu-south-1 (account 123456789012): 1 subnet public; '
        "nothing for you to do.\n"
    )
    assert f'remediate mode, "skypilot-vpc" ({ids["vpc"]}) in eu-south-1 of account' in text
    assert (
        "Trigger: AttachInternetGateway by arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice"
        in text
    )
    readiness = text.split("Will it launch?\n", 1)[1]
    assert '  SkyPilot: ready with aws.vpc_name: "skypilot-vpc"; use_internal_ips: ' in readiness


def test_the_same_events_again_write_nothing_and_send_nothing(aws: Aws) -> None:
    ids = replay_story(aws)
    aws.notices()
    aws.log.clear()
    for _ in range(2):
        aws.invoke(vpc_changes, "CreateVpc", vpc=ids["vpc"])
        aws.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
        aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert aws.log.writes == []
    assert "Publish" not in aws.log.names
    assert aws.notices() == []


def test_a_subnet_created_after_the_gateway_is_fixed_on_its_create_event(aws: Aws) -> None:
    vpc = new_vpc(aws)
    aws.invoke(vpc_changes, "CreateVpc", vpc=vpc)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.notices() == []  # nothing to fix yet: no subnet
    subnet = new_subnet(aws, vpc)
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet)
    assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)
    assert len(aws.notices()) == 1


def _story_with(aws: Aws, prepare) -> dict[str, str]:
    vpc = new_vpc(aws)
    ids = {"vpc": vpc, **prepare(vpc)}
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    return ids


def test_a_private_named_subnet_is_left_alone(aws: Aws) -> None:
    ids = _story_with(aws, lambda vpc: {"subnet": new_subnet(aws, vpc, name="app-private-a")})
    assert aws.log.writes == []
    assert not aws.skypilot_says_public(ids["subnet"])
    assert aws.notices() == []


def test_a_nat_routed_subnet_is_left_alone(aws: Aws) -> None:
    def prepare(vpc: str) -> dict[str, str]:
        subnet = new_subnet(aws, vpc)
        nat_subnet = new_subnet(aws, vpc, cidr="10.0.9.0/24")
        eip = aws.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = aws.ec2.create_nat_gateway(SubnetId=nat_subnet, AllocationId=eip)["NatGateway"]
        table = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        aws.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
        )
        aws.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return {"subnet": subnet, "nat_subnet": nat_subnet}

    ids = _story_with(aws, prepare)
    assert not aws.skypilot_says_public(ids["subnet"])
    assert not aws.maps_public_ip(ids["subnet"])
    # The NAT's own subnet, on the main table, is public by auto intent and is fixed.
    assert aws.skypilot_says_public(ids["nat_subnet"])
    assert "ReplaceRoute" not in aws.log.writes


def test_ignore_is_honoured(aws: Aws) -> None:
    def prepare(vpc: str) -> dict[str, str]:
        subnet = new_subnet(aws, vpc)
        aws.ec2.create_tags(
            Resources=[subnet], Tags=[{"Key": "vpc-remediator:intent", "Value": "ignore"}]
        )
        return {"subnet": subnet}

    ids = _story_with(aws, prepare)
    assert aws.log.writes == []
    assert not aws.skypilot_says_public(ids["subnet"])
    assert aws.notices() == []


def test_main_strategy_routes_the_main_table(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, VPCR_ROUTE_STRATEGY="main")
    ids = _story_with(aws, lambda vpc: {"subnet": new_subnet(aws, vpc)})
    assert aws.log.writes == ["CreateTags", "CreateRoute", "ModifySubnetAttribute"]
    assert (
        aws.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [ids["subnet"]]}]
        )["RouteTables"]
        == []
    )
    assert aws.skypilot_says_public(ids["subnet"])


def delete_default_vpc(aws: Aws) -> str:
    return delete_default_vpc_of(aws.ec2)


def test_deleting_the_default_vpc_is_reported(aws: Aws) -> None:
    old = delete_default_vpc(aws)
    aws.invoke(delete_vpc, "DeleteVpc", vpc=old)
    assert aws.log.writes == []
    (notice,) = aws.notices()
    assert "no-default-vpc" in notice["Subject"]
    document = json.loads(notice["Message"])
    assert document["outcome"] == "needs-attention"
    assert document["trigger"]["event_name"] == "DeleteVpc"


def test_deleting_the_default_vpc_restores_it_when_allowed(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_RESTORE_DEFAULT_VPC="true")
    old = delete_default_vpc(aws)
    aws.invoke(delete_vpc, "DeleteVpc", vpc=old)
    assert aws.log.writes[:3] == [
        "CreateDefaultVpc",
        "CreateInternetGateway",
        "AttachInternetGateway",
    ]
    new = aws.ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    subnets = aws.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [new["VpcId"]]}])[
        "Subnets"
    ]
    assert subnets
    assert all(aws.skypilot_says_public(s["SubnetId"]) for s in subnets)
    (notice,) = aws.notices()
    document = json.loads(notice["Message"])
    assert document["outcome"] == "changed"
    sky = entry(document["readiness"], "skypilot")
    assert (sky["ready"], sky["vpc_id"]) == (True, new["VpcId"])
    assert sorted(sky["subnet_ids"]) == sorted(s["SubnetId"] for s in subnets)
    assert sky["reason"].startswith(f"sky launch uses the default VPC {new['VpcId']}")
    # Delivered again, the region is compliant: nothing written, nothing sent.
    aws.log.clear()
    aws.invoke(delete_vpc, "DeleteVpc", vpc=old)
    assert aws.log.writes == [] and aws.notices() == []


def test_audit_mode_changes_nothing_and_lists_what_it_would_do(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_MODE="audit")
    aws.log.clear()
    ids = replay_story(aws)
    assert aws.log.writes == []
    assert not aws.skypilot_says_public(ids["subnet"])
    assert not aws.maps_public_ip(ids["subnet"])
    (notice,) = aws.notices()
    document = json.loads(notice["Message"])
    assert document["mode"] == "audit" and document["outcome"] == "would-change"
    assert {a["status"] for a in document["actions"]} == {"would-apply"}
    assert len(document["actions"]) == 5
    assert notice["MessageAttributes"]["mode"]["Value"] == "audit"


def test_a_malformed_event_fails_before_any_aws_call(aws: Aws) -> None:
    aws.log.clear()
    with pytest.raises(InvalidEventError, match="must be a subnet- id"):
        aws.invoke(vpc_changes, "ModifySubnetAttribute", subnet="sg-0123456789abcdef0")
    assert aws.log.calls == []


def test_events_for_things_already_gone_are_quiet(aws: Aws) -> None:
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    aws.ec2.delete_subnet(SubnetId=subnet)
    aws.ec2.delete_vpc(VpcId=vpc)
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet)
    aws.invoke(vpc_changes, "ModifySubnetAttribute", subnet=subnet)
    assert aws.log.writes == [] and aws.notices() == []


def test_failure_to_converge_notifies_then_fails_the_invocation(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpc_remediator.aws.writer import ActionWriter

    def refuse(self, action):
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "CreateRouteTable"
        )

    monkeypatch.setattr(ActionWriter, "_create_route_table", refuse)
    with pytest.raises(RemediationIncomplete):
        replay_story(aws)
    (notice,) = aws.notices()
    document = json.loads(notice["Message"])
    assert document["outcome"] == "failed"
    # The tag goes first; the route, the move and the public IPs wait for the table.
    assert [(a["type"], a["status"]) for a in document["actions"]][:5] == [
        ("CreateRouteTable", "failed"),
        ("TagResources", "applied"),
        ("CreateRoute", "skipped"),
        ("AssociateRouteTable", "skipped"),
        ("SetMapPublicIpOnLaunch", "skipped"),
    ]
    subnet = document["actions"][4]["parameters"]["subnet_id"]
    assert not aws.maps_public_ip(subnet)  # no public IPs on a subnet that is not routed
    assert notice["MessageAttributes"]["severity"]["Value"] == "error"


def test_logs_carry_the_cloudtrail_event_id_as_correlation_id(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    from vpc_remediator.observability import logger

    vpc = new_vpc(aws)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        capsys.readouterr()
        aws.invoke(vpc_changes, "CreateVpc", vpc=vpc)
    finally:
        logging.getLogger(logger.name).removeHandler(handler)  # Powertools' own logger
    event_id = aws.last_event["detail"]["eventID"]
    logs = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert logs
    assert {line["correlation_id"] for line in logs} == {event_id}
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[-1]["Reconciles"] == [1.0]
    assert emf[-1]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "VpcRemediatorTests"


def test_a_persons_later_change_to_an_auto_public_subnet_is_respected(aws: Aws) -> None:
    ids = replay_story(aws)
    aws.notices()
    aws.ec2.modify_subnet_attribute(SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": False})
    aws.log.clear()
    aws.invoke(vpc_changes, "ModifySubnetAttribute", subnet=ids["subnet"])
    assert aws.log.writes == []
    assert not aws.maps_public_ip(ids["subnet"])
    assert aws.notices() == []  # reported in the logs (and the sweep's digest), not sent


def test_explicit_intent_is_enforced_after_a_disassociation(aws: Aws) -> None:
    delete_default_vpc(aws)
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    aws.ec2.create_tags(
        Resources=[subnet], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    aws.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    association = aws.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)[
        "AssociationId"
    ]
    aws.ec2.disassociate_route_table(AssociationId=association)
    assert not aws.skypilot_says_public(subnet)
    aws.invoke(vpc_changes, "DisassociateRouteTable", assoc=association)
    assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)
    (notice,) = aws.notices()
    assert json.loads(notice["Message"])["trigger"]["event_name"] == "DisassociateRouteTable"
