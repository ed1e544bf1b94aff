"""The measurements `make bench` takes, one function per scenario, against a moto server: API
calls per reconcile, the sweep and the audit, a crowded region, claimed tables, EC2's rate
limit, bursts of events, an organisation, handler latency, memory, cold start, the package."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-south-1"
ACCOUNT = "123456789012"
HANDLERS = ("vpc_changes", "delete_vpc", "sweep")


@dataclass
class Emulator:
    url: str
    ec2: Any = None  # a client of the benchmark's own, for set-up (not counted)

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - our own loopback server
            pass


@contextlib.contextmanager
def emulator() -> Iterator[Emulator]:
    import boto3
    from local_aws.emulator import moto_server, use_emulator

    with moto_server() as url:
        use_emulator(
            url,
            REGION,
            POWERTOOLS_SERVICE_NAME="vpc-remediator",
            POWERTOOLS_METRICS_NAMESPACE="VpcRemediatorBench",
            POWERTOOLS_LOG_LEVEL="WARNING",
        )
        yield Emulator(url, boto3.client("ec2", region_name=REGION))


@dataclass
class Calls:
    by_operation: Counter[str] = field(default_factory=Counter)

    def record(self, model: Any, **_: Any) -> None:
        self.by_operation[model.name] += 1

    @property
    def describes(self) -> int:
        """The batched reads; DescribeVpcAttribute, two per VPC where a launcher that needs
        DNS matters (the command line: always), is counted apart (`vpc_attributes`)."""
        return sum(
            n
            for op, n in self.by_operation.items()
            if op.startswith("Describe") and op != "DescribeVpcAttribute"
        )

    @property
    def vpc_attributes(self) -> int:
        return self.by_operation["DescribeVpcAttribute"]

    @property
    def writes(self) -> int:
        return sum(
            n
            for op, n in self.by_operation.items()
            if not op.startswith(("Describe", "Get", "List"))
        )


def counted_clients() -> tuple[Any, Calls]:
    from vpc_remediator.aws.clients import AwsClients

    clients = AwsClients(REGION)
    calls = Calls()
    clients.ec2.meta.events.register("before-parameter-build", calls.record)
    return clients, calls


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def broken_vpc(emu: Emulator, subnets: int) -> str:
    """A VPC with an attached gateway, `subnets` subnets on the main table, no route."""
    ec2 = emu.ec2
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    zones = ["a", "b", "c"]
    for i in range(subnets):
        cidr = f"10.0.{i // 4}.{(i % 4) * 64}/26"
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=cidr, AvailabilityZone=REGION + zones[i % 3]
        )
        ec2.modify_subnet_attribute(
            SubnetId=subnet["Subnet"]["SubnetId"], MapPublicIpOnLaunch={"Value": False}
        )
    return str(vpc)


def bench_reconcile(emu: Emulator, sizes: list[int], runs: int) -> list[dict[str, Any]]:
    from vpc_remediator.domain.policy import AutoScope, Policy
    from vpc_remediator.service.wiring import remediator_for

    rows = []
    for size in sizes:
        broken_times, compliant_times = [], []
        broken_calls = compliant_calls = Calls()
        planned = 0
        for _ in range(runs):
            emu.reset()
            vpc = broken_vpc(emu, size)
            clients, calls = counted_clients()
            remediator = remediator_for(Policy(), clients, account=ACCOUNT)
            seconds, reports = timed(
                partial(remediator.reconcile_vpcs, frozenset({vpc}), AutoScope.all())
            )
            broken_times.append(seconds)
            broken_calls, planned = calls, len(reports[0].plans[0].actions)
            assert reports[0].compliant, "the benchmark VPC did not converge"  # noqa: S101
            clients, calls = counted_clients()
            remediator = remediator_for(Policy(), clients, account=ACCOUNT)
            seconds, _ = timed(
                partial(remediator.reconcile_vpcs, frozenset({vpc}), AutoScope.all())
            )
            compliant_times.append(seconds)
            compliant_calls = calls
        rows.append(
            {
                "subnets": size,
                "broken": {
                    "describes": broken_calls.describes,
                    "writes": broken_calls.writes,
                    "planned_writes": planned,
                    "by_operation": dict(sorted(broken_calls.by_operation.items())),
                    "seconds": statistics.median(broken_times),
                },
                "compliant": {
                    "describes": compliant_calls.describes,
                    "writes": compliant_calls.writes,
                    "by_operation": dict(sorted(compliant_calls.by_operation.items())),
                    "seconds": statistics.median(compliant_times),
                },
            }
        )
        print(f"  reconcile {size:>4} subnets: done", file=sys.stderr)
    return rows


def bench_crowded(emu: Emulator, counts: list[int], runs: int) -> list[dict[str, Any]]:
    """One broken VPC (one subnet) reconciled in a region of `count` other VPCs: the read
    lists the whole region's subnets and route tables (what the launchers look at, for the
    readiness), so its pages grow with the region; and the readiness's own time (pure)."""
    from vpc_remediator.aws.reader import SnapshotReader
    from vpc_remediator.domain.launchers import readiness
    from vpc_remediator.domain.policy import AutoScope, Policy
    from vpc_remediator.service.wiring import remediator_for

    rows = []
    for count in counts:
        emu.reset()
        region_of_vpcs(emu, count, named=True)
        times, verdict_times = [], []
        calls = Calls()
        entries = 0
        for _ in range(runs):
            vpc = broken_vpc(emu, 1)
            clients, calls = counted_clients()
            remediator = remediator_for(Policy(), clients, account=ACCOUNT)
            seconds, reports = timed(
                partial(remediator.reconcile_vpcs, frozenset({vpc}), AutoScope.all())
            )
            assert reports[0].compliant, "the crowded VPC did not converge"  # noqa: S101
            times.append(seconds)
            region = SnapshotReader(emu.ec2, REGION, ACCOUNT).read(frozenset({vpc}))
            seconds, found = timed(partial(readiness, region, Policy()))
            verdict_times.append(seconds)
            entries = len(found)
        rows.append(
            {
                "other_vpcs": count,
                "describes": calls.describes,
                "writes": calls.writes,
                "by_operation": dict(sorted(calls.by_operation.items())),
                "seconds": statistics.median(times),
                "readiness_ms": statistics.median(verdict_times) * 1000,
                "readiness_entries": entries,
            }
        )
        print(f"  one VPC among {count:>5} others: done", file=sys.stderr)
    return rows


