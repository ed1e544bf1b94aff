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
import dataclasses
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from ..domain.creators import subnets_named
from ..domain.launchers import FAMILIES, Readiness, families
from ..domain.launchers import lines as readiness_lines
from ..domain.organization import (
    DEFAULT_MAX_PARALLEL,
    DEFAULT_ROLE_NAME,
    PairResult,
)
from ..domain.planner import Plan
from ..domain.policy import HOLD_TAG_KEY, AutoScope, Mode, Policy, RouteStrategy
from ..domain.provenance import Caller
from ..domain.report import Report, notice_document, report_lines
from ..domain.text import shown
from ..service.settings import Settings, SettingsError, parse_callers, parse_tag_keys, parse_words

RUN_SCHEMA = "vpc-remediator/run"
RUN_VERSION = 2  # 2: each region's `readiness` (per launcher and mode) replaces `verdict`
EXIT_COMPLIANT, EXIT_NOT_COMPLIANT, EXIT_ERROR = 0, 1, 2


class CliError(Exception):
    """A one-line message for the person at the terminal; exit code 2."""


def _parser(defaults: Settings) -> argparse.ArgumentParser:
    policy = defaults.policy
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("what to look at")
    where.add_argument("--region", action="append", default=[], help="a region (repeatable)")
    where.add_argument(
        "--all-regions", action="store_true", help="every region enabled for the account"
    )
    where.add_argument("--vpc-id", action="append", default=[], help="only this VPC (repeatable)")
    where.add_argument(
        "--json", action="store_true", help=f"print the {RUN_SCHEMA} v{RUN_VERSION} document"
    )
    where.add_argument("--profile", help="the AWS profile to use (default: the standard chain)")
    where.add_argument(
        "--record-table",
        default=defaults.memory_table,
        help="the stack's memory table (its MemoryTableName output; default $VPCR_MEMORY_TABLE): "
        "where the remediator records what it owns. Without it (or --stack), what the "
        "remediator made before is not proven: nothing is deleted, merged or moved onto on a "
        "tag's claim",
    )
    where.add_argument(
        "--stack",
        help="the vpc-remediator stack whose memory table to use (its MemoryTableName output, "
        "read with cloudformation:DescribeStacks in each region)",
    )
    org = common.add_argument_group(
        "an organisation (from its management account or a delegated administrator)"
    )
    org.add_argument(
        "--organization",
        action="store_true",
        help="every ACTIVE account of the AWS Organization (Organizations ListAccounts)",
    )
    org.add_argument(
        "--account",
        action="append",
        default=[],
        help="only this account of the organisation (repeatable; needs --organization)",
    )
    org.add_argument(
        "--role-name",
        default=None,
        help=f"the role assumed in each member account (default {DEFAULT_ROLE_NAME}); the "
        "calling account uses the caller's own credentials",
    )
    org.add_argument(
        "--max-parallel",
        type=int,
        default=None,
        help=f"account-region pairs in flight at once (default {DEFAULT_MAX_PARALLEL})",
    )
    where.add_argument(
        "--for",
        dest="launchers",
        default=",".join(FAMILIES),
        help="the launchers whose readiness the text shows: skypilot,ray,dstack "
        "(default: all; --json always has them all)",
    )
    how = common.add_argument_group("settings (default: the VPCR_* environment, as in the Lambdas)")
    how.add_argument(
        "--route-strategy",
        choices=[s.value for s in RouteStrategy],
        default=policy.route_strategy.value,
    )
    how.add_argument(
        "--map-public-ip", action=argparse.BooleanOptionalAction, default=policy.map_public_ip
    )
    how.add_argument(
        "--create-internet-gateway",
        action=argparse.BooleanOptionalAction,
        default=policy.create_internet_gateway,
    )
    how.add_argument(
        "--restore-default-vpc",
        action=argparse.BooleanOptionalAction,
        default=policy.restore_default_vpc,
    )
    how.add_argument("--intent-tag-key", default=policy.intent_tag_key)
    how.add_argument(
        "--private-name-words",
        default=",".join(sorted(policy.private_name_words)) or "none",
        help="comma-separated words of a subnet Name that mark it private",
    )
    how.add_argument(
        "--public-name-words",
        default=",".join(sorted(policy.public_name_words)) or "none",
        help="comma-separated words of a subnet Name that mark it public",
    )
    how.add_argument(
        "--auto-intent-from",
        default=",".join(sorted(policy.auto_intent_from)) or "none",
        help="whose changes auto intent finishes: console, cli, iac, aws-service, automation",
    )
    how.add_argument(
        "--iac-tag-keys",
        default=",".join(sorted(policy.iac_tag_keys)) or "none",
        help="tag keys that say a tool owns a resource (besides aws:cloudformation:*)",
    )
    how.add_argument(
        "--assign-ipv6-on-creation",
        action=argparse.BooleanOptionalAction,
        default=policy.assign_ipv6_on_creation,
        help="give instances of public IPv6-only subnets an IPv6 address",
    )
    how.add_argument(
        "--explicit-only",
        action="store_true",
        help="enforce tagged intent only (by default a person running it asks for auto intent too)",
    )

    parser = argparse.ArgumentParser(
        prog="vpc-remediator",
        description="Find and fix half-done VPC networking (routes to the internet gateway, "
        "public-IP mapping) the way the vpc-remediator Lambdas do.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "audit", parents=[common], help="read only: findings, what fix would do, readiness"
    )
    fix = commands.add_parser(
        "fix", parents=[common], help="show the plan, ask, apply it and print what changed"
    )
    fix.add_argument("--yes", action="store_true", help="apply without asking")
    # One resource, and the stack's record of what the remediator owns and holds.
    one = argparse.ArgumentParser(add_help=False)
    one.add_argument("--region", action="append", default=[], help="its region")
    one.add_argument("--profile", help="the AWS profile to use")
    one.add_argument(
        "--record-table",
        default=defaults.memory_table,
        help="the stack's memory table (its MemoryTableName output; default $VPCR_MEMORY_TABLE)",
    )
    one.add_argument("--stack", help="the vpc-remediator stack whose memory table to use")
    release = commands.add_parser(
        "release",
        parents=[one],
        help=f"take a resource off hold (the record's hold, and its {HOLD_TAG_KEY} tag)",
    )
    release.add_argument("resource", help="the subnet, route table or VPC on hold")
    adopt = commands.add_parser(
        "adopt",
        parents=[one],
        help="record that the remediator made a route table (one an earlier version made and "
        "tagged): it then keeps it in step and moves public subnets onto it",
    )
    adopt.add_argument("route_table", help="the route table (rtb-...)")
    adopt.add_argument("--yes", action="store_true", help="record it without asking")
    return parser


