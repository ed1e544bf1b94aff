"""The layouts people build most, end to end on a moto server through the command line (issue
19): what `audit` reports, what `fix --yes` changes (per subnet: its table, its routes, its
mapping), the exit codes. A complete wizard VPC, the seed article's own fix and the IaC VPCs get
no write at all: every call the command line makes is counted, and none of them writes.

The region's default VPC is deleted, as the seed's team did, and declared absent by policy
(`VPCR_DEFAULT_VPC=absent-by-policy`), so that the exit code speaks of the layout alone.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.client import BaseClient
from local_aws.emulator import delete_default_vpc

from tests import layouts
from tests.e2e.conftest import Emulator

# The command line runs in this process (Emulator.run); it quietens the service's logger.
pytestmark = pytest.mark.usefixtures("logger_as_it_was")

READS = ("Describe", "List", "Get", "Lookup")


@dataclass
class Run:
    result: subprocess.CompletedProcess[str]
    calls: list[str] = field(default_factory=list)

    @property
    def writes(self) -> list[str]:
        """Every call that changes something."""
        return [c for c in self.calls if not c.startswith(READS)]

    @property
    def changes(self) -> list[str]:
        """The writes, but for the tags the remediator labels what it changed with
        (vpc-remediator:managed, a label for people)."""
        return [c for c in self.writes if c != "CreateTags"]

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.result.stdout)  # type: ignore[no-any-return]

    def report(self, vpc: str) -> dict[str, Any]:
        (region,) = self.document["regions"]
        found: dict[str, Any] = next(r for r in region["reports"] if r["scope"] == vpc)
        return found


@pytest.fixture
def cli(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`cli(*args)`: the command line, with every AWS call it makes counted by name."""
    calls: list[str] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)

    def run(*args: str) -> Run:
        calls.clear()
        result = emulator.run(*args, VPCR_DEFAULT_VPC="absent-by-policy")
        return Run(result, list(calls))

    return run


@pytest.fixture
def ec2(emulator: Emulator) -> Any:
    client = emulator.client("ec2")
    delete_default_vpc(client)
    return client