def bench_claims(counts: list[int], runs: int) -> list[dict[str, Any]]:
    """Planning one VPC beside N tables that claim to be the remediator's (an attacker's, or an
    earlier version's) and N duplicates its record proves: pure, in-process."""
    from tests.builders import IGW, route, subnet, table, vpc_snapshot

    from vpc_remediator.domain.model import Ownership
    from vpc_remediator.domain.planner import plan_vpc
    from vpc_remediator.domain.policy import AutoScope, Policy

    claim = {"vpc-remediator:role": "public-route-table", "vpc-remediator:managed": "created"}
    rows = []
    for count in counts:
        for kind in ("claimed", "proven"):
            tables = tuple(
                table(f"rtb-{i:017d}", route(IGW), subnets=(f"subnet-{i:017d}",), tags=claim)
                for i in range(count)
            )
            proven = frozenset(t.id for t in tables) if kind == "proven" else frozenset()
            snap = vpc_snapshot(
                *(subnet(f"subnet-{i:017d}") for i in range(count)),
                subnet("subnet-new00000000000"),
                tables=tables,
                ownership=Ownership(known=True, tables=proven),
            )
            policy, auto = Policy(), AutoScope.all()
            samples = [timed(partial(plan_vpc, snap, policy, auto)) for _ in range(runs)]
            plan = samples[-1][1]
            rows.append(
                {
                    "tables": count,
                    "kind": kind,
                    "seconds": statistics.median(t for t, _ in samples),
                    "actions": len(plan.actions),
                    "findings": len(plan.findings),
                }
            )
    return rows


