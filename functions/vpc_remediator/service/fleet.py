"""`audit|fix --organization`: every account and region asked, each pair read (and fixed) the
way one region is today, at most `max_parallel` pairs in flight.

A role is assumed once per account and its session reused across the account's regions; an
account that cannot be reached, or a pair that cannot be read, becomes a result with `error`
and the others still run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from ..domain.organization import (
    AccountUnreachable,
    Coverage,
    OrganizationError,
    PairResult,
    coverage,
    progress_line,
)
from ..domain.plan import Plan
from ..domain.policy import AutoScope, Policy
from .makers import MakerBook
from .wiring import AccountSession, Organization, error_line, remediator_in

# The plans of one approval, and who made the subnets they change (None: not looked up):
# the scopes approved.
Approve = Callable[[list[Plan], MakerBook | None], Collection[str]]
T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    """One account and region to run, with the account's session (or why there is none)."""

    account: str
    region: str
    session: AccountSession | None = None
    error: str | None = None


@dataclass(frozen=True)
class Sweep:
    """What each pair runs: the command line's sweep of every VPC (or those named)."""

    policy: Policy
    vpc_ids: frozenset[str] | None
    auto: AutoScope
    look_up_makers: bool
    stack: str | None = None  # each account's vpc-remediator stack: its record and journal
    security_hub: bool = False

    def __call__(self, job: Job, approve: Approve | None) -> PairResult:
        if job.session is None:
            return PairResult(job.account, job.region, error=job.error or "no session")
        try:
            remediator = remediator_in(
                job.session,
                job.region,
                self.policy,
                account=job.account,
                look_up_makers=self.look_up_makers,
                ask_unknown=True,
                approve=None
                if approve is None
                else lambda plans: approve(plans, remediator.makers),
                stack=self.stack,
                security_hub=self.security_hub,
            )
            reports = remediator.sweep(self.vpc_ids, self.auto)
        except Exception as exc:  # noqa: BLE001 - one pair's failure is its result, not the run's
            return PairResult(job.account, job.region, error=error_line(exc))
        return PairResult(job.account, job.region, tuple(reports))


@dataclass
class OrganizationRun:
    organization: Organization
    role_name: str
    max_parallel: int
    progress: Callable[[str], None] | None = None

    def jobs(self, asked: Sequence[str], regions: Sequence[str] | None, home: str) -> list[Job]:
        """Every pair of the accounts covered and the regions asked (None: each account's
        enabled regions), in account then region order; then the asked accounts refused."""
        covered = coverage(self.organization.accounts(), asked)
        if not covered.accounts and not covered.refused:
            raise OrganizationError("the organization lists no ACTIVE account: nothing to cover")
        self.organization.caller_account  # noqa: B018 - asked once here, before the threads
        reached = self._in_parallel(self._reach, covered.accounts)
        if regions is None:
            own = self.organization.enabled_regions(None, home)
            where = self._in_parallel(
                lambda a: self._regions_of(reached[a], home, own), covered.accounts
            )
        else:
            where = {a: (list(regions), _why(reached[a])) for a in covered.accounts}
        jobs = []
        for account in covered.accounts:
            account_regions, why = where[account]
            session = reached[account]
            for region in account_regions:
                if why is None and isinstance(session, AccountSession):
                    jobs.append(Job(account, region, session))
                else:
                    jobs.append(Job(account, region, error=why))
        return jobs + self._refused(covered, regions, home)

    def _refused(self, covered: Coverage, regions: Sequence[str] | None, home: str) -> list[Job]:
        asked_regions = list(regions) if regions is not None else [home]
        return [
            Job(account, region, error=f"account {account} is {why}")
            for account, why in covered.refused
            for region in asked_regions
        ]

    def _reach(self, account: str) -> AccountSession | str:
        try:
            session = self.organization.session_in(account, self.role_name)
        except AccountUnreachable as exc:
            return str(exc)
        return session

    def _regions_of(
        self, reach: AccountSession | str, home: str, own: list[str]
    ) -> tuple[list[str], str | None]:
        """An account's enabled regions, and why it cannot be read if it cannot; the
        caller's regions where the account's are not known."""
        if isinstance(reach, str):
            return own, reach
        try:
            return self.organization.enabled_regions(reach, home), None
        except Exception as exc:  # noqa: BLE001 - that account's entries say why
            return own, f"cannot list the account's regions: {error_line(exc)}"

    def refreshed(self, jobs: Sequence[Job], now: datetime | None = None) -> list[Job]:
        """The jobs with a role session assumed again where it would expire soon (a fix
        waited for a person)."""
        now = now or datetime.now(UTC)
        stale = sorted(
            {j.account for j in jobs if j.session is not None and not j.session.fresh(now)}
        )
        renewed = self._in_parallel(self._reach, stale)
        out = []
        for job in jobs:
            reach = renewed.get(job.account)
            if isinstance(reach, str):
                out.append(Job(job.account, job.region, error=reach))
            elif reach is not None:
                out.append(Job(job.account, job.region, reach))
            else:
                out.append(job)
        return out

    def run(
        self, jobs: Sequence[Job], sweep: Sweep, approve: Callable[[Job], Approve | None]
    ) -> list[PairResult]:
        """Each job's result, in the jobs' order; progress as each pair finishes."""
        results: dict[int, PairResult] = {}
        left = Counter(j.account for j in jobs)
        accounts = len(left)
        for n, job in enumerate(jobs):
            if job.error is not None:
                results[n] = PairResult(job.account, job.region, error=job.error)
        todo = {n: j for n, j in enumerate(jobs) if n not in results}
        for n in results:
            left[jobs[n].account] -= 1
        self._tell(len(results), len(jobs), accounts - len(+left), accounts)
        with ThreadPoolExecutor(max_workers=self.max_parallel) as pool:
            futures = {pool.submit(sweep, job, approve(job)): n for n, job in todo.items()}
            for future in as_completed(futures):
                n = futures[future]
                results[n] = future.result()
                left[jobs[n].account] -= 1
                self._tell(len(results), len(jobs), accounts - len(+left), accounts)
        return [results[n] for n in range(len(jobs))]

    def _tell(self, done: int, total: int, accounts_done: int, accounts: int) -> None:
        if self.progress is not None:
            self.progress(progress_line(done, total, accounts_done, accounts))

    def _in_parallel(self, fn: Callable[[str], T], accounts: Sequence[str]) -> dict[str, T]:
        with ThreadPoolExecutor(max_workers=self.max_parallel) as pool:
            return dict(zip(accounts, pool.map(fn, accounts), strict=True))


def _why(reach: AccountSession | str) -> str | None:
    """Why an account cannot be read (its role could not be assumed), or None."""
    return reach if isinstance(reach, str) else None
