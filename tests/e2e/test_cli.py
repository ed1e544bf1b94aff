"""`vpc-remediator audit|fix` end to end against a moto server on loopback: in this process
(`Emulator.run`), and once as a process (`Emulator.cli`), as a person runs it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from local_aws.emulator import delete_default_vpc

from tests.e2e.conftest import Emulator
from tests.launch_expectations import entry
from tests.organization import seed_story as seed_vpc

# Most runs are in this process (Emulator.run); the CLI quietens the service's logger.
pytestmark = pytest.mark.usefixtures("logger_as_it_was")

INTENT = "vpc-remediator:intent"


def seed_story(emulator: Emulator) -> dict[str, str]:
    """The seed's region: no default VPC; a VPC, a subnet, an attached gateway, no route."""
    ec2 = emulator.client("ec2")
    delete_default_vpc(ec2)
    return seed_vpc(ec2, name="skypilot-vpc")


def route_tables(emulator: Emulator, vpc: str) -> list[dict[str, Any]]:
    tables: list[dict[str, Any]] = emulator.client("ec2").describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}]
    )["RouteTables"]
    return tables


def test_audit_reports_what_fix_would_do_and_changes_nothing(emulator: Emulator) -> None:
    ids = seed_story(emulator)
    before = route_tables(emulator, ids["vpc"])
    result = emulator.cli("audit", "--region", "eu-south-1")  # a process, as a person runs it
    assert result.returncode == 1, result.stderr
    assert "[would-apply] create route table" in result.stdout
    assert f"[would-apply] associate {ids['subnet']} with <new public route table>" in result.stdout
    assert "no-default-vpc" not in result.stdout  # the finding's text, not its code, is shown
    assert "has no default VPC" in result.stdout
    assert (
        "    SkyPilot: not ready: sky launch fails with 'The default VPC in eu-south-1 either "
        "does not exist or has no subnets.' (SkyPilot 0.8: 'No usable subnets found. Does a "
        "default VPC exist in region eu-south-1?')" in result.stdout
    )
    assert route_tables(emulator, ids["vpc"]) == before
    assert result.stderr == ""


def test_fix_applies_auto_intent_and_audit_is_then_clean_but_for_the_default_vpc(
    emulator: Emulator,
) -> None:
    ids = seed_story(emulator)
    fixed = emulator.run("fix", "--yes")
    # The missing default VPC is a finding a person must decide on: fix reports it (exit 1).
    assert fixed.returncode == 1, fixed.stderr
    # Once made, the new table is named by its id.
    # Names beside ids; once made, the new table is named by its id too.
    assert re.search(
        rf'\[applied\] associate {ids["subnet"]} with "vpcr-public-[^"]+" \(rtb-',
        fixed.stdout,
    ), fixed.stdout
    assert "<new public route table>" not in fixed.stdout
    assert fixed.stdout.startswith("eu-south-1\n")  # the report alone: the plan went to stderr
    assert "the plan" in fixed.stderr
    subnet = emulator.client("ec2").describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is True
    again = emulator.run("audit", "--json")
    document = json.loads(again.stdout)
    (region,) = document["regions"]
    by_scope = {r["scope"]: r for r in region["reports"]}
    assert by_scope[ids["vpc"]]["compliant"] is True
    assert by_scope["default VPC"]["compliant"] is False
    sky = entry(region["readiness"], "skypilot")
    assert sky["advice"] == 'in ~/.sky/config.yaml: aws: {vpc_name: "skypilot-vpc"}'
    assert entry(region["readiness"], "skypilot", vpc_name="skypilot-vpc")["ready"] is True


def test_fix_can_restore_the_default_vpc_and_then_all_is_compliant(emulator: Emulator) -> None:
    # Only the default VPC is deleted here: moto marks the first subnet of an empty zone as
    # that zone's default subnet, and then refuses CreateDefaultVpc (AWS does not).
    ec2 = emulator.client("ec2")
    delete_default_vpc(ec2)
    fixed = emulator.run("fix", "--yes", "--restore-default-vpc")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    audit = emulator.run("audit", "--json")
    assert audit.returncode == 0
    document = json.loads(audit.stdout)
    assert document["schema"] == "vpc-remediator/run" and document["version"] == 3
    assert document["regions"][0]["account"] == "123456789012"  # whose region, next to it
    assert document["compliant"] is True
    readiness = document["regions"][0]["readiness"]
    assert all(entry(readiness, name)["ready"] for name in ("skypilot", "ray", "dstack"))


