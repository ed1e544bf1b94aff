"""What the command line prints: the plan a person approves, the text report, and the
`vpc-remediator/run` JSON document (one account, or every account of an organisation)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from ..domain.creators import subnets_named
from ..domain.document import notice_document
from ..domain.launchers import Readiness
from ..domain.launchers import lines as readiness_lines
from ..domain.notice import detail_lines, report_names
from ..domain.organization import PairResult
from ..domain.outcomes import Report
from ..domain.plan import Plan
from ..domain.provenance import Caller
from ..domain.text import named

RUN_SCHEMA = "vpc-remediator/run"
# 2: each region's `readiness` (per launcher and mode) replaces `verdict`; 3: the readiness is
# the region's alone (its reports carry none), and parameters keep their JSON types.
RUN_VERSION = 3


PLAN_LINES = 40  # a plan longer than this is summarised, unless --verbose


def plan_text(
    region: str,
    plans: list[Plan],
    makers: Mapping[str, Caller | None],
    failure: str = "",
    *,
    verbose: bool = False,
) -> str:
    """What `fix` would change, grouped by VPC, Names beside ids, and for every subnet it
    would change what it takes the subnet to be and why: the tag, the name's words, the
    routing signal, who made it. A large plan is counted per VPC and intent (every change
    with --verbose)."""
    lines = [f"{region}: the plan"]
    changing = [p for p in plans if p.writes]
    detailed = verbose or sum(len(p.writes) for p in changing) <= PLAN_LINES
    for plan in changing:
        names = plan.names
        lines.append(f"  {named(plan.scope, names)}: {len(plan.writes)} change(s)")
        intents = {i.subnet_id: i for i in plan.intents}
        subnets = sorted(subnets_named(plan.writes))
        if not detailed:
            counted = Counter(str(intents[s].intent) for s in subnets if s in intents)
            lines.append(
                "    subnets: "
                + ", ".join(f"{n} {intent}" for intent, n in sorted(counted.items()))
                + " (--verbose lists every change)"
            )
            continue
        lines += [f"    - {named(a.summary, names)}" for a in plan.writes]
        for subnet in subnets:
            intent = intents.get(subnet)
            if intent is None:
                continue
            if subnet in makers:
                maker = makers[subnet]
                who = maker.described if maker else "not known (not in CloudTrail's 90 days)"
            elif intent.is_explicit:
                who = "not looked up (explicit intent)"
            else:
                # A lookup that failed is said (and the subnet is in the plan as unknown).
                who = f"unknown ({failure})" if failure else "not needed"
            lines.append(
                f"    {named(subnet, names)}: {intent.intent} ({intent.reason}); made by {who}"
            )
    return "\n".join(lines)


YES = frozenset({"y", "yes"})
EACH = frozenset({"e", "each"})


def ask_line(stdin: TextIO, shown: TextIO, question: str) -> str:
    """Ask on the terminal (`shown`), and the answer, trimmed and lower-case ("" at the end of
    input: the default, no)."""
    print(question, end="", file=shown, flush=True)
    return stdin.readline().strip().lower()


def choices(plans: Sequence[Plan]) -> list[tuple[str, str]]:
    """What a person can approve one by one: each plan that changes something, named."""
    return [
        (p.scope, f"{named(p.scope, p.names)}: apply its {len(p.writes)} change(s)")
        for p in plans
        if p.writes
    ]


def region_readiness(reports: list[Report]) -> tuple[Readiness, ...]:
    """The region's readiness after the run: the last report's (read after any fix)."""
    return next((r.readiness for r in reversed(reports) if r.readiness), ())


def print_text(
    region: str, reports: list[Report], out: TextIO, only: frozenset[str] | None = None
) -> None:
    print(region, file=out)
    for report in reports:
        state = "compliant" if report.compliant else str(report.outcome)
        print(f"  {named(report.scope, report_names(report))}: {state}", file=out)
        for line in detail_lines(report):
            print(f"    {line}", file=out)
    readiness = region_readiness(reports)
    if readiness:
        print("  Readiness:", file=out)
        for line in readiness_lines(readiness, only):
            print(f"    {line}", file=out)


def account_of(reports: Sequence[Report]) -> str:
    return next((r.account for r in reports if r.account), "")


def run_document(command: str, results: Sequence[PairResult]) -> dict[str, Any]:
    """`--json` output: each report is the same document SNS subscribers receive. An account
    or region that could not be read has `error` (one line) and no reports."""
    return {
        "schema": RUN_SCHEMA,
        "version": RUN_VERSION,
        "command": command,
        "compliant": all(r.compliant for r in results),
        "regions": [_pair_document(r) for r in results],
    }


def _pair_document(result: PairResult) -> dict[str, Any]:
    document: dict[str, Any] = {
        "account": result.account or None,
        "region": result.region,
        "compliant": result.compliant,
        "readiness": [e.document() for e in region_readiness(list(result.reports))],
        "reports": [notice_document(r, readiness=False) for r in result.reports],
    }
    if result.error is not None:
        document["error"] = result.error
    if result.held_back is not None:
        document["held_back"] = result.held_back
    return document
