"""`make demo`: the seed story (SkyPilot, eu-south-1) on a local AWS emulator, fixed.

A moto server on 127.0.0.1 plays AWS; the CloudTrail events AWS would send are delivered
through the rules of template.yaml to the Lambda handlers, with each function's environment
from the template. No AWS account, no Docker.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .bus import Delivery, LocalEventBus
from .emulator import (
    create_changes_queue,
    create_memory_table,
    delete_default_vpc,
    drain,
    moto_server,
    subscribed_topic,
    use_emulator,
)
from .events import load_event

REGION = "eu-south-1"
ACCOUNT = "123456789012"  # moto's account
ZONE = f"{REGION}a"
DEMO_SETTLE_SECONDS = 3


class Style:
    def __init__(self, stream: TextIO) -> None:
        self.on = (
            stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        )

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def good(self, text: str) -> str:
        return self._wrap("32", text)

    def bad(self, text: str) -> str:
        return self._wrap("31", text)

    def warn(self, text: str) -> str:
        return self._wrap("33", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


def _tags(name: str, kind: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def build_the_story(ec2: Any) -> tuple[dict[str, str], list[tuple[str, dict[str, str]]]]:
    """What the team did in the console, and the CloudTrail events it caused, in order."""

    default_id = delete_default_vpc(ec2)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=_tags("skypilot-vpc", "vpc"))
    vpc_id = vpc["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.0.1.0/24",
        AvailabilityZone=ZONE,
        TagSpecifications=_tags("skypilot-subnet-a", "subnet"),
    )
    subnet_id = subnet["Subnet"]["SubnetId"]
    # AWS leaves public-IP mapping off in a custom VPC (moto turns it on for a zone's first subnet).
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": False})
    igw_id = ec2.create_internet_gateway(
        TagSpecifications=_tags("skypilot-igw", "internet-gateway")
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    ids = {"default": default_id, "vpc": vpc_id, "subnet": subnet_id, "igw": igw_id}
    events = [
        ("DeleteVpc", {"vpc": ids["default"]}),
        ("CreateVpc", {"vpc": vpc_id}),
        ("CreateSubnet", {"vpc": vpc_id, "subnet": subnet_id}),
        ("CreateInternetGateway", {"igw": igw_id}),
        ("AttachInternetGateway", {"vpc": vpc_id, "igw": igw_id}),
    ]
    return ids, events


def skypilot_view(ec2: Any, subnet_id: str) -> tuple[str, str, bool, bool]:
    """(governing table, its default route, SkyPilot calls it public, maps public IPs).

    SkyPilot's rule, written here apart from the product's code: the explicitly associated
    table, else the main table; public when a route's gateway is an igw-.
    """
    subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    kind = "explicit"
    if not tables:
        kind = "main"
        tables = ec2.describe_route_tables(
            Filters=[
                {"Name": "vpc-id", "Values": [subnet["VpcId"]]},
                {"Name": "association.main", "Values": ["true"]},
            ]
        )["RouteTables"]
    table = tables[0]
    default = next(
        (r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"), None
    )
    route = (
        f"0.0.0.0/0 -> {default.get('GatewayId') or default.get('NatGatewayId')}"
        if default
        else "no default route"
    )
    public = any((r.get("GatewayId") or "").startswith("igw-") for r in table["Routes"])
    return f"{table['RouteTableId']} ({kind})", route, public, bool(subnet["MapPublicIpOnLaunch"])


def _readiness() -> list[str]:
    """Each launcher's verdict in public mode (its default), as the notices and the CLI say it."""
    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.aws.reader import SnapshotReader
    from vpc_remediator.domain.launchers import LaunchMode, lines, readiness
    from vpc_remediator.domain.policy import Policy

    region = SnapshotReader(clients_for(REGION).ec2, REGION, ACCOUNT).read(None)
    public = [e for e in readiness(region, Policy()) if e.mode is LaunchMode.PUBLIC]
    return lines(public)


def _show_readiness(out: TextIO, style: Style) -> None:
    for line in _readiness():
        label, _, verdict = line.partition(": ")
        shown = style.good(verdict) if verdict.startswith("ready") else style.bad(verdict)
        print(f"   {label}: {shown}", file=out)


