"""The service wired to the AWS adapters: one place, for the Lambdas, the CLI and the bench.

Imported only when a reconcile is about to run, so that a skipped event never pays for boto3.
"""

from __future__ import annotations

from .aws.clients import AwsClients
from .aws.notifier import DeadLetterNotifier, SnsNotifier
from .aws.reader import SnapshotReader
from .aws.writer import ActionWriter
from .domain.policy import Mode, Policy
from .service import Remediator


def remediator_for(
    policy: Policy,
    clients: AwsClients,
    *,
    topic_arn: str | None = None,
    dead_letter_queue_url: str | None = None,
) -> Remediator:
    """A Remediator on these clients; in audit mode it gets no writer at all."""
    return Remediator(
        policy=policy,
        reader=SnapshotReader(clients.ec2, clients.region),
        writer=ActionWriter(clients.ec2) if policy.mode is Mode.REMEDIATE else None,
        notifier=SnsNotifier(clients, topic_arn) if topic_arn else None,
        fallback=DeadLetterNotifier(clients, dead_letter_queue_url)
        if dead_letter_queue_url
        else None,
    )
