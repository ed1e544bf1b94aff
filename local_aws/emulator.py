"""The local AWS emulator (a moto server on 127.0.0.1) and the chores every user of it repeats."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 and a free port; yields its URL and stops it afterwards."""
    from moto.server import ThreadedMotoServer

    # Its request log, and the tracebacks moto prints for calls it does not implement (the
    # remediator reads VPC Block Public Access, which moto lacks, as "off").
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    # Port 0: the kernel picks a free port as it binds (no window in which another process,
    # or a parallel test worker, can take it first).
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    finally:
        server.stop()


def use_emulator(url: str, region: str, **extra: str) -> None:
    """Point this process's boto3 at the emulator: endpoint, throwaway keys, one region.

    Any profile or session token of the person running it is dropped, so nothing reaches a
    real account.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="emulator",
        AWS_SECRET_ACCESS_KEY="emulator",  # noqa: S106 - the emulator accepts any key
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        **extra,
    )


def delete_default_vpc(ec2: Any) -> str:
    """What the seed's team did first: delete the region's default VPC (its subnets first)."""
    default = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default["VpcId"]]}])
    for subnet in subnets["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=default["VpcId"])
    return str(default["VpcId"])


def complete_default_vpc(ec2: Any) -> str | None:
    """What AWS's default VPC has and moto's lacks: an attached gateway and a default route.
    Returns the default VPC's id (None: the region has none)."""
    default = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not default:
        return None
    vpc = str(default[0]["VpcId"])
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    return vpc


def drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message waiting in a queue, parsed from JSON and deleted."""
    received: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        messages = batch.get("Messages", [])
        if not messages:
            return received
        for message in messages:
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def subscribed_topic(sns: Any, sqs: Any, name: str) -> tuple[str, str]:
    """A topic with an SQS queue subscribed (a machine subscriber): (topic ARN, queue URL)."""
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=f"{name}-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["QueueArn"])
    return str(topic), str(queue)


def create_memory_table(dynamodb: Any, name: str = "vpc-remediator-memory") -> str:
    """The stack's memory table (template.yaml's MemoryTable: its keys, as deployed)."""
    from .template import load_template

    props = load_template()["Resources"]["MemoryTable"]["Properties"]
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        BillingMode=props["BillingMode"],
    )
    return name


def create_changes_queue(
    sqs: Any, dead_letter_url: str, name: str = "vpc-remediator-changes"
) -> str:
    """The stack's changes queue (template.yaml's ChangesQueue: its visibility timeout, and its
    redrive to the dead-letter queue after maxReceiveCount deliveries), as deployed."""
    from .template import load_template

    props = load_template()["Resources"]["ChangesQueue"]["Properties"]
    dead_letter = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=["QueueArn"])
    redrive = {
        "deadLetterTargetArn": dead_letter["Attributes"]["QueueArn"],
        "maxReceiveCount": props["RedrivePolicy"]["maxReceiveCount"],
    }
    queue = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(props["VisibilityTimeout"]),
            "MessageRetentionPeriod": str(props["MessageRetentionPeriod"]),
            "RedrivePolicy": json.dumps(redrive),
        },
    )
    return str(queue["QueueUrl"])
