"""The notice a person receives about a reconcile (or a whole sweep): one message per reconcile,
sent only when something was changed or needs a person. The text reads in ten seconds; the
JSON document (domain/document.py) carries the same facts for machines; message attributes
allow SNS filter policies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import chat, telling
from .document import DIGEST_SCHEMA, DIGEST_VERSION, notice_document
from .findings import Severity, finding_line
from .launchers import lines as readiness_lines
from .outcomes import ActionStatus, Outcome, Report
from .plan import names_of
from .policy import Mode
from .text import ascii_line, ident, named
from .triggers import ApiCall

SUBJECT_LIMIT = 100
DIGEST_SECTIONS = 30  # VPCs a sweep's digest tells in full; the others by outcome, in a line
DIGEST_NAMED = 5  # of those, the VPCs named in each outcome's line
DIGEST_SUMMARY_LINES = 100  # the sentence and the VPCs told in full stop here
DIGEST_LINES = 190  # the whole text: details are cut to fit


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str
    document: dict[str, Any]
    attributes: dict[str, str]
    # The same, as a chat channel shows it (domain/chat.py): published to ChatTopicArn.
    chat: dict[str, Any] | None = None


def _fit_subject(subject: str) -> str:
    """SNS subjects: printable ASCII on one line, under 100 characters."""
    return ascii_line(subject, SUBJECT_LIMIT - 1)


def _where(account: str, region: str) -> str:
    """ "123456789012 eu-south-1", or the region alone where the account is not known."""
    return f"{account} {region}" if account else region


def _in(account: str, region: str) -> str:
    return f"account {account}, {region}" if account else region


def _subject(report: Report) -> str:
    """What happened, where, to what: `[vpc-remediator] fixed skypilot-vpc in eu-south-1: 1
    subnet public`."""
    vpc = telling.vpc_words(report) if report.scope.startswith("vpc-") else report.scope
    where = f"{vpc} in {report.region}" + (f" ({report.account})" if report.account else "")
    what = telling.counts(report)
    people = sum(f.needs_person for f in report.findings)
    match report.outcome:
        case Outcome.CHANGED:
            line = f"fixed {where}: {what}" + (f"; {people} need you" if people else "")
        case Outcome.WOULD_CHANGE:
            line = f"would fix {where}: {what}"
        case Outcome.FAILED:
            failed = len(report.failures) or len(report.remaining)
            line = f"FAILED to fix {where}: {failed} change{'s' * (failed != 1)} not made"
        case Outcome.IN_PROGRESS:
            done = sum(o.status is ActionStatus.APPLIED for o in report.outcomes)
            line = f"fixing {where}: {done} done, {len(report.remaining)} to go"
        case Outcome.NEEDS_ATTENTION:
            codes = [f.code.value for f in report.findings if f.needs_person]
            line = f"{where} needs you: {', '.join(dict.fromkeys(codes))}"
        case _:
            line = f"{where} is compliant"
    return _fit_subject(f"[vpc-remediator] {line}")


def _trigger_line(call: ApiCall | None) -> str:
    if call is None:
        return "Trigger: run by hand"
    who = ident(call.actor_arn) if call.actor_arn else "an unknown caller"
    return f"Trigger: {call.event_name} by {who} at {call.event_time} (event {call.event_id})"


def summary_lines(report: Report) -> list[str]:
    """What a person reads first: the changes, one line each, then what needs them."""
    lines: list[str] = []
    if changed := telling.changes(report):
        lines += [f"{telling.audit_or_applied(report)}:", *(f"  {c}" for c in changed)]
    if report.remaining and report.in_progress:
        lines += [
            f"Still to do ({len(report.remaining)} changes): the invocation stopped before its "
            "time ran out; its retry carries on from what is there by then."
        ]
    elif report.remaining:
        lines += ["Still not done after applying:"]
        lines += [f"  - {a.summary}" for a in report.remaining]
    if report.error:
        lines += [f"Error: {report.error}"]
    if needed := telling.needs(report):
        lines += ["Needs you:", *(f"  - {n}" for n in needed)]
    return lines


def report_lines(report: Report) -> list[str]:
    """The details of one reconcile: every action with why, and the findings for the record
    (bookkeeping labels left out)."""
    lines: list[str] = []
    done = [o for o in report.outcomes if not telling.bookkeeping(o.action)]
    created = telling.created(report)
    if done:
        lines += ["Would change:" if report.mode is Mode.AUDIT else "Actions:"]
        for o in done:
            made = f" -> {o.resource_id}" if o.resource_id else ""
            detail = f" ({o.detail})" if o.detail else ""
            lines.append(f"  [{o.status}] {o.action.resolved(created).summary}{made}{detail}")
            lines.append(f"      why: {o.action.reason}")
    if report.remaining:
        lines += ["Still planned:"]
        lines += [f"  - {a.summary}" for a in report.remaining]
    if report.error:
        lines += [f"Error: {report.error}"]
    if report.findings:
        lines += ["Findings:"]
        lines += [f"  [{f.severity}] {finding_line(f)}" for f in report.findings]
    return lines


def report_names(report: Report) -> Mapping[str, str]:
    """The Names the report's resources had when read (after applying, where it applied)."""
    if report.snapshot is not None:
        return names_of(report.snapshot)
    return {k: v for p in report.plans for k, v in p.names.items()}


