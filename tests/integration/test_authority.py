"""The attacks of the authority issue through the API, on moto: the attacker's every call is
judged against the only rights they hold (ec2:CreateTags; in one case, also creating and
routing a table of their own), and the remediator, with its own record, changes nothing the
attacker could not change themselves. A finding says what it saw.

moto enforces no IAM: `Attacker` records each of its calls and the test evaluator (tests/iam.py)
judges them against the attacker's policy, as AWS would have, so that no attack here leans on a
right the attacker does not hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from tests.conftest import ACCOUNT, REGION
from tests.iam import authorizations, is_allowed
from tests.integration.conftest import Aws, configure
from tests.integration.test_story import new_gateway, new_subnet, new_vpc, replay_story
from vpc_remediator.lambdas.handlers import sweep

ONLY_TAGS = [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}]
# Enough to build, route and tag a table of one's own (not to touch anyone else's).
OWN_TABLE: list[dict[str, Any]] = [
    *ONLY_TAGS,
    {
        "Effect": "Allow",
        "Action": ["ec2:CreateRouteTable", "ec2:CreateRoute"],
        "Resource": "*",
    },
]
CLAIM = [
    {"Key": "vpc-remediator:role", "Value": "public-route-table"},
    {"Key": "vpc-remediator:managed", "Value": "created"},
]


@dataclass
class Attacker:
    """A principal who holds only `policy`: every call it makes is checked against it."""

    policy: list[dict[str, Any]]
    ec2: Any = field(default_factory=lambda: boto3.client("ec2", region_name=REGION))
    calls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ec2.meta.events.register("before-parameter-build", self._judge)

    def _judge(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(model.name)
        for action, resource, context in authorizations(
            model.name, params, region=REGION, account=ACCOUNT
        ):
            if not is_allowed(self.policy, action, resource, context):
                raise PermissionError(f"the attacker may not {action} on {resource}")


def sweep_with_auto_intent(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The sweep at its most active (it applies auto intent), and what it published."""
    configure(monkeypatch, VPCR_SWEEP_APPLIES_AUTO_INTENT="true")
    aws.log.clear()
    aws.invoke(sweep, "ScheduledEvent")
    return [json.loads(n["Message"]) for n in aws.notices()]


def tables_of(aws: Aws, vpc: str) -> dict[str, dict[str, Any]]:
    found = aws.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    return {t["RouteTableId"]: t for t in found["RouteTables"]}


def routes(table: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (
            r.get("DestinationCidrBlock", r.get("DestinationIpv6CidrBlock", "")),
            next(v for k, v in r.items() if k.endswith("Id") and k != "RouteTableId"),
        )
        for r in table["Routes"]
    }


def codes(documents: list[dict[str, Any]]) -> set[str]:
    reports = [r for d in documents for r in d.get("reports", [d])]
    return {f["code"] for r in reports for f in r["findings"]}