def _policy(args: argparse.Namespace, defaults: Policy) -> Policy:
    try:
        private = parse_words(args.private_name_words, "--private-name-words")
        public = parse_words(args.public_name_words, "--public-name-words")
        callers = parse_callers(args.auto_intent_from, "--auto-intent-from")
        iac_keys = parse_tag_keys(args.iac_tag_keys, "--iac-tag-keys")
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    return dataclasses.replace(
        defaults,
        mode=Mode.AUDIT if args.command == "audit" else Mode.REMEDIATE,
        route_strategy=RouteStrategy(args.route_strategy),
        map_public_ip=args.map_public_ip,
        create_internet_gateway=args.create_internet_gateway,
        restore_default_vpc=args.restore_default_vpc,
        intent_tag_key=args.intent_tag_key,
        private_name_words=private,
        public_name_words=public,
        assign_ipv6_on_creation=args.assign_ipv6_on_creation,
        auto_intent_from=callers,
        iac_tag_keys=iac_keys,
    )


def _regions(args: argparse.Namespace) -> list[str]:
    from ..aws.clients import default_region, enabled_regions

    try:
        home = default_region() if args.all_regions or not args.region else ""
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.all_regions:
        return enabled_regions(home)
    return known(list(dict.fromkeys(args.region)) or [home])


def known(regions: list[str]) -> list[str]:
    """The regions, each one botocore knows for EC2; else a one-line error."""
    from ..aws.clients import known_regions

    unknown = [r for r in regions if r not in known_regions()]
    if unknown:
        raise CliError(f"unknown region {unknown[0]!r}")
    return regions


