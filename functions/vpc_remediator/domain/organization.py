"""An organisation run from a terminal (`audit|fix --organization`): which accounts, which
account-region pairs, what a person approved, the exit code and the lines it ends with.

Pure rules; the calls to Organizations and STS are in aws/organization.py, the running in
fleet.py.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .outcomes import NORMAL_STATES, ActionStatus, Report
from .plan import Plan

ACTIVE = "ACTIVE"
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"
DEFAULT_MAX_PARALLEL = 8
MAX_PARALLEL = 64

_ACCOUNT_ID = re.compile(r"^\d{12}$")
# IAM role names: up to 64 of letters, digits and +=,.@_- (a path is not part of the name).
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")


class AccountUnreachable(Exception):
    """An account's role could not be assumed; the message is one line."""


class OrganizationError(ValueError):
    """An organisation run asked for something that cannot be: one line for the person."""


@dataclass(frozen=True)
class MemberAccount:
    id: str
    name: str
    # ACTIVE, SUSPENDED, PENDING_CLOSURE, PENDING_ACTIVATION, CLOSED
    status: str

    @classmethod
    def listed(cls, account: Mapping[str, object]) -> MemberAccount:
        """From ListAccounts: its `State` where given (AWS's successor to `Status`, which
        also tells PENDING_ACTIVATION and CLOSED apart), else its `Status`."""
        status = account.get("State") or account.get("Status") or ""
        return cls(str(account["Id"]), str(account.get("Name", "")), str(status))


@dataclass(frozen=True)
class Coverage:
    """The accounts a run covers, in order, and the asked ones it cannot (with why)."""

    accounts: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()


def account_id(raw: str) -> str:
    if not _ACCOUNT_ID.match(raw.strip()):
        raise OrganizationError(f"--account {raw!r}: not a 12-digit AWS account id")
    return raw.strip()


def role_name(raw: str) -> str:
    if not _ROLE_NAME.match(raw):
        raise OrganizationError(f"--role-name {raw!r}: not an IAM role name")
    return raw


def max_parallel(raw: int) -> int:
    if not 1 <= raw <= MAX_PARALLEL:
        raise OrganizationError(f"--max-parallel {raw}: must be from 1 to {MAX_PARALLEL}")
    return raw


def coverage(listed: Iterable[MemberAccount], asked: Sequence[str]) -> Coverage:
    """Every ACTIVE account of the organisation, or the asked ones; an asked account that is
    not ACTIVE (suspended, closing) or not in the organisation is refused, with why."""
    by_id = {a.id: a for a in listed}
    active = sorted(a for a, member in by_id.items() if member.status == ACTIVE)
    if not asked:
        return Coverage(tuple(active))
    covered: list[str] = []
    refused: list[tuple[str, str]] = []
    for wanted in dict.fromkeys(asked):
        member = by_id.get(wanted)
        if member is None:
            refused.append((wanted, "not an account of the organization"))
        elif member.status != ACTIVE:
            refused.append(
                (wanted, f"{member.status} in the organization; only ACTIVE accounts are covered")
            )
        else:
            covered.append(wanted)
    return Coverage(tuple(covered), tuple(refused))


def role_arn(partition: str, account: str, name: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{name}"


def partition_of(arn: str) -> str:
    """The partition of an ARN (aws, aws-cn, aws-us-gov)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise OrganizationError(f"{arn!r} is not an ARN")
    return parts[1]


@dataclass(frozen=True)
class PairResult:
    """One account and region of a run: its reports, or why it could not be read."""

    account: str
    region: str
    reports: tuple[Report, ...] = ()
    error: str | None = None
    # Why a fix did not apply what it showed (the plan changed in between), if it did not.
    held_back: str | None = None

    @property
    def compliant(self) -> bool:
        return self.error is None and all(r.compliant for r in self.reports)


def exit_code(results: Iterable[PairResult]) -> int:
    """2 if any account or region could not be audited; else 0 when everything is compliant,
    1 when something has findings or actions (for fix: something remains)."""
    results = list(results)
    if any(r.error for r in results):
        return 2
    return 0 if all(r.compliant for r in results) else 1


def summary_line(result: PairResult) -> str:
    """The one line per account and region a run ends with."""
    where = f"{result.account} {result.region}"
    if result.error:
        return f"{where}: error: {result.error}"
    if result.compliant:
        return f"{where}: compliant"
    statuses = Counter(o.status for r in result.reports for o in r.outcomes)
    remaining = sum(len(r.remaining) for r in result.reports)
    findings = sum(
        1
        for r in result.reports
        for p in r.final_plans
        for f in p.findings
        if f.needs_person or f.code not in NORMAL_STATES
    )
    parts = [f"{statuses[status]} {label}" for status, label in _COUNTED if statuses[status]]
    if remaining:
        parts.append(f"{remaining} still to do")
    if findings:
        parts.append(f"{findings} finding(s)")
    line = f"{where}: " + (", ".join(parts) or "not compliant")
    if result.held_back:
        line += f" ({result.held_back})"
    return line


_COUNTED = (
    (ActionStatus.APPLIED, "applied"),
    (ActionStatus.WOULD_APPLY, "change(s) to apply"),
    (ActionStatus.FAILED, "failed"),
    (ActionStatus.DEFERRED, "deferred"),
)


def progress_line(done: int, total: int, accounts_done: int, accounts: int) -> str:
    return f"[{done}/{total}] account-regions done, {accounts_done}/{accounts} accounts"


def writes_shown(plans: Iterable[Plan]) -> frozenset[str]:
    """What a person was shown they approve: the summary of every change of the plans."""
    return frozenset(a.summary for p in plans for a in p.writes)


def within_what_was_shown(plans: Iterable[Plan], shown: frozenset[str]) -> bool:
    """A fix applies a plan made again after the person said yes only if it changes nothing
    they were not shown (the state may have moved in between)."""
    return writes_shown(plans) <= shown
