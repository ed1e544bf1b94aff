"""`vpc-remediator audit|fix|release`: the Lambdas' service from a terminal.

Uses the standard AWS credential chain (`--profile` picks a profile); AWS_ENDPOINT_URL points
it at an emulator. Settings default from the same environment variables the Lambdas read;
flags override them. `fix` shows its plan and asks before changing anything; `--yes` applies
without asking; without a terminal and without `--yes` it refuses and changes nothing.
Exit codes: 0 compliant (released), 1 findings or actions (audit) / something remains or not
applied (fix) / no hold (release), 2 error or refusal.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from ..domain.actions import Action
from ..domain.launchers import families
from ..domain.organization import PairResult
from ..domain.outcomes import ActionOutcome, ActionStatus, Interrupted, Report
from ..domain.plan import Plan
from ..domain.policy import AutoScope, Policy
from ..domain.text import ascii_line, shown
from ..service.settings import Settings, SettingsError
from .args import (
    EXIT_COMPLIANT,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NOT_COMPLIANT,
    VPC_ID,
    CliError,
    parser,
    policy_from,
    regions,
)
from .output import (
    EACH,
    YES,
    account_of,
    ask_line,
    choices,
    plan_text,
    print_text,
    run_document,
)


def _vpcs_named(args: argparse.Namespace, where: list[str]) -> dict[str, frozenset[str]]:
    """The `--vpc-id`s each region has; an id no region has is an error before anything is
    read or changed (a VPC is named on purpose: a typo is not "nothing to do")."""
    if not args.vpc_id:
        return {}
    from ..service.wiring import existing_in

    wanted = frozenset(args.vpc_id)
    bad = sorted(v for v in wanted if not VPC_ID.match(v))
    if bad:
        raise CliError(f"{shown(bad[0])} is not a VPC id")
    found = {region: existing_in(region, wanted) for region in where}
    missing = sorted(wanted - frozenset().union(*found.values()))
    if missing:
        raise CliError(f"no VPC {', '.join(missing)} in {', '.join(where)}: nothing was changed")
    return found


def _run_region(
    region: str,
    policy: Policy,
    args: argparse.Namespace,
    ask: Asker,
    vpc_ids: frozenset[str] | None = None,
) -> list[Report]:
    from ..service.wiring import clients_for, remediator_for

    auto = AutoScope.none() if args.explicit_only else AutoScope.all()

    def approve(plans: list[Plan]) -> frozenset[str]:
        """`fix` applies only what the person approved (or --yes), VPC by VPC if they like;
        audit never applies."""
        if args.command != "fix":
            return frozenset()
        book = remediator.makers
        makers, failure = (book.makers, book.failure) if book else ({}, "")
        return ask.choose(
            plan_text(region, plans, makers, failure, verbose=args.verbose), choices(plans)
        )

    # It prints; it does not notify. Who made a subnet is looked up where auto intent would
    # change it; one whose maker is not known is in the plan, for the person to approve.
    clients = clients_for(region)
    remediator = remediator_for(
        policy,
        clients,
        record_table=_record_table(args, region),
        look_up_makers=not args.explicit_only,
        ask_unknown=True,
        approve=approve,
        actor=clients.caller_arn,  # the journal says who ran it
        security_hub=args.security_hub,
        every_launcher=True,
    )
    return remediator.sweep(vpc_ids if args.vpc_id else None, auto)


def _aws_error(exc: Exception) -> str | None:
    """A one-line message for the errors a person at a terminal can act on."""
    from ..service.wiring import aws_error

    return aws_error(exc)


def _use_profile(profile: str | None) -> None:
    """Every client of this run uses the profile (the standard chain reads AWS_PROFILE)."""
    if not profile:
        return
    from ..service.wiring import use_profile

    try:
        use_profile(profile)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    os.environ["AWS_PROFILE"] = profile


def _run_regions(
    args: argparse.Namespace, policy: Policy, stdin: TextIO
) -> tuple[list[tuple[str, list[Report]]], list[str]]:
    """Each region in turn (progress on the terminal): its reports, and the regions whose
    plan the person declined (nothing changed there, said in one line)."""
    where = regions(args)
    named = _vpcs_named(args, where)
    results: list[tuple[str, list[Report]]] = []
    declined: list[str] = []
    for n, region in enumerate(where, 1):
        if len(where) > 1:
            print(f"[{n}/{len(where)}] {region}", file=sys.stderr)
        ask = Asker(stdin, yes=getattr(args, "yes", False))
        reports = _run_region(region, policy, args, ask, named.get(region))
        if ask.declined:
            declined.append(region)
            print(f"vpc-remediator: nothing changed in {region}", file=sys.stderr)
            continue
        results.append((region, reports))
    return results, declined


class Asker:
    """Show the plan on the terminal (stderr: stdout stays the report, and can be redirected);
    with --yes apply it, otherwise ask the person: all of it, none, or each VPC in turn.
    Remembers what was declined."""

    def __init__(self, stdin: TextIO, *, yes: bool) -> None:
        self.stdin = stdin
        self.yes = yes
        self.declined = 0

    def _ask(self, question: str) -> str:
        return ask_line(self.stdin, sys.stderr, question)

    def confirm(self, plan: str) -> bool:
        """Yes or no to the whole plan."""
        return bool(self.choose(plan, [("", "")]))

    def choose(self, plan: str, choices: Sequence[tuple[str, str]]) -> frozenset[str]:
        """The scopes approved of `choices` (each a scope and how to name it to a person)."""
        print(plan, file=sys.stderr)
        every = frozenset(scope for scope, _ in choices)
        if self.yes:
            return every
        if len(choices) < 2:
            if self._ask("Apply these changes? [y/N] ") in YES:
                return every
        else:
            answer = self._ask(
                f"Apply these changes? [y] all {len(choices)} VPCs, [e] each VPC in turn, "
                "[N] none: "
            )
            if answer in YES:
                return every
            if answer in EACH:
                chosen = frozenset(
                    scope for scope, label in choices if self._ask(f"  {label}? [y/N] ") in YES
                )
                if chosen:
                    return chosen
        self.declined += 1
        return frozenset()


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    from ..observability import logger

    # The service's logs are for Lambda; here they would drown the report.
    logger.setLevel(logging.WARNING)
    if logger.registered_handler is not None:
        logger.registered_handler.setStream(sys.stderr)  # type: ignore[attr-defined]
    try:
        defaults = Settings.from_env(os.environ, require_topic=False)
    except SettingsError as exc:
        print(f"vpc-remediator: {exc}", file=sys.stderr)
        return EXIT_ERROR
    args = parser(defaults).parse_args(argv)
    if args.command in ("fix", "adopt", "undo") and not args.yes and not stdin.isatty():
        print(
            f"vpc-remediator: {args.command} changes your network: not a terminal to ask on, "
            "so nothing is changed; run it at a terminal, or pass --yes",
            file=sys.stderr,
        )
        return EXIT_ERROR
    try:
        _use_profile(args.profile)
        if args.command == "release":
            return _release(args, out)
        if args.command == "adopt":
            return _adopt(args, out, Asker(stdin, yes=args.yes))
        if args.command == "history":
            from .journal import show_history

            return show_history(args, out, _one_region(args), _record_table)
        if args.command == "undo":
            from .journal import undo

            ask = Asker(stdin, yes=args.yes)
            return undo(
                args, out, _one_region(args), _record_table, confirm=ask.confirm, defaults=defaults
            )
        try:
            args.shown = None if args.launchers is None else families(args.launchers)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        policy = policy_from(args, defaults.policy)
        organization_flags = (args.account, args.role_name, args.max_parallel is not None)
        if args.organization or any(organization_flags):
            from .organization import run_organization

            return run_organization(args, policy, out, stdin)
        results, declined = _run_regions(args, policy, stdin)
    except CliError as exc:
        print(f"vpc-remediator: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Interrupted as stop:
        return _interrupted(stop.done, stop.left, recorded=bool(args.record_table or args.stack))
    except KeyboardInterrupt:
        return _interrupted((), ())
    except Exception as exc:  # noqa: BLE001 - one line for a person; --debug for the rest
        return _failed(exc, debug=getattr(args, "debug", False))
    compliant = not declined and all(r.compliant for _, reports in results for r in reports)
    made = any(r.changed for _, reports in results for r in reports)
    if made and not (args.record_table or args.stack):
        print(
            "vpc-remediator: these changes are in no journal (no --stack or --record-table): "
            "history and undo cannot see them",
            file=sys.stderr,
        )
    if args.json:
        pairs = [
            PairResult(account_of(reports), region, tuple(reports)) for region, reports in results
        ]
        json.dump(run_document(args.command, pairs), out, indent=2, sort_keys=True)
        print(file=out)
    else:
        for region, reports in results:
            print_text(region, reports, out, args.shown)
    return EXIT_COMPLIANT if compliant else EXIT_NOT_COMPLIANT


def _interrupted(
    done: tuple[ActionOutcome, ...], left: tuple[Action, ...], *, recorded: bool = True
) -> int:
    """Ctrl-C: what was applied by then and what was not, on the terminal; exit 130. A rerun
    reads what is there and finishes the job."""
    made = [o for o in done if o.status is ActionStatus.APPLIED]
    if not done and not left:
        print(
            "vpc-remediator: interrupted while reading, planning or asking: nothing was being "
            "changed (what an earlier plan of this run applied stays; run it again to finish)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(
        f"vpc-remediator: interrupted: {len(made)} change{'s' * (len(made) != 1)} made, "
        f"{len(left)} not; run the same command again to finish (it starts from what is there)",
        file=sys.stderr,
    )
    for outcome in made:
        print(f"  made: {outcome.action.summary}", file=sys.stderr)
    for action in left:
        print(f"  not made: {action.summary}", file=sys.stderr)
    tables = [o.resource_id for o in made if o.action.creates is not None and o.resource_id]
    if tables and not recorded:
        # Without the stack's record, nothing proves the table is the remediator's next time.
        print(
            f"  {', '.join(tables)} was made in this run and is recorded nowhere lasting: "
            "rerun with --stack (or --record-table), or `vpc-remediator adopt` it with them",
            file=sys.stderr,
        )
    return EXIT_INTERRUPTED


def _failed(exc: Exception, *, debug: bool) -> int:
    """Any failure as one line and exit 2: an AWS error in words a person can act on, else
    what it was (an unexpected reply, say); --debug prints the traceback too."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    message = _aws_error(exc) or (
        f"unexpected failure: {type(exc).__name__}: {ascii_line(str(exc), 300)}"
        + ("" if debug else " (--debug shows where)")
    )
    print(f"vpc-remediator: {message}", file=sys.stderr)
    return EXIT_ERROR