def state(ec2: Any, vpc: str) -> dict[str, Any]:
    """Per subnet: its Name, its table (explicit, else main), that table's routes, its mapping."""
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    main = next(t for t in tables if any(a.get("Main") for a in t["Associations"]))
    explicit = {a["SubnetId"]: t for t in tables for a in t["Associations"] if a.get("SubnetId")}
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    out = {}
    for s in subnets:
        table = explicit.get(s["SubnetId"], main)
        routes = sorted(
            (r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId", ""))
            + "->"
            + (r.get("GatewayId") or r.get("NatGatewayId") or "")
            for r in table["Routes"]
        )
        out[s["SubnetId"]] = {
            "table": table["RouteTableId"],
            "routes": routes,
            "mapped": s["MapPublicIpOnLaunch"],
        }
    return out


WIZARDS: dict[str, dict[str, Any]] = {
    "one zone, no NAT": {"zones": 1},
    "one zone, one NAT": {"zones": 1, "nat": "one"},
    "two zones, one NAT, S3 endpoint": {"zones": 2, "nat": "one", "s3": True},
    "two zones, no NAT, S3 endpoint": {"zones": 2, "s3": True},
    "three zones, a NAT per zone, S3 endpoint": {"zones": 3, "nat": "per-zone", "s3": True},
    "public subnets only": {"zones": 2, "private": False},
}


def test_complete_vpcs_of_every_maker_are_compliant_and_get_no_write(ec2: Any, cli: Any) -> None:
    """Side by side in one region, as an account has them: the six wizard shapes, the seed
    article's own fix, eksctl's, terraform-aws-modules' and a private VPC with endpoints and
    no gateway. One audit and one fix: every VPC compliant, and not one call that writes."""
    built = {
        f"wizard, {shape}": layouts.wizard(ec2, project=f"p{n}", **WIZARDS[shape])
        for n, shape in enumerate(sorted(WIZARDS))
    }
    built["the seed article's own fix"] = layouts.seed_fixed(ec2)
    built["eksctl"] = layouts.eksctl(ec2)
    built["terraform-aws-modules"] = layouts.terraform_module(ec2)
    built["private, endpoints, no gateway"] = layouts.private_with_endpoints(ec2)
    before = {name: state(ec2, ids["vpc"]) for name, ids in built.items()}
    audit = cli("audit", "--json")
    assert audit.result.returncode == 0, audit.result.stdout
    for name, ids in built.items():
        assert audit.report(ids["vpc"])["compliant"] is True, name
    fix = cli("fix", "--yes", "--json")
    assert (fix.result.returncode, fix.writes) == (0, []), fix.result.stdout
    assert {name: state(ec2, ids["vpc"]) for name, ids in built.items()} == before


def test_a_subnet_added_to_the_wizards_vpc_joins_its_public_table(ec2: Any, cli: Any) -> None:
    ids = layouts.wizard(ec2, zones=2, nat="one", s3=True)
    added = layouts.subnet(
        ec2,
        ids["vpc"],
        "10.0.32.0/20",
        layouts.ZONES[2],
        {"Name": "project-subnet-public3-eu-south-1c"},
    )
    before = state(ec2, ids["vpc"])
    audit = cli("audit")
    assert audit.result.returncode == 1
    assert (
        f'[would-apply] associate "project-subnet-public3-eu-south-1c" ({added}) with '
        f'"project-rtb-public" ({ids["rtb-public"]})'
    ) in audit.result.stdout
    assert audit.writes == []
    fix = cli("fix", "--yes")
    assert fix.result.returncode == 0, fix.result.stdout
    # One write: the association. No table made, no route added, the mapping left off like
    # the wizard's own public subnets.
    assert fix.changes == ["AssociateRouteTable"], fix.writes
    after = state(ec2, ids["vpc"])
    assert after[added] == {**before[ids["public1"]], "table": ids["rtb-public"]}
    assert {k: v for k, v in after.items() if k != added} == {
        k: v for k, v in before.items() if k != added
    }
    again = cli("audit", "--json")
    assert again.result.returncode == 0 and again.report(ids["vpc"])["compliant"] is True


def test_named_tiers_only_the_web_tier_is_made_public(ec2: Any, cli: Any) -> None:
    ids = layouts.named_tiers(ec2, "web-a", "app-a", "db-a")
    fix = cli("fix", "--yes")
    assert fix.result.returncode == 0, fix.result.stdout
    after = state(ec2, ids["vpc"])
    web, app, db = after[ids["web-a"]], after[ids["app-a"]], after[ids["db-a"]]
    assert web["table"] != ids["main"] and f"0.0.0.0/0->{ids['igw']}" in web["routes"]
    assert web["mapped"] is True
    for private in (app, db):
        assert private == {"table": ids["main"], "routes": private["routes"], "mapped": False}
        assert not any(r.startswith("0.0.0.0/0") for r in private["routes"])


def test_a_nat_whose_public_table_lost_its_route_is_found_and_routed_again(
    ec2: Any, cli: Any
) -> None:
    ids = layouts.wizard(ec2, zones=2, nat="one")
    ec2.delete_route(RouteTableId=ids["rtb-public"], DestinationCidrBlock="0.0.0.0/0")
    audit = cli("audit", "--json")
    assert audit.result.returncode == 1
    report = audit.report(ids["vpc"])
    assert report["compliant"] is False
    (region,) = audit.document["regions"]
    private = [e for e in region["readiness"] if e["mode"] == "private" and not e["config"]]
    assert not any(e["ready"] for e in private), [e["reason"] for e in private]
    assert any("has no way out" in e["reason"] for e in private)
    fix = cli("fix", "--yes")
    assert fix.result.returncode == 0, fix.result.stdout
    assert fix.changes == ["CreateRoute"], fix.writes
    after = state(ec2, ids["vpc"])
    assert f"0.0.0.0/0->{ids['igw']}" in after[ids["public1"]]["routes"]
    assert f"0.0.0.0/0->{ids['nat1']}" in after[ids["private1"]]["routes"]
    # The wizard's public subnets keep public IPs off; nothing behind the NAT is stranded now.
    assert not after[ids["public1"]]["mapped"] and not after[ids["public2"]]["mapped"]
    (region,) = cli("audit", "--json").document["regions"]
    assert not any("has no way out" in e["reason"] for e in region["readiness"])


def test_an_eksctl_vpc_whose_public_table_lost_its_route_is_reported_never_changed(
    ec2: Any, cli: Any
) -> None:
    ids = layouts.eksctl(ec2)
    ec2.delete_route(RouteTableId=ids["rtb-public"], DestinationCidrBlock="0.0.0.0/0")
    before = state(ec2, ids["vpc"])
    audit = cli("audit", "--json")
    assert audit.result.returncode == 1
    report = audit.report(ids["vpc"])
    codes = {f["code"] for f in report["findings"]}
    assert {"owned-by-tool", "nat-without-route"} <= codes, codes
    owned = [f for f in report["findings"] if f["code"] == "owned-by-tool"]
    assert {f["resource_id"] for f in owned} == {ids["public1"], ids["public2"]}
    assert all(layouts.STACK in f["message"] for f in owned)
    fix = cli("fix", "--yes")
    assert fix.result.returncode == 1 and fix.writes == []
    assert state(ec2, ids["vpc"]) == before


def test_private_spellings_are_read_as_private_and_only_the_public_one_moves(
    ec2: Any, cli: Any
) -> None:
    names = ("privatesubnet1", "PRIVATESUBNET", "dbsubnet1", "priv-a", "k8s-priv", "public-a")
    ids = layouts.named_tiers(ec2, *names)
    fix = cli("fix", "--yes")
    assert fix.result.returncode == 0, fix.result.stdout
    after = state(ec2, ids["vpc"])
    moved = {n for n in names if after[ids[n]]["table"] != ids["main"]}
    assert moved == {"public-a"}
    assert {n for n in names if after[ids[n]]["mapped"]} == {"public-a"}


def test_name_words_replace_only_when_asked_to_and_add_otherwise(ec2: Any, cli: Any) -> None:
    ids = layouts.named_tiers(ec2, "web-a", "db-a", "cache-a")
    # --add-private-name-words extends the defaults: db-a stays private, cache-a joins it.
    added = cli("audit", "--json", "--add-private-name-words", "cache")
    intents = {i["subnet_id"]: i["intent"] for i in added.report(ids["vpc"])["intents"]}
    assert intents[ids["db-a"]] == intents[ids["cache-a"]] == "private"
    assert intents[ids["web-a"]] == "public"
    # --private-name-words replaces them, as its help says: db-a is no longer a private word.
    replaced = cli("audit", "--json", "--private-name-words", "cache")
    intents = {i["subnet_id"]: i["intent"] for i in replaced.report(ids["vpc"])["intents"]}
    assert intents[ids["cache-a"]] == "private" and intents[ids["db-a"]] != "private"
    assert added.writes == replaced.writes == []


def test_routes_that_cover_the_default_are_public_and_need_nothing(ec2: Any, cli: Any) -> None:
    ids = layouts.named_tiers(ec2, "web-a")
    table = ec2.create_route_table(VpcId=ids["vpc"])["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=ids["web-a"])
    for half in ("0.0.0.0/1", "128.0.0.0/1"):
        ec2.create_route(RouteTableId=table, DestinationCidrBlock=half, GatewayId=ids["igw"])
    ec2.modify_subnet_attribute(SubnetId=ids["web-a"], MapPublicIpOnLaunch={"Value": True})
    audit = cli("audit", "--json")
    assert audit.result.returncode == 0, audit.result.stdout
    (region,) = audit.document["regions"]
    ray = next(e for e in region["readiness"] if e["launcher"] == "ray" and e["mode"] == "public")
    assert ray["ready"] is True and ray["subnet_ids"] == [ids["web-a"]]
    assert cli("fix", "--yes").writes == []


def test_an_egress_only_main_table_keeps_new_subnets_private(ec2: Any, cli: Any) -> None:
    ids = layouts.named_tiers(ec2, "batch-a")
    eigw = ec2.create_egress_only_internet_gateway(VpcId=ids["vpc"])["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"
    ]
    ec2.create_route(
        RouteTableId=ids["main"], DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw
    )
    audit = cli("audit", "--json")
    (intent,) = audit.report(ids["vpc"])["intents"]
    assert intent["intent"] == "private" and "egress only" in intent["reason"]
    fix = cli("fix", "--yes")
    assert fix.result.returncode == 0 and fix.writes == []