def _show_state(out: TextIO, style: Style, ec2: Any, subnet_id: str) -> bool:
    table, route, public, mapped = skypilot_view(ec2, subnet_id)
    yes = {True: style.good("yes"), False: style.bad("no")}
    print(f"   subnet {subnet_id} ({ZONE})", file=out)
    print(f"     {'route table':<20} {table}: {route}", file=out)
    print(f"     {'public per SkyPilot':<20} {yes[public]}", file=out)
    print(f"     {'public IP on launch':<20} {yes[mapped]}", file=out)
    return public and mapped


# What an e-mail subscriber reads, by subject: SNS gives e-mail the notice's text, which the SQS
# subscriber (a machine) never sees, so the demo keeps what the function published.
MAILS: dict[str, str] = {}


@contextlib.contextmanager
def _mail_kept() -> Iterator[None]:
    """Keep the e-mail text of every notice the functions publish (SNS's `Publish` with
    MessageStructure=json: its "email" key), as the call leaves the process."""
    from botocore.client import BaseClient

    call = BaseClient._make_api_call  # type: ignore[attr-defined]

    def keep(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "Publish" and params.get("MessageStructure") == "json":
            MAILS[str(params.get("Subject", ""))] = json.loads(params["Message"]).get("email", "")
        return call(self, operation, params)

    BaseClient._make_api_call = keep  # type: ignore[attr-defined]
    try:
        yield
    finally:
        BaseClient._make_api_call = call  # type: ignore[attr-defined]


def _show_notice(out: TextIO, style: Style, envelope: dict[str, Any]) -> None:
    document = json.loads(envelope["Message"])
    print(
        f"       {style.bold('SNS notice')}: the e-mail (the SQS subscriber gets the same facts "
        f"as {document['schema']} v{document['version']})",
        file=out,
    )
    print(f"         Subject: {envelope['Subject']}", file=out)
    for line in MAILS.get(envelope["Subject"], "").splitlines():
        print(f"         {line}" if line else "", file=out)


def _deliver(
    out: TextIO,
    style: Style,
    bus: LocalEventBus,
    events: list[tuple[str, dict[str, str]]],
    *,
    sqs: Any,
    queue: str,
    logs: Path,
    settle_seconds: int,
) -> None:
    """Each event through the bus, then what the function said and what the subscriber got;
    then the VPC, quiet for the settle time, reconciled once."""
    with logs.open("w") as log:
        for n, (name, event_ids) in enumerate(events, 1):
            event = load_event(name, **event_ids)
            with contextlib.redirect_stdout(log):
                deliveries = bus.deliver(event)
            head = f"   [{n}/{len(events)}] {name}"
            if not deliveries:
                quiet = style.dim("no rule matches: not a change the remediator watches")
                print(f"{head} -> {quiet}", file=out)
            for delivery in deliveries:
                print(f"{head} -> {delivery.function}: {_outcome(style, delivery)}", file=out)
            # A queued event is only noted: its VPC is reconciled once it has settled.
            _show_notices(out, style, sqs, queue, shown=any(not d.records for d in deliveries))
        if not bus.waiting():
            return
        print(
            f"   ... no change for {settle_seconds} s (SettleSeconds={settle_seconds}; "
            "the stack's default is 90): the VPC has settled",
            file=out,
        )
        with contextlib.redirect_stdout(log):
            settled = bus.settle()
        for delivery in settled:
            print(
                f"   settle messages -> {delivery.function}: {_outcome(style, delivery)}", file=out
            )
        _show_notices(out, style, sqs, queue, shown=True)


def _show_notices(out: TextIO, style: Style, sqs: Any, queue: str, *, shown: bool) -> None:
    notices = drain(sqs, queue)
    for envelope in notices:
        _show_notice(out, style, envelope)
    if shown and not notices:
        print(style.dim("       no notice: nothing changed and nothing needs a person"), file=out)


def _outcome(style: Style, delivery: Delivery) -> str:
    if delivery.error is not None:
        return f"{style.bad(type(delivery.error).__name__)}: {delivery.error}"
    result = delivery.result
    if delivery.records:
        failed = len(result.get("batchItemFailures", []))
        plural = "s" if delivery.records > 1 else ""
        taken = f"{delivery.records} message{plural} from the changes queue"
        return taken + (f", {style.bad(f'{failed} failed')}" if failed else "")
    if result["status"] == "skipped":
        return f"skipped ({result['reason']})"
    return ", ".join(r["outcome"] for r in result["reports"]) or "nothing to do"


def run(parameters: dict[str, str], out: TextIO) -> int:
    style = Style(out)
    started = time.perf_counter()
    with moto_server() as url:
        use_emulator(url, REGION, POWERTOOLS_LOG_LEVEL="INFO")
        return _story(url, parameters, out, style, started)


def _story(url: str, parameters: dict[str, str], out: TextIO, style: Style, started: float) -> int:
    import boto3

    logs = Path(tempfile.mkdtemp(prefix="vpc-remediator-demo-")) / "lambda.log"
    ec2 = boto3.client("ec2", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic, queue = subscribed_topic(sns, sqs, "vpc-remediator-notices")
    dead_letter = sqs.create_queue(QueueName="vpc-remediator-dead-letter")["QueueUrl"]
    memory = create_memory_table(boto3.client("dynamodb", region_name=REGION))
    changes = create_changes_queue(sqs, dead_letter)
    # A short settle time, so that the story is told in seconds (deployed, it is 90 s).
    parameters = {"SettleSeconds": str(DEMO_SETTLE_SECONDS), **parameters}
    settle_seconds = int(parameters["SettleSeconds"])
    bus = LocalEventBus(
        REGION, ACCOUNT, topic, dead_letter, parameters, memory, changes_queue_url=changes, sqs=sqs
    )

    print(
        style.bold("vpc-remediator demo") + ": the seed story (SkyPilot in eu-south-1), "
        "on a local AWS emulator",
        file=out,
    )
    print(style.dim(f"   moto server on {url}; no AWS account is used"), file=out)
    if parameters:
        print(style.dim(f"   template parameters: {parameters}"), file=out)

    ids, events = build_the_story(ec2)
    print("\n" + style.bold("1. What the team did in the console"), file=out)
    print(f"   deleted the default VPC {ids['default']}", file=out)
    print(f"   created VPC {ids['vpc']} (skypilot-vpc, 10.0.0.0/16)", file=out)
    print(f"   created subnet {ids['subnet']} in {ZONE}", file=out)
    print(f"   created and attached internet gateway {ids['igw']}", file=out)
    print("   ... and routed nothing to it, and left public-IP mapping off", file=out)

    print(
        "\n" + style.bold("2. Before: `sky launch -c test --region eu-south-1 --cpus=2`"),
        file=out,
    )
    _show_state(out, style, ec2, ids["subnet"])
    print("   what each launcher's own rules decide now:", file=out)
    _show_readiness(out, style)

    print(
        "\n"
        + style.bold("3. The CloudTrail events AWS sends, routed by the rules in template.yaml"),
        file=out,
    )
    print(
        style.dim(
            "   each handler reads live state: the event is a trigger, not the truth; VPC "
            "changes wait on the changes queue until the VPC settles"
        ),
        file=out,
    )
    with _mail_kept():
        _deliver(
            out,
            style,
            bus,
            events,
            sqs=sqs,
            queue=queue,
            logs=logs,
            settle_seconds=settle_seconds,
        )

    print("\n" + style.bold("4. After"), file=out)
    fixed = _show_state(out, style, ec2, ids["subnet"])
    seconds = time.perf_counter() - started
    print(style.dim(f"   the Lambdas' own logs: {logs}"), file=out)
    if fixed:
        print(
            "\n" + style.good("FIXED") + f": the subnet is public and maps public IPs "
            f"({seconds:.1f} s). What each launcher's own rules decide now:",
            file=out,
        )
    else:
        print(
            "\n" + style.bad("NOT FIXED") + f": the subnet is still unusable ({seconds:.1f} s).",
            file=out,
        )
    _show_readiness(out, style)
    return 0 if fixed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template.yaml parameter, e.g. Mode=audit or RouteStrategy=main",
    )
    args = parser.parse_args(argv)
    parameters = {}
    for item in args.parameter:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--parameter takes KEY=VALUE, got {item!r}")
        parameters[key] = value
    return run(parameters, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