_HELD = re.compile(r"^(subnet|rtb|vpc)-[0-9a-f]{8,17}$")


def _release(args: argparse.Namespace, out: TextIO) -> int:
    """Take a resource off hold: the remediator may change it again (and tries once more). The
    hold is the stack's record's; its tag is a label, removed with it."""
    from ..service.hands import NotDone, release
    from ..service.wiring import hands_in

    if not _HELD.match(args.resource):
        raise CliError(f"{shown(args.resource)} is not a subnet, route table or VPC id")
    region = _one_region(args)
    hands = hands_in(region, _record_table(args, region))
    if not hands.reader.existing({args.resource}):
        raise CliError(f"no {args.resource} in {region}: nothing was released")
    try:
        released = release(args.resource, hands.reader, hands.writer, hands.record)
    except NotDone as exc:
        raise CliError(str(exc)) from None
    if released is None:
        print(f"{args.resource} is not on hold in {region}", file=out)
        return EXIT_NOT_COMPLIANT
    print(f"released {args.resource} (it was on hold: {shown(released.note, 200)})", file=out)
    if hands.record is None:
        print(
            "  the stack's record was not named (--record-table): if it holds the resource "
            "too, the remediator still leaves it alone",
            file=out,
        )
    return EXIT_COMPLIANT


