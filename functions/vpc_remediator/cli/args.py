"""The command line's arguments: the parser, the policy they make, the regions they name, and
the one-line error a person sees (exit code 2)."""

from __future__ import annotations

import argparse
import dataclasses
import re
from typing import Any

from ..domain.launchers import FAMILIES
from ..domain.organization import DEFAULT_MAX_PARALLEL, DEFAULT_ROLE_NAME
from ..domain.policy import HOLD_TAG_KEY, DefaultVpc, Mode, Policy, RouteStrategy
from ..service.settings import (
    Settings,
    SettingsError,
    parse_callers,
    parse_subnet_ids,
    parse_tag_keys,
    parse_words,
)
from .output import RUN_SCHEMA, RUN_VERSION

EXIT_COMPLIANT, EXIT_NOT_COMPLIANT, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class CliError(Exception):
    """A one-line message for the person at the terminal; exit code 2."""


VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")


# Template parameters that have no flag, and why: the command line neither runs in the stack
# nor notifies (it prints). Every other parameter is a flag (tests/template keeps it so).
WITHOUT_A_FLAG = {
    "Mode": "the command is the mode: audit reads, fix changes",
    "SweepAppliesAutoIntent": "a person at the command line gets auto intent (--explicit-only "
    "turns it off)",
    "SettleSeconds": "the Lambdas wait for a console session to settle; a person runs it when done",
    "ReservedConcurrency": "the Lambdas' concurrency",
    "SweepSchedule": "the Lambdas' schedule",
    "NotificationEmail": "the command line prints instead of notifying",
    "CentralNoticeTopicArn": "the command line prints instead of notifying",
    "ChatTopicArn": "the command line prints instead of notifying",
    "EventBusName": "the command line prints instead of notifying",
    "CoordinateWithSecurityHub": "the stack's standing agreement with Security Hub's automated "
    "response, kept by its Lambdas",
    "CentralNoticeKeyArn": "the command line prints instead of notifying",
    "RecordWriters": "who else may write the stack's record: a grant of the stack's",
    "LogRetentionDays": "the Lambdas' logs",
    "CreateTrail": "the stack's trail for EventBridge",
    "Launchers": "--for names the launchers the text shows",
}


