"""The service wired to the AWS adapters: the one place adapters are built, for the Lambdas, the
command line and the bench. Everything above it (lambdas/, cli/) asks here; nothing above it
imports aws/.

Imported only when AWS is about to be called, so that a skipped event never pays for boto3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# The clients' own helpers, offered to the layers above under the names they use.
from ..aws.clients import (
    AwsClients,
    clients_for,
    default_region,
    enabled_regions,
    known_regions,
    new_session,
    record_table_of,
)
from ..aws.clients import check_profile as use_profile
from ..aws.clients import one_line as error_line
from ..aws.clients import person_message as aws_error
from ..aws.history import CloudTrailHistory
from ..aws.memory import DynamoMemory
from ..aws.notifier import ChatNotifier, CopiesNotifier, Copy, DeadLetterNotifier, SnsNotifier
from ..aws.organization import AccountSession, Organization
from ..aws.outlets import EventBridgeOutlet, SecurityHubCoordination, SecurityHubOutlet
from ..aws.reader import SnapshotReader
from ..aws.writer import ActionWriter
from ..domain.memory import Memory, RunMemory
from ..domain.policy import Mode, Policy
from .makers import MakerBook
from .ports import Approval, Outlet
from .remediator import Remediator
from .settling import Settler

__all__ = [
    "AccountSession",
    "Hands",
    "Organization",
    "aws_error",
    "clients_for",
    "default_region",
    "enabled_regions",
    "error_line",
    "existing_in",
    "hands_in",
    "known_regions",
    "member_session",
    "once_per_event",
    "organization",
    "record_table_in",
    "remediator_for",
    "remediator_in",
    "settler_for",
    "use_profile",
]


def remediator_for(
    policy: Policy,
    clients: AwsClients,
    *,
    account: str | None = None,
    topic_arn: str | None = None,
    central_topic_arn: str | None = None,
    chat_topic_arn: str | None = None,
    event_bus: str | None = None,
    security_hub: bool = False,
    coordinate_with_security_hub: bool = False,
    dead_letter_queue_url: str | None = None,
    time_left: Callable[[], float] | None = None,
    memory_table: str | None = None,
    record_table: str | None = None,
    look_up_makers: bool = False,
    ask_unknown: bool = False,
    approve: Approval | None = None,
    actor: Callable[[], str] | None = None,
    every_launcher: bool = False,
) -> Remediator:
    """A Remediator on these clients; in audit mode it gets no writer at all.

    `account` is the account it guards (the Lambdas know it from their context); without it,
    one GetCallerIdentity call asks. `look_up_makers`: who made a subnet is looked up in
    CloudTrail's history where no event says it (the sweep, the CLI); `ask_unknown`: a subnet
    whose maker is not known is in the plan (a person approves it) rather than left alone.
    `record_table`: the stack's memory table, where the command line reads and writes what the
    remediator owns (the Lambdas' is `memory_table`). `every_launcher`: the VPC facts every
    launcher's readiness needs are always read (the command line's JSON speaks for all of
    them); else only where a launcher that matters needs them.
    """
    memory = DynamoMemory(clients, memory_table) if memory_table else None
    # What the remediator owns: the stack's record (the Lambdas' memory, or a table the command
    # line names), else a memory of this run only.
    record: Memory = memory or (
        DynamoMemory(clients, record_table) if record_table else RunMemory()
    )
    makers = (
        MakerBook(CloudTrailHistory(clients), memory, clients.region, ask_unknown=ask_unknown)
        if look_up_makers
        else None
    )
    fallback = DeadLetterNotifier(clients, dead_letter_queue_url) if dead_letter_queue_url else None
    notifier: SnsNotifier | CopiesNotifier | None = None
    if topic_arn:
        notifier = SnsNotifier(clients, topic_arn)
        copies: dict[str, Copy] = {}
        if central_topic_arn:
            central_region = central_topic_arn.split(":")[3]
            copies["central"] = SnsNotifier(clients.in_region(central_region), central_topic_arn)
        if chat_topic_arn:
            copies["chat"] = ChatNotifier(
                clients.in_region(chat_topic_arn.split(":")[3]), chat_topic_arn
            )
        if copies:
            notifier = CopiesNotifier(notifier, copies, fallback)
    account = account or clients.account
    outlets: tuple[Outlet, ...] = ()
    if event_bus:
        outlets += (EventBridgeOutlet(clients, event_bus, account),)
    if security_hub:
        outlets += (SecurityHubOutlet(clients, account, record),)
    if coordinate_with_security_hub:
        outlets += (SecurityHubCoordination(clients, account, record),)
    return Remediator(
        policy=policy,
        reader=SnapshotReader(
            clients.ec2,
            clients.region,
            account,
            launchers=None if every_launcher else policy.launchers,
        ),
        writer=ActionWriter(clients.ec2) if policy.mode is Mode.REMEDIATE else None,
        notifier=notifier,
        fallback=fallback,
        time_left=time_left,
        memory=memory,
        record=record,
        record_durable=memory is not None or record_table is not None,
        makers=makers,
        approve=approve,
        actor=actor,
        outlets=outlets,
    )


def remediator_in(
    session: AccountSession,
    region: str,
    policy: Policy,
    *,
    account: str,
    look_up_makers: bool,
    ask_unknown: bool,
    approve: Approval | None,
    stack: str | None = None,
    security_hub: bool = False,
) -> Remediator:
    """A Remediator in a member account of an organisation (its role's session); with `stack`,
    that account's stack's record (what it owns, and the journal of what this run changes)."""
    clients = AwsClients(region, session.session)
    return remediator_for(
        policy,
        clients,
        account=account,
        look_up_makers=look_up_makers,
        ask_unknown=ask_unknown,
        approve=approve,
        actor=clients.caller_arn,
        record_table=record_table_of(clients, stack) if stack else None,
        security_hub=security_hub,
        every_launcher=True,
    )


def once_per_event(
    fn: Callable[..., dict[str, Any]], memory: DynamoMemory, context: Any, expires_seconds: int
) -> Callable[..., dict[str, Any]]:
    """`fn` once per CloudTrail event id (Powertools Idempotency in the memory table)."""
    from ..aws.idempotency import once_per_event as once

    return once(fn, memory, context, expires_seconds)


def settler_for(
    region: str, settle_seconds: int, memory_table: str | None, queue_url: str | None
) -> tuple[Settler, DynamoMemory | None]:
    """The VpcChanges function's settler (notes in the memory, settle messages on the queue),
    and the memory it notes in (None: this invocation only)."""
    from ..aws.settle_queue import SettleQueue

    memory = queue = None
    if memory_table or (settle_seconds and queue_url):
        clients = clients_for(region)
        if memory_table:
            memory = DynamoMemory(clients, memory_table)
        queue = SettleQueue(clients, queue_url) if settle_seconds and queue_url else None
    return Settler(region, settle_seconds, memory, queue), memory


@dataclass(frozen=True)
class Hands:
    """What a person's own commands (release, adopt) read and write in one region."""

    region: str
    reader: SnapshotReader
    writer: ActionWriter
    record: DynamoMemory | None
    caller: Callable[[], str]  # who the person is (their ARN), asked when needed


def hands_in(region: str, record_table: str | None, session: AccountSession | None = None) -> Hands:
    """A person's hands in the region: the caller's account, or (`session`) a member's."""
    clients = clients_for(region) if session is None else AwsClients(region, session.session)
    return Hands(
        region,
        SnapshotReader(clients.ec2, region, clients.account),
        ActionWriter(clients.ec2),
        DynamoMemory(clients, record_table) if record_table else None,
        clients.caller_arn,
    )


def existing_in(region: str, resource_ids: frozenset[str]) -> frozenset[str]:
    """Which of these VPCs, subnets and route tables exist in the region."""
    clients = clients_for(region)
    return SnapshotReader(clients.ec2, region, "").existing(resource_ids)


def record_table_in(region: str, stack: str, session: AccountSession | None = None) -> str:
    """The memory table of a vpc-remediator stack in the region (its output); ValueError if
    the stack has none."""
    clients = clients_for(region) if session is None else AwsClients(region, session.session)
    return record_table_of(clients, stack)


def member_session(home: str, account: str, role_name: str) -> AccountSession:
    """A session in an account of the organisation (the caller's own, or the role's)."""
    return organization(home).session_in(account, role_name)


def organization(home: str) -> Organization:
    """The organisation, seen from the caller's credentials (the standard chain)."""
    return Organization(new_session(), home)
