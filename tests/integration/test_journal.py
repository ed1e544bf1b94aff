"""The journal (issue 21): every change the Lambdas and the command line make is recorded in
the stack's record with what it was before, when, why and what triggered it, and `vpc-remediator
history` lists it, newest first, with Names, saying whether each change still stands."""

from __future__ import annotations

import io
import json
import os
from typing import Any

import pytest

from tests.integration.conftest import Aws
from tests.integration.test_story import replay_story
from vpc_remediator.cli import main as cli

pytestmark = pytest.mark.usefixtures("logger_as_it_was")


def history(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["history", "--record-table", os.environ["VPCR_MEMORY_TABLE"], *args], out=out)
    return code, out.getvalue()


def changes(*args: str) -> list[dict[str, Any]]:
    code, out = history("--json", *args)
    assert code == 0, out
    document = json.loads(out)
    assert (document["schema"], document["version"]) == ("vpc-remediator/history", 1)
    listed: list[dict[str, Any]] = document["changes"]
    return listed


def test_the_seed_storys_fix_is_in_the_journal_with_what_was_before(aws: Aws) -> None:
    ids = replay_story(aws)
    found = changes()
    # Newest first: the mapping, the association, the route, the table (our own tags are
    # bookkeeping, not changes).
    assert [c["change"] for c in found] == [
        "addressing-set",
        "subnet-moved",
        "route-added",
        "route-table-created",
    ]
    mapping, moved, route, table = found
    assert mapping["resource"] == ids["subnet"]
    assert mapping["before"] == {"attribute": "MapPublicIpOnLaunch", "enabled": False}
    assert mapping["after"] == {"attribute": "MapPublicIpOnLaunch", "enabled": True}
    main = aws.ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [ids["vpc"]]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    assert moved["before"] == {"route_table": main, "main": True}
    assert moved["after"]["route_table"] == table["resource"] == route["resource"]
    assert route["after"] == {"destination": "0.0.0.0/0", "target": ids["igw"]}
    for change in found:
        assert change["stands"] is True and change["undone"] is False
        assert change["vpc_id"] == ids["vpc"] and change["id"].startswith("c-")
        assert change["trigger"]["by"] == "event"
        assert change["trigger"]["event"] == "AttachInternetGateway"
        assert change["trigger"]["who"].endswith("assumed-role/PlatformAdmin/alice")
        assert change["why"]
    assert "public (" in moved["intent"]
    assert len({c["id"] for c in found}) == 4
    # A person turns the mapping off by hand: that change no longer stands; the rest do.
    aws.ec2.modify_subnet_attribute(SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": False})
    now = {c["change"]: c for c in changes("--vpc-id", ids["vpc"])}
    assert now["addressing-set"]["stands"] is False
    assert now["subnet-moved"]["stands"] is True


def test_history_reads_as_text_with_names_newest_first_and_since_narrows(aws: Aws) -> None:
    ids = replay_story(aws)
    code, out = history()
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "eu-south-1: 4 changes, newest first"
    assert lines[1] == f'  "skypilot-vpc" ({ids["vpc"]})'
    assert "[stands]" in lines[2] and "MapPublicIpOnLaunch=true" in lines[2]
    assert "(it was false)" in lines[2]
    assert "(it was on the main table (rtb-" in lines[4]
    assert "by AttachInternetGateway by arn:aws:sts::123456789012:assumed-role/" in lines[3]
    # --since narrows; a date to come lists nothing.
    assert len(changes("--since", "2000-01-01")) == 4
    code, out = history("--since", "2999-01-01")
    assert (code, out) == (0, "eu-south-1: no change recorded\n")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--since", "yesterday"], "give a date or time"),
        (["--vpc-id", "my-vpc"], "is not a VPC id"),
    ],
)
def test_bad_history_options_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], says: str
) -> None:
    """Refused before any AWS call (no emulator here)."""
    monkeypatch.setenv("VPCR_MEMORY_TABLE", "vpc-remediator-memory")
    code, out = history(*argv)
    err = capsys.readouterr().err
    assert code == 2 and out == "" and says in err and err.count("\n") == 1


