"""`vpc-remediator history` and `undo`: what the remediator changed, from the journal in the
stack's record (domain/journal.py), newest first, Names beside ids, and whether each change
still stands as the remediator left it; and putting it back (domain/undo.py), shown and asked
first, as `fix` does."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from ..domain import journal
from ..domain.outcomes import ActionStatus
from ..domain.plan import names_of
from ..domain.text import ident, named, shown
from .args import EXIT_COMPLIANT, EXIT_NOT_COMPLIANT, SUBNET_ID, VPC_ID, CliError

if TYPE_CHECKING:
    from ..domain.memory import Memory
    from ..service.hands import Undoing
    from ..service.settings import Settings
    from ..service.wiring import Hands

_SINCE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?Z?$")

STANDING = {True: "stands", False: "changed since", None: "-"}


def show_history(
    args: argparse.Namespace,
    out: TextIO,
    region: str,
    record_table: Callable[[argparse.Namespace, str], str | None],
) -> int:
    from ..service.hands import history

    if args.vpc_id and not VPC_ID.match(args.vpc_id):
        raise CliError(f"{shown(args.vpc_id)} is not a VPC id")
    if args.since and not _SINCE.match(args.since):
        raise CliError(f"--since {shown(args.since)}: give a date or time, like 2026-12-01")
    hands, record = _hands(args, region, record_table)
    found = history(hands.reader, record, args.vpc_id, args.since.replace(" ", "T"))
    names: dict[str, str] = {}
    for snapshot in found.region.details.values():
        names |= names_of(snapshot)
    if args.json:
        json.dump(document(region, found.changes), out, indent=2, sort_keys=True)
        print(file=out)
        return EXIT_COMPLIANT
    for line in text(region, found.changes, names):
        print(line, file=out)
    return EXIT_COMPLIANT


def _hands(
    args: argparse.Namespace,
    region: str,
    record_table: Callable[[argparse.Namespace, str], str | None],
) -> tuple[Hands, Memory]:
    """The hands in the caller's account, or (--account) in a member's through its role: that
    account's stack's record, read with --stack. Without a record there is no journal: said."""
    from ..domain.organization import DEFAULT_ROLE_NAME, OrganizationError, account_id, role_name
    from ..service.wiring import hands_in, member_session, record_table_in

    if not args.account:
        if args.role_name:
            raise CliError("--role-name needs --account")
        return _with_record(hands_in(region, record_table(args, region)), args.command)
    if not args.stack:
        raise CliError("--account reads that account's own record: name its stack (--stack)")
    try:
        account, role = account_id(args.account), role_name(args.role_name or DEFAULT_ROLE_NAME)
        session = member_session(region, account, role)
    except (OrganizationError, ValueError) as exc:
        raise CliError(str(exc)) from None
    try:
        table = record_table_in(region, args.stack, session)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return _with_record(hands_in(region, table, session), args.command)


def _with_record(hands: Hands, command: str) -> tuple[Hands, Memory]:
    if hands.record is None:
        raise CliError(
            f"{command} reads the journal in the stack's record: name it with --stack or "
            "--record-table (the journal is kept there, and nowhere else)"
        )
    return hands, hands.record


def document(region: str, changes: tuple[Mapping[str, Any], ...]) -> dict[str, Any]:
    """The `vpc-remediator/history` document (docs/json-schema.md)."""
    kept = ("id", "region", "vpc_id", "at", "change", "resource", "action", "summary")
    return {
        "schema": journal.SCHEMA,
        "version": journal.VERSION,
        "region": region,
        "changes": [
            {k: c.get(k) for k in kept}
            | {
                "before": c.get("before") or {},
                "after": c.get("after") or {},
                "why": c.get("why", ""),
                "intent": c.get("intent") or None,
                "trigger": c.get("trigger") or {},
                "stands": c.get("stands"),
                "undone": bool(c.get("undone")),
                "undoes": c.get("undoes"),
            }
            for c in changes
        ],
    }


def text(
    region: str, changes: tuple[Mapping[str, Any], ...], names: Mapping[str, str]
) -> list[str]:
    """Newest first, grouped by VPC: one line per change (when, id, whether it stands, what),
    then why and what triggered it."""
    if not changes:
        return [f"{region}: no change recorded"]
    lines = [f"{region}: {len(changes)} change{'s' * (len(changes) != 1)}, newest first"]
    by_vpc: dict[str, list[Mapping[str, Any]]] = {}
    for change in changes:
        by_vpc.setdefault(str(change.get("vpc_id")), []).append(change)
    for vpc, listed in by_vpc.items():
        lines.append(f"  {named(vpc, names)}")
        for c in listed:
            when = str(c.get("at", ""))[:19].replace("T", " ")
            state = "undone" if c.get("undone") else STANDING[c.get("stands")]
            lines.append(f"    {when}  {c.get('id')}  [{state}]  {named(_what(c), names)}")
            lines.append(f"        why: {named(_why(c), names)}; by {_by(c.get('trigger') or {})}")
    return lines


def _what(change: Mapping[str, Any]) -> str:
    """The change in words, with what it was before where that matters to put it back."""
    before = change.get("before") or {}
    match change.get("change"):
        case journal.SUBNET_MOVED:
            was = "the main table" if before.get("main") else before.get("route_table", "?")
            if before.get("main") and before.get("route_table"):
                was += f" ({before['route_table']})"
            return f"{change.get('summary')} (it was on {was})"
        case journal.ADDRESSING_SET:
            return f"{change.get('summary')} (it was {_on_off(before.get('enabled'))})"
        case journal.ROUTE_REPLACED:
            return f"{change.get('summary')} (it went to {before.get('target')})"
    return str(change.get("summary", ""))


def _on_off(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "unknown"


def _why(change: Mapping[str, Any]) -> str:
    intent = change.get("intent")
    return f"{change.get('why')}" + (f"; the subnet is {intent}" if intent else "")


def _by(trigger: Mapping[str, Any]) -> str:
    match trigger.get("by"):
        case "event":
            return (
                f"{trigger.get('event')} by {ident(str(trigger.get('who') or 'an unknown caller'))}"
            )
        case "command-line":
            return (
                f"vpc-remediator at a terminal, by {ident(str(trigger.get('who') or 'a person'))}"
            )
    return "the scheduled sweep"


_CHANGE = re.compile(r"^c-[0-9a-f]{10}$")


def undo(
    args: argparse.Namespace,
    out: TextIO,
    region: str,
    record_table: Callable[[argparse.Namespace, str], str | None],
    *,
    confirm: Callable[[str], bool],
    defaults: Settings,
) -> int:
    """Show what would be put back, ask, put it back, and say what was and was not."""
    from ..service.hands import NotDone, apply_undo, undo_plans

    chosen = [bool(args.change_ids), bool(args.vpc_id), bool(args.subnet_id)]
    if sum(chosen) != 1:
        raise CliError("undo takes change ids (from history), or --vpc-id, or --subnet-id")
    bad = [c for c in args.change_ids if not _CHANGE.match(c)]
    if bad:
        raise CliError(f"{shown(bad[0])} is not a change id (history lists them: c-...)")
    if args.vpc_id and not VPC_ID.match(args.vpc_id):
        raise CliError(f"{shown(args.vpc_id)} is not a VPC id")
    if args.subnet_id and not SUBNET_ID.match(args.subnet_id):
        raise CliError(f"{shown(args.subnet_id)} is not a subnet id")
    hands, record = _hands(args, region, record_table)
    try:
        plans = undo_plans(
            hands.reader,
            record,
            ids=args.change_ids,
            vpc_id=args.vpc_id or "",
            subnet_id=args.subnet_id or "",
            intent_tag_key=defaults.policy.intent_tag_key,
            including_default_vpc=args.including_default_vpc,
        )
    except NotDone as exc:
        raise CliError(str(exc)) from None
    names: dict[str, str] = {}
    for undoing in plans:
        names |= names_of(undoing.snapshot)
    if not any(u.plan.actions for u in plans):
        print("\n".join(plan_lines(region, plans, names)), file=out)
        print(f"nothing to put back in {region}", file=out)
        return EXIT_NOT_COMPLIANT
    if not confirm("\n".join(plan_lines(region, plans, names))):
        print(f"vpc-remediator: nothing changed in {region}", file=sys.stderr)
        return EXIT_NOT_COMPLIANT
    actor = hands.caller()
    failed = 0
    for undoing in plans:
        outcomes = apply_undo(undoing, hands.writer, record, region, actor=actor)
        for outcome in outcomes:
            done = outcome.status is ActionStatus.APPLIED
            failed += not done
            state = "put back" if done else f"NOT put back ({outcome.status}: {outcome.detail})"
            print(f"{state}: {named(outcome.action.summary, names)}", file=out)
    return EXIT_COMPLIANT if not failed else EXIT_NOT_COMPLIANT


def plan_lines(region: str, plans: list[Undoing], names: Mapping[str, str]) -> list[str]:
    """What the undo would put back, per VPC, each step with the changes it undoes; then what
    it keeps, and why."""
    lines = [f"{region}: the undo"]
    for undoing in plans:
        plan = undoing.plan
        lines.append(f"  {named(plan.vpc_id, names)}: {len(plan.actions)} step(s)")
        for action, undoes in zip(plan.actions, plan.undoes, strict=True):
            lines.append(f"    - {named(action.summary, names)} (undoes {', '.join(undoes)})")
        for change, why in plan.kept:
            lines.append(f"    kept {change}: {why}")
        lines += [f"    ! {named(w, names)}" for w in plan.warnings]
    lines.append(
        "  The remediator leaves the subnets put back alone from now on (auto intent); "
        "`vpc-remediator release SUBNET` lets it finish them again."
    )
    return lines
