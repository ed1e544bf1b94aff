"""The pure rules of an organisation run: which accounts, the exit code, the lines it ends
with, and a fix that applies nothing it did not show."""

from __future__ import annotations

import dataclasses

import pytest

from tests.builders import subnet, vpc_snapshot
from vpc_remediator.domain.organization import (
    Coverage,
    MemberAccount,
    OrganizationError,
    PairResult,
    account_id,
    coverage,
    exit_code,
    max_parallel,
    partition_of,
    role_arn,
    role_name,
    summary_line,
    within_what_was_shown,
    writes_shown,
)
from vpc_remediator.domain.outcomes import ActionOutcome, ActionStatus, Report
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Mode, Policy

LISTED = [
    MemberAccount("222222222222", "b", "ACTIVE"),
    MemberAccount("111111111111", "a", "ACTIVE"),
    MemberAccount("333333333333", "gone", "SUSPENDED"),
    MemberAccount("444444444444", "closing", "PENDING_CLOSURE"),
]


def test_every_active_account_in_order_and_never_a_suspended_one() -> None:
    assert coverage(LISTED, []) == Coverage(("111111111111", "222222222222"))


def test_asked_accounts_are_narrowed_to_and_the_others_refused_with_why() -> None:
    covered = coverage(
        LISTED, ["222222222222", "333333333333", "999999999999", "222222222222", "444444444444"]
    )
    assert covered.accounts == ("222222222222",)
    assert dict(covered.refused) == {
        "333333333333": "SUSPENDED in the organization; only ACTIVE accounts are covered",
        "999999999999": "not an account of the organization",
        "444444444444": "PENDING_CLOSURE in the organization; only ACTIVE accounts are covered",
    }


def test_an_accounts_state_wins_over_its_deprecated_status() -> None:
    listed = MemberAccount.listed
    assert listed({"Id": "111111111111", "Status": "ACTIVE"}).status == "ACTIVE"
    joining = listed({"Id": "111111111111", "Status": "ACTIVE", "State": "PENDING_ACTIVATION"})
    assert joining.status == "PENDING_ACTIVATION"
    assert coverage([joining], []) == Coverage(())


@pytest.mark.parametrize(
    ("check", "raw"),
    [
        (account_id, "12345678901"),
        (account_id, "12345678901a"),
        (role_name, "a role"),
        (role_name, "x" * 65),
        (role_name, "path/role"),
    ],
)
def test_bad_options_are_refused(check, raw: str) -> None:
    with pytest.raises(OrganizationError):
        check(raw)


@pytest.mark.parametrize("raw", [0, 65, -1])
def test_parallelism_is_bounded(raw: int) -> None:
    with pytest.raises(OrganizationError, match="from 1 to 64"):
        max_parallel(raw)


def test_the_role_is_in_the_callers_partition() -> None:
    assert partition_of("arn:aws-cn:iam::111111111111:user/x") == "aws-cn"
    assert (
        role_arn("aws-us-gov", "111111111111", "Audit")
        == "arn:aws-us-gov:iam::111111111111:role/Audit"
    )
    with pytest.raises(OrganizationError):
        partition_of("not-an-arn")


def _report(status: ActionStatus | None, *, public: bool = False) -> Report:
    """The seed story's VPC (a subnet, a gateway, no route): five changes planned; with
    `public` a VPC that is already right."""
    snap = vpc_snapshot(subnet("subnet-00000000000000001"))
    if public:
        snap = vpc_snapshot()
    plan = plan_vpc(snap, Policy(mode=Mode.REMEDIATE), AutoScope.all())
    outcomes = () if status is None else tuple(ActionOutcome(a, status) for a in plan.actions)
    return Report("eu-south-1", Mode.REMEDIATE, snap.vpc.id, (plan,), outcomes, account="1")


def test_exit_code_two_for_anything_unread_else_one_for_anything_not_compliant() -> None:
    clean = PairResult("111111111111", "eu-south-1", (_report(None, public=True),))
    dirty = PairResult("111111111111", "us-west-2", (_report(ActionStatus.WOULD_APPLY),))
    lost = PairResult("222222222222", "eu-south-1", error="cannot assume ...")
    assert clean.compliant and not dirty.compliant and not lost.compliant
    assert exit_code([clean]) == 0
    assert exit_code([clean, dirty]) == 1
    assert exit_code([clean, dirty, lost]) == 2
    assert exit_code([]) == 0


def test_one_line_per_pair_says_what_it_is() -> None:
    where = ("111111111111", "eu-south-1")
    assert summary_line(PairResult(*where, (_report(None, public=True),))) == (
        "111111111111 eu-south-1: compliant"
    )
    assert summary_line(PairResult(*where, (_report(ActionStatus.WOULD_APPLY),))) == (
        "111111111111 eu-south-1: 5 change(s) to apply"
    )
    assert summary_line(PairResult(*where, error="cannot assume x: AccessDenied")) == (
        "111111111111 eu-south-1: error: cannot assume x: AccessDenied"
    )
    held = PairResult(*where, (_report(ActionStatus.WOULD_APPLY),), held_back="not applied")
    assert summary_line(held).endswith("5 change(s) to apply (not applied)")
    failed = dataclasses.replace(_report(ActionStatus.FAILED), verified=_report(None).plans)
    assert summary_line(PairResult(*where, (failed,))) == (
        "111111111111 eu-south-1: 5 failed, 5 still to do"
    )


def test_a_fix_applies_a_plan_only_within_what_was_shown() -> None:
    seed = vpc_snapshot(subnet("subnet-00000000000000001"))
    shown = writes_shown([plan_vpc(seed, Policy(), AutoScope.all())])
    assert len(shown) == 5
    assert within_what_was_shown([plan_vpc(seed, Policy(), AutoScope.all())], shown)
    # A subnet added while the person read the plan: its changes were not shown.
    grown = vpc_snapshot(
        subnet("subnet-00000000000000001"),
        subnet("subnet-00000000000000002", zone="eu-south-1b"),
    )
    assert not within_what_was_shown([plan_vpc(grown, Policy(), AutoScope.all())], shown)
    # Less than was shown (someone did part of it) is within it.
    assert within_what_was_shown([], shown)