def test_history_without_the_record_says_where_the_journal_is(
    aws: Aws, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VPCR_MEMORY_TABLE")
    code = cli.main(["history"], out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 2 and "--stack or --record-table" in err


def test_a_fix_at_the_command_line_is_journaled_as_the_persons(aws: Aws) -> None:
    from tests.integration.test_story import new_gateway, new_subnet, new_vpc

    vpc = new_vpc(aws, "cli-vpc")
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = new_subnet(aws, vpc)
    aws.ec2.create_tags(
        Resources=[subnet], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    code = cli.main(
        ["fix", "--yes", "--vpc-id", vpc, "--record-table", os.environ["VPCR_MEMORY_TABLE"]],
        out=io.StringIO(),
    )
    assert code in (0, 1)
    found = changes("--vpc-id", vpc)
    assert found and all(c["trigger"]["by"] == "command-line" for c in found)
    assert all(c["trigger"]["who"].startswith("arn:aws:") for c in found)


def network_of(aws: Aws, vpc: str) -> dict[str, Any]:
    from tests.layouts import network_of as of

    return of(aws.ec2, vpc)


def story_before_its_fix(aws: Aws) -> tuple[dict[str, str], dict[str, Any]]:
    """The seed story, its network as it was before the remediator fixed it, then fixed."""
    from tests.integration.test_story import delete_default_vpc, new_gateway, new_subnet, new_vpc
    from vpc_remediator.lambdas.handlers import vpc_changes

    delete_default_vpc(aws)
    ids = {"vpc": new_vpc(aws)}
    ids["subnet"] = new_subnet(aws, ids["vpc"])
    ids["igw"] = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["vpc"])
    before = network_of(aws, ids["vpc"])
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert aws.skypilot_says_public(ids["subnet"])
    return ids, before


def undo(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    table = os.environ["VPCR_MEMORY_TABLE"]
    code = cli.main(["undo", "--record-table", table, "--yes", *args], out=out)
    return code, out.getvalue()


def test_undo_puts_the_vpc_back_exactly_as_it_was_and_history_says_so(aws: Aws) -> None:
    ids, before = story_before_its_fix(aws)
    code, out = undo("--vpc-id", ids["vpc"])
    assert code == 0, out
    assert network_of(aws, ids["vpc"]) == before
    assert out.count("put back: ") == 3  # mapping off, back to the main table, table deleted
    found = changes("--vpc-id", ids["vpc"])
    fixes = [c for c in found if not c["undoes"]]
    assert all(c["undone"] and c["stands"] is False for c in fixes)
    undoing = [c for c in found if c["undoes"]]
    assert {u for c in undoing for u in c["undoes"]} == {c["id"] for c in fixes}
    assert all(c["trigger"]["by"] == "command-line" for c in undoing)


def test_an_undo_is_not_redone_by_events_or_the_sweep_until_released(aws: Aws) -> None:
    from vpc_remediator.lambdas.handlers import sweep, vpc_changes

    ids, before = story_before_its_fix(aws)
    undo("--vpc-id", ids["vpc"])
    aws.notices()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    aws.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    aws.invoke(sweep, "ScheduledEvent")
    assert network_of(aws, ids["vpc"]) == before
    code = cli.main(
        ["release", ids["subnet"], "--record-table", os.environ["VPCR_MEMORY_TABLE"]],
        out=io.StringIO(),
    )
    assert code == 0
    aws.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"], event_id="again")
    assert aws.skypilot_says_public(ids["subnet"])


def test_an_undo_keeps_what_a_person_changed_since(aws: Aws) -> None:
    ids, _ = story_before_its_fix(aws)
    # A person turns the mapping off by hand after the fix: theirs, and kept.
    aws.ec2.modify_subnet_attribute(SubnetId=ids["subnet"], MapPublicIpOnLaunch={"Value": False})
    code, out = undo("--vpc-id", ids["vpc"])
    assert code == 0, out
    assert "kept " not in out  # the report is what was put back; the plan said what is kept
    assert not aws.skypilot_says_public(ids["subnet"])
    assert not aws.maps_public_ip(ids["subnet"])
    mapping = next(c for c in changes("--vpc-id", ids["vpc"]) if c["change"] == "addressing-set")
    assert mapping["undone"] is False  # not put back by the undo: the person's change stands


def test_undo_by_change_id_and_bad_ids_are_one_line_errors(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    ids, _ = story_before_its_fix(aws)
    mapping = next(c for c in changes() if c["change"] == "addressing-set")
    code, out = undo(mapping["id"])
    assert code == 0 and out.startswith("put back: set MapPublicIpOnLaunch=false")
    assert not aws.maps_public_ip(ids["subnet"]) and aws.skypilot_says_public(ids["subnet"])
    capsys.readouterr()
    assert undo("c-0000000000")[0] == 2
    assert "no change c-0000000000 in the journal" in capsys.readouterr().err
    assert undo("nope")[0] == 2
    assert undo()[0] == 2 and "change ids" in capsys.readouterr().err


def test_the_sweep_forgets_the_journal_of_a_vpc_that_is_gone(aws: Aws) -> None:
    import boto3

    from vpc_remediator.lambdas.handlers import sweep

    ids = replay_story(aws)
    dynamodb = boto3.client("dynamodb", region_name="eu-south-1")
    table = os.environ["VPCR_MEMORY_TABLE"]
    gone = "eu-south-1:vpc-0000000000000dead:2026-01-01T00:00:00.000000Z:run:0"
    dynamodb.put_item(
        TableName=table,
        Item={"pk": {"S": "journal"}, "sk": {"S": gone}, "value": {"S": '{"changes": []}'}},
    )
    aws.invoke(sweep, "ScheduledEvent")
    keys = [
        i["sk"]["S"]
        for i in dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :k",
            ExpressionAttributeValues={":k": {"S": "journal"}},
        )["Items"]
    ]
    assert gone not in keys
    assert keys and all(k.startswith(f"eu-south-1:{ids['vpc']}:") for k in keys)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["history", "--role-name", "Admin"], "--role-name needs --account"),
        (["history", "--account", "111122223333"], "name its stack (--stack)"),
        (["undo", "--vpc-id", "vpc-0123456789abcdef0", "--account", "12"], "name its stack"),
        (["undo", "--subnet-id", "sub-1", "--yes"], "is not a subnet id"),
    ],
)
def test_bad_member_and_target_options_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    """Refused before any AWS call (no emulator here)."""
    code = cli.main(argv, out=io.StringIO(), stdin=Terminal(""))
    err = capsys.readouterr().err
    assert code == 2 and says in err and err.count("\n") == 1


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_undo_declined_changes_nothing_and_a_second_undo_has_nothing_to_put_back(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    ids, before = story_before_its_fix(aws)
    fixed = network_of(aws, ids["vpc"])
    table = os.environ["VPCR_MEMORY_TABLE"]
    argv = ["undo", "--vpc-id", ids["vpc"], "--record-table", table]
    code = cli.main(argv, out=io.StringIO(), stdin=Terminal("n\n"))
    err = capsys.readouterr().err
    assert (
        code == 1 and "the undo" in err and err.rstrip().endswith("nothing changed in eu-south-1")
    )
    assert network_of(aws, ids["vpc"]) == fixed
    assert undo("--vpc-id", ids["vpc"])[0] == 0
    out = io.StringIO()
    code = cli.main([*argv, "--yes"], out=out)
    assert code == 1 and "nothing to put back in eu-south-1" in out.getvalue()
    assert "kept c-" in out.getvalue() and "already undone" in out.getvalue()
    assert network_of(aws, ids["vpc"]) == before


def test_an_undo_by_someone_who_may_not_write_the_record_changes_nothing(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    """The memory table's resource policy refuses PutItem to anyone not in RecordWriters
    (AccessDeniedException; moto has no resource policies: a hook answers as AWS does). The
    undo marks the subnets first, so it stops before any EC2 change."""
    from tests.aws_behaviour import _error
    from tests.conftest import REGION
    from vpc_remediator.aws.clients import clients_for

    ids, _ = story_before_its_fix(aws)
    fixed = network_of(aws, ids["vpc"])

    def deny(**_: object) -> object:
        return _error("AccessDeniedException", "explicit deny in a resource-based policy")

    clients_for(REGION).dynamodb.meta.events.register_first(
        "before-call.dynamodb.PutItem",
        deny,  # type: ignore[arg-type] # a before-call handler's answer stands for the call's
    )
    aws.log.clear()
    code, out = undo("--vpc-id", ids["vpc"])
    err = capsys.readouterr().err
    assert "put back" not in out
    # The plan was shown (--yes shows it too); the refusal is its one last line.
    assert code == 2 and "AccessDenied" in err.rstrip().splitlines()[-1]
    assert aws.log.writes == []
    assert network_of(aws, ids["vpc"]) == fixed
