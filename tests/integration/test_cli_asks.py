"""`vpc-remediator fix` at a terminal (issue 10): it shows the plan, saying for every subnet it
would change what it takes the subnet to be, why, and who made it, and asks; only "y" applies.
A subnet whose maker CloudTrail's history does not know is in the plan: the person decides."""

from __future__ import annotations

import io

import pytest

from tests.conftest import load_event
from tests.integration.conftest import Aws
from tests.integration.test_makers import cloudtrail_history
from tests.integration.test_story import new_gateway, new_subnet, new_vpc
from vpc_remediator.cli import main as cli

# Everything the plan named is done: compliant (exit 0).
EXPECTED_AFTER_FIX = 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


pytestmark = pytest.mark.usefixtures("logger_as_it_was")


@pytest.fixture
def two_subnets(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    events = cloudtrail_history(monkeypatch)
    vpc = new_vpc(aws)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    made = new_subnet(aws, vpc, "10.0.1.0/24")
    old = new_subnet(aws, vpc, "10.0.2.0/24")
    events.logged(made, load_event("CreateSubnet", vpc=vpc, subnet=made))
    return {"vpc": vpc, "made": made, "old": old}


def fix(answer: str, vpc: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`fix` at a terminal: its exit code, stdout (the report) and stderr (the plan, the
    question, progress)."""
    out = io.StringIO()
    capsys.readouterr()
    code = cli.main(["fix", "--vpc-id", vpc], out=out, stdin=Terminal(answer))
    return code, out.getvalue(), capsys.readouterr().err


def test_fix_shows_the_plan_and_changes_nothing_unless_told_yes(
    aws: Aws, two_subnets: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ids = two_subnets
    aws.log.clear()
    code, out, err = fix("n\n", ids["vpc"], capsys)
    assert code == 1
    assert aws.log.writes == []
    # The plan and the question on the terminal; declining is one line, and no report.
    assert "the plan" in err and "- create route table" in err
    assert "Apply these changes? [y/N]" in err
    assert err.rstrip().endswith("vpc-remediator: nothing changed in eu-south-1")
    assert out == ""
    made_line = next(line for line in err.splitlines() if line.strip().startswith(ids["made"]))
    assert "public (it is on the main route table" in made_line
    assert "made by AWS Management Console" in made_line
    old_line = next(line for line in err.splitlines() if line.strip().startswith(ids["old"]))
    assert "made by not known" in old_line


def test_fix_applies_what_the_person_approved(
    aws: Aws, two_subnets: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    ids = two_subnets
    code, out, err = fix("y\n", ids["vpc"], capsys)
    assert "Apply these changes? [y/N]" in err and "Apply these" not in out
    assert "[applied]" in out
    for subnet in (ids["made"], ids["old"]):
        assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)
    assert code == EXPECTED_AFTER_FIX, out


def fix_many(answers: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    capsys.readouterr()
    code = cli.main(["fix"], out=out, stdin=Terminal(answers))
    return code, out.getvalue(), capsys.readouterr().err


@pytest.fixture
def two_vpcs(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Two half-done VPCs (the seed story twice), as (vpc, subnet, Name) in the order asked."""
    cloudtrail_history(monkeypatch)
    made = []
    for name in ("web-vpc", "batch-vpc"):
        vpc = new_vpc(aws, name)
        igw = new_gateway(aws)
        aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        made.append((vpc, new_subnet(aws, vpc, name=f"{name}-subnet"), name))
    return sorted(made)


def test_approval_can_be_given_per_vpc(
    aws: Aws, two_vpcs: list[tuple[str, str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Asked each VPC in turn, the person says yes to the first and no to the second: only
    the first changes, and the second is reported as not applied."""
    (yes_vpc, yes_subnet, yes_name), (no_vpc, no_subnet, no_name) = two_vpcs
    aws.log.clear()
    code, out, err = fix_many("e\ny\nn\n", capsys)
    assert "[y] all 2 VPCs, [e] each VPC in turn, [N] none" in err
    # Each VPC asked by its Name and id (the answers are not echoed here: one line).
    asked = err.split("Apply these changes?")[1]
    first = asked.index(f'"{yes_name}" ({yes_vpc}): apply its 5 change(s)? [y/N]')
    assert first < asked.index(f'"{no_name}" ({no_vpc}): apply its 5 change(s)? [y/N]')
    assert aws.skypilot_says_public(yes_subnet) and aws.maps_public_ip(yes_subnet)
    assert not aws.skypilot_says_public(no_subnet) and not aws.maps_public_ip(no_subnet)
    written = str([p for _, name, p in aws.log.calls if name in set(aws.log.writes)])
    assert yes_subnet in written and no_subnet not in written and no_vpc not in written
    assert code == 1  # the second VPC is not compliant
    assert "nothing changed" not in err
    assert f'"{no_name}" ({no_vpc}): would-change' in out
    assert f'"{yes_name}" ({yes_vpc}): compliant' in out


@pytest.mark.parametrize("answers", ["e\nn\nn\n", "n\n", ""])
def test_declining_every_vpc_is_one_line_and_changes_nothing(
    aws: Aws, two_vpcs: list[tuple[str, str, str]], capsys: pytest.CaptureFixture[str], answers: str
) -> None:
    aws.log.clear()
    code, out, err = fix_many(answers, capsys)
    assert aws.log.writes == [] and code == 1 and out == ""
    assert err.rstrip().endswith("vpc-remediator: nothing changed in eu-south-1")


def test_a_denied_history_lookup_is_said_and_the_subnet_is_asked_about_as_unknown(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    """CloudTrail answers LookupEvents with AccessDeniedException where the caller lacks
    cloudtrail:LookupEvents (moto has no LookupEvents: a hook answers as AWS does)."""
    from tests.aws_behaviour import _error
    from tests.conftest import REGION
    from vpc_remediator.aws.clients import clients_for

    vpc = new_vpc(aws)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = new_subnet(aws, vpc, "10.0.1.0/24")
    denied = []

    def deny(**_: object) -> object:
        denied.append(1)
        return _error("AccessDeniedException", "not authorized to perform LookupEvents")

    clients_for(REGION).cloudtrail.meta.events.register_first(
        "before-call.cloudtrail.LookupEvents",
        deny,  # type: ignore[arg-type] # a before-call handler's answer stands for the call's
    )
    code, out, err = fix("n\n", vpc, capsys)
    assert denied and code == 1 and out == ""
    line = next(x for x in err.splitlines() if x.strip().startswith(subnet))
    assert "made by unknown (CloudTrail lookup denied (AccessDeniedException))" in line
