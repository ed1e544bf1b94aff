"""Notices: when one is sent, and what a person and a machine read in it (docs/design.md section 9)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from tests.builders import region_of, subnet, vpc_snapshot
from tests.conftest import load_event
from vpc_remediator.domain.document import NOTICE_SCHEMA
from vpc_remediator.domain.findings import Finding, FindingCode, Severity, finding_line
from vpc_remediator.domain.launchers import readiness
from vpc_remediator.domain.notice import render_digest, render_notice
from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus, Outcome, Report
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Mode, Policy
from vpc_remediator.lambdas.intake import parse_api_call

S1 = "subnet-00000000000000001"
KEY = "vpc-remediator:intent"


def _report(
    mode: Mode = Mode.REMEDIATE, status: ActionStatus = ActionStatus.APPLIED, **kw: Any
) -> Report:
    snap = vpc_snapshot(subnet(S1))
    plan = plan_vpc(snap, Policy(mode=mode), AutoScope.all())
    return Report(
        region="eu-south-1",
        mode=mode,
        scope=snap.vpc.id,
        plans=(plan,),
        outcomes=tuple(ActionOutcome(a, status) for a in plan.actions),
        readiness=readiness(region_of(snap), Policy()),
        trigger=parse_api_call(load_event("AttachInternetGateway")),
        **kw,
    )


def test_a_fix_is_one_readable_notice() -> None:
    report = _report()
    assert report.outcome is Outcome.CHANGED and report.should_notify
    notice = render_notice(report, intent_tag_key=KEY)
    assert (
        notice.subject
        == "[vpc-remediator] fixed vpc-00000000000000001 in eu-south-1: 1 subnet public"
    )
    lines = notice.text.splitlines()
    # The point first, then one line per changed resource, in plain words.
    assert (
        lines[0]
        == "Fixed vpc-00000000000000001 in eu-south-1: 1 subnet public; nothing for you to do."
    )
    assert lines[2:4] == [
        "Changed:",
        f"  subnet {S1} now routes 0.0.0.0/0 to igw-00000000000000001 through "
        "<new public route table>; public IPs on",
    ]
    assert (
        "Trigger: AttachInternetGateway by arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice"
        in notice.text
    )
    # The remediator's own label is bookkeeping: not a change, not a detail.
    assert "vpc-remediator:managed" not in notice.text
    # Every launcher, one short line, both modes, under one heading.
    readiness_text = notice.text.split("Will it launch?\n", 1)[1].split("\n\n", 1)[0]
    shown = [line.strip() for line in readiness_text.splitlines()]
    assert [line.split(":")[0] for line in shown] == ["SkyPilot", "SkyPilot 0.7", "Ray", "dstack"]
    assert all(len(line) <= 100 for line in shown)
    assert f"{KEY}=ignore" in notice.text
    assert notice.attributes == {
        "mode": "remediate",
        "severity": "info",
        "region": "eu-south-1",
        "vpc_id": "vpc-00000000000000001",
        "outcome": "changed",
    }
    doc = notice.document
    assert (doc["schema"], doc["version"]) == (NOTICE_SCHEMA, 2)
    assert [a["type"] for a in doc["actions"]][:3] == [
        "CreateRouteTable",
        "TagResources",
        "CreateRoute",
    ]
    assert doc["actions"][0]["iam_actions"] == ["ec2:CreateRouteTable", "ec2:CreateTags"]
    json.dumps(doc)  # serialisable as it stands


def test_every_short_line_that_points_at_the_details_finds_its_launcher_there() -> None:
    """ "ready, but see the details" (a launcher that launches where instances cannot get out)
    and "not ready" are both written in full under the details."""
    notice = render_notice(_report(), intent_tag_key=KEY)
    short = notice.text.split("Will it launch?\n", 1)[1].split("\n\n", 1)[0]
    full = notice.text.split("Launchers in full:\n", 1)[1].split("\n\n", 1)[0]
    pointing = [line.strip() for line in short.splitlines() if "see the details" in line]
    assert pointing  # Ray in private mode: ready, but no NAT
    for line in pointing:
        launcher = line.split(":")[0]
        assert f"{launcher} (" in full or f"{launcher}: " in full, line
    assert "; but " in full


def test_names_stand_beside_ids_and_a_created_table_is_named_by_its_id() -> None:
    snap = vpc_snapshot(subnet(S1, name="skypilot-subnet"), vpc_tags={"Name": "skypilot-vpc"})
    plan = plan_vpc(snap, Policy(), AutoScope.all())
    made = "rtb-0000000000000made"
    outcomes = tuple(
        ActionOutcome(a, ActionStatus.APPLIED, resource_id=made if a.creates else "")
        for a in plan.actions
    )
    report = Report("eu-south-1", Mode.REMEDIATE, snap.vpc.id, (plan,), outcomes, snapshot=snap)
    notice = render_notice(report, intent_tag_key=KEY)
    assert notice.subject == '[vpc-remediator] fixed "skypilot-vpc" in eu-south-1: 1 subnet public'
    assert (
        f'  subnet "skypilot-subnet" ({S1}) now routes 0.0.0.0/0 to igw-00000000000000001 '
        f"through {made}, a new table; public IPs on"
    ) in notice.text.splitlines()
    assert "<new " not in notice.text  # the placeholder, once the table exists, is its id


def test_audit_notice_lists_what_would_change() -> None:
    report = _report(Mode.AUDIT, ActionStatus.WOULD_APPLY)
    assert report.outcome is Outcome.WOULD_CHANGE and report.severity is Severity.WARNING
    notice = render_notice(report, intent_tag_key=KEY)
    assert "Would change:" in notice.text and "[would-apply]" in notice.text
    assert notice.subject.endswith("would fix vpc-00000000000000001 in eu-south-1: 1 subnet public")
    assert notice.text.startswith(
        "Audit: vpc-00000000000000001 in eu-south-1 needs 1 subnet public"
    )


def test_a_failure_is_an_error_and_names_what_is_left() -> None:
    report = _report(status=ActionStatus.FAILED)
    assert report.outcome is Outcome.FAILED and report.severity is Severity.ERROR
    report = _report(
        verified=(
            Plan(Mode.REMEDIATE, "vpc-00000000000000001", actions=report.plans[0].actions[:1]),
        )
    )
    notice = render_notice(report, intent_tag_key=KEY)
    assert "Still not done after applying:" in notice.text
    assert notice.text.startswith("Fixing vpc-00000000000000001 in eu-south-1 FAILED")
    assert notice.attributes["outcome"] == "failed"


def test_a_reconcile_stopped_for_time_is_in_progress_not_failed() -> None:
    plan = _report().plans[0]
    half = len(plan.actions) // 2
    outcomes = tuple(
        ActionOutcome(a, ActionStatus.APPLIED if i < half else ActionStatus.DEFERRED)
        for i, a in enumerate(plan.actions)
    )
    left = Plan(Mode.REMEDIATE, plan.scope, actions=plan.actions[half:])
    report = _report(verified=(left,))
    report = Report(
        report.region, report.mode, report.scope, report.plans, outcomes, verified=(left,)
    )
    assert report.in_progress and not report.failed and not report.compliant
    assert report.outcome is Outcome.IN_PROGRESS and report.severity is Severity.WARNING
    notice = render_notice(report, intent_tag_key=KEY)
    assert notice.subject.endswith(f": {half} done, {len(left.actions)} to go")
    assert "its retry carries on from what is there by then" in notice.text
    assert "[deferred]" in notice.text
    # A failure as well as deferred work is a failure.
    failed = (ActionOutcome(plan.actions[0], ActionStatus.FAILED), *outcomes[1:])
    report = Report(report.region, report.mode, report.scope, report.plans, failed, (left,))
    assert report.outcome is Outcome.FAILED


def test_informational_findings_that_need_a_person_are_not_compliant() -> None:
    shared = Finding(FindingCode.SHARED_VPC, "vpc-1", "shared with this account")
    report = Report(
        "eu-south-1", Mode.REMEDIATE, "vpc-1", (Plan(Mode.REMEDIATE, "vpc-1", findings=(shared,)),)
    )
    assert report.compliant and not report.should_notify
    blocked = Finding(
        FindingCode.BLOCKED_BY_PUBLIC_ACCESS, S1, "blocked", Severity.WARNING, needs_person=True
    )
    report = Report(
        "eu-south-1", Mode.REMEDIATE, "vpc-1", (Plan(Mode.REMEDIATE, "vpc-1", findings=(blocked,)),)
    )
    assert not report.compliant and report.outcome is Outcome.NEEDS_ATTENTION


def test_nothing_is_sent_for_a_compliant_vpc_or_a_normal_state_on_the_way() -> None:
    quiet = Finding(FindingCode.UNDECIDED_SUBNET, S1, "left alone")
    report = Report(
        "eu-south-1", Mode.REMEDIATE, "vpc-1", (Plan(Mode.REMEDIATE, "vpc-1", findings=(quiet,)),)
    )
    assert report.outcome is Outcome.COMPLIANT and not report.should_notify
    loud = Finding(FindingCode.ROUTE_CONFLICT, S1, "conflict", Severity.WARNING, needs_person=True)
    report = Report(
        "eu-south-1", Mode.REMEDIATE, "vpc-1", (Plan(Mode.REMEDIATE, "vpc-1", findings=(loud,)),)
    )
    assert report.outcome is Outcome.NEEDS_ATTENTION and report.should_notify
    notice = render_notice(report, intent_tag_key=KEY)
    assert notice.subject.endswith("vpc-1 in eu-south-1 needs you: route-conflict")
    # A finding is told about its resource: named first where its message does not name it.
    assert notice.text.splitlines()[2:4] == ["Needs you:", f"  - {S1}: conflict"]
    assert f"[warning] {S1}: conflict" in notice.text
    named = Finding(FindingCode.ROUTE_CONFLICT, S1, f"{S1} has a conflict", Severity.WARNING)
    assert finding_line(named) == f"{S1} has a conflict"  # said once, not twice


def test_subjects_fit_sns_limits() -> None:
    long_scope = "vpc-" + "x" * 200 + "\u00e9\n"
    report = Report("eu-south-1", Mode.REMEDIATE, long_scope, (), error="boom")
    subject = render_notice(report, intent_tag_key=KEY).subject
    assert len(subject) <= 100 and subject.isascii() and "\n" not in subject


def test_the_json_schema_documents_every_finding_code_and_action_type() -> None:
    from pathlib import Path

    from vpc_remediator.domain.actions import ALL_ACTION_TYPES, ReleaseHold
    from vpc_remediator.domain.findings import FindingCode

    doc = (Path(__file__).resolve().parents[2] / "docs" / "json-schema.md").read_text()
    assert [c.value for c in FindingCode if f"`{c.value}`" not in doc] == []
    types = (*ALL_ACTION_TYPES, ReleaseHold)
    assert [t.__name__ for t in types if f"`{t.__name__}`" not in doc] == []


def test_a_notice_says_whose_account_it_is_where_known() -> None:
    """Many accounts' notices can reach one central topic: the account is in the subject,
    the first line, the JSON and the attributes; unknown, it is left out (not made up)."""
    report = dataclasses.replace(_report(), account="210987654321")
    notice = render_notice(report, intent_tag_key=KEY)
    assert notice.subject.startswith(
        "[vpc-remediator] fixed vpc-00000000000000001 in eu-south-1 (210987654321): "
    )
    assert notice.text.startswith(
        "Fixed vpc-00000000000000001 in eu-south-1 (account 210987654321): "
    )
    assert notice.document["account"] == "210987654321"
    assert notice.attributes["account"] == "210987654321"
    digest = render_digest("eu-south-1", Mode.REMEDIATE, [report], intent_tag_key=KEY)
    assert digest.subject.startswith("[vpc-remediator] sweep of eu-south-1 (210987654321): ")
    assert digest.text.startswith("Sweep of account 210987654321, eu-south-1 (remediate mode)")
    assert digest.document["account"] == "210987654321"
    unknown = render_notice(_report(), intent_tag_key=KEY)
    assert unknown.document["account"] is None and "account" not in unknown.attributes


def test_ids_are_told_with_their_names_and_never_inside_a_longer_word() -> None:
    from vpc_remediator.domain.text import named

    names = {"vpc-0123456789abcdef0": "prod", "subnet-0123456789abcdef0": 'web\n"a"'}
    assert (
        named("vpc-0123456789abcdef0: 2 changes", names)
        == '"prod" (vpc-0123456789abcdef0): 2 changes'
    )
    # A Name is data: quoted, on one line.
    assert named("move subnet-0123456789abcdef0", names) == (
        'move "web\\n\\"a\\"" (subnet-0123456789abcdef0)'
    )
    assert named("vpcr-public-vpc-0123456789abcdef0", names) == "vpcr-public-vpc-0123456789abcdef0"
    assert named("rtb-0123456789abcdef0", names) == "rtb-0123456789abcdef0"


def test_a_digest_says_the_sweep_in_its_first_sentence_and_names_each_vpc() -> None:
    audit = _report(Mode.AUDIT, ActionStatus.WOULD_APPLY)
    fixed = dataclasses.replace(_report(), scope="vpc-00000000000000002")
    digest = render_digest("eu-south-1", Mode.AUDIT, [audit, fixed], intent_tag_key=KEY)
    first, *rest = digest.text.splitlines()
    assert first == (
        "Sweep of eu-south-1 (audit mode), 2 VPCs checked: fixed 1 VPC; would fix 1 VPC "
        "(`vpc-remediator fix` does it); 0 compliant."
    )
    assert digest.subject == "[vpc-remediator] sweep of eu-south-1: fixed 1 VPC, would fix 1 VPC"
    heads = [line for line in rest if line.startswith("vpc-")]
    assert heads == [
        "vpc-00000000000000001: would fix: 1 subnet public",
        "vpc-00000000000000002: fixed: 1 subnet public",
    ]
    assert "Will it launch?" in rest and "Details" in rest
