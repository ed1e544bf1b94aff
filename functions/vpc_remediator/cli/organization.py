"""`vpc-remediator audit|fix --organization`: the command line over every account and region.

Every account-region pair is read (and planned) in parallel, at most --max-parallel at once.
`fix` shows the whole plan and asks once; it then plans each pair again and applies only a
plan that changes nothing it did not show (the state may move while a person reads).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Callable
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
from ..service.fleet import Approve, Job, OrganizationRun, Sweep
from ..service.makers import MakerBook
from .args import CliError, known
from .output import EACH, YES, ask_line, choices, plan_text, print_text, run_document

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
    if (
        args.record_table
        and args.record_table != os.environ.get("VPCR_MEMORY_TABLE")
        and not args.stack
    ):
        raise CliError(
            "with --organization, name the stack (--stack): each account's record is its own "
            "stack's table"
        )
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
    """What the first pass of a fix would change, per pair and VPC: to show, to choose from,
    then to hold the second pass to."""

    writes: dict[Key, dict[str, frozenset[str]]] = field(default_factory=dict)
    texts: dict[Key, list[str]] = field(default_factory=dict)
    labels: dict[Key, dict[str, str]] = field(default_factory=dict)
    approved: dict[Key, frozenset[str]] = field(default_factory=dict)
    held: dict[Key, str] = field(default_factory=dict)

    def taking_down(self, job: Job) -> Approve:
        key = (job.account, job.region)

        def approve(plans: list[Plan], book: MakerBook | None) -> frozenset[str]:
            shown = self.writes.setdefault(key, {})
            for plan in plans:
                shown[plan.scope] = shown.get(plan.scope, frozenset()) | writes_shown([plan])
            self.labels.setdefault(key, {}).update(choices(plans))
            makers, failure = (book.makers, book.failure) if book else ({}, "")
            where = f"{job.account} {job.region}"
            self.texts.setdefault(key, []).append(plan_text(where, plans, makers, failure))
            return frozenset()

        return approve

    def holding_to(self, job: Job) -> Approve:
        """Applies, of what the person approved, each VPC whose plan changes nothing that was
        not shown; the others are held back (said per pair)."""
        key = (job.account, job.region)

        def approve(plans: list[Plan], _: MakerBook | None) -> frozenset[str]:
            shown = self.writes.get(key, {})
            wanted = self.approved.get(key, frozenset())
            chosen = [p for p in plans if p.scope in wanted]
            kept = frozenset(
                p.scope
                for p in chosen
                if within_what_was_shown([p], shown.get(p.scope, frozenset()))
            )
            if len(kept) < len(chosen):
                self.held[key] = CHANGED_SINCE_SHOWN
            return kept

        return approve

    def pending(self, jobs: list[Job]) -> list[Job]:
        return [j for j in jobs if any(self.writes.get((j.account, j.region), {}).values())]

    def choose(self, pending: list[Job], ask: Callable[[str], str] | None) -> None:
        """Every VPC shown (ask None: --yes), or those the person picks one by one."""
        for job in pending:
            key = (job.account, job.region)
            labels = self.labels.get(key, {})
            self.approved[key] = frozenset(
                scope
                for scope, label in labels.items()
                if ask is None or ask(f"  {job.account} {job.region} {label}? [y/N] ") in YES
            )


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
        stack=args.stack,
        security_hub=args.security_hub,
    )
    plans = ShownPlans()
    results = _pass(
        run, jobs, sweep, plans.taking_down if args.command == "fix" else None, progress
    )
    pending = plans.pending(jobs)
    if pending:
        told = sys.stderr  # the terminal: stdout stays the report
        for job in pending:
            print("\n".join(plans.texts[(job.account, job.region)]), file=told)
        answer = "y" if args.yes else ask_line(stdin, told, _question(plans, pending))
        if answer in YES:
            plans.choose(pending, None)
        elif answer in EACH:
            plans.choose(pending, lambda question: ask_line(stdin, told, question))
        go = [j for j in pending if plans.approved.get((j.account, j.region))]
        if go:
            applied = _pass(run, run.refreshed(go), sweep, plans.holding_to, progress)
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


def _question(plans: ShownPlans, pending: list[Job]) -> str:
    vpcs = sum(len(plans.labels.get((j.account, j.region), {})) for j in pending)
    return (
        f"Apply these changes in {len(pending)} account-region(s)? [y] all {vpcs} VPC plan(s), "
        "[e] each in turn, [N] none: "
    )


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