def detail_lines(report: Report) -> list[str]:
    """`report_lines` with Names beside ids, as a person reads them."""
    names = report_names(report)
    return [named(line, names) for line in report_lines(report)]


def _opt_out(intent_tag_key: str) -> str:
    return (
        f"Opt out: tag a subnet or its VPC with {intent_tag_key}=ignore, "
        "or deploy with Mode=audit to only report."
    )


def render_notice(report: Report, *, intent_tag_key: str) -> Notice:
    """The point first (one sentence), the changes with Names, what needs a person, one
    readiness line per launcher; then the details, for whoever wants them."""
    lines = [telling.headline(report), ""]
    if summary := summary_lines(report):
        lines += [*summary, ""]
    if report.readiness:
        lines += [
            "Will it launch?",
            *(f"  {line}" for line in telling.readiness_lines(report.readiness)),
            "",
        ]
    lines += [
        "Details",
        f"  {report.mode} mode, {telling.where_words(report)}",
        f"  {_trigger_line(report.trigger)}",
        *(f"  {line}" for line in detail_lines(report)),
    ]
    # In full, each launcher line the summary points at: not ready, or ready with a "but".
    pointed = [
        line
        for line in readiness_lines(report.readiness)
        if "not ready" in line or "; but " in line
    ]
    if pointed:
        lines += ["  Launchers in full:", *(f"    {line}" for line in pointed)]
    lines += ["", _opt_out(intent_tag_key)]
    subject = _subject(report)
    return Notice(
        subject=subject,
        text="\n".join(lines) + "\n",
        chat=_chat_card(report, subject),
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


def _chat_card(report: Report, subject: str) -> dict[str, Any]:
    """The notice for a chat channel: its summary and changes, what needs a person as next
    steps, one thread per VPC."""
    account, region = report.account, report.region
    snapshot = report.snapshot
    changed = sorted(
        {str(r) for o in telling.made(report) for r in o.action.written if r.startswith("subnet-")}
    )
    return chat.card(
        title=subject.removeprefix("[vpc-remediator] "),
        lines=[
            telling.headline(report),
            *summary_lines(report),
            *telling.readiness_lines(report.readiness),
        ],
        steps=telling.needs(report),
        keywords=[region, account, str(report.outcome)],
        thread=f"vpc-remediator:{account or 'account'}:{region}:{report.scope}",
        event_type=f"vpc-remediator.{report.outcome}",
        resources=[snapshot.vpc.id if snapshot else report.scope, *changed],
        context={
            "account": account,
            "region": region,
            "vpc_id": report.scope if report.scope.startswith("vpc-") else "",
            "mode": str(report.mode),
            "outcome": str(report.outcome),
        },
        event_id=report.trigger.event_id if report.trigger else "",
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _needs_you(report: Report) -> bool:
    return report.outcome is Outcome.FAILED or any(f.needs_person for f in report.findings)


@dataclass(frozen=True)
class _Tally:
    """A sweep counted, once, for its subject and its first sentence."""

    checked: int
    fixed: int
    would: int
    failed: int
    people: int  # needs a person (failures apart)
    look: int  # compliant in outcome, with something to look at
    fine: int

    @classmethod
    def of(cls, reports: list[Report]) -> _Tally:
        return cls(
            checked=len(reports),
            fixed=sum(r.changed for r in reports),
            would=sum(r.outcome is Outcome.WOULD_CHANGE for r in reports),
            failed=sum(r.outcome is Outcome.FAILED for r in reports),
            people=sum(_needs_you(r) and r.outcome is not Outcome.FAILED for r in reports),
            look=sum(
                not r.compliant and r.outcome is Outcome.COMPLIANT and not _needs_you(r)
                for r in reports
            ),
            fine=sum(r.compliant and not r.changed for r in reports),
        )

    def parts(self, mode: Mode) -> list[str]:
        parts = []
        if self.failed:
            parts.append(f"{self.failed} FAILED (the next sweep tries again)")
        if self.fixed:
            parts.append(f"fixed {_plural(self.fixed, 'VPC')}")
        if self.would:
            vpcs = _plural(self.would, "VPC")
            told = f"would fix {vpcs}" if mode is Mode.AUDIT else f"{vpcs} left to fix"
            parts.append(f"{told} (`vpc-remediator fix` does it)")
        if self.people:
            parts.append(f"{self.people} need{'s' * (self.people == 1)} you")
        if self.look:
            parts.append(f"{self.look} to look at")
        return parts

    def headline(self, account: str, region: str, mode: Mode) -> str:
        """The sweep in one sentence: what it fixed, what needs a person, what is fine."""
        checked = _plural(self.checked, "VPC") + " checked"
        parts = [*self.parts(mode), f"{self.fine} compliant"]
        return f"Sweep of {_in(account, region)} ({mode} mode), {checked}: {'; '.join(parts)}."

    def subject(self, account: str, region: str, mode: Mode) -> str:
        told = [p.split(" (")[0] for p in self.parts(mode)] or [f"{self.checked} checked"]
        where = region + (f" ({account})" if account else "")
        return _fit_subject(f"[vpc-remediator] sweep of {where}: {', '.join(told)}")


def _section_head(report: Report) -> str:
    """A VPC of the digest: its Name and id, and what happened to it."""
    who = (
        telling.words(report.snapshot, report.scope)
        if report.scope.startswith("vpc-")
        else report.scope
    )
    what = telling.counts(report)
    match report.outcome:
        case Outcome.CHANGED:
            state = f"fixed: {what}" if what else "fixed"
        case Outcome.WOULD_CHANGE:
            state = f"would fix: {what}" if what else "would change"
        case Outcome.FAILED:
            state = "FAILED"
        case Outcome.IN_PROGRESS:
            state = "fixing (the retry carries on)"
        case Outcome.NEEDS_ATTENTION:
            state = "needs you"
        case _:
            state = "to look at"
    return f"{who}: {state}"


def render_digest(region: str, mode: Mode, reports: list[Report], *, intent_tag_key: str) -> Notice:
    """One message for a whole sweep, the point first: a sentence; each VPC that needs a word
    (worst first, Names beside ids: what changed, what needs a person); the rest counted by
    outcome; readiness one line per launcher; then the details, while they fit."""
    worst = next(
        o for o in _WORST_FIRST if o is Outcome.COMPLIANT or any(r.outcome is o for r in reports)
    )
    noted = [r for r in reports if r.changed or not r.compliant]
    quiet = [r for r in reports if r not in noted]
    severity = max((r.severity for r in reports), key=list(Severity).index, default=Severity.INFO)
    account = next((r.account for r in reports if r.account), "")
    tally = _Tally.of(reports)
    lines = [tally.headline(account, region, mode)]
    # The worst first; past what fits, one line per outcome: a digest is read, and must fit.
    ordered = sorted(noted, key=lambda r: _WORST_FIRST.index(r.outcome))
    told: list[Report] = []
    for report in ordered[:DIGEST_SECTIONS]:
        said = summary_lines(report) or [f"- {finding_line(f)}" for f in report.findings]
        section = ["", _section_head(report), *(f"  {x}" for x in said)]
        if told and len(lines) + len(section) > DIGEST_SUMMARY_LINES:
            break
        lines += section
        told.append(report)
    rest = ordered[len(told) :]
    if rest:
        lines += ["", f"{len(rest)} more VPCs need a word (the JSON document lists them all):"]
        by_outcome: dict[Outcome, list[str]] = {}
        for r in rest:
            by_outcome.setdefault(r.outcome, []).append(telling.words(r.snapshot, r.scope))
        for outcome, scopes in by_outcome.items():
            more = f" and {len(scopes) - DIGEST_NAMED} more" if len(scopes) > DIGEST_NAMED else ""
            lines.append(f"  {outcome} ({len(scopes)}): {', '.join(scopes[:DIGEST_NAMED])}{more}")
    if quiet:
        lines += [
            "",
            f"Compliant: {len(quiet)} VPCs"
            if len(quiet) > DIGEST_NAMED * 4
            else "Compliant: " + ", ".join(telling.words(r.snapshot, r.scope) for r in quiet),
        ]
    readiness = next((r.readiness for r in reversed(reports) if r.readiness), ())
    if readiness:
        lines += [
            "",
            "Will it launch?",
            *(f"  {line}" for line in telling.readiness_lines(readiness)),
        ]
    details = [f"  {mode} mode, {_in(account, region)}, the scheduled sweep"]
    room = DIGEST_LINES - len(lines) - 6  # "Details", the cut's line, the opt-out
    for n, report in enumerate(told):
        block = [f"  {_section_head(report)}", *(f"    {x}" for x in detail_lines(report))]
        if len(details) + len(block) > room:
            details.append(f"  ... {len(told) - n} more VPCs' details: in the JSON document")
            break
        details += block
    lines += ["", "Details", *details, "", _opt_out(intent_tag_key)]
    subject = tally.subject(account, region, mode)
    return Notice(
        subject=subject,
        text="\n".join(lines) + "\n",
        chat=chat.card(
            title=subject.removeprefix("[vpc-remediator] "),
            lines=[
                lines[0],
                *(_section_head(r) for r in told),
                *(telling.readiness_lines(readiness) if readiness else []),
            ],
            steps=[],
            keywords=[region, account, str(worst)],
            thread=f"vpc-remediator:{account or 'account'}:{region}:sweep",
            event_type="vpc-remediator.sweep",
            resources=[r.scope for r in ordered if r.scope.startswith("vpc-")],
            context={"account": account, "region": region, "outcome": str(worst)},
        ),
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