def test_explicit_only_leaves_auto_intent_gaps(emulator: Emulator) -> None:
    ids = seed_story(emulator)
    result = emulator.run("fix", "--yes", "--explicit-only", "--vpc-id", ids["vpc"])
    assert result.returncode == 1
    assert "[applied]" not in result.stdout
    assert "auto intent is applied only when" in result.stdout


def test_settings_come_from_the_environment_and_flags_override_them(emulator: Emulator) -> None:
    ids = seed_story(emulator)
    result = emulator.run("audit", "--vpc-id", ids["vpc"], VPCR_ROUTE_STRATEGY="main")
    assert f"add route 0.0.0.0/0 -> {ids['igw']} to rtb-" in result.stdout
    result = emulator.run(
        "audit", "--vpc-id", ids["vpc"], "--route-strategy", "dedicated", VPCR_ROUTE_STRATEGY="main"
    )
    assert "create route table" in result.stdout


def test_errors_are_one_line_and_exit_2(emulator: Emulator, tmp_path) -> None:
    result = emulator.run("audit", "--region", "mars-north-1")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "vpc-remediator: unknown region 'mars-north-1'\n"

    bad = emulator.run("audit", VPCR_MODE="chaos")
    assert bad.returncode == 2 and bad.stderr.startswith("vpc-remediator: VPCR_MODE='chaos'")

    missing = tmp_path / "none"
    no_credentials = emulator.run(
        "audit",
        AWS_ACCESS_KEY_ID="",
        AWS_SECRET_ACCESS_KEY="",
        AWS_SHARED_CREDENTIALS_FILE=str(missing),
        AWS_CONFIG_FILE=str(missing),
        AWS_EC2_METADATA_DISABLED="true",
    )
    assert no_credentials.returncode == 2, no_credentials.stderr
    assert "Traceback" not in no_credentials.stderr
    assert no_credentials.stderr.startswith("vpc-remediator: no AWS credentials found")


def test_several_regions_show_progress_on_stderr(emulator: Emulator) -> None:
    result = emulator.run("audit", "--region", "eu-south-1", "--region", "us-east-1", "--json")
    assert result.stderr.splitlines() == ["[1/2] eu-south-1", "[2/2] us-east-1"]
    assert [r["region"] for r in json.loads(result.stdout)["regions"]] == [
        "eu-south-1",
        "us-east-1",
    ]


def test_all_regions_asks_the_account(emulator: Emulator) -> None:
    result = emulator.run("audit", "--all-regions", "--json")
    regions = [r["region"] for r in json.loads(result.stdout)["regions"]]
    assert "eu-south-1" in regions and len(regions) > 5


def test_fix_without_a_terminal_and_without_yes_refuses_and_changes_nothing(
    emulator: Emulator,
) -> None:
    ids = seed_story(emulator)
    before = route_tables(emulator, ids["vpc"])
    result = emulator.run("fix")  # stdin is not a terminal here
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr.splitlines()) == 1
    assert "pass --yes" in result.stderr
    assert route_tables(emulator, ids["vpc"]) == before


def test_release_takes_a_resource_off_hold(emulator: Emulator) -> None:
    ids = seed_story(emulator)
    ec2 = emulator.client("ec2")
    hold = "vpc-remediator:hold"
    note = "public-IP mapping undone by Security Hub automated response"
    ec2.create_tags(Resources=[ids["subnet"]], Tags=[{"Key": hold, "Value": note}])
    released = emulator.run("release", ids["subnet"])
    assert released.returncode == 0, released.stderr
    assert released.stdout.splitlines() == [
        f'released {ids["subnet"]} (it was on hold: "{note}")',
        "  the stack's record was not named (--record-table): if it holds the resource too, "
        "the remediator still leaves it alone",
    ]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids["subnet"]]}])["Tags"]
    assert hold not in {t["Key"] for t in tags}
    again = emulator.run("release", ids["subnet"])
    assert (again.returncode, again.stdout) == (
        1,
        f"{ids['subnet']} is not on hold in eu-south-1\n",
    )
    bad = emulator.run("release", "sg-0123456789abcdef0")
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1


