"""What happened in one reconcile: each action's outcome, and the report the notices, the JSON
documents and the exit codes are made from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .actions import Action
from .findings import Finding, FindingCode, Severity
from .launchers import Readiness
from .model import VpcSnapshot
from .plan import Plan
from .policy import Mode
from .triggers import ApiCall

# Findings that leave a VPC compliant (docs/design.md section 9): a normal state on the way to being
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
        FindingCode.DUPLICATE_VPC_NAME,
        FindingCode.MULTI_NIC_NO_PUBLIC_IPS,
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


class Interrupted(KeyboardInterrupt):
    """A person interrupted the applying of a plan (Ctrl-C): what was applied by then, and
    the actions not started. Still a KeyboardInterrupt for whatever does not know it."""

    def __init__(self, done: tuple[ActionOutcome, ...], left: tuple[Action, ...]) -> None:
        super().__init__(f"{len(done)} changes made, {len(left)} not")
        self.done = done
        self.left = left


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
    # The VPC as last read (after applying, where anything was applied): its Names, and the
    # routing the changes are told in. None for the region-level report.
    snapshot: VpcSnapshot | None = None

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
