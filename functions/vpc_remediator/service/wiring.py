"""The service wired to the AWS adapters: one place, for the Lambdas, the CLI and the bench.

Imported only when a reconcile is about to run, so that a skipped event never pays for boto3.
"""

from __future__ import annotations

from collections.abc import Callable

from ..aws.clients import AwsClients
from ..aws.history import CloudTrailHistory
from ..aws.memory import DynamoMemory
from ..aws.notifier import CentralCopyNotifier, DeadLetterNotifier, SnsNotifier
from ..aws.reader import SnapshotReader
from ..aws.writer import ActionWriter
from ..domain.memory import Memory, RunMemory
from ..domain.planner import Plan
from ..domain.policy import Mode, Policy
from .makers import MakerBook
from .remediator import Remediator


def remediator_for(
    policy: Policy,
    clients: AwsClients,
    *,
    account: str | None = None,
    topic_arn: str | None = None,
    central_topic_arn: str | None = None,
    dead_letter_queue_url: str | None = None,
    time_left: Callable[[], float] | None = None,
    memory_table: str | None = None,
    record_table: str | None = None,
    look_up_makers: bool = False,
    ask_unknown: bool = False,
    approve: Callable[[list[Plan]], bool] | None = None,
) -> Remediator:
    """A Remediator on these clients; in audit mode it gets no writer at all.

    `account` is the account it guards (the Lambdas know it from their context); without it,
    one GetCallerIdentity call asks. `look_up_makers`: who made a subnet is looked up in
    CloudTrail's history where no event says it (the sweep, the CLI); `ask_unknown`: a subnet
    whose maker is not known is in the plan (a person approves it) rather than left alone.
    `record_table`: the stack's memory table, where the command line reads and writes what the
    remediator owns (the Lambdas' is `memory_table`).
    """
    memory = DynamoMemory(clients, memory_table) if memory_table else None
    # What the remediator owns: the stack's record (the Lambdas' memory, or a table the command
    # line names), else a memory of this run only.
    record: Memory = memory or (
        DynamoMemory(clients, record_table) if record_table else RunMemory()
    )
    makers = (
        MakerBook(
            CloudTrailHistory(clients), memory, clients.region, policy, ask_unknown=ask_unknown
        )
        if look_up_makers
        else None
    )
    fallback = DeadLetterNotifier(clients, dead_letter_queue_url) if dead_letter_queue_url else None
    notifier: SnsNotifier | CentralCopyNotifier | None = None
    if topic_arn:
        notifier = SnsNotifier(clients, topic_arn)
        if central_topic_arn:
            central_region = central_topic_arn.split(":")[3]
            central = SnsNotifier(clients.in_region(central_region), central_topic_arn)
            notifier = CentralCopyNotifier(notifier, central, fallback)
    return Remediator(
        policy=policy,
        reader=SnapshotReader(clients.ec2, clients.region, account or clients.account),
        writer=ActionWriter(clients.ec2) if policy.mode is Mode.REMEDIATE else None,
        notifier=notifier,
        fallback=fallback,
        time_left=time_left,
        memory=memory,
        record=record,
        record_durable=memory is not None or record_table is not None,
        makers=makers,
        approve=approve,
    )
