"""The command line as a person meets it (issue 20): the plan and the question on the terminal,
stdout the report alone; Ctrl-C says what was made and exits 130, and a rerun finishes; every
failure is one line and exit 2 (--debug for the traceback); --version; the default VPC absent
by policy, as a flag.

The prompt and Ctrl-C are driven through a pseudo-terminal (a process of its own); a failure
in the middle of applying is made by a hook on the client (botocore's call), in this process.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.parsers import ResponseParserError
from local_aws.emulator import create_memory_table

from tests.e2e.conftest import Emulator
from tests.e2e.test_cli import seed_story

pytestmark = pytest.mark.usefixtures("logger_as_it_was")


def _read_until(fd: int, wanted: bytes, seconds: float = 60) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, seen.decode(errors="replace")[-2000:]
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
    return seen


def on_a_terminal(emulator: Emulator, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m vpc_remediator ARGS` with stdin and stderr on a pseudo-terminal, stdout a
    pipe (as `fix > report.txt` at a terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(  # noqa: S603 - this interpreter running our own package
        [sys.executable, "-m", "vpc_remediator", *args],
        stdin=follower,
        stderr=follower,
        stdout=subprocess.PIPE,
        env=emulator.env(),
        start_new_session=True,
    )
    os.close(follower)
    return process, leader


def failing_at(monkeypatch: pytest.MonkeyPatch, operation: str, error: BaseException) -> Any:
    """Every client's `operation` raises `error` (the person's Ctrl-C, a reply botocore
    cannot parse); returns the call as it was, to put back."""
    call = BaseClient._make_api_call  # type: ignore[attr-defined]

    def failing(self: Any, name: str, params: dict[str, Any]) -> Any:
        if name == operation:
            raise error
        return call(self, name, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", failing)
    return call


def test_the_question_is_asked_on_the_terminal_and_stdout_is_the_report(
    emulator: Emulator,
) -> None:
    ids = seed_story(emulator)
    process, terminal = on_a_terminal(emulator, "fix")
    try:
        seen = _read_until(terminal, b"Apply these changes? [y/N] ")
        assert b"the plan" in seen and ids["subnet"].encode() in seen
        os.write(terminal, b"y\n")
        stdout, _ = process.communicate(timeout=60)
    finally:
        os.close(terminal)
    report = stdout.decode()
    assert "Apply these changes" not in report and "the plan" not in report
    assert f"[applied] associate {ids['subnet']} with " in report
    assert process.returncode == 1  # the default VPC is still missing: a finding


def test_ctrl_c_at_the_question_changes_nothing_and_exits_130(emulator: Emulator) -> None:
    ids = seed_story(emulator)
    process, terminal = on_a_terminal(emulator, "fix")
    try:
        _read_until(terminal, b"Apply these changes? [y/N] ")
        os.killpg(process.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
        said = _read_until(terminal, b"nothing was being changed")
        process.communicate(timeout=60)
    finally:
        os.close(terminal)
    assert process.returncode == 130
    assert b"Traceback" not in said
    subnet = emulator.client("ec2").describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is False


def test_ctrl_c_while_applying_says_what_was_made_and_a_rerun_finishes(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_story(emulator)
    # The stack's record, where what the remediator makes is recorded ahead of each call: the
    # rerun proves the table the first run made is its own, and moves the subnet onto it.
    record = create_memory_table(emulator.client("dynamodb"))
    # The person presses Ctrl-C as the subnet is moved.
    call = failing_at(monkeypatch, "AssociateRouteTable", KeyboardInterrupt())
    stopped = emulator.run("fix", "--yes", "--record-table", record)
    assert stopped.returncode == 130, stopped.stderr
    lines = stopped.stderr.splitlines()
    (head,) = [line for line in lines if line.startswith("vpc-remediator: interrupted")]
    assert "changes made" in head and "run the same command again to finish" in head
    assert any(line.startswith("  made: create route table") for line in lines)
    assert any(line.startswith(f"  not made: associate {ids['subnet']}") for line in lines), lines
    assert "Traceback" not in stopped.stderr

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    again = emulator.run(
        "fix", "--yes", "--default-vpc", "absent-by-policy", "--record-table", record
    )
    assert again.returncode == 0, again.stdout + again.stderr
    subnet = emulator.client("ec2").describe_subnets(SubnetIds=[ids["subnet"]])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is True
    # One managed table, not a second one beside the first run's.
    tables = emulator.client("ec2").describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}]
    )["RouteTables"]
    assert len(tables) == 2


def test_an_unexpected_reply_is_one_line_and_exit_2_and_debug_shows_where(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_story(emulator)
    # A proxy that answers with its own HTML page: botocore cannot parse it.
    failing_at(
        monkeypatch,
        "DescribeRouteTables",
        ResponseParserError("Unable to parse response (not XML): <html>Proxy login</html>"),
    )
    plain = emulator.run("audit")
    assert plain.returncode == 2
    assert plain.stderr.count("\n") == 1 and "Traceback" not in plain.stderr
    assert plain.stderr.startswith("vpc-remediator: unexpected failure: ResponseParserError")
    assert "(--debug shows where)" in plain.stderr
    debug = emulator.run("audit", "--debug")
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_a_malformed_answer_is_one_line_and_exit_2(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply botocore parses but that lacks what EC2 always sends (a subnet without its id
    and VPC, as a broken endpoint or emulator might answer)."""
    seed_story(emulator)
    call = BaseClient._make_api_call  # type: ignore[attr-defined]

    def malformed(self: Any, name: str, params: dict[str, Any]) -> Any:
        if name == "DescribeSubnets":
            return {"Subnets": [{"CidrBlock": "10.0.1.0/24"}]}
        return call(self, name, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", malformed)
    result = emulator.run("audit")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("vpc-remediator: unexpected failure: ")
    assert result.stdout == ""


def test_version_and_the_default_vpc_absent_by_policy_as_a_flag(emulator: Emulator) -> None:
    version = emulator.run("--version")
    assert version.returncode == 0 and version.stdout.startswith("vpc-remediator ")
    seed_story(emulator)
    # After the fix, the seed's region lacks its default VPC on purpose: not a failure.
    fixed = emulator.run("fix", "--yes", "--default-vpc", "absent-by-policy")
    assert fixed.returncode == 0, fixed.stdout
    assert "by policy" in fixed.stdout
    clash = emulator.run("audit", "--default-vpc", "absent-by-policy", "--restore-default-vpc")
    assert clash.returncode == 2 and clash.stderr.count("\n") == 1


def test_every_setting_flag_names_its_variable_in_help(emulator: Emulator) -> None:
    text = " ".join(emulator.run("audit", "--help").stdout.split())
    for variable in (
        "VPCR_ROUTE_STRATEGY",
        "VPCR_MAP_PUBLIC_IP",
        "VPCR_CREATE_INTERNET_GATEWAY",
        "VPCR_RESTORE_DEFAULT_VPC",
        "VPCR_DEFAULT_VPC",
        "VPCR_INTENT_TAG_KEY",
        "VPCR_PRIVATE_NAME_WORDS",
        "VPCR_ADD_PRIVATE_NAME_WORDS",
        "VPCR_PUBLIC_NAME_WORDS",
        "VPCR_ADD_PUBLIC_NAME_WORDS",
        "VPCR_AUTO_INTENT_FROM",
        "VPCR_IAC_TAG_KEYS",
        "VPCR_ASSIGN_IPV6_ON_CREATION",
    ):
        assert f"${variable}" in text, variable


def test_every_flag_of_every_command_has_help() -> None:
    import argparse

    from vpc_remediator.cli.args import parser
    from vpc_remediator.service.settings import Settings

    top = parser(Settings.from_env({}, require_topic=False))
    (commands,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    bare = [
        f"{name} {action.dest}"
        for name, command in [("vpc-remediator", top), *commands.choices.items()]
        for action in command._actions
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert bare == []
    assert set(commands.choices) == {"audit", "fix", "release", "adopt", "history", "undo"}


def test_ctrl_c_without_the_stacks_record_says_how_to_keep_the_table_it_made(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_story(emulator)
    failing_at(monkeypatch, "AssociateRouteTable", KeyboardInterrupt())
    stopped = emulator.run("fix", "--yes")
    assert stopped.returncode == 130
    assert "was made in this run and is recorded nowhere lasting" in stopped.stderr
    assert "--stack" in stopped.stderr