def bench_rate_limit(emu: Emulator, subnets: int) -> dict[str, Any]:
    """A broken VPC of `subnets` subnets fixed behind EC2's token bucket for mutating calls
    (200 tokens, 5 a second; drained at the start), in real time with botocore's own backoff."""
    from local_aws.template import load_template
    from local_aws.throttle import TokenBucket, throttle

    from vpc_remediator.domain.policy import AutoScope, Policy
    from vpc_remediator.service.wiring import remediator_for

    emu.reset()
    vpc = broken_vpc(emu, subnets)
    clients, calls = counted_clients()
    bucket = TokenBucket()
    throttle(clients.ec2, bucket)
    remediator = remediator_for(Policy(), clients, account=ACCOUNT)
    seconds, reports = timed(partial(remediator.reconcile_vpcs, frozenset({vpc}), AutoScope.all()))
    assert reports[0].compliant, "the rate-limited VPC did not converge"  # noqa: S101
    print(f"  rate-limited fix of {subnets} subnets: {seconds:.0f} s", file=sys.stderr)
    return {
        "subnets": subnets,
        "writes": calls.writes,
        "refused": bucket.refused,
        "seconds": seconds,
        "floor_seconds": calls.writes / bucket.refill_per_second,
        "bucket_size": bucket.capacity,
        "refill_per_second": bucket.refill_per_second,
        "timeout_seconds": float(load_template()["Globals"]["Function"]["Timeout"]),
    }


def region_of_vpcs(emu: Emulator, count: int, *, named: bool = False) -> None:
    """`count` private VPCs with one subnet each (undecided: nothing to change); `named`: each
    with a Name tag of its own (every one a `vpc_name` the readiness tries)."""
    for i in range(count):
        tags = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"team-{i}"}]}]
        vpc = emu.ec2.create_vpc(
            CidrBlock=f"10.{i // 256}.{i % 256}.0/24", TagSpecifications=tags if named else []
        )["Vpc"]["VpcId"]
        emu.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i // 256}.{i % 256}.0/26")


def bench_sweep(emu: Emulator, counts: list[int], runs: int) -> list[dict[str, Any]]:
    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.cli import main as cli
    from vpc_remediator.domain.policy import AutoScope, Mode, Policy
    from vpc_remediator.service.wiring import remediator_for

    rows = []
    for count in counts:
        emu.reset()
        region_of_vpcs(emu, count)
        sweep_times, audit_times = [], []
        sweep_calls = audit_calls = Calls()
        for _ in range(runs):
            clients, sweep_calls = counted_clients()
            remediator = remediator_for(Policy(mode=Mode.AUDIT), clients, account=ACCOUNT)
            seconds, _ = timed(partial(remediator.sweep, None, AutoScope.none()))
            sweep_times.append(seconds)
            clients_for.cache_clear()
            audit_calls = Calls()
            clients_for(REGION).ec2.meta.events.register(
                "before-parameter-build", audit_calls.record
            )
            out = io.StringIO()
            seconds, code = timed(partial(cli.main, ["audit", "--region", REGION, "--json"], out))
            audit_times.append(seconds)
            assert code in (0, 1), code  # noqa: S101
        rows.append(
            {
                "vpcs": count + 1,  # and the emulator's default VPC
                "sweep": {
                    "describes": sweep_calls.describes,
                    "by_operation": dict(sorted(sweep_calls.by_operation.items())),
                    "seconds": statistics.median(sweep_times),
                },
                "audit": {
                    "describes": audit_calls.describes,
                    "vpc_attributes": audit_calls.vpc_attributes,
                    "seconds": statistics.median(audit_times),
                },
            }
        )
        print(f"  sweep and audit {count:>5} VPCs: done", file=sys.stderr)
    return rows


ORG_REGIONS = ("eu-south-1", "us-west-2")


