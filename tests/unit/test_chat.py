"""Notices in a chat channel (issue 20): the custom-notification format of Amazon Q Developer
in chat applications, one thread per VPC, text from resources escaped for Markdown."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest

from tests.builders import region_of, subnet, vpc_snapshot
from tests.chat_format import CUSTOM_NOTIFICATION
from tests.conftest import load_event
from vpc_remediator.domain.chat import escaped
from vpc_remediator.domain.findings import Finding, FindingCode, Severity
from vpc_remediator.domain.launchers import readiness
from vpc_remediator.domain.notice import render_digest, render_notice
from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus, Report
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Mode, Policy
from vpc_remediator.lambdas.intake import parse_api_call
from vpc_remediator.service.settings import Settings, SettingsError

S1 = "subnet-00000000000000001"
KEY = "vpc-remediator:intent"
TOPIC = "arn:aws:sns:eu-south-1:123456789012:notices"
CHAT = "arn:aws:sns:eu-south-1:123456789012:platform-chat"
HOSTILE = "evil *bold* _it_ [click](https://phish.example) <!channel> @here `x` | # h"


def fixed(vpc_name: str = "skypilot-vpc", subnet_name: str = "skypilot-subnet") -> Report:
    snap = vpc_snapshot(subnet(S1, name=subnet_name), vpc_tags={"Name": vpc_name})
    plan = plan_vpc(snap, Policy(), AutoScope.all())
    outcomes = tuple(
        ActionOutcome(
            a, ActionStatus.APPLIED, resource_id="rtb-0000000000000made" * bool(a.creates)
        )
        for a in plan.actions
    )
    return Report(
        "eu-south-1",
        Mode.REMEDIATE,
        snap.vpc.id,
        (plan,),
        outcomes,
        readiness=readiness(region_of(snap), Policy()),
        trigger=parse_api_call(load_event("AttachInternetGateway")),
        account="123456789012",
        snapshot=snap,
    )


def card(report: Report) -> dict[str, Any]:
    notice = render_notice(report, intent_tag_key=KEY)
    assert notice.chat is not None
    jsonschema.validate(notice.chat, CUSTOM_NOTIFICATION)
    return notice.chat


def test_the_seed_storys_notice_is_a_custom_notification_with_its_summary_and_changes() -> None:
    chat = card(fixed())
    assert (chat["version"], chat["source"]) == ("1.0", "custom")
    content = chat["content"]
    assert content["textType"] == "client-markdown"
    assert (
        content["title"] == 'fixed "skypilot-vpc" in eu-south-1 \\(123456789012\\): 1 subnet public'
    )
    description = content["description"].splitlines()
    assert description[0].startswith(
        'Fixed "skypilot-vpc" in eu-south-1 \\(account 123456789012\\)'
    )
    assert any(line.startswith('  subnet "skypilot-subnet" \\(subnet-') for line in description)
    assert any(line.startswith("SkyPilot: ") for line in description)
    assert content["keywords"] == ["eu-south-1", "123456789012", "changed"]
    assert "nextSteps" not in content  # nothing needs a person
    metadata = chat["metadata"]
    assert metadata["threadId"] == "vpc-remediator:123456789012:eu-south-1:vpc-00000000000000001"
    assert metadata["eventType"] == "vpc-remediator.changed"
    assert metadata["relatedResources"] == ["vpc-00000000000000001", S1]
    assert metadata["additionalContext"]["outcome"] == "changed"
    assert chat["id"]  # the CloudTrail event's id


def test_what_needs_a_person_is_the_next_steps_and_one_vpc_is_one_thread() -> None:
    conflict = Finding(
        FindingCode.ROUTE_CONFLICT,
        S1,
        "the main table sends 0.0.0.0/0 to eni-1",
        Severity.WARNING,
        True,
    )
    report = Report(
        "eu-south-1",
        Mode.REMEDIATE,
        "vpc-00000000000000001",
        (Plan(Mode.REMEDIATE, "vpc-00000000000000001", findings=(conflict,)),),
        account="123456789012",
    )
    chat = card(report)
    # The message does not name its subnet: the step does.
    assert chat["content"]["nextSteps"] == [f"{S1}: the main table sends 0.0.0.0/0 to eni-1"]
    assert chat["metadata"]["threadId"] == card(fixed())["metadata"]["threadId"]
    other = Report(
        "eu-south-1", Mode.REMEDIATE, "vpc-00000000000000002", (), account="123456789012"
    )
    assert card(other)["metadata"]["threadId"] != chat["metadata"]["threadId"]


@pytest.mark.parametrize("where", ["vpc", "subnet"])
def test_names_are_data_in_chat_never_markdown(where: str) -> None:
    report = fixed(**({"vpc_name": HOSTILE} if where == "vpc" else {"subnet_name": HOSTILE}))
    chat = card(report)
    for text in (chat["content"]["title"], chat["content"]["description"]):
        # Every Markdown character of the Name arrives escaped: no emphasis, link or mention.
        assert not re.search(r"(?<!\\)[*_\[\]<>`|#@]", text), text
    description = chat["content"]["description"]
    assert "\\<!channel\\>" in description and "\\@here" in description


def test_escaping_is_reversible_and_leaves_plain_words_alone() -> None:
    assert escaped("subnet-0abc 0.0.0.0/0 -> igw-1") == "subnet-0abc 0.0.0.0/0 -\\> igw-1"
    assert re.sub(r"\\(.)", r"\1", escaped(HOSTILE)) == HOSTILE


def test_a_sweeps_digest_is_a_card_too() -> None:
    digest = render_digest("eu-south-1", Mode.AUDIT, [fixed()], intent_tag_key=KEY)
    assert digest.chat is not None
    jsonschema.validate(digest.chat, CUSTOM_NOTIFICATION)
    assert digest.chat["metadata"]["threadId"].endswith(":eu-south-1:sweep")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"VPCR_TOPIC_ARN": TOPIC, "VPCR_CHAT_TOPIC_ARN": "arn:aws:sqs:eu-south-1:1:q"},
            "not a standard",
        ),
        ({"VPCR_TOPIC_ARN": TOPIC, "VPCR_CHAT_TOPIC_ARN": CHAT + ".fifo"}, "not a standard"),
        ({"VPCR_TOPIC_ARN": TOPIC, "VPCR_CHAT_TOPIC_ARN": TOPIC}, "is the stack's own topic"),
        ({"VPCR_CHAT_TOPIC_ARN": CHAT}, "VPCR_TOPIC_ARN is not set"),
    ],
)
def test_a_chat_topic_that_cannot_be_is_a_clear_error(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(env)
    assert (
        Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_CHAT_TOPIC_ARN": CHAT}).chat_topic_arn
        == CHAT
    )
