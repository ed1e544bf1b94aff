"""`vpc-remediator audit|fix --organization`: the command line over every account and region.

Every account-region pair is read (and planned) in parallel, at most --max-parallel at once.
`fix` shows the whole plan and asks once; it then plans each pair again and applies only a
plan that changes nothing it did not show (the state may move while a person reads).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from ..domain.organization import (
    DEFAULT_MAX_PARALLEL,
    DEFAULT_ROLE_NAME,
    OrganizationError,
    PairResult,
    account_id,
    exit_code,
    max_parallel,
    role_name,
    summary_line,
    within_what_was_shown,
    writes_shown,
)
from ..domain.plan import Plan
from ..domain.policy import AutoScope, Policy
from ..domain.provenance import Caller
from ..service.fleet import Approve, Job, OrganizationRun, Sweep
from .args import CliError, known
from .output import plan_text, print_text, run_document

Key = tuple[str, str]  # (account, region)
CHANGED_SINCE_SHOWN = "not applied: the plan changed after it was shown; run fix again"


@dataclass(frozen=True)
class Options:
    accounts: list[str]
    role: str
    parallel: int
    home: str
    regions: list[str] | None  # None: each account's enabled regions


def options(args: argparse.Namespace) -> Options:
    from ..service.wiring import default_region

    if not args.organization:
        raise CliError("--account, --role-name and --max-parallel need --organization")
    try:
        accounts = [account_id(a) for a in args.account]
        role = role_name(args.role_name or DEFAULT_ROLE_NAME)
        parallel = max_parallel(
            DEFAULT_MAX_PARALLEL if args.max_parallel is None else args.max_parallel
        )
        home = args.region[0] if args.region and not args.all_regions else default_region()
    except (OrganizationError, ValueError) as exc:
        raise CliError(str(exc)) from None
    regions = None if args.all_regions else known(list(dict.fromkeys(args.region)) or [home])
    return Options(accounts, role, parallel, home, regions)


class Progress:
    """One line on the terminal, rewritten as pairs finish."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def show(self, line: str) -> None:
        print(f"\r\033[K{line}", end="", file=self.stream, flush=True)

    def end(self) -> None:
        print(file=self.stream, flush=True)


@dataclass
class ShownPlans:
    """What the first pass of a fix would change, per pair: to show, then to hold it to."""

    writes: dict[Key, frozenset[str]] = field(default_factory=dict)
    texts: dict[Key, list[str]] = field(default_factory=dict)
    held: dict[Key, str] = field(default_factory=dict)

    def taking_down(self, job: Job) -> Approve:
        key = (job.account, job.region)

        def approve(plans: list[Plan], makers: Mapping[str, Caller | None]) -> bool:
            self.writes[key] = self.writes.get(key, frozenset()) | writes_shown(plans)
            where = f"{job.account} {job.region}"
            self.texts.setdefault(key, []).append(plan_text(where, plans, makers))
            return False

        return approve

    def holding_to(self, job: Job) -> Approve:
        key = (job.account, job.region)

        def approve(plans: list[Plan], _: Mapping[str, Caller | None]) -> bool:
            if within_what_was_shown(plans, self.writes.get(key, frozenset())):
                return True
            self.held[key] = CHANGED_SINCE_SHOWN
            return False

        return approve

    def pending(self, jobs: list[Job]) -> list[Job]:
        return [j for j in jobs if self.writes.get((j.account, j.region))]


def run_organization(args: argparse.Namespace, policy: Policy, out: TextIO, stdin: TextIO) -> int:
    from ..service.wiring import organization

    chosen = options(args)
    progress = Progress(sys.stderr) if sys.stderr.isatty() else None
    run = OrganizationRun(
        organization(chosen.home),
        chosen.role,
        chosen.parallel,
        progress=progress.show if progress else None,
    )
    try:
        jobs = run.jobs(chosen.accounts, chosen.regions, chosen.home)
    except OrganizationError as exc:
        raise CliError(str(exc)) from None
    sweep = Sweep(
        policy,
        frozenset(args.vpc_id) if args.vpc_id else None,
        AutoScope.none() if args.explicit_only else AutoScope.all(),
        look_up_makers=not args.explicit_only,
    )
    plans = ShownPlans()
    results = _pass(
        run, jobs, sweep, plans.taking_down if args.command == "fix" else None, progress
    )
    pending = plans.pending(jobs)
    if pending:
        told = sys.stderr if args.json else out
        for job in pending:
            print("\n".join(plans.texts[(job.account, job.region)]), file=told)
        if args.yes or _ask_once(stdin, told, len(pending)):
            applied = _pass(run, run.refreshed(pending), sweep, plans.holding_to, progress)
            by_pair = {
                (r.account, r.region): dataclasses.replace(
                    r, held_back=plans.held.get((r.account, r.region))
                )
                for r in applied
            }
            results = [by_pair.get((r.account, r.region), r) for r in results]
    _print(args, results, out)
    return exit_code(results)


def _pass(
    run: OrganizationRun,
    jobs: list[Job],
    sweep: Sweep,
    approve: Callable[[Job], Approve] | None,
    progress: Progress | None,
) -> list[PairResult]:
    results = run.run(jobs, sweep, approve or (lambda _: None))
    if progress:
        progress.end()
    return results


def _ask_once(stdin: TextIO, shown: TextIO, pairs: int) -> bool:
    print(
        f"Apply these changes in {pairs} account-region(s)? [y/N] ", end="", file=shown, flush=True
    )
    return stdin.readline().strip().lower() in {"y", "yes"}


def _print(args: argparse.Namespace, results: list[PairResult], out: TextIO) -> None:
    if args.json:
        json.dump(run_document(args.command, results), out, indent=2, sort_keys=True)
        print(file=out)
        return
    # The detail of what is not compliant, then one line per account and region.
    for result in results:
        if result.reports and not result.compliant:
            where = f"{result.account} {result.region}"
            print_text(where, list(result.reports), out, args.shown)
    for result in results:
        print(summary_line(result), file=out)