def bench_organization(
    emu: Emulator, sizes: list[int], parallels: list[int], round_trips: list[float]
) -> list[dict[str, Any]]:
    """`audit --organization` over an organisation of N accounts (the management account and
    N-1 members, each member with the seed story in its first region) x 2 regions."""
    from tests.organization import MANAGEMENT, build_organization, calls_made, seed_story

    from vpc_remediator.cli import main as cli
    from vpc_remediator.observability import logger

    rows = []
    for size in sizes:
        emu.reset()
        org = build_organization(emu.url, members=size - 1)
        for account in org.members:
            seed_story(org.ec2(account))
        # Every backend made once, so that the runs measure the audit, not moto's set-up.
        for account in [MANAGEMENT, *org.members]:
            for region in ORG_REGIONS:
                org.ec2(account, region).describe_vpcs()
        for round_trip in round_trips:
            for parallel in parallels:
                if parallel > 2 * size * len(ORG_REGIONS):
                    continue
                argv = ["audit", "--organization", "--json", "--max-parallel", str(parallel)]
                argv += [a for r in ORG_REGIONS for a in ("--region", r)]
                level = logger.log_level
                with calls_made(round_trip) as made:
                    seconds, code = timed(partial(cli.main, argv, io.StringIO()))
                logger.setLevel(level)
                assert code == 1, code  # noqa: S101 - the members' seed stories
                pairs = size * len(ORG_REGIONS)
                by_operation = Counter(op for _, op, _, _ in made)
                per_pair = Counter((key, op) for service, op, _, key in made if service == "ec2")
                rows.append(
                    {
                        "accounts": size,
                        "pairs": pairs,
                        "max_parallel": parallel,
                        "round_trip_ms": round(round_trip * 1000),
                        "seconds": seconds,
                        "calls": len(made),
                        "calls_per_pair": round(len(made) / pairs, 2),
                        "assume_role": by_operation["AssumeRole"],
                        "describes_per_pair": round(
                            sum(
                                n
                                for (_, op), n in per_pair.items()
                                if op.startswith("Describe")
                                and op not in {"DescribeRegions", "DescribeVpcAttribute"}
                            )
                            / pairs,
                            2,
                        ),
                        "by_operation": dict(sorted(by_operation.items())),
                    }
                )
                print(
                    f"  organization of {size:>3} accounts, --max-parallel {parallel:>2}, "
                    f"{round_trip * 1000:.0f} ms a call: {seconds:.1f} s",
                    file=sys.stderr,
                )
    return rows


def bench_latency(emu: Emulator, per_event: int) -> list[dict[str, Any]]:
    """Each event type through its function (template routing), warm: clients reused."""
    import boto3
    from local_aws.bus import LocalEventBus
    from local_aws.events import load_event

    emu.reset()
    vpc = broken_vpc(emu, 3)
    ec2 = emu.ec2
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0][
        "SubnetId"
    ]
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][
        0
    ]
    sqs = boto3.client("sqs", region_name=REGION)
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="bench")["TopicArn"]
    dead_letter = sqs.create_queue(QueueName="bench-dlq")["QueueUrl"]
    from local_aws.emulator import create_memory_table

    memory = create_memory_table(boto3.client("dynamodb", region_name=REGION))
    # Each event reconciled at once (no settle time): what one reconcile costs.
    bus = LocalEventBus(
        REGION, ACCOUNT, topic, dead_letter, {"SettleSeconds": "0"}, memory_table=memory
    )
    ids = {
        "vpc": vpc,
        "subnet": subnet,
        "igw": igw,
        "rtb": main["RouteTableId"],
        "assoc": "rtbassoc-0123456789abcdef0",
    }
    from vpc_remediator.domain.triggers import HANDLED_EVENTS

    names = sorted(HANDLED_EVENTS)
    rows = []
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        # The first delivery fixes the VPC and warms every client; what follows is steady state.
        attach = load_event("AttachInternetGateway", **ids)
        bus.invoke(bus.matching(attach)[0], attach)
        # Each sample a new API call (an event id of its own): a redelivered one would be
        # recognised by Powertools Idempotency and cost nothing.
        events = [(n, partial(load_event, n, **ids)) for n in names]
        events.append(("ScheduledEvent (sweep)", partial(load_event, "ScheduledEvent")))
        for name, event in events:
            matching = bus.matching(event()) or [r for r in bus.routes if r.pattern is None]
            route = matching[0]
            bus.invoke(route, event())  # warm this function's module
            samples = []
            for _ in range(per_event):
                seconds, delivery = timed(partial(bus.invoke, route, event()))
                assert delivery.error is None, delivery.error  # noqa: S101
                samples.append(seconds)
            rows.append(
                {"event": name, "function": route.name, "seconds": statistics.median(samples)}
            )
    return rows