def _run_region(
    region: str, policy: Policy, args: argparse.Namespace, ask: Callable[[str], bool]
) -> list[Report]:
    from ..aws.clients import clients_for
    from ..service.wiring import remediator_for

    auto = AutoScope.none() if args.explicit_only else AutoScope.all()

    def approve(plans: list[Plan]) -> bool:
        """`fix` applies only what the person approved (or --yes); audit never applies."""
        if args.command != "fix":
            return False
        return ask(plan_text(region, plans, remediator.makers.makers if remediator.makers else {}))

    # It prints; it does not notify. Who made a subnet is looked up where auto intent would
    # change it; one whose maker is not known is in the plan, for the person to approve.
    remediator = remediator_for(
        policy,
        clients_for(region),
        record_table=_record_table(args, region),
        look_up_makers=not args.explicit_only,
        ask_unknown=True,
        approve=approve,
    )
    return remediator.sweep(frozenset(args.vpc_id) if args.vpc_id else None, auto)


def plan_text(region: str, plans: list[Plan], makers: Mapping[str, Caller | None]) -> str:
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
            else:
                who = "not looked up (explicit intent)" if intent.is_explicit else "not needed"
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


def _aws_error(exc: Exception) -> str | None:
    """A one-line message for the errors a person at a terminal can act on."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from ..aws.clients import one_line

    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found (set AWS_PROFILE or run `aws configure`)"
    if isinstance(exc, ClientError | BotoCoreError):
        return one_line(exc)
    return None


def _use_profile(profile: str | None) -> None:
    """Every client of this run uses the profile (the standard chain reads AWS_PROFILE)."""
    if not profile:
        return
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        boto3.session.Session(profile_name=profile)
    except ProfileNotFound:
        raise CliError(f"no AWS profile {profile!r} (see `aws configure list-profiles`)") from None
    os.environ["AWS_PROFILE"] = profile


def _asker(stdin: TextIO, shown: TextIO, *, yes: bool) -> Callable[[str], bool]:
    """Show the plan; with --yes apply it, otherwise ask the person at the terminal."""

    def ask(plan: str) -> bool:
        print(plan, file=shown)
        if yes:
            return True
        print("Apply these changes? [y/N] ", end="", file=shown, flush=True)
        return stdin.readline().strip().lower() in {"y", "yes"}

    return ask


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
    args = _parser(defaults).parse_args(argv)
    if args.command in ("fix", "adopt") and not args.yes and not stdin.isatty():
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
            return _adopt(args, out, _asker(stdin, out, yes=args.yes))
        try:
            args.shown = families(args.launchers)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        policy = _policy(args, defaults.policy)
        organization_flags = (args.account, args.role_name, args.max_parallel is not None)
        if args.organization or any(organization_flags):
            from .organization import run_organization

            return run_organization(args, policy, out, stdin)
        regions = _regions(args)
        results: list[tuple[str, list[Report]]] = []
        for n, region in enumerate(regions, 1):
            if len(regions) > 1:
                print(f"[{n}/{len(regions)}] {region}", file=sys.stderr)
            # The plan goes where the person reads it (stderr when stdout is --json).
            ask = _asker(stdin, sys.stderr if args.json else out, yes=getattr(args, "yes", False))
            results.append((region, _run_region(region, policy, args, ask)))
    except CliError as exc:
        print(f"vpc-remediator: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        message = _aws_error(exc)
        if message is None:
            raise
        print(f"vpc-remediator: {message}", file=sys.stderr)
        return EXIT_ERROR
    compliant = all(r.compliant for _, reports in results for r in reports)
    if args.json:
        pairs = [
            PairResult(_account_of(reports), region, tuple(reports)) for region, reports in results
        ]
        json.dump(run_document(args.command, pairs), out, indent=2, sort_keys=True)
        print(file=out)
    else:
        for region, reports in results:
            print_text(region, reports, out, args.shown)
    return EXIT_COMPLIANT if compliant else EXIT_NOT_COMPLIANT


_HELD = re.compile(r"^(subnet|rtb|vpc)-[0-9a-f]{8,17}$")


def _release(args: argparse.Namespace, out: TextIO) -> int:
    """Take a resource off hold: the remediator may change it again (and tries once more). The
    hold is the stack's record's; its tag is a label, removed with it."""
    from ..aws.clients import clients_for
    from ..aws.memory import DynamoMemory
    from ..aws.writer import ActionWriter
    from ..domain import ownership
    from ..domain.actions import ReleaseHold
    from ..domain.report import ActionStatus

    if not _HELD.match(args.resource):
        raise CliError(f"{shown(args.resource)} is not a subnet, route table or VPC id")
    (region,) = _regions(argparse.Namespace(all_regions=False, region=args.region[:1]))
    clients = clients_for(region)
    ec2 = clients.ec2
    tags = ec2.describe_tags(
        Filters=[
            {"Name": "resource-id", "Values": [args.resource]},
            {"Name": "key", "Values": [HOLD_TAG_KEY]},
        ]
    )["Tags"]
    table = _record_table(args, region)
    record = DynamoMemory(clients, table) if table else None
    held = {}
    if record is not None:
        held = {
            key: value
            for key, value in record.recall_all(ownership.KIND, prefix=f"{region}:").items()
            if key.endswith(f":hold|{args.resource}")
        }
    if not tags and not held:
        print(f"{args.resource} is not on hold in {region}", file=out)
        return EXIT_NOT_COMPLIANT
    if tags:
        action = ReleaseHold(resource_id=args.resource, reason="a person released it")
        (outcome,) = ActionWriter(ec2).apply([action])
        if outcome.status is not ActionStatus.APPLIED:
            raise CliError(f"{args.resource} not released: {outcome.detail}")
    for key in held:
        assert record is not None  # noqa: S101 - held is empty without a record
        record.forget(ownership.KIND, key)
    note = next((str(v.get("note", "")) for v in held.values()), tags[0]["Value"] if tags else "")
    print(f"released {args.resource} (it was on hold: {shown(note, 200)})", file=out)
    if record is None:
        print(
            "  the stack's record was not named (--record-table): if it holds the resource "
            "too, the remediator still leaves it alone",
            file=out,
        )
    return EXIT_COMPLIANT


def _record_table(args: argparse.Namespace, region: str) -> str | None:
    """The record of what the remediator owns: named, or the stack's (its output)."""
    if not getattr(args, "stack", None):
        return str(args.record_table) if args.record_table else None
    from ..aws.clients import clients_for, record_table_of

    try:
        return record_table_of(clients_for(region), args.stack)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _adopt(args: argparse.Namespace, out: TextIO, ask: Callable[[str], bool]) -> int:
    """A person vouches that the remediator made a route table: its record says so from now on
    (the routes it holds that the main table has too, as its copies)."""
    import time

    from ..aws.clients import clients_for
    from ..aws.memory import DynamoMemory
    from ..aws.reader import SnapshotReader
    from ..domain import ownership

    if not re.match(r"^rtb-[0-9a-f]{8,17}$", args.route_table):
        raise CliError(f"{shown(args.route_table)} is not a route table id")
    (region,) = _regions(argparse.Namespace(all_regions=False, region=args.region[:1]))
    table = _record_table(args, region)
    if not table:
        raise CliError("adopt writes the stack's record: name it with --record-table or --stack")
    clients = clients_for(region)
    found = clients.ec2.describe_route_tables(RouteTableIds=[args.route_table])["RouteTables"]
    vpc_id = found[0]["VpcId"]
    snapshot = SnapshotReader(clients.ec2, region, clients.account).read({vpc_id}).details[vpc_id]
    try:
        change = ownership.adoption(snapshot, args.route_table, time.time())
    except ValueError as exc:
        raise CliError(str(exc)) from None
    copies = change.put[f"copies|{args.route_table}"]["items"]
    plan = (
        f"{args.route_table} in {vpc_id} ({region}) is to be recorded as made by the remediator: "
        f"it will keep it in step with the main table ({len(copies)} of its routes recorded as "
        "copies of the main table's), move public subnets onto it, and may merge or delete it "
        "as a duplicate."
    )
    if not ask(plan):
        print(f"{args.route_table} not adopted", file=out)
        return EXIT_NOT_COMPLIANT
    record = DynamoMemory(clients, table)
    prefix = ownership.vpc_prefix(region, vpc_id)
    for entry, value in change.put.items():
        record.remember(ownership.KIND, prefix + entry, value, days=None)
    print(f"adopted {args.route_table} ({len(copies)} routes recorded as copies)", file=out)
    return EXIT_COMPLIANT


def _account_of(reports: Sequence[Report]) -> str:
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
        "reports": [notice_document(r) for r in result.reports],
    }
    if result.error is not None:
        document["error"] = result.error
    if result.held_back is not None:
        document["held_back"] = result.held_back
    return document


def main_exit() -> None:
    """The console script."""
    sys.exit(main())
