"""Fixed, then undone, on a moto server through the command line (issue 21): the seed story
and the console wizard's VPC with a subnet added; each VPC's tables, associations, routes,
endpoints and mappings are afterwards as they were before the fix, history says what was
undone, and the next fix leaves the undone subnets alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from local_aws.emulator import create_memory_table, delete_default_vpc

from tests import layouts
from tests.e2e.conftest import Emulator
from tests.layouts import network_of


@pytest.fixture
def ec2(emulator: Emulator) -> Any:
    client = emulator.client("ec2")
    delete_default_vpc(client)
    return client


@pytest.fixture
def run(emulator: Emulator) -> Any:
    """The command line with the stack's record (a memory table on the emulator)."""
    table = create_memory_table(emulator.client("dynamodb"))

    def cli(*args: str) -> Any:
        return emulator.run(*args, "--record-table", table, VPCR_DEFAULT_VPC="absent-by-policy")

    return cli


def history(run: Any, vpc: str) -> list[dict[str, Any]]:
    result = run("history", "--vpc-id", vpc, "--json")
    assert result.returncode == 0, result.stderr
    changes: list[dict[str, Any]] = json.loads(result.stdout)["changes"]
    return changes


def test_the_seed_story_fixed_then_undone_is_as_before(ec2: Any, run: Any) -> None:
    ids = layouts.named_tiers(ec2, "skypilot-subnet")
    before = network_of(ec2, ids["vpc"])
    assert run("fix", "--yes").returncode == 0
    assert network_of(ec2, ids["vpc"]) != before
    undone = run("undo", "--vpc-id", ids["vpc"], "--yes")
    assert undone.returncode == 0, undone.stderr
    assert network_of(ec2, ids["vpc"]) == before
    changes = history(run, ids["vpc"])
    fixed = [c for c in changes if not c["undoes"]]
    assert fixed and all(c["undone"] for c in fixed)
    assert all(c["trigger"]["by"] == "command-line" for c in changes)
    # The next fix leaves the subnet as the person put it back, and says why.
    again = run("fix", "--yes")
    assert network_of(ec2, ids["vpc"]) == before
    assert "a person put it back with `vpc-remediator undo`" in again.stdout


def test_the_wizards_vpc_with_a_subnet_added_fixed_then_undone(ec2: Any, run: Any) -> None:
    ids = layouts.wizard(ec2, zones=2, nat="one", s3=True)
    layouts.subnet(
        ec2,
        ids["vpc"],
        "10.0.32.0/20",
        layouts.ZONES[2],
        {"Name": "project-subnet-public3-eu-south-1c"},
    )
    before = network_of(ec2, ids["vpc"])
    assert run("fix", "--yes").returncode == 0
    (joined,) = history(run, ids["vpc"])
    assert joined["change"] == "subnet-moved"
    assert joined["after"]["route_table"] == ids["rtb-public"]
    undone = run("undo", joined["id"], "--yes")
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.startswith("put back: move ")
    assert network_of(ec2, ids["vpc"]) == before


def test_an_undo_at_a_terminal_shows_what_it_would_put_back_and_asks(
    ec2: Any, emulator: Emulator
) -> None:
    ids = layouts.named_tiers(ec2, "web-a")
    table = create_memory_table(emulator.client("dynamodb"))
    emulator.run("fix", "--yes", "--record-table", table)
    refused = emulator.run("undo", "--vpc-id", ids["vpc"], "--record-table", table)
    # Not a terminal, and no --yes: nothing is put back (as fix refuses).
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    assert history_of(emulator, table, ids["vpc"])


def history_of(emulator: Emulator, table: str, vpc: str) -> list[dict[str, Any]]:
    result = emulator.run("history", "--vpc-id", vpc, "--json", "--record-table", table)
    changes: list[dict[str, Any]] = json.loads(result.stdout)["changes"]
    assert not any(c["undone"] for c in changes)
    return changes


def test_a_default_vpc_it_recreated_is_left_unless_asked_then_deleted(emulator: Emulator) -> None:
    table = create_memory_table(emulator.client("dynamodb"))

    def run(*args: str) -> Any:
        return emulator.run(*args, "--record-table", table)

    ec2 = emulator.client("ec2")
    delete_default_vpc(ec2)
    assert run("fix", "--yes", "--restore-default-vpc").returncode == 0
    (default,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    vpc = default["VpcId"]
    created = [c for c in history(run, vpc) if c["change"] == "default-vpc-created"]
    assert len(created) == 1
    kept = run("undo", created[0]["id"], "--yes")
    assert kept.returncode == 1 and "--including-default-vpc" in kept.stdout
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    gone = run("undo", "--vpc-id", vpc, "--including-default-vpc", "--yes")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "put back: delete the default VPC" in gone.stdout
    assert not ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]


def test_an_undo_after_a_persons_later_change_keeps_that_change(ec2: Any, run: Any) -> None:
    ids = layouts.named_tiers(ec2, "web-a", "web-b")
    assert run("fix", "--yes").returncode == 0
    # A person turns web-b's public IPs off by hand after the fix.
    ec2.modify_subnet_attribute(SubnetId=ids["web-b"], MapPublicIpOnLaunch={"Value": False})
    undone = run("undo", "--vpc-id", ids["vpc"], "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    subnets = {
        s["SubnetId"]: s["MapPublicIpOnLaunch"]
        for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])[
            "Subnets"
        ]
    }
    assert subnets == {ids["web-a"]: False, ids["web-b"]: False}
    mapping_b = next(
        c
        for c in history(run, ids["vpc"])
        if c["change"] == "addressing-set" and c["resource"] == ids["web-b"] and not c["undoes"]
    )
    assert mapping_b["undone"] is False and mapping_b["stands"] is False  # the person's
    # Both subnets are back on the main table: the moves still stood, and were undone.
    main = ids["main"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])
    assert [t["RouteTableId"] for t in tables["RouteTables"]] == [main]


def test_a_fix_without_the_record_says_its_changes_are_in_no_journal(
    ec2: Any, emulator: Emulator
) -> None:
    layouts.named_tiers(ec2, "web-a")
    fixed = emulator.run("fix", "--yes", VPCR_DEFAULT_VPC="absent-by-policy")
    assert fixed.returncode == 0
    assert fixed.stderr.strip().endswith("history and undo cannot see them")