def console_burst(ec2: Any) -> list[dict[str, Any]]:
    """The console's clicks (the seed story): a VPC, a subnet, a gateway attached."""
    from local_aws.events import load_event

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a")
    subnet_id = subnet["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": False})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ids = {"vpc": vpc, "subnet": subnet_id, "igw": igw}
    names = ("CreateVpc", "CreateSubnet", "CreateInternetGateway", "AttachInternetGateway")
    return [load_event(n, **ids) for n in names]


def terraform_burst(ec2: Any) -> list[dict[str, Any]]:
    """A terraform-aws-modules/vpc first apply in two zones: public, private and intra
    subnets, their tables, the gateway route, the associations; Terraform's caller."""
    from local_aws.events import load_event, made_by

    events: list[dict[str, Any]] = []

    def log(name: str, **ids: str) -> None:
        events.append(made_by(load_event(name, **ids), "CreateSubnet-terraform"))

    def table(name: str) -> str:
        tags = [{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": name}]}]
        rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=tags)["RouteTable"]
        log("CreateRouteTable", vpc=vpc, rtb=rtb["RouteTableId"])
        return str(rtb["RouteTableId"])

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    log("CreateVpc", vpc=vpc)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    log("CreateInternetGateway", igw=igw)
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    log("AttachInternetGateway", vpc=vpc, igw=igw)
    subnets: dict[str, list[str]] = {}
    for kind, base in (("public", 100), ("private", 0), ("intra", 200)):
        for n, zone in enumerate(("a", "b")):
            name = f"main-{kind}-{REGION}{zone}"
            subnet = ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=f"10.0.{base + n}.0/24",
                AvailabilityZone=f"{REGION}{zone}",
                TagSpecifications=[
                    {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}
                ],
            )["Subnet"]["SubnetId"]
            ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
            log("CreateSubnet", vpc=vpc, subnet=subnet)
            subnets.setdefault(kind, []).append(subnet)
    public = table("main-public")
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    log("CreateRoute", rtb=public)
    tables = {"public": [public] * 2, "private": [table("main-private-a"), table("main-private-b")]}
    tables["intra"] = [table("main-intra")] * 2
    for kind, ids in subnets.items():
        for subnet, rtb in zip(ids, tables[kind], strict=True):
            ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
            log("AssociateRouteTable", rtb=rtb, subnet=subnet)
    return events


BURST_SETTLE_SECONDS = 2  # the settled runs wait for real: a short settle time (deployed: 90)


def bench_bursts(emu: Emulator, settle_seconds: int = BURST_SETTLE_SECONDS) -> list[dict[str, Any]]:
    """A burst of VPC events, reconciled per event (SettleSeconds=0, each event its own batch:
    what the functions did before events settled) and settled (one reconcile once quiet)."""
    import boto3
    from local_aws.bus import LocalEventBus
    from local_aws.emulator import (
        create_changes_queue,
        create_memory_table,
        drain,
        subscribed_topic,
    )

    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.service.remediator import Remediator

    rows = []
    original = Remediator.handle
    for burst, build in (
        ("console: VPC, subnet, gateway", console_burst),
        ("Terraform first apply (2 zones)", terraform_burst),
    ):
        for mode in ("per event", "settled"):
            emu.reset()
            clients_for.cache_clear()
            sqs = boto3.client("sqs", region_name=REGION)
            topic, notices = subscribed_topic(boto3.client("sns", region_name=REGION), sqs, "b")
            dead_letter = sqs.create_queue(QueueName="bench-dlq")["QueueUrl"]
            memory = create_memory_table(boto3.client("dynamodb", region_name=REGION))
            queue = create_changes_queue(sqs, dead_letter)
            settle = "0" if mode == "per event" else str(settle_seconds)
            bus = LocalEventBus(
                REGION,
                ACCOUNT,
                topic,
                dead_letter,
                {"SettleSeconds": settle},
                memory,
                changes_queue_url=queue,
                sqs=sqs,
            )
            events = build(emu.ec2)
            calls = Calls()
            clients_for(REGION).ec2.meta.events.register("before-parameter-build", calls.record)
            reconciles: list[Any] = []

            def counting(self: Remediator, trigger: Any, seen: list[Any] = reconciles) -> Any:
                seen.append(trigger)
                return original(self, trigger)

            Remediator.handle = counting  # type: ignore[method-assign]
            sink = io.StringIO()
            try:
                with contextlib.redirect_stdout(sink):
                    for event in events:
                        bus.deliver(event)
                    bus.settle()
            finally:
                Remediator.handle = original  # type: ignore[method-assign]
            rows.append(
                {
                    "burst": burst,
                    "mode": mode,
                    "events": len(events),
                    "reconciles": len(reconciles),
                    "ec2_calls": sum(calls.by_operation.values()),
                    "writes": calls.writes,
                    "notices": len(drain(sqs, notices)),
                }
            )
    clients_for.cache_clear()
    return rows


