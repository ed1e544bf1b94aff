"""A VPC at EC2's default quota of 200 subnets, fixed under EC2's documented rate limit for
mutating calls (local_aws/throttle.py: a drained bucket of 200 tokens refilled at 5 a second), on a
virtual clock that request round trips, botocore's backoff and Lambda's retry delay advance.

No invocation runs past its timeout mid-plan: the service stops 20 s before the end, says what
it did and what is still in progress, and Lambda's retry finishes from live state.

Against the moto server: an injected answer replaces the request there, whereas moto in-process
would carry the refused request out as well."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from local_aws.context import FakeContext
from local_aws.events import load_event
from local_aws.template import load_template
from local_aws.throttle import TokenBucket

from tests.conftest import ACCOUNT, REGION
from tests.e2e.conftest import Deployment
from tests.faults import VirtualClock, mutating_rate_limit, round_trips
from tests.layouts import network_of
from vpc_remediator.lambdas.handlers import vpc_changes
from vpc_remediator.service.remediator import STOP_MARGIN_SECONDS, RemediationInProgress

SUBNETS = 200  # EC2's default quota of subnets per VPC
ROUND_TRIP = 0.03  # seconds of virtual time per request
LAMBDA_RETRY_DELAY = 60.0  # Lambda's first retry of an asynchronous invocation, about a minute


@pytest.fixture
def rate_limited(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from botocore.retries import standard

    ec2 = deployment.emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = []
    for i in range(SUBNETS):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{'abc'[i % 3]}"
        )["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
        subnets.append(subnet)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    clock = VirtualClock()
    bucket = TokenBucket(clock)
    deployment.injector.fail(round_trips(clock, ROUND_TRIP))
    deployment.injector.fail(mutating_rate_limit(bucket))
    # botocore's standard retry mode waits as it always does, on the virtual clock.
    original = deployment.backoff
    waits: list[float] = []

    def virtual_wait(self: Any, context: Any) -> float:
        waits.append(clock.advance(original(self, context)))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", virtual_wait)
    writes: list[str] = []
    from vpc_remediator.aws.clients import clients_for

    clients_for(REGION).ec2.meta.events.register(
        "before-parameter-build.ec2",
        lambda model, **_: (
            writes.append(model.name) if not model.name.startswith("Describe") else None
        ),
    )
    return {
        "deployment": deployment,
        "ec2": ec2,
        "vpc": vpc,
        "igw": igw,
        "subnets": subnets,
        "clock": clock,
        "bucket": bucket,
        "waits": waits,
        "writes": writes,
    }


def invoke_until_done(setup: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
    """Lambda's way: the invocation, then up to two retries a minute apart while it raises."""
    clock: VirtualClock = setup["clock"]
    event = load_event("AttachInternetGateway", vpc=setup["vpc"], igw=setup["igw"])
    runs = []
    for attempt in range(3):
        if attempt:
            clock.advance(LAMBDA_RETRY_DELAY)
        context = FakeContext.of(
            "vpc-remediator-test", REGION, ACCOUNT, timeout=timeout, clock=clock
        )
        started = clock()
        try:
            vpc_changes.lambda_handler(event, context)
            done = True
        except RemediationInProgress:
            done = False
        runs.append({"seconds": clock() - started, "done": done})
        if done:
            break
    return runs


def all_fixed(setup: dict[str, Any]) -> bool:
    ec2 = setup["ec2"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [setup["vpc"]]}])[
        "RouteTables"
    ]
    associated = {a.get("SubnetId") for t in tables for a in t["Associations"]}
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [setup["vpc"]]}])
    mapped = {s["SubnetId"] for s in subnets["Subnets"] if s["MapPublicIpOnLaunch"]}
    managed = [
        t for t in tables if any(k["Key"] == "vpc-remediator:role" for k in t.get("Tags", []))
    ]
    return (
        len(managed) == 1
        and set(setup["subnets"]) <= associated
        and set(setup["subnets"]) <= mapped
    )


def counted(document: dict[str, Any], kind: str, status: str) -> int:
    """Actions of a kind and status, listed or (a large notice) counted."""
    listed = sum(a["type"] == kind and a["status"] == status for a in document["actions"])
    return int(listed) + int(document.get("actions_counted", {}).get(f"{kind}:{status}", 0))


def test_200_subnets_are_fixed_within_the_templates_timeout_under_the_rate_limit(
    rate_limited: dict[str, Any],
) -> None:
    timeout = float(load_template()["Globals"]["Function"]["Timeout"])
    before = network_of(rate_limited["ec2"], rate_limited["vpc"])
    runs = invoke_until_done(rate_limited, timeout)
    assert [r["done"] for r in runs] == [True]  # one invocation is enough at this timeout
    assert all_fixed(rate_limited)
    writes = len(rate_limited["writes"])
    bucket: TokenBucket = rate_limited["bucket"]
    # The limit was real: the bucket refused calls, botocore waited, and the fix took at least
    # the floor the limit sets (writes / refill rate, the bucket being drained at the start).
    assert bucket.refused > 0 and len(rate_limited["waits"]) == bucket.refused
    floor = writes / bucket.refill_per_second
    assert floor <= runs[0]["seconds"] < timeout - STOP_MARGIN_SECONDS
    (notice,) = rate_limited["deployment"].notices()
    assert json.loads(notice["Message"])["outcome"] == "changed"
    print(
        f"\n200 subnets: {writes} writes, {bucket.refused} refused by the bucket, "
        f"{runs[0]['seconds']:.0f} s of virtual time (floor {floor:.0f} s, timeout {timeout:.0f} s)"
    )
    # A person undoes it all at the command line, from the journal the Lambda wrote: the VPC
    # is as it was before, to the last association and mapping.
    table = os.environ["VPCR_MEMORY_TABLE"]
    emulator = rate_limited["deployment"].emulator
    undone = emulator.run("undo", "--vpc-id", rate_limited["vpc"], "--yes", "--record-table", table)
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.count("put back: ") == 2 * SUBNETS + 1  # mappings, moves, its table
    assert network_of(rate_limited["ec2"], rate_limited["vpc"]) == before


def test_an_invocation_short_of_time_stops_in_time_says_so_and_its_retry_finishes(
    rate_limited: dict[str, Any],
) -> None:
    timeout = 60.0
    runs = invoke_until_done(rate_limited, timeout)
    assert [r["done"] for r in runs] == [False, True]
    # No invocation ran past its timeout mid-plan: each stopped with its margin left to read
    # again and notify (one write in flight may take a few seconds more under throttling).
    assert all(r["seconds"] <= timeout - STOP_MARGIN_SECONDS / 2 for r in runs), runs
    assert all_fixed(rate_limited)
    first, last = (json.loads(n["Message"]) for n in rate_limited["deployment"].notices())
    assert first["outcome"] == "in-progress" and first["severity"] == "warning"
    assert first["remaining"] and not first["compliant"]
    moved = counted(first, "AssociateRouteTable", "applied")
    later = counted(last, "AssociateRouteTable", "applied")
    assert moved > 0 and counted(first, "AssociateRouteTable", "deferred") == SUBNETS - moved
    # What the first run did, the retry did not do again: each subnet was moved once.
    assert moved + later == SUBNETS
    assert counted(last, "CreateRouteTable", "applied") == 0
    # Each subnet the first run moved, it also finished (its public IPs), but perhaps the last.
    assert counted(first, "SetMapPublicIpOnLaunch", "applied") >= moved - 1
    assert last["outcome"] == "changed" and last["compliant"]