def _one_region(args: argparse.Namespace) -> str:
    """The one region a command on the record works in (the first --region, else the
    default)."""
    (region,) = regions(argparse.Namespace(all_regions=False, region=args.region[:1]))
    return region


def _record_table(args: argparse.Namespace, region: str) -> str | None:
    """The record of what the remediator owns: named, or the stack's (its output)."""
    if not getattr(args, "stack", None):
        return str(args.record_table) if args.record_table else None
    from ..service.wiring import record_table_in

    try:
        return record_table_in(region, args.stack)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _adopt(args: argparse.Namespace, out: TextIO, ask: Asker) -> int:
    """A person vouches that the remediator made a route table: its record says so from now on
    (the routes it holds that the main table has too, as its copies)."""
    from ..service.hands import NotDone, adopt, adoption
    from ..service.wiring import hands_in

    if not re.match(r"^rtb-[0-9a-f]{8,17}$", args.route_table):
        raise CliError(f"{shown(args.route_table)} is not a route table id")
    region = _one_region(args)
    hands = hands_in(region, _record_table(args, region))
    if hands.record is None:
        raise CliError("adopt writes the stack's record: name it with --record-table or --stack")
    try:
        found = adoption(args.route_table, hands.reader)
    except NotDone as exc:
        raise CliError(str(exc)) from None
    plan = (
        f"{args.route_table} in {found.vpc_id} ({region}) is to be recorded as made by the "
        f"remediator: it will keep it in step with the main table ({found.copies} of its routes "
        "recorded as copies of the main table's), move public subnets onto it, and may merge "
        "or delete it as a duplicate."
    )
    if not ask.confirm(plan):
        print(f"{args.route_table} not adopted", file=out)
        return EXIT_NOT_COMPLIANT
    adopt(found, region, hands.record)
    print(f"adopted {args.route_table} ({found.copies} routes recorded as copies)", file=out)
    return EXIT_COMPLIANT


def main_exit() -> None:
    """The console script."""
    sys.exit(main())