def bench_memory(emu: Emulator) -> dict[str, Any]:
    """Peak RSS of a fresh handler process reconciling a broken 100-subnet VPC."""
    import boto3
    from local_aws.events import load_event

    emu.reset()
    vpc = broken_vpc(emu, 100)
    igw = emu.ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="bench")["TopicArn"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "event.json"
        path.write_text(json.dumps(load_event("AttachInternetGateway", vpc=vpc, igw=igw)))
        result = worker(
            "reconcile", str(path), extra_env={"VPCR_TOPIC_ARN": topic, "VPCR_SETTLE_SECONDS": "0"}
        )
    return {"subnets": 100, **result}


def worker(*args: str, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'functions'}",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",
        **(extra_env or {}),
    }
    done = subprocess.run(  # noqa: S603 - this interpreter running our own worker
        [sys.executable, "-m", "bench.worker", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.worker {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def import_time_us(module: str) -> int:
    """Cumulative import time of `module` as `python -X importtime` reports it."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'functions'}"}
    err = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stderr
    line = next(
        line for line in reversed(err.splitlines()) if line.rstrip().endswith(f"| {module}")
    )
    return int(line.split("|")[1])


def bench_cold_start(runs: int) -> dict[str, Any]:
    baseline = statistics.median(worker("baseline")["seconds"] for _ in range(runs))
    modules = []
    for name in HANDLERS:
        module = f"vpc_remediator.lambdas.handlers.{name}"
        samples = [worker("import", module) for _ in range(runs)]
        imported = statistics.median(s["import"] for s in samples)
        with_clients = statistics.median(s["with_clients"] for s in samples)
        first = statistics.median(s["first_reconcile"] for s in samples)
        modules.append(
            {
                "module": module,
                "importtime_ms": statistics.median(import_time_us(module) for _ in range(runs))
                / 1000,
                "import_seconds": imported,
                "with_clients_seconds": with_clients,
                "ratio": with_clients / baseline,
                "first_reconcile_seconds": first,
                "first_reconcile_ratio": first / baseline,
            }
        )
    return {"baseline_seconds": baseline, "modules": modules}


def bench_package() -> dict[str, Any]:
    """functions/ plus its runtime requirements, built for the Lambda platform (arm64, 3.13)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "package"
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(target),
                "--platform",
                "manylinux2014_aarch64",
                "--implementation",
                "cp",
                "--python-version",
                "3.13",
                "--only-binary=:all:",
                "-r",
                str(ROOT / "functions" / "requirements.txt"),
            ],
            check=True,
            capture_output=True,
        )
        shutil.copytree(
            ROOT / "functions" / "vpc_remediator",
            target / "vpc_remediator",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        archive = shutil.make_archive(str(Path(tmp) / "package"), "zip", target)
        return {"unzipped_mb": size / 1e6, "zipped_mb": Path(archive).stat().st_size / 1e6}
