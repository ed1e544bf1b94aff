"""`vpc-remediator audit|fix --organization` (issue 12) against a moto server: an organisation of
the management account and four ACTIVE members (one unreachable: AccessDenied on AssumeRole,
emulated as AWS answers it) and one SUSPENDED account, two regions.

Most runs are in this process (`cli.main`), so that every AWS call can be counted per account
and region; the refusal without a terminal runs as a process.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from local_aws.emulator import complete_default_vpc

from tests.e2e.conftest import Emulator
from tests.organization import (
    MANAGEMENT,
    RECORD_STACK,
    Organization,
    build_organization,
    calls_made,
    organizations_like_aws,
    role_trust,
    seed_story,
)
from vpc_remediator.cli import main as cli

pytestmark = pytest.mark.usefixtures("logger_as_it_was")

REGIONS = ("eu-south-1", "us-west-2")
ROLE = "OrganizationAccountAccessRole"


@dataclass
class World:
    org: Organization
    unreachable: str
    seeded: dict[str, dict[str, str]]  # account -> the seed story's ids in eu-south-1
    refused: list[str]


@pytest.fixture
def world(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "eu-south-1",
        "AWS_DEFAULT_REGION": "eu-south-1",
    }.items():
        monkeypatch.setenv(name, value)
    org = build_organization(emulator.url, members=4, suspended=1)
    unreachable = org.members[3]
    seeded = {}
    for account in [MANAGEMENT, *org.members]:
        for region in REGIONS:
            complete_default_vpc(org.ec2(account, region))
    for account in org.members[:2]:
        seeded[account] = seed_story(org.ec2(account))
    with role_trust({unreachable}, ROLE) as refused:
        yield World(org, unreachable, seeded, refused)


@dataclass
class Calls:
    """Every AWS call this process makes: (service, operation, region, access key id)."""

    made: list[tuple[str, str, str, str]]

    def count(self, operation: str) -> int:
        return sum(1 for _, op, _, _ in self.made if op == operation)

    def describes_per_pair(self) -> Counter[tuple[str, str]]:
        """The batched reads per account-region; DescribeVpcAttribute (two per VPC, for the
        launchers' DNS rules) is not one of them."""
        return Counter(
            (region, key)
            for service, op, region, key in self.made
            if service == "ec2"
            and op.startswith("Describe")
            and op not in {"DescribeRegions", "DescribeVpcAttribute"}
        )


@pytest.fixture
def calls() -> Iterator[Calls]:
    with calls_made() as made:
        yield Calls(made)


class Terminal(io.StringIO):
    """A person at a terminal: answers each question with the next answer, counting them."""

    def __init__(self, *answers: str, before_answer: Any = None) -> None:
        super().__init__("".join(f"{a}\n" for a in answers))
        self.asked = 0
        self.before_answer = before_answer

    def isatty(self) -> bool:
        return True

    # typeshed gives StringIO both TextIOBase's readline (str) and _IOBase's (bytes).
    def readline(self, size: int = -1, /) -> str:  # type: ignore[override]
        self.asked += 1
        if self.before_answer is not None:
            self.before_answer()
        return super().readline(size)


def run(*args: str, stdin: io.StringIO | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(args), out=out, stdin=stdin or Terminal())
    return code, out.getvalue()


def regions_args() -> list[str]:
    return [a for r in REGIONS for a in ("--region", r)]


def test_audit_covers_every_active_account_and_region_and_names_the_unreachable_one(
    world: World, calls: Calls
) -> None:
    code, out = run("audit", "--organization", *regions_args(), "--json")
    document = json.loads(out)

    assert code == 2  # one account could not be audited
    active = sorted([MANAGEMENT, *world.org.members])
    assert [(e["account"], e["region"]) for e in document["regions"]] == [
        (a, r) for a in active for r in REGIONS
    ]
    assert world.org.suspended[0] not in {e["account"] for e in document["regions"]}
    by_pair = {(e["account"], e["region"]): e for e in document["regions"]}
    for region in REGIONS:
        lost = by_pair[(world.unreachable, region)]
        assert lost["reports"] == [] and lost["compliant"] is False
        assert "AccessDenied" in lost["error"] and "\n" not in lost["error"]
        assert f"arn:aws:iam::{world.unreachable}:role/{ROLE}" in lost["error"]
    for account in world.seeded:
        entry = by_pair[(account, "eu-south-1")]
        assert entry["compliant"] is False and "error" not in entry
        assert all(r["account"] == account for r in entry["reports"])
        actions = [a for r in entry["reports"] for a in r["actions"]]
        assert {a["status"] for a in actions} == {"would-apply"}
    for pair, entry in by_pair.items():
        if pair[0] != world.unreachable and pair not in {(a, "eu-south-1") for a in world.seeded}:
            assert entry["compliant"] is True, pair

    # One role assumption per member account (the unreachable one's refused), none for the
    # caller's own account, whatever the number of regions; one ListAccounts.
    assert calls.count("AssumeRole") == len(world.org.members)
    assert sorted(world.refused) == [f"arn:aws:iam::{world.unreachable}:role/{ROLE}"]
    assert calls.count("ListAccounts") == 1
    # Each reachable pair is read with the same Describe calls as one region today.
    per_pair = calls.describes_per_pair()
    assert len(per_pair) == (len(active) - 1) * len(REGIONS)
    calls.made.clear()
    run("audit", "--region", "us-west-2", "--json")
    (single,) = calls.describes_per_pair().values()
    assert set(per_pair.values()) == {single}


def test_the_text_ends_with_one_line_per_account_and_region(world: World) -> None:
    code, out = run("audit", "--organization", *regions_args())
    assert code == 2
    lines = out.strip().splitlines()
    active = sorted([MANAGEMENT, *world.org.members])
    tail = lines[-len(active) * len(REGIONS) :]
    assert [line.split(":")[0] for line in tail] == [f"{a} {r}" for a in active for r in REGIONS]
    assert f"{world.unreachable} eu-south-1: error: cannot assume" in out
    seeded = next(iter(world.seeded))
    assert f"{seeded} eu-south-1: 5 change(s) to apply" in out
    assert f"{MANAGEMENT} us-west-2: compliant" in tail
    # The detail of what is not compliant comes first, headed by its account and region.
    assert f"{seeded} eu-south-1\n" in out


def test_progress_is_shown_on_a_terminal(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class TerminalErr(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = TerminalErr()
    monkeypatch.setattr("sys.stderr", err)
    run("audit", "--organization", *regions_args(), "--account", world.org.members[0])
    shown = err.getvalue()
    assert "[0/2] account-regions done, 0/1 accounts" in shown
    assert "[2/2] account-regions done, 1/1 accounts" in shown


def test_account_narrows_the_run_and_a_suspended_account_is_refused(world: World) -> None:
    member, suspended = world.org.members[0], world.org.suspended[0]
    code, out = run(
        "audit",
        "--organization",
        *regions_args(),
        "--account",
        member,
        "--account",
        suspended,
        "--json",
    )
    entries = json.loads(out)["regions"]
    assert code == 2
    assert [(e["account"], e["region"]) for e in entries] == [(member, r) for r in REGIONS] + [
        (suspended, r) for r in REGIONS
    ]
    assert all("SUSPENDED" in e["error"] for e in entries if e["account"] == suspended)
    code, _ = run("audit", "--organization", *regions_args(), "--account", member)
    assert code == 1  # the seed story: findings and actions, nothing unreadable


def test_fix_shows_the_whole_plan_asks_once_and_applies_it(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    reachable = [a for a in world.org.members if a != world.unreachable]
    narrowed = [x for a in reachable for x in ("--account", a)]
    person = Terminal("y")
    capsys.readouterr()
    code, out = run("fix", "--organization", *regions_args(), *narrowed, stdin=person)
    err = capsys.readouterr().err
    assert person.asked == 1
    # The plan and the question on the terminal (stderr); stdout is the report alone.
    plan_at = err.index("Apply these changes in 2 account-region(s)? [y] all 2 VPC plan(s)")
    for account in world.seeded:
        assert f"{account} eu-south-1: the plan" in err[:plan_at]
    assert "the plan" not in out and "Apply these" not in out
    for account, ids in world.seeded.items():
        ec2 = world.org.ec2(account)
        subnet = ec2.describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"][0]
        assert subnet["MapPublicIpOnLaunch"] is True
    assert code == 0, out
    code, _ = run("audit", "--organization", *regions_args(), *narrowed)
    assert code == 0


def test_fix_can_be_approved_vpc_by_vpc(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """[e]ach in turn: yes to the first account's VPC, no to the second's."""
    first, second = sorted(world.seeded)
    accounts = ["--account", first, "--account", second]
    person = Terminal("e", "y", "n")
    capsys.readouterr()
    code, out = run("fix", "--organization", "--region", "eu-south-1", *accounts, stdin=person)
    err = capsys.readouterr().err
    assert person.asked == 3
    asked = err.split("[N] none: ")[1]
    assert asked.index(f"{first} eu-south-1") < asked.index(f"{second} eu-south-1")
    assert f"{world.seeded[first]['vpc']}: apply its 5 change(s)? [y/N]" in asked
    for account, mapped in ((first, True), (second, False)):
        ids = world.seeded[account]
        subnet = world.org.ec2(account).describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"]
        assert subnet[0]["MapPublicIpOnLaunch"] is mapped
    assert code == 1  # the second account's VPC is left as it was
    assert "the plan" not in out and "would-change" in out.split(f"{second} eu-south-1")[1]


def test_fix_answered_no_changes_nothing(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """Declined: nothing changes. The plan says that who made the subnet could not be looked
    up (the emulator does not implement CloudTrail's LookupEvents), not "not needed"."""
    account = next(iter(world.seeded))
    capsys.readouterr()
    code, out = run(
        "fix",
        "--organization",
        "--region",
        "eu-south-1",
        "--account",
        account,
        stdin=Terminal("n"),
    )
    assert code == 1
    ids = world.seeded[account]
    subnet = world.org.ec2(account).describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is False
    err = capsys.readouterr().err
    assert "made by unknown (CloudTrail history unavailable" in err
    assert "5 change(s) to apply" in out


def test_fix_applies_nothing_it_did_not_show(world: World) -> None:
    """A subnet appears in one account while the person reads the plan: that account's new
    plan is not the one shown, so it is held back; the other account's is applied."""
    moved, steady = list(world.seeded)
    late: dict[str, str] = {}

    def someone_adds_a_subnet() -> None:
        ec2 = world.org.ec2(moved)
        late["subnet"] = ec2.create_subnet(
            VpcId=world.seeded[moved]["vpc"],
            CidrBlock="10.0.2.0/24",
            AvailabilityZone="eu-south-1b",
        )["Subnet"]["SubnetId"]

    accounts = ["--account", moved, "--account", steady]
    code, out = run(
        "fix",
        "--organization",
        "--region",
        "eu-south-1",
        *accounts,
        "--json",
        stdin=Terminal("y", before_answer=someone_adds_a_subnet),
    )
    entries = {e["account"]: e for e in json.loads(out)["regions"]}
    assert code == 1
    assert "plan changed after it was shown" in entries[moved]["held_back"]
    assert "held_back" not in entries[steady] and entries[steady]["compliant"] is True
    for subnet in (world.seeded[moved]["subnet"], late["subnet"]):
        found = world.org.ec2(moved).describe_subnets(SubnetIds=[subnet])["Subnets"][0]
        assert found["MapPublicIpOnLaunch"] is False


def test_fix_without_a_terminal_and_without_yes_refuses_and_changes_nothing(
    world: World, emulator: Emulator
) -> None:
    result = emulator.cli("fix", "--organization", "--region", "eu-south-1")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "pass --yes" in result.stderr
    for account, ids in world.seeded.items():
        subnet = world.org.ec2(account).describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"][0]
        assert subnet["MapPublicIpOnLaunch"] is False


def test_all_regions_are_each_accounts_enabled_regions(world: World, calls: Calls) -> None:
    member = world.org.members[0]
    code, out = run("audit", "--organization", "--all-regions", "--account", member, "--json")
    entries = json.loads(out)["regions"]
    assert calls.count("DescribeRegions") == 2  # the caller's and the member's
    enabled = sorted(r["RegionName"] for r in world.org.ec2(member).describe_regions()["Regions"])
    assert [e["region"] for e in entries] == enabled
    assert code == 1  # the seed story in eu-south-1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "123"], "not a 12-digit AWS account id"),
        (["--role-name", "bad role"], "not an IAM role name"),
        (["--max-parallel", "0"], "must be from 1 to 64"),
    ],
)
def test_bad_organisation_options_are_one_line_errors(
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-south-1")
    code, out = run("audit", "--organization", *args)
    assert code == 2 and out == ""
    assert message in capsys.readouterr().err


def test_account_without_organization_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("audit", "--account", "111122223333")
    assert code == 2
    assert "need --organization" in capsys.readouterr().err


def test_an_account_outside_an_organization_gets_one_line(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with organizations_like_aws():
        code, _ = run("audit", "--organization", "--region", "eu-south-1")
    err = capsys.readouterr().err
    assert code == 2
    assert "AWS refused ListAccounts: AWSOrganizationsNotInUseException" in err
    assert err.count("\n") == 1


def test_fix_across_the_organisation_is_journaled_in_each_accounts_record_and_undone_there(
    world: World,
) -> None:
    """`fix --organization --stack S` writes each account's journal in that account's own
    stack's record; `history` and `undo` with `--account` read and put back there, through
    the same role."""
    first, second = sorted(world.seeded)
    for account in (first, second):
        cloudformation = world.org.session(account).client(
            "cloudformation", endpoint_url=world.org.url
        )
        cloudformation.create_stack(
            StackName="vpc-remediator", TemplateBody=json.dumps(RECORD_STACK)
        )
    accounts = ["--account", first, "--account", second]
    code, out = run(
        "fix",
        "--organization",
        "--region",
        "eu-south-1",
        *accounts,
        "--stack",
        "vpc-remediator",
        stdin=Terminal("y"),
    )
    assert code == 0, out
    code, out = run("history", "--account", second, "--stack", "vpc-remediator", "--json")
    assert code == 0, out
    changes = json.loads(out)["changes"]
    assert {c["vpc_id"] for c in changes} == {world.seeded[second]["vpc"]}
    assert all(c["trigger"]["by"] == "command-line" for c in changes)
    assert all(f":{second}:" in c["trigger"]["who"] for c in changes)  # the role's session
    code, out = run(
        "undo",
        "--account",
        second,
        "--stack",
        "vpc-remediator",
        "--vpc-id",
        world.seeded[second]["vpc"],
        "--yes",
    )
    assert code == 0, out
    ids = world.seeded[second]
    subnet = world.org.ec2(second).describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is False
    kept = world.seeded[first]
    subnet = world.org.ec2(first).describe_subnets(SubnetIds=[kept["subnet"]])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is True  # the other account's fix stands
