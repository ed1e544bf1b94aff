"""What happened in one reconcile, and the notice a person (or a machine) receives about it.

DESIGN.md section 9: one message per reconcile, sent only when something was changed or needs a
person. The e-mail text reads in ten seconds; machines get a versioned JSON document of the same
facts; message attributes allow SNS filter policies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .actions import Action
from .findings import Finding, FindingCode, Severity
from .launchers import Readiness
from .launchers import lines as readiness_lines
from .plan import Plan
from .policy import Mode
from .text import ascii_line, ident
from .triggers import ApiCall

NOTICE_SCHEMA = "vpc-remediator/notice"
NOTICE_VERSION = 2  # 2: `readiness` (per launcher and mode) replaces `verdict`
SUBJECT_LIMIT = 100
DIGEST_SECTIONS = 30  # VPCs a sweep's digest tells in full; the others get a line each
DIGEST_SCHEMA = "vpc-remediator/digest"
DIGEST_VERSION = 2  # 2: its reports are notice documents v2
# Findings that leave a VPC compliant (DESIGN.md section 9): a normal state on the way to being
# finished, or one this account cannot and need not change (unless a finding says a person
# must look).
NORMAL_STATES = frozenset(
    {
        FindingCode.UNDECIDED_SUBNET,
        FindingCode.VPC_GONE,
        FindingCode.SHARED_VPC,
        FindingCode.BLOCKED_BY_PUBLIC_ACCESS,
        FindingCode.NAME_CONTRADICTS_INTENT,
        FindingCode.DEFAULT_VPC_ABSENT_BY_POLICY,
        # Informational only where no record is at hand (the command line without it).
        FindingCode.CLAIMED_ROUTE_TABLE,
    }
)


class ActionStatus(StrEnum):
    APPLIED = "applied"
    ALREADY_DONE = "already-done"  # a concurrent reconcile (or a person) got there first
    GONE = "gone"  # the resource was deleted under us
    FAILED = "failed"
    SKIPPED = "skipped"  # an earlier action it depends on did not succeed
    DEFERRED = "deferred"  # not started: the invocation's time was nearly up; the retry does it
    WOULD_APPLY = "would-apply"  # audit mode


@dataclass(frozen=True)
class ActionOutcome:
    action: Action
    status: ActionStatus
    detail: str = ""
    resource_id: str = ""  # the id of what was created, once known


class Outcome(StrEnum):
    FAILED = "failed"
    IN_PROGRESS = "in-progress"  # part applied; the invocation's time ran out; the retry goes on
    CHANGED = "changed"
    NEEDS_ATTENTION = "needs-attention"
    WOULD_CHANGE = "would-change"
    COMPLIANT = "compliant"


@dataclass(frozen=True)
class Report:
    region: str
    mode: Mode
    scope: str
    plans: tuple[Plan, ...]
    outcomes: tuple[ActionOutcome, ...] = ()
    # The plans made again from a fresh read after applying; None when nothing was applied.
    verified: tuple[Plan, ...] | None = None
    # Per launcher and mode, of the state after the fix (domain/launchers).
    readiness: tuple[Readiness, ...] = ()
    trigger: ApiCall | None = None
    error: str | None = None
    # The account the remediator guards ("" where not known): many accounts' notices can
    # reach one topic (CentralNoticeTopicArn), so each says whose it is.
    account: str = ""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for p in self.plans for f in p.findings)

    @property
    def remaining(self) -> tuple[Action, ...]:
        """What is still planned after applying and reading again."""
        return tuple(a for p in self.verified or () for a in p.actions)

    @property
    def final_plans(self) -> tuple[Plan, ...]:
        return self.plans if self.verified is None else self.verified

    @property
    def compliant(self) -> bool:
        """Nothing left to do and nothing to look at, beyond states on the way to being finished."""
        return (
            not self.failed
            and not self.in_progress
            and all(
                not p.actions
                and all(f.code in NORMAL_STATES and not f.needs_person for f in p.findings)
                for p in self.final_plans
            )
        )

    @property
    def deferred(self) -> tuple[ActionOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status is ActionStatus.DEFERRED)

    @property
    def in_progress(self) -> bool:
        """Stopped part way for lack of time, with nothing failed: the retry carries on."""
        return bool(self.deferred) and not self.failed

    @property
    def failed(self) -> bool:
        return bool(
            self.error
            or (self.remaining and not self.deferred)
            # A skipped action (its dependency failed or was gone) shows up in `remaining`
            # if it still matters.
            or self.failures
        )

    @property
    def failures(self) -> tuple[ActionOutcome, ...]:
        """The writes that failed and were not made good later in the same invocation (a
        throttled call that a later round made, with nothing left to do after it)."""
        made_good: set[tuple[object, ...]] = set()
        failures: list[ActionOutcome] = []
        for outcome in reversed(self.outcomes):
            key = outcome.action.about
            if outcome.status in (ActionStatus.APPLIED, ActionStatus.ALREADY_DONE):
                made_good.add(key)
            elif outcome.status is ActionStatus.FAILED and (key not in made_good or self.remaining):
                failures.append(outcome)
        return tuple(reversed(failures))

    @property
    def changed(self) -> bool:
        return any(o.status is ActionStatus.APPLIED for o in self.outcomes)

    @property
    def needs_person(self) -> bool:
        return any(f.needs_person for f in self.findings)

    @property
    def outcome(self) -> Outcome:
        if self.failed:
            return Outcome.FAILED
        if self.in_progress:
            return Outcome.IN_PROGRESS
        if self.changed:
            return Outcome.CHANGED
        if any(o.status is ActionStatus.WOULD_APPLY for o in self.outcomes):
            return Outcome.WOULD_CHANGE
        if self.needs_person:
            return Outcome.NEEDS_ATTENTION
        return Outcome.COMPLIANT

    @property
    def severity(self) -> Severity:
        if self.failed:
            return Severity.ERROR
        if self.needs_person or self.outcome in (Outcome.WOULD_CHANGE, Outcome.IN_PROGRESS):
            return Severity.WARNING
        return Severity.INFO

    @property
    def should_notify(self) -> bool:
        return self.outcome is not Outcome.COMPLIANT


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str
    document: dict[str, Any]
    attributes: dict[str, str]


_HEADLINES = {
    Outcome.FAILED: "remediation FAILED",
    Outcome.IN_PROGRESS: "in progress",
    Outcome.CHANGED: "fixed",
    Outcome.NEEDS_ATTENTION: "needs attention",
    Outcome.WOULD_CHANGE: "audit: changes needed",
    Outcome.COMPLIANT: "compliant",
}


def _fit_subject(subject: str) -> str:
    """SNS subjects: printable ASCII on one line, under 100 characters."""
    return ascii_line(subject, SUBJECT_LIMIT - 1)


def _where(account: str, region: str) -> str:
    """ "123456789012 eu-south-1", or the region alone where the account is not known."""
    return f"{account} {region}" if account else region


def _in(account: str, region: str) -> str:
    return f"account {account}, {region}" if account else region


def _subject(report: Report) -> str:
    applied = sum(o.status is ActionStatus.APPLIED for o in report.outcomes)
    counts = {Outcome.CHANGED: applied, Outcome.WOULD_CHANGE: len(report.outcomes)}
    headline = _HEADLINES[report.outcome]
    if report.outcome in counts:
        headline += f" ({counts[report.outcome]} change{'s' * (counts[report.outcome] != 1)})"
    if report.outcome is Outcome.IN_PROGRESS:
        headline += f" ({applied} done, {len(report.remaining)} to go; continuing)"
    people = [f.code.value for f in report.findings if f.needs_person]
    if people:
        headline += f"; {', '.join(dict.fromkeys(people))}"
    where = _where(report.account, report.region)
    return _fit_subject(f"[vpc-remediator] {where} {report.scope}: {headline}")


def _trigger_line(call: ApiCall | None) -> str:
    if call is None:
        return "Trigger: run by hand"
    who = ident(call.actor_arn) if call.actor_arn else "an unknown caller"
    return f"Trigger: {call.event_name} by {who} at {call.event_time} (event {call.event_id})"


def report_lines(report: Report) -> list[str]:
    """The part of a notice about one reconcile: actions, what is left, findings."""
    lines: list[str] = []
    if report.outcomes:
        lines += ["Would change:" if report.mode is Mode.AUDIT else "Actions:"]
        for o in report.outcomes:
            made = f" -> {o.resource_id}" if o.resource_id else ""
            detail = f" ({o.detail})" if o.detail else ""
            lines.append(f"  [{o.status}] {o.action.summary}{made}{detail}")
            lines.append(f"      why: {o.action.reason}")
    if report.remaining and report.in_progress:
        lines += [
            f"Still in progress ({len(report.remaining)} changes): this invocation stopped "
            "before its time ran out; its retry carries on from what is there by then:"
        ]
        lines += [f"  - {a.summary}" for a in report.remaining]
    elif report.remaining:
        lines += ["Still not compliant after applying:"]
        lines += [f"  - {a.summary}" for a in report.remaining]
    if report.error:
        lines += [f"Error: {report.error}"]
    if report.findings:
        lines += ["Findings:"]
        lines += [f"  [{f.severity}] {f.message}" for f in report.findings]
    return lines


def _opt_out(intent_tag_key: str) -> str:
    return (
        f"Opt out: tag a subnet or its VPC with {intent_tag_key}=ignore, "
        "or deploy with Mode=audit to only report."
    )


def render_notice(report: Report, *, intent_tag_key: str) -> Notice:
    lines = [
        f"vpc-remediator ({report.mode} mode) in {_in(report.account, report.region)}, "
        f"{report.scope}: {report.outcome}",
        "",
        _trigger_line(report.trigger),
        "",
        *report_lines(report),
    ]
    if report.readiness:
        lines += ["", "Readiness:", *(f"  {line}" for line in readiness_lines(report.readiness))]
    lines += ["", _opt_out(intent_tag_key)]
    return Notice(
        subject=_subject(report),
        text="\n".join(lines) + "\n",
        document=notice_document(report),
        attributes={
            "mode": str(report.mode),
            "severity": str(report.severity),
            "region": report.region,
            "vpc_id": report.scope if report.scope.startswith("vpc-") else "none",
            "outcome": str(report.outcome),
            **({"account": report.account} if report.account else {}),
        },
    )


_WORST_FIRST = (
    Outcome.FAILED,
    Outcome.IN_PROGRESS,
    Outcome.NEEDS_ATTENTION,
    Outcome.WOULD_CHANGE,
    Outcome.CHANGED,
    Outcome.COMPLIANT,
)


def digest_wanted(reports: list[Report]) -> bool:
    """A sweep sends its digest only when something is not compliant or was changed."""
    return any(r.changed or not r.compliant for r in reports)


def render_digest(region: str, mode: Mode, reports: list[Report], *, intent_tag_key: str) -> Notice:
    """One message for a whole sweep: every VPC that needs a word, then the rest in one line."""
    worst = next(
        o for o in _WORST_FIRST if o is Outcome.COMPLIANT or any(r.outcome is o for r in reports)
    )
    noted = [r for r in reports if r.changed or not r.compliant]
    quiet = [r.scope for r in reports if r not in noted]
    changed = sum(r.changed for r in reports)
    severity = max((r.severity for r in reports), key=list(Severity).index, default=Severity.INFO)
    account = next((r.account for r in reports if r.account), "")
    lines = [
        f"vpc-remediator sweep ({mode} mode) in {_in(account, region)}: {len(reports)} checked, "
        f"{changed} changed, {len(noted) - changed} to look at",
    ]
    # The worst first; past DIGEST_SECTIONS, one line each: a digest is read, and must fit.
    ordered = sorted(noted, key=lambda r: _WORST_FIRST.index(r.outcome))
    for report in ordered[:DIGEST_SECTIONS]:
        lines += ["", f"== {report.scope}: {report.outcome}", *report_lines(report)]
    if len(ordered) > DIGEST_SECTIONS:
        rest = ordered[DIGEST_SECTIONS:]
        lines += ["", f"{len(rest)} more VPCs need a word (the JSON document lists them all):"]
        lines += [f"  {r.scope}: {r.outcome}" for r in rest]
    if quiet:
        lines += [
            "",
            f"Compliant: {len(quiet)} VPCs"
            if len(quiet) > 20
            else f"Compliant: {', '.join(quiet)}",
        ]
    readiness = next((r.readiness for r in reversed(reports) if r.readiness), ())
    if readiness:
        lines += ["", "Readiness:", *(f"  {line}" for line in readiness_lines(readiness))]
    lines += ["", _opt_out(intent_tag_key)]
    subject = (
        f"[vpc-remediator] {_where(account, region)} sweep: {len(reports)} checked, "
        f"{changed} changed, "
        f"{len(noted) - changed} to look at"
    )
    if worst is Outcome.FAILED:
        subject += ", FAILED"
    return Notice(
        subject=_fit_subject(subject),
        text="\n".join(lines) + "\n",
        document={
            "schema": DIGEST_SCHEMA,
            "version": DIGEST_VERSION,
            "account": account or None,
            "region": region,
            "mode": str(mode),
            "outcome": str(worst),
            "severity": str(severity),
            "reports": [notice_document(r) for r in reports],
        },
        attributes={
            "mode": str(mode),
            "severity": str(severity),
            "region": region,
            "vpc_id": "sweep",
            "outcome": str(worst),
            **({"account": account} if account else {}),
        },
    )


def _action_dict(action: Action) -> dict[str, Any]:
    fields = {
        name: (list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else str(v))
        for name, v in action.parameters().items()
        if v is not None
    }
    return {
        "type": type(action).__name__,
        "summary": action.summary,
        "reason": action.reason,
        "iam_actions": list(action.iam_actions),
        "parameters": fields,
    }


def notice_document(report: Report) -> dict[str, Any]:
    """The versioned JSON document for machine subscribers (and `--json` output)."""
    call = report.trigger
    return {
        "schema": NOTICE_SCHEMA,
        "version": NOTICE_VERSION,
        "account": report.account or None,
        "region": report.region,
        "scope": report.scope,
        "mode": str(report.mode),
        "outcome": str(report.outcome),
        "severity": str(report.severity),
        "trigger": None
        if call is None
        else {
            "event_name": call.event_name,
            "event_id": call.event_id,
            "event_time": call.event_time,
            "actor_arn": call.actor_arn,
            "account": call.account,
        },
        "actions": [
            {
                **_action_dict(o.action),
                "status": str(o.status),
                "detail": o.detail,
                "resource_id": o.resource_id,
            }
            for o in report.outcomes
        ],
        "remaining": [_action_dict(a) for a in report.remaining],
        "compliant": report.compliant,
        "findings": [
            {
                "code": str(f.code),
                "resource_id": f.resource_id,
                "severity": str(f.severity),
                "needs_person": f.needs_person,
                "message": f.message,
            }
            for f in report.findings
        ],
        "intents": [
            {
                "subnet_id": i.subnet_id,
                "intent": str(i.intent),
                "source": str(i.source),
                "reason": i.reason,
            }
            for p in report.plans
            for i in p.intents
        ],
        "readiness": [r.document() for r in report.readiness],
        "error": report.error,
    }
