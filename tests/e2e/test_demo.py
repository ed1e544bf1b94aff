"""`make demo`'s program, end to end: its own moto server, the story, the fix, the exit code;
its Lambdas without pydantic, as the Lambda package has them."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.conftest import ROOT, subprocess_env

# The demo's Lambdas run as in the Lambda package: without pydantic (tests/without_pydantic.py).
WITHOUT_PYDANTIC = (
    "import tests.without_pydantic, runpy; "
    "runpy.run_module('local_aws.demo', run_name='__main__', alter_sys=True)"
)


def python(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """This interpreter, with the project's code on its path and no AWS settings."""
    return subprocess.run(  # noqa: S603 - this interpreter running our own code
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=subprocess_env(),
        cwd=ROOT,
    )


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    return python("-c", WITHOUT_PYDANTIC, *args)


def test_the_demo_fixes_the_seed_story() -> None:
    result = run_demo()
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "\033[" not in out  # not a terminal: no colour
    before, after = out.split("3. The CloudTrail events")[0], out.split("4. After")[1]
    assert "public per SkyPilot  no" in before
    # The same launcher lines, failing before and ready after; the demo ends with them.
    for label in ("SkyPilot", "SkyPilot 0.7", "Ray", "dstack"):
        assert f"   {label}: not ready: " in before, label
    assert "fails with 'No usable subnets found" in before
    assert "[1/5] DeleteVpc -> DeleteVpcFunction: needs-attention" in out
    # The console's events wait on the changes queue; once the VPC has settled (the demo's
    # short settle time), it is reconciled once: one notice for the whole burst.
    assert "[2/5] CreateVpc -> VpcChangesFunction: 1 message from the changes queue" in out
    assert "[4/5] CreateInternetGateway -> no rule matches" in out
    assert "[5/5] AttachInternetGateway -> VpcChangesFunction: 1 message" in out
    assert "no change for 3 s (SettleSeconds=3" in out
    assert "settle messages -> VpcChangesFunction" in out
    # Each notice as its e-mail reads: the point first, the change in plain words with Names,
    # one short line per launcher, all of it on a phone screen (20 lines).
    assert out.count("SNS notice: the e-mail") == 2
    mail = out.split('Subject: [vpc-remediator] fixed "skypilot-vpc" in eu-south-1', 1)[1]
    lines = [line.strip() for line in mail.split("Details", 1)[0].splitlines()[1:]]
    assert (
        lines[0]
        == 'Fixed "skypilot-vpc" in eu-south-1 (account 123456789012): 1 subnet public; nothing for you to do.'
    )
    assert lines[2] == "Changed:"
    assert lines[3].startswith('subnet "skypilot-subnet-a" (subnet-')
    assert "now routes 0.0.0.0/0 to igw-" in lines[3] and lines[3].endswith("public IPs on")
    assert "Will it launch?" in lines and len([x for x in lines if x]) <= 20
    assert "vpc-remediator:managed" not in mail.split("Opt out", 1)[0]
    assert "public per SkyPilot  yes" in after and "public IP on launch  yes" in after
    assert "FIXED:" in out
    last = out.rstrip("\n").splitlines()[-4:]
    assert [line.split(":")[0].strip() for line in last] == [
        "SkyPilot",
        "SkyPilot 0.7",
        "Ray",
        "dstack",
    ]
    assert last[0] == '   SkyPilot: ready with aws.vpc_name: "skypilot-vpc" (public subnets in a)'
    assert (
        last[2].startswith("   Ray: ready (subnet-")
        and "maps public IPs and routes to igw-" in last[2]
    )
    assert all(": ready" in line for line in last)
    assert result.stderr == ""


def test_the_demo_exits_non_zero_when_the_end_state_is_not_fixed() -> None:
    # Reconciled at once (SettleSeconds=0): the settling itself is the other test's to show.
    result = run_demo("--parameter", "Mode=audit", "--parameter", "SettleSeconds=0")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT FIXED" in result.stdout
    assert "[would-apply] associate" in result.stdout


def test_the_demos_process_has_no_pydantic_to_import() -> None:
    """The check above proves something: in that process pydantic cannot be imported."""
    result = python("-c", "import tests.without_pydantic, pydantic", timeout=60)
    assert result.returncode == 1
    assert "pydantic is not in the Lambda package" in result.stderr
