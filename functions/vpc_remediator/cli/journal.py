"""`vpc-remediator history`: what the remediator changed, from the journal in the stack's
record (domain/journal.py), newest first, Names beside ids, and whether each change still
stands as the remediator left it."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from ..domain import journal
from ..domain.plan import names_of
from ..domain.text import ident, named, shown
from .args import EXIT_COMPLIANT, CliError

_VPC = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_SINCE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?Z?$")

STANDING = {True: "stands", False: "changed since", None: "-"}


def show_history(
    args: argparse.Namespace,
    out: TextIO,
    region: str,
    record_table: Callable[[argparse.Namespace, str], str | None],
) -> int:
    from ..service.hands import history
    from ..service.wiring import hands_in

    if args.vpc_id and not _VPC.match(args.vpc_id):
        raise CliError(f"{shown(args.vpc_id)} is not a VPC id")
    if args.since and not _SINCE.match(args.since):
        raise CliError(f"--since {shown(args.since)}: give a date or time, like 2026-12-01")
    hands = hands_in(region, record_table(args, region))
    if hands.record is None:
        raise CliError(
            "history reads the stack's record: name it with --stack or --record-table "
            "(the journal is kept there, and nowhere else)"
        )
    found = history(hands.reader, hands.record, args.vpc_id, args.since.replace(" ", "T"))
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