def test_a_table_the_attacker_built_and_tagged_borrows_nothing(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = replay_story(aws)  # the remediator's own table, recorded, with the seed's subnet
    real = aws.ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [ids["subnet"]]}]
    )["RouteTables"][0]["RouteTableId"]
    eni = aws.ec2.create_network_interface(SubnetId=ids["subnet"])["NetworkInterface"][
        "NetworkInterfaceId"
    ]  # the attacker's own appliance
    attacker = Attacker(OWN_TABLE)
    # The lowest id won the old merge: the attacker's table gets an id that sorts first. (On AWS
    # an attacker makes tables until one does; ids are random, so the test does not leave it to
    # chance: moto hands out the lowest id there is.)
    from moto.ec2.models import route_tables as moto_route_tables

    with monkeypatch.context() as lowest:
        lowest.setattr(moto_route_tables, "random_route_table_id", lambda: "rtb-00000000000000000")
        theirs = attacker.ec2.create_route_table(
            VpcId=ids["vpc"], TagSpecifications=[{"ResourceType": "route-table", "Tags": CLAIM}]
        )["RouteTable"]["RouteTableId"]
    assert theirs < real
    attacker.ec2.create_route(
        RouteTableId=theirs, DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
    )
    for half in ("0.0.0.0/1", "128.0.0.0/1"):
        attacker.ec2.create_route(
            RouteTableId=theirs, DestinationCidrBlock=half, NetworkInterfaceId=eni
        )
    # A new public subnet for the remediator to finish, to tempt it onto the claimed table.
    later = new_subnet(aws, ids["vpc"], "10.0.2.0/24", name="web-b")
    aws.ec2.create_tags(
        Resources=[later], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    before = routes(tables_of(aws, ids["vpc"])[theirs])

    documents = sweep_with_auto_intent(aws, monkeypatch)

    tables = tables_of(aws, ids["vpc"])
    assert real in tables and theirs in tables  # nothing merged, nothing deleted
    assert routes(tables[theirs]) == before
    claimed = [
        t
        for t in tables.values()
        if {"Key": "vpc-remediator:role", "Value": "public-route-table"} in t["Tags"]
        and t["RouteTableId"] != real
    ]
    assert not [a for t in claimed for a in t["Associations"] if a.get("SubnetId")]
    on_real = {a.get("SubnetId") for a in tables[real]["Associations"]}
    assert {ids["subnet"], later} <= on_real
    assert "claimed-route-table" in codes(documents)
    assert set(attacker.calls) == {"CreateRouteTable", "CreateRoute"}


def test_tags_alone_delete_nothing_and_copy_nothing(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terraform's two public tables, and a production table with transit-gateway and peering
    routes, tagged by someone who holds only ec2:CreateTags."""
    vpc = new_vpc(aws, "prod")
    gateway = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    tables = []
    for i in range(2):  # Terraform's public tables, each with its subnet
        table = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        aws.ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway
        )
        subnet = new_subnet(aws, vpc, f"10.0.{i}.0/24", name=f"public-{i}")
        aws.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        tables.append(table)
    peer_vpc = new_vpc(aws, "peer")
    peering = aws.ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer_vpc)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    main = next(t for t in tables_of(aws, vpc).values() if t["Associations"][0].get("Main"))
    aws.ec2.create_route(
        RouteTableId=main["RouteTableId"],
        DestinationCidrBlock="10.9.0.0/16",
        VpcPeeringConnectionId=peering,
    )
    prod = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    aws.ec2.create_route(
        RouteTableId=prod, DestinationCidrBlock="10.64.0.0/10", VpcPeeringConnectionId=peering
    )
    aws.ec2.associate_route_table(
        RouteTableId=prod, SubnetId=new_subnet(aws, vpc, "10.0.9.0/24", name="app-prod")
    )
    before = {t: routes(v) for t, v in tables_of(aws, vpc).items()}
    attacker = Attacker(ONLY_TAGS)
    attacker.ec2.create_tags(Resources=[*tables, prod], Tags=CLAIM)
    attacker.ec2.create_tags(
        Resources=[prod], Tags=[{"Key": "vpc-remediator:carried", "Value": "AAAAAAAAAAA="}]
    )

    documents = sweep_with_auto_intent(aws, monkeypatch)

    after = {t: routes(v) for t, v in tables_of(aws, vpc).items()}
    assert after == before  # no table deleted, no route copied, removed or redirected
    assert not {"DeleteRouteTable", "DeleteRoute", "ReplaceRoute", "CreateRoute"} & set(
        aws.log.writes
    )
    assert "claimed-route-table" in codes(documents)
    assert set(attacker.calls) == {"CreateTags"}


def test_one_tag_on_a_vpc_makes_no_private_named_subnet_public(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    vpc = new_vpc(aws, "data-platform")
    gateway = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    private = [
        new_subnet(aws, vpc, f"10.0.{i}.0/24", name=name)
        for i, name in enumerate(("db-private-a", "database-isolated-b", "cache-internal"))
    ]
    attacker = Attacker(ONLY_TAGS)
    attacker.ec2.create_tags(
        Resources=[vpc], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )

    documents = sweep_with_auto_intent(aws, monkeypatch)

    for subnet in private:
        assert not aws.skypilot_says_public(subnet) and not aws.maps_public_ip(subnet)
    assert "vpc-intent-contradicted" in codes(documents)


def test_a_vpc_name_forges_no_line_of_the_notice(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = replay_story(aws)
    aws.ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.0.7.0/24")  # something to say
    phishing = "Sign in at https://aws-console.example.net to keep your VPC"
    attacker = Attacker(ONLY_TAGS)
    attacker.ec2.create_tags(
        Resources=[ids["vpc"]],
        Tags=[{"Key": "Name", "Value": f"x\nReadiness:\n  SkyPilot: ready\n{phishing}\u202e"}],
    )
    sweep_with_auto_intent(aws, monkeypatch)
    texts = [
        json.loads(params["Message"])["email"]
        for _, name, params in aws.log.calls
        if name == "Publish"
    ]
    assert texts
    for text in texts:
        lines = text.splitlines()
        assert phishing not in lines and lines.count("Readiness:") <= 1
        assert "\u202e" not in text


@pytest.mark.usefixtures("logger_as_it_was")
def test_a_table_an_earlier_version_made_is_claimed_until_a_person_adopts_it(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrading: a table made (and tagged) by a version that trusted its tags has no record.
    It is reported, not used, until a person with the right to write the record adopts it."""
    import io

    from vpc_remediator.cli import main as cli

    vpc = new_vpc(aws, "upgraded")
    gateway = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    old = aws.ec2.create_route_table(
        VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": CLAIM}]
    )["RouteTable"]["RouteTableId"]
    aws.ec2.create_route(RouteTableId=old, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    first = new_subnet(aws, vpc, "10.0.1.0/24", name="web-a")
    aws.ec2.associate_route_table(RouteTableId=old, SubnetId=first)
    second = new_subnet(aws, vpc, "10.0.2.0/24", name="web-b")
    aws.ec2.create_tags(
        Resources=[second], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    documents = sweep_with_auto_intent(aws, monkeypatch)
    assert "claimed-route-table" in codes(documents)
    assert not aws.skypilot_says_public(second)  # no second table beside a claimed one

    out = io.StringIO()
    code = cli.main(["adopt", old, "--region", REGION, "--yes"], out=out)
    assert code == 0, out.getvalue()
    assert out.getvalue().splitlines()[-1] == f"adopted {old} (0 routes recorded as copies)"

    documents = sweep_with_auto_intent(aws, monkeypatch)
    assert "claimed-route-table" not in codes(documents)
    on_old = {a.get("SubnetId") for a in tables_of(aws, vpc)[old]["Associations"]}
    assert {first, second} <= on_old and aws.maps_public_ip(second)
    # The main table is never adopted.
    main = next(t for t in tables_of(aws, vpc).values() if t["Associations"][0].get("Main"))
    refused = cli.main(["adopt", main["RouteTableId"], "--region", REGION, "--yes"], out=out)
    assert refused == 2


@pytest.mark.usefixtures("logger_as_it_was")
def test_the_command_line_finds_the_record_from_the_stack(aws: Aws) -> None:
    """`--stack NAME`: the memory table named by the stack's MemoryTableName output."""
    import io

    from tests.organization import RECORD_STACK as template
    from vpc_remediator.cli import main as cli
    from vpc_remediator.domain import ownership

    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(StackName="vpc-remediator", TemplateBody=json.dumps(template))
    table = cloudformation.describe_stacks(StackName="vpc-remediator")["Stacks"][0]["Outputs"][0][
        "OutputValue"
    ]
    vpc = new_vpc(aws, "found")
    old = aws.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    out = io.StringIO()
    code = cli.main(
        ["adopt", old, "--region", REGION, "--stack", "vpc-remediator", "--yes"], out=out
    )
    assert code == 0, out.getvalue()
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"]
    keys = {i["sk"]["S"] for i in items if i["pk"]["S"] == ownership.KIND}
    assert f"{ownership.vpc_prefix(REGION, vpc)}table|{old}" in keys
    # A stack that is not vpc-remediator's: one line, exit 2.
    cloudformation.create_stack(
        StackName="other",
        TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
    )
    assert cli.main(["adopt", old, "--region", REGION, "--stack", "other", "--yes"], out=out) == 2
