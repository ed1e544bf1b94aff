"""What the command line prints: the plan a person approves, the text report, and the
`vpc-remediator/run` JSON document (one account, or every account of an organisation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from ..domain.creators import subnets_named
from ..domain.document import notice_document
from ..domain.launchers import Readiness
from ..domain.launchers import lines as readiness_lines
from ..domain.notice import report_lines
from ..domain.organization import PairResult
from ..domain.outcomes import Report
from ..domain.plan import Plan
from ..domain.provenance import Caller

RUN_SCHEMA = "vpc-remediator/run"
# 2: each region's `readiness` (per launcher and mode) replaces `verdict`; 3: the readiness is
# the region's alone (its reports carry none), and parameters keep their JSON types.
RUN_VERSION = 3


def plan_text(
    region: str, plans: list[Plan], makers: Mapping[str, Caller | None], failure: str = ""
) -> str:
    """What `fix` would change, and for every subnet it would change what it takes the subnet
    to be and why: the tag, the name's words, the routing signal, who made it."""
    lines = [f"{region}: the plan"]
    for plan in plans:
        if not plan.writes:
            continue
        lines.append(f"  {plan.scope}: {len(plan.writes)} change(s)")
        lines += [f"    - {a.summary}" for a in plan.writes]
        intents = {i.subnet_id: i for i in plan.intents}
        for subnet in sorted(subnets_named(plan.writes)):
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
            lines.append(f"    {subnet}: {intent.intent} ({intent.reason}); made by {who}")
    return "\n".join(lines)


def region_readiness(reports: list[Report]) -> tuple[Readiness, ...]:
    """The region's readiness after the run: the last report's (read after any fix)."""
    return next((r.readiness for r in reversed(reports) if r.readiness), ())


def print_text(
    region: str, reports: list[Report], out: TextIO, only: frozenset[str] | None = None
) -> None:
    print(region, file=out)
    for report in reports:
        state = "compliant" if report.compliant else str(report.outcome)
        print(f"  {report.scope}: {state}", file=out)
        for line in report_lines(report):
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