def test_profile_selects_an_aws_profile(emulator: Emulator, tmp_path) -> None:
    config = tmp_path / "config"
    config.write_text("[profile platform]\nregion = eu-south-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[platform]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    files = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_REGION": "",
    }
    ok = emulator.run("audit", "--profile", "platform", "--json", **files)
    assert ok.returncode in (0, 1), ok.stderr
    assert json.loads(ok.stdout)["regions"][0]["region"] == "eu-south-1"
    missing = emulator.run("audit", "--profile", "nobody", **files)
    assert missing.returncode == 2
    assert (
        missing.stderr
        == "vpc-remediator: no AWS profile 'nobody' (see `aws configure list-profiles`)\n"
    )


def test_an_id_that_does_not_exist_is_an_error_and_nothing_is_changed(
    emulator: Emulator,
) -> None:
    ids = seed_story(emulator)
    before = route_tables(emulator, ids["vpc"])
    missing = emulator.run("fix", "--yes", "--vpc-id", "vpc-0123456789abcdef0")
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr == (
        "vpc-remediator: no VPC vpc-0123456789abcdef0 in eu-south-1: nothing was changed\n"
    )
    # One of two named that does not exist: still nothing is changed, the other included.
    both = emulator.run("fix", "--yes", "--vpc-id", ids["vpc"], "--vpc-id", "vpc-0123456789abcdef0")
    assert both.returncode == 2
    assert route_tables(emulator, ids["vpc"]) == before
    malformed = emulator.run("audit", "--vpc-id", "my-vpc")
    assert (malformed.returncode, malformed.stderr) == (
        2,
        'vpc-remediator: "my-vpc" is not a VPC id\n',
    )
    gone = emulator.run("release", "subnet-0123456789abcdef0")
    assert gone.returncode == 2
    assert gone.stderr.startswith("vpc-remediator: no subnet-0123456789abcdef0 in eu-south-1")


def test_the_json_says_each_fact_once_and_booleans_are_booleans(emulator: Emulator) -> None:
    seed_story(emulator)
    document = json.loads(emulator.run("fix", "--yes", "--json").stdout)
    (region,) = document["regions"]
    # The readiness is the region's, once; the reports carry none of their own.
    assert region["readiness"] and all("readiness" not in r for r in region["reports"])
    text = json.dumps(document)
    assert text.count('"readiness"') == 1
    parameters = [a["parameters"] for r in region["reports"] for a in r["actions"]]
    mapping = [p for p in parameters if "enabled" in p]
    assert mapping and all(p["enabled"] is True for p in mapping)
    assert '"True"' not in text and '"False"' not in text


def test_a_multi_nic_subnet_is_routed_and_never_maps_public_ips(emulator: Emulator) -> None:
    """--multi-nic-subnets (MultiNicSubnets): EFA instances cannot take public IPs, and
    ParallelCluster refuses their subnet if it maps them."""
    ids = seed_story(emulator)
    fixed = emulator.run(
        "fix", "--yes", "--multi-nic-subnets", ids["subnet"], "--default-vpc", "absent-by-policy"
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    ec2 = emulator.client("ec2")
    (subnet,) = ec2.describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"]
    assert subnet["MapPublicIpOnLaunch"] is False
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [ids["subnet"]]}]
    )["RouteTables"]
    assert any(r.get("GatewayId", "").startswith("igw-") for t in tables for r in t["Routes"])
    assert "several network interfaces (listed in MultiNicSubnets)" in fixed.stdout
    bad = emulator.run("audit", "--multi-nic-subnets", "rtb-1")
    assert bad.returncode == 2 and "is not a subnet id" in bad.stderr
