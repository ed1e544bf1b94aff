"""read snapshot -> decide and plan (pure) -> apply -> read again and verify -> notify
(docs/design.md section 3).

The service knows the ports it needs (reader, writer, notifier), not boto3. In audit mode it is
given no writer at all, so no code path can change anything.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..domain import journal
from ..domain.actions import Action, CreateDefaultVpc
from ..domain.decision import Decision, Past, asks_makers, decide, once, subjects
from ..domain.launchers import Readiness, readiness
from ..domain.memory import Memory
from ..domain.model import RegionSnapshot, Vpc, VpcSnapshot
from ..domain.notice import Notice, digest_wanted, render_digest, render_notice
from ..domain.outcomes import ActionOutcome, ActionStatus, Interrupted, Report
from ..domain.plan import Plan
from ..domain.planner import plan_for_vpc, plan_region
from ..domain.policy import AutoScope, Mode, Policy
from ..domain.said import Recollection
from ..domain.triggers import ApiCall, RegionTarget, Trigger
from ..observability import count, logger
from .holdbook import HoldBook
from .makers import MakerBook
from .ports import Approval, Notifier, Outlet, Reader, Writer
from .recordbook import RecordBook

REGION_SCOPE = "default VPC"
# Apply-and-verify rounds before a reconcile is declared not converged.
MAX_ROUNDS = 3
# Time kept back from the invocation's end to read again, notify and return: the longest a
# throttled write takes with botocore's backoff (a few seconds) plus the verify read and SNS.
STOP_MARGIN_SECONDS = 20.0


class Unfinished(RuntimeError):
    """Raised after notifying, with the reports: the invocation fails so that Lambda retries
    (and the dead-letter queue keeps the event), and the handler counts what was done."""

    def __init__(self, message: str, reports: list[Report]) -> None:
        super().__init__(message)
        self.reports = reports


class RemediationIncomplete(Unfinished):
    """Something is still not compliant after remediating."""

    def __init__(self, reports: list[Report]) -> None:
        failed = "; ".join(f"{r.scope} ({r.error or 'see notice'})" for r in reports if r.failed)
        super().__init__(f"not compliant after remediation: {failed}", reports)


class RemediationInProgress(Unfinished):
    """Time ran out part way: Lambda's retry carries on from live state (the work done so far
    is kept, and planned no more)."""

    def __init__(self, reports: list[Report]) -> None:
        going = "; ".join(
            f"{r.scope} ({len(r.remaining)} changes to go)" for r in reports if r.in_progress
        )
        super().__init__(f"stopped before the invocation's time ran out: {going}", reports)


class NotificationFailed(Unfinished):
    """The change was made (and logged) but a notice could not be published."""


def _would_apply(actions: Iterable[Action]) -> tuple[ActionOutcome, ...]:
    return tuple(ActionOutcome(a, ActionStatus.WOULD_APPLY) for a in actions)


@dataclass
class Remediator:
    policy: Policy
    reader: Reader
    writer: Writer | None
    notifier: Notifier | None
    fallback: Notifier | None = None  # where a notice goes when the notifier refuses it
    # Seconds left in this invocation (the Lambda context's), or None for no limit.
    time_left: Callable[[], float] | None = None
    # What was said and done before (DynamoDB in the stack): the same thing is said once, and
    # a change someone keeps undoing is put on hold. None: the command line.
    memory: Memory | None = None
    # Who made what, where no event says it (the sweep, the command line): CloudTrail's history.
    makers: MakerBook | None = None
    # Asked before anything is applied, with the plans (the command line asks a person, who
    # can approve some VPCs and not others).
    approve: Approval | None = None
    # Where what the remediator owns is recorded (the memory table in the stack; the command
    # line names it, or goes without: then nothing is proven, and nothing is deleted, merged
    # or removed on a tag's claim).
    record: Memory | None = None
    record_durable: bool = True  # False: a memory of this run only (the command line)
    # Who runs it, where no event says it: the command line's caller (its ARN, asked only
    # when something is applied); None for the sweep.
    actor: Callable[[], str] | None = None
    # Where changes and findings go besides the notice (EventBridge, Security Hub).
    outlets: tuple[Outlet, ...] = ()
    holds: HoldBook = field(init=False)
    run: str = field(init=False)
    records: RecordBook = field(init=False)
    # The readiness of the last region read (and plans): every report of a sweep shares one.
    _readiness: tuple[RegionSnapshot, frozenset[str], tuple[Readiness, ...]] | None = field(
        default=None, init=False, repr=False
    )

    _changes: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)
    # The region's VPCs, where this invocation read them all (a sweep): the outlets archive
    # what they said about the others.
    _listed: frozenset[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.policy.mode is Mode.REMEDIATE and self.writer is None:
            raise ValueError("remediate mode needs a writer")
        self.run = uuid.uuid4().hex  # this reconcile: its own rounds are not someone undoing
        self.holds = HoldBook(self.memory, self.reader.region, self.run, self._now)
        self.records = RecordBook(self.record, self.reader.region, durable=self.record_durable)

    def _read(self, vpc_ids: Iterable[str] | None = None) -> RegionSnapshot:
        """A batched read of the region, with what the record proves the remediator owns."""
        return self.records.attach(self.reader.read(vpc_ids))

    def _plan(
        self, region: RegionSnapshot, vpc_id: str, auto: AutoScope, call: ApiCall | None
    ) -> Plan:
        """The planner's plan, auto intent once per subnet, with what someone keeps undoing put
        on hold instead."""
        decision = self._decide(region, vpc_id, auto, call)
        return plan_for_vpc(region, vpc_id, self.policy, decision.auto, undone=decision.undone)

    def _decide(
        self, region: RegionSnapshot, vpc_id: str, auto: AutoScope, call: ApiCall | None
    ) -> Decision:
        """The one decision before the planner (domain/decision.py), from what the keepers
        recall: the VPC's record of what was applied and, where no event says it, who made
        the subnets auto intent would change."""
        past = Past(applied=self.holds.recall(vpc_id))
        snapshot = region.details.get(vpc_id)
        if call is None and self.makers is not None and snapshot is not None:
            scope = once(auto, past.applied, run=self.run)
            if asks_makers(scope):
                asked = subjects(snapshot, self.policy, scope)
                past = replace(
                    past,
                    makers=self.makers.look_up(asked),
                    ask_unknown=self.makers.ask_unknown,
                )
        return decide(
            snapshot,
            self.policy,
            auto,
            past,
            caller=call.caller if call else None,
            run=self.run,
            now=self._now(),
        )

    @staticmethod
    def _now() -> float:
        """The clock the decisions and the record share (a test's, where it replaces it)."""
        return time.time()

    def _readiness_of(
        self, region: RegionSnapshot, planned: frozenset[str] = frozenset()
    ) -> tuple[Readiness, ...]:
        """The region's readiness, whose advice agrees with the plans beside it: a subnet they
        make public (`planned`, still to apply) is not to be tagged by a person."""
        cached = self._readiness
        if cached is None or cached[0] is not region or cached[1] != planned:
            cached = self._readiness = (region, planned, readiness(region, self.policy, planned))
        return cached[2]

    def _out_of_time(self) -> bool:
        return self.time_left is not None and self.time_left() < STOP_MARGIN_SECONDS

    def _apply(
        self, writer: Writer, plan: Plan, region: RegionSnapshot, call: ApiCall | None
    ) -> tuple[ActionOutcome, ...]:
        """The plan's writes, recorded ahead of the calls; then the journal of what was applied
        (against `region`, the read the plan was made from)."""
        try:
            applied = writer.apply(self.records.ahead(plan).writes, stop=self._out_of_time)
        except Interrupted as stop:
            self._journal(plan, region, stop.done, call)
            raise
        self._journal(plan, region, applied, call)
        return applied

    def _journal(
        self,
        plan: Plan,
        region: RegionSnapshot,
        outcomes: tuple[ActionOutcome, ...],
        call: ApiCall | None,
    ) -> None:
        snapshot = region.details.get(plan.scope)
        if not any(o.status is ActionStatus.APPLIED for o in outcomes):
            return
        if snapshot is None:  # the default VPC, recreated: no VPC read before it
            vpc = next((o.resource_id for o in outcomes if o.resource_id), None) or plan.scope
            snapshot = VpcSnapshot(vpc=Vpc(vpc), subnets=(), route_tables=())
        if call is not None:
            trigger = journal.Trigger("event", call.actor_arn, call.event_name, call.event_id)
        elif self.actor is not None:
            trigger = journal.Trigger("command-line", self.actor())
        else:
            trigger = journal.Trigger("sweep")
        intents = {i.subnet_id: f"{i.intent} ({i.reason})" for i in plan.intents}
        self._changes += self.records.journal(
            snapshot, outcomes, run=self.run, trigger=trigger, intents=intents
        )

    @property
    def _writing(self) -> Writer | None:
        return self.writer if self.policy.mode is Mode.REMEDIATE else None

    def handle(self, trigger: Trigger) -> list[Report]:
        target = trigger.target
        if isinstance(target, RegionTarget) and not target.all_vpcs:
            reports = [self.reconcile_region(trigger.call)]
        else:
            vpc_ids = self.reader.vpc_ids_for(target)
            if vpc_ids is not None and not vpc_ids:
                logger.info(
                    "target no longer exists; nothing to reconcile", extra={"target": str(target)}
                )
                return []
            reports = self.reconcile_vpcs(vpc_ids, trigger.auto, trigger.call, trigger.created)
        return self.finish(reports)

    def reconcile_vpcs(
        self,
        vpc_ids: frozenset[str] | None,
        auto: AutoScope,
        call: ApiCall | None = None,
        created: tuple[str, ...] = (),
    ) -> list[Report]:
        """The VPCs named (None: every VPC of the region), from one batched read."""
        region = self._read(vpc_ids)
        unseen = [r for r in created if not _lists(region, r)]
        if unseen:
            # Eventual consistency: the event can arrive before EC2 lists what it created.
            gone = self.reader.wait_visible(unseen)
            if gone:
                logger.info(
                    "created resources not found after waiting", extra={"ids": sorted(gone)}
                )
            if len(gone) < len(unseen):
                region = self._read(vpc_ids)
        return self._reconcile_read(region, vpc_ids, auto, call)

    def sweep(self, vpc_ids: frozenset[str] | None, auto: AutoScope) -> list[Report]:
        """The region's default VPC and every VPC (or those named), with one batched read.

        Used by the scheduled sweep and by the command line.
        """
        region = self._read(vpc_ids)
        if vpc_ids is None and self.actor is None:  # the scheduled sweep of the whole region
            self.records.forget_journals_of_gone_vpcs(region)
        if vpc_ids is None:  # every VPC of the region is read: what is not listed is gone
            self._listed = frozenset(v.id for v in region.vpcs)
        region_plan = plan_region(region, self.policy)
        if region_plan.writes and (
            self.approve is None or region_plan.scope in self.approve([region_plan])
        ):
            # Rare: the default VPC is to be recreated; that path reads again by itself.
            region_report = self.reconcile_region()
            region = self._read(vpc_ids)
        else:
            _log_plan(region_plan)
            region_report = self._report(
                REGION_SCOPE, (region_plan,), _would_apply(region_plan.actions), region, None
            )
        return [region_report, *self._reconcile_read(region, vpc_ids, auto, None)]

    def _reconcile_read(
        self,
        region: RegionSnapshot,
        vpc_ids: frozenset[str] | None,
        auto: AutoScope,
        call: ApiCall | None,
    ) -> list[Report]:
        targets = sorted(vpc_ids) if vpc_ids is not None else sorted(region.details)
        plans = {v: self._plan(region, v, auto, call) for v in targets}
        for plan in plans.values():
            _log_plan(plan)
        writer = self._writing
        writes = any(p.writes for p in plans.values())
        approved = frozenset(targets)
        if writer is not None and writes and self.approve is not None:
            # A person's say, per VPC: what they did not approve is reported, not applied.
            approved &= frozenset(self.approve([p for p in plans.values() if p.writes]))
        if writer is None or not writes or not approved:
            planned = _planned(plans.values(), region)
            return [
                self._report(
                    plan.scope, (plan,), _would_apply(plan.actions), region, call, planned=planned
                )
                for plan in plans.values()
            ]
        # Apply, read again, plan again: usually one round. A concurrent reconcile (another
        # event for the same VPC) can leave work that the next round sees and finishes.
        outcomes: dict[str, tuple[ActionOutcome, ...]] = dict.fromkeys(targets, ())
        current, after = plans, region
        for _ in range(MAX_ROUNDS):
            todo = [v for v in targets if v in approved and current[v].writes]
            if not todo:
                break
            for v in todo:
                applied = self._apply(writer, current[v], after, call)
                self.holds.applied(v, applied, call.caller if call else None)
                outcomes[v] += applied
            after = self._read(vpc_ids)
            current = {v: self._plan(after, v, auto, call) for v in targets}
            if self._out_of_time():
                break  # what is left is the retry's, from live state
        self.records.flush()  # the verifying read confirmed what was recorded ahead
        for v in sorted(approved):
            self.holds.completed(v, outcomes[v], current[v].writes)
        planned = _planned(current.values(), after)
        return [
            self._report(
                v, (plans[v],), outcomes[v], after, call, verified=(current[v],), planned=planned
            )
            if v in approved
            else self._report(
                v, (current[v],), _would_apply(current[v].actions), after, call, planned=planned
            )
            for v in targets
        ]

    def reconcile_region(self, call: ApiCall | None = None) -> Report:
        """The default VPC: report it gone, recreate it when allowed, then finish its network."""
        region = self._read(frozenset())
        plan = plan_region(region, self.policy)
        _log_plan(plan)
        writer = self._writing
        if writer is None or not plan.writes:
            return self._report(REGION_SCOPE, (plan,), _would_apply(plan.actions), region, call)
        outcomes = self._apply(writer, plan, region, call)
        region = self._read(frozenset())
        plans: tuple[Plan, ...] = (plan,)
        default = region.default_vpc
        verified: tuple[Plan, ...] = (plan_region(region, self.policy),)
        if default is not None and any(
            isinstance(o.action, CreateDefaultVpc) and o.status is ActionStatus.APPLIED
            for o in outcomes
        ):
            # A recreated default VPC is a creation: its auto intent (public) is applied, and,
            # as AWS's own default VPCs have, it gets an internet gateway.
            vpc_plan = plan_for_vpc(
                region, default.id, self.policy, AutoScope.all(), restoring=True
            )
            _log_plan(vpc_plan)
            plans += (vpc_plan,)
            outcomes += self._apply(writer, vpc_plan, region, call)
            region = self._read(frozenset())
            verified = (
                plan_region(region, self.policy),
                plan_for_vpc(region, default.id, self.policy, AutoScope.all(), restoring=True),
            )
        self.records.flush()
        return self._report(REGION_SCOPE, plans, outcomes, region, call, verified=verified)

    def finish(self, reports: list[Report]) -> list[Report]:
        """Notify what is news; then fail if anything is left undone (after notifying)."""
        recollection = Recollection(self.memory, reports)
        notices = []
        news = []
        for report in reports:
            if recollection.news(report):
                news.append(report)
                notices.append(render_notice(report, intent_tag_key=self.policy.intent_tag_key))
            elif report.should_notify:
                logger.info("said before; no notice", extra={"scope": report.scope})
            else:
                logger.info("compliant; no notice", extra={"scope": report.scope})
        self._tell_outlets(news, reports)
        return self._send(notices, reports, recollection)

    def finish_sweep(self, reports: list[Report]) -> list[Report]:
        """One digest for a whole sweep, only when one of its reports has news."""
        recollection = Recollection(self.memory, reports)
        notices = []
        news = (
            any(recollection.news(r) for r in reports)
            if self.memory is not None
            else digest_wanted(reports)
        )
        if news:
            notices.append(
                render_digest(
                    self.reader.region,
                    self.policy.mode,
                    reports,
                    intent_tag_key=self.policy.intent_tag_key,
                )
            )
        else:
            logger.info("sweep: nothing new; no digest", extra={"vpcs": len(reports) - 1})
        self._tell_outlets([r for r in reports if recollection.news(r)] if news else [], reports)
        # A digest that could not be sent is parked (the dead-letter alarm tells a person) and
        # remembered as said: the next sweep has nothing new, instead of failing the same way.
        return self._send(notices, reports, recollection, remember_unsent=True)

    def _send(
        self,
        notices: list[Notice],
        reports: list[Report],
        recollection: Recollection,
        *,
        remember_unsent: bool = False,
    ) -> list[Report]:
        unsent = []
        for notice in notices:
            if self.notifier is None:
                continue
            try:
                message_id = self.notifier.publish(notice)
            except Exception:  # noqa: BLE001 - logged and parked here, raised below
                logger.exception("notice not published", extra={"subject": notice.subject})
                unsent.append(notice.subject)
                self._park(notice)
                continue
            logger.info("notice published", extra={"subject": notice.subject, "id": message_id})
            count("NoticesSent")
        if not unsent or remember_unsent:
            recollection.commit()  # what could not be said is news the next time
        if any(r.failed for r in reports):
            raise RemediationIncomplete(reports)
        if any(r.in_progress for r in reports):
            raise RemediationInProgress(reports)
        if unsent:
            raise NotificationFailed(f"not published: {'; '.join(unsent)}", reports)
        return reports

    def _tell_outlets(self, news: list[Report], reports: list[Report]) -> None:
        """The changes this invocation made and the findings that are news, to each outlet;
        a failure is logged and counted, and the invocation goes on."""
        changes, self._changes = self._changes, []
        if not self.outlets:
            return
        for outlet in self.outlets:
            try:
                sent = outlet.send(changes, news, reports, listed=self._listed)
            except Exception:  # noqa: BLE001 - the notice says it; this is a copy for machines
                logger.exception(f"{outlet.name} not told", extra={"changes": len(changes)})
                count(f"{outlet.name}Failed")
                continue
            logger.info(f"{outlet.name} told", extra={"entries": sent})

    def _park(self, notice: Notice) -> None:
        if self.fallback is None:
            return
        try:
            message_id = self.fallback.publish(notice)
        except Exception:  # noqa: BLE001 - the invocation fails anyway, with both logged
            logger.exception("notice not parked either", extra={"subject": notice.subject})
            return
        logger.warning("notice parked in the dead-letter queue", extra={"id": message_id})

    def _report(
        self,
        scope: str,
        /,
        plans: tuple[Plan, ...],
        outcomes: tuple[ActionOutcome, ...],
        region: RegionSnapshot,
        call: ApiCall | None,
        *,
        verified: tuple[Plan, ...] | None = None,
        planned: frozenset[str] = frozenset(),
    ) -> Report:
        report = Report(
            region=region.region,
            account=self.reader.account,
            mode=self.policy.mode,
            scope=scope,
            plans=plans,
            outcomes=outcomes,
            verified=verified,
            readiness=self._readiness_of(region, planned),
            trigger=call,
            snapshot=region.details.get(scope),
        )
        logger.info(
            "reconciled",
            extra={
                "scope": scope,
                "outcome": str(report.outcome),
                "actions": [f"{o.status}: {o.action.summary}" for o in outcomes],
                "remaining": [a.summary for a in report.remaining],
                "block_public_access": region.public_access.description,
            },
        )
        return report


def _planned(plans: Iterable[Plan], region: RegionSnapshot) -> frozenset[str]:
    """The subnets the plans (still to apply) make public."""
    return frozenset(s for p in plans for s in p.made_public(region.details.get(p.scope)))


def _lists(region: RegionSnapshot, resource_id: str) -> bool:
    """Whether a read listed the resource (a VPC, subnet or route table)."""
    if region.vpc(resource_id) is not None:
        return True
    return any(
        resource_id in {s.id for s in snap.subnets} | {t.id for t in snap.route_tables}
        for snap in region.details.values()
    )


def _log_plan(plan: Plan) -> None:
    logger.info(
        "planned",
        extra={
            "scope": plan.scope,
            "mode": str(plan.mode),
            "actions": [a.summary for a in plan.actions],
            "findings": [f"{f.code}: {f.message}" for f in plan.findings],
        },
    )