def parser(defaults: Settings) -> argparse.ArgumentParser:
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
        "--verbose",
        action="store_true",
        help="list every change of a large plan (by default it is counted per VPC and intent)",
    )
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
        default=None,
        help=f"the launchers whose readiness the text shows: {','.join(FAMILIES)} (default: "
        "those whose tags are on a subnet of the region, and $VPCR_LAUNCHERS, now "
        f"{','.join(sorted(policy.launchers))}; --json always has them all)",
    )
    how = common.add_argument_group(
        "settings (each defaults to the VPCR_* variable named, as in the Lambdas, and to the "
        "template parameter's default)"
    )
    how.add_argument(
        "--route-strategy",
        choices=[s.value for s in RouteStrategy],
        default=policy.route_strategy.value,
        help="dedicated: public subnets get a route table of their own, the main table stays "
        "private; main: the main table is routed "
        f"($VPCR_ROUTE_STRATEGY; {_now(policy.route_strategy.value)})",
    )
    how.add_argument(
        "--map-public-ip",
        action=argparse.BooleanOptionalAction,
        default=policy.map_public_ip,
        help="turn on public IPs on launch for public subnets "
        f"($VPCR_MAP_PUBLIC_IP; {_now(policy.map_public_ip)})",
    )
    how.add_argument(
        "--create-internet-gateway",
        action=argparse.BooleanOptionalAction,
        default=policy.create_internet_gateway,
        help="create and attach an internet gateway for explicitly public subnets of a VPC "
        f"that has none ($VPCR_CREATE_INTERNET_GATEWAY; {_now(policy.create_internet_gateway)})",
    )
    how.add_argument(
        "--tag-load-balancer-subnets",
        action=argparse.BooleanOptionalAction,
        default=policy.tag_load_balancer_subnets,
        help="tag subnets whose intent is known for the AWS Load Balancer Controller "
        "(kubernetes.io/role/elb=1 public, kubernetes.io/role/internal-elb=1 private) where no "
        "subnet of the VPC has the tag yet ($VPCR_TAG_LOAD_BALANCER_SUBNETS; "
        f"{_now(policy.tag_load_balancer_subnets)})",
    )
    how.add_argument(
        "--restore-default-vpc",
        action=argparse.BooleanOptionalAction,
        default=policy.restore_default_vpc,
        help="recreate a deleted default VPC "
        f"($VPCR_RESTORE_DEFAULT_VPC; {_now(policy.restore_default_vpc)})",
    )
    how.add_argument(
        "--default-vpc",
        choices=[d.value for d in DefaultVpc],
        default=policy.default_vpc.value,
        help="absent-by-policy: the region has no default VPC on purpose, which is then said "
        "for information and does not make the run fail "
        f"($VPCR_DEFAULT_VPC; {_now(policy.default_vpc.value)})",
    )
    how.add_argument(
        "--intent-tag-key",
        default=policy.intent_tag_key,
        help="the tag whose value (public, private, ignore) says a subnet's or VPC's intent "
        f"($VPCR_INTENT_TAG_KEY; {_now(policy.intent_tag_key)})",
    )
    listed = {
        "--private-name-words": (
            policy.private_name_words,
            "comma-separated words of a subnet Name that mark it private; replaces the list "
            "(to extend it, --add-private-name-words) ($VPCR_PRIVATE_NAME_WORDS)",
        ),
        "--add-private-name-words": (
            frozenset(),
            "comma-separated words added to the private words, your own tier names "
            "($VPCR_ADD_PRIVATE_NAME_WORDS)",
        ),
        "--public-name-words": (
            policy.public_name_words,
            "comma-separated words of a subnet Name that mark it public; replaces the list "
            "(to extend it, --add-public-name-words) ($VPCR_PUBLIC_NAME_WORDS)",
        ),
        "--add-public-name-words": (
            frozenset(),
            "comma-separated words added to the public words ($VPCR_ADD_PUBLIC_NAME_WORDS)",
        ),
        "--auto-intent-from": (
            policy.auto_intent_from,
            "whose changes auto intent finishes: console, cli, iac, aws-service, automation "
            "($VPCR_AUTO_INTENT_FROM)",
        ),
        "--iac-tag-keys": (
            policy.iac_tag_keys,
            "tag keys that say a tool owns a resource, besides aws:cloudformation:* "
            "($VPCR_IAC_TAG_KEYS)",
        ),
        "--multi-nic-subnets": (
            policy.multi_nic_subnets,
            "comma-separated subnets used by instances with several network interfaces (EFA): "
            "public IPs are never turned on for them; or tag a subnet "
            "vpc-remediator:multi-nic=true ($VPCR_MULTI_NIC_SUBNETS)",
        ),
    }
    for flag, (values, meaning) in listed.items():
        current = ",".join(sorted(values)) or "none"
        how.add_argument(flag, default=current, help=f"{meaning}; {_now(current)}")
    how.add_argument(
        "--assign-ipv6-on-creation",
        action=argparse.BooleanOptionalAction,
        default=policy.assign_ipv6_on_creation,
        help="give instances of public IPv6-only subnets an IPv6 address "
        f"($VPCR_ASSIGN_IPV6_ON_CREATION; {_now(policy.assign_ipv6_on_creation)})",
    )
    how.add_argument(
        "--security-hub",
        action=argparse.BooleanOptionalAction,
        default=defaults.security_hub_findings,
        help="import the findings that need a person, and the changes made, into Security Hub "
        f"($VPCR_SECURITY_HUB_FINDINGS; {_now(defaults.security_hub_findings)})",
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
        epilog="Every template parameter that changes a decision is a flag of audit and fix "
        "(`vpc-remediator audit --help`); the others are the stack's alone: "
        + ", ".join(WITHOUT_A_FLAG)
        + ".",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    common.add_argument(
        "--debug",
        action="store_true",
        help="on an unexpected failure, print the traceback too (else one line, exit 2)",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="what to do (each has --help)"
    )
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
    _journal_commands(commands, one)
    return parser


def _journal_commands(commands: Any, one: argparse.ArgumentParser) -> None:
    """`history` and `undo`: the journal in the stack's record (of a member account too)."""
    member = argparse.ArgumentParser(add_help=False)
    member.add_argument(
        "--account",
        help="a member account of the organisation (its stack's record, read with --stack, "
        "through --role-name)",
    )
    member.add_argument(
        "--role-name",
        help="the role assumed in that account (default OrganizationAccountAccessRole)",
    )
    history = commands.add_parser(
        "history",
        parents=[one, member],
        help="what the remediator changed (from the stack's record), newest first, and whether "
        "each change still stands",
    )
    history.add_argument("--vpc-id", help="only this VPC")
    history.add_argument(
        "--since", default="", help="only changes from this date or time (2026-12-01, ISO 8601)"
    )
    history.add_argument(
        "--json", action="store_true", help="print the vpc-remediator/history document"
    )
    undo = commands.add_parser(
        "undo",
        parents=[one, member],
        help="put back what the remediator changed (from its journal, see history): shows "
        "what it would put back and asks",
    )
    undo.add_argument(
        "change_ids", nargs="*", metavar="CHANGE-ID", help="changes to undo (ids from history)"
    )
    undo.add_argument("--vpc-id", help="every change the remediator made to this VPC")
    undo.add_argument("--subnet-id", help="every change the remediator made to this subnet")
    undo.add_argument("--yes", action="store_true", help="put it back without asking")
    undo.add_argument(
        "--including-default-vpc",
        action="store_true",
        help="delete a default VPC the remediator recreated too (left in place otherwise)",
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vpc-remediator")
    except PackageNotFoundError:  # run from a checkout without installing it
        return "(not installed)"


def _now(value: object) -> str:
    """How a flag's default reads in --help: what it is now, from the environment or not."""
    if isinstance(value, bool):
        return "now on" if value else "now off"
    return f"now {value}"


def policy_from(args: argparse.Namespace, defaults: Policy) -> Policy:
    try:
        private = parse_words(args.private_name_words, "--private-name-words") | parse_words(
            args.add_private_name_words, "--add-private-name-words"
        )
        public = parse_words(args.public_name_words, "--public-name-words") | parse_words(
            args.add_public_name_words, "--add-public-name-words"
        )
        callers = parse_callers(args.auto_intent_from, "--auto-intent-from")
        iac_keys = parse_tag_keys(args.iac_tag_keys, "--iac-tag-keys")
        multi_nic = parse_subnet_ids(args.multi_nic_subnets, "--multi-nic-subnets")
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    if args.restore_default_vpc and args.default_vpc == DefaultVpc.ABSENT_BY_POLICY.value:
        raise CliError(
            "--restore-default-vpc contradicts --default-vpc absent-by-policy: the default VPC "
            "is either recreated or absent on purpose"
        )
    return dataclasses.replace(
        defaults,
        mode=Mode.AUDIT if args.command == "audit" else Mode.REMEDIATE,
        route_strategy=RouteStrategy(args.route_strategy),
        map_public_ip=args.map_public_ip,
        create_internet_gateway=args.create_internet_gateway,
        tag_load_balancer_subnets=args.tag_load_balancer_subnets,
        restore_default_vpc=args.restore_default_vpc,
        default_vpc=DefaultVpc(args.default_vpc),
        intent_tag_key=args.intent_tag_key,
        private_name_words=private,
        public_name_words=public,
        assign_ipv6_on_creation=args.assign_ipv6_on_creation,
        auto_intent_from=callers,
        iac_tag_keys=iac_keys,
        multi_nic_subnets=multi_nic,
    )


def regions(args: argparse.Namespace) -> list[str]:
    from ..service.wiring import default_region, enabled_regions

    try:
        home = default_region() if args.all_regions or not args.region else ""
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.all_regions:
        return enabled_regions(home)
    return known(list(dict.fromkeys(args.region)) or [home])


def known(regions: list[str]) -> list[str]:
    """The regions, each one botocore knows for EC2; else a one-line error."""
    from ..service.wiring import known_regions

    unknown = [r for r in regions if r not in known_regions()]
    if unknown:
        raise CliError(f"unknown region {unknown[0]!r}")
    return regions
