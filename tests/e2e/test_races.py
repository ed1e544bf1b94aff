"""Races and repeats against a moto server: concurrent invocations, redelivery, disorder."""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import load_event
from tests.e2e.conftest import Deployment
from tests.e2e.test_cli import seed_story
from vpc_remediator.aws.clients import AwsClients
from vpc_remediator.domain.outcomes import Report
from vpc_remediator.domain.policy import Policy
from vpc_remediator.domain.triggers import HANDLED_EVENTS, Trigger, trigger_for
from vpc_remediator.lambdas.handlers import delete_vpc, vpc_changes
from vpc_remediator.lambdas.intake import parse_api_call
from vpc_remediator.service.remediator import Remediator
from vpc_remediator.service.wiring import remediator_for

THREADS = 20


def remediator_of_its_own(deployment: Deployment, memory_table: str) -> Remediator:
    """One invocation: its own session and clients, the stack's one memory table (where what
    the remediator owns is recorded, so that each knows the tables the others made)."""
    clients = AwsClients("eu-south-1")
    assert clients.ec2 and clients.sns and clients.dynamodb  # built now: the threads start together
    return remediator_for(
        Policy(),
        clients,
        account="123456789012",
        topic_arn=deployment.topic_arn,
        memory_table=memory_table,
    )


def test_twenty_concurrent_invocations_for_one_vpc_converge_on_one_table(
    deployment: Deployment,
) -> None:
    ids = seed_story(deployment.emulator)
    ec2 = deployment.emulator.client("ec2")
    more = [
        ec2.create_subnet(
            VpcId=ids["vpc"], CidrBlock=f"10.0.{i}.0/24", AvailabilityZone="eu-south-1b"
        )["Subnet"]["SubnetId"]
        for i in range(2, 5)
    ]
    subnets = [ids["subnet"], *more]
    decision = trigger_for(
        parse_api_call(load_event("AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])),
        accepted=frozenset(HANDLED_EVENTS),
        own_role_arns=frozenset(),
    )
    assert isinstance(decision, Trigger)
    memory_table = os.environ["VPCR_MEMORY_TABLE"]  # the deployment's
    remediators = [remediator_of_its_own(deployment, memory_table) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    def invocation(remediator: Remediator) -> list[Report]:
        start.wait()  # all twenty read the same state before any writes
        return remediator.handle(decision)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(invocation, remediators))

    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])[
        "RouteTables"
    ]
    managed = [
        t
        for t in tables
        if {"Key": "vpc-remediator:role", "Value": "public-route-table"} in t["Tags"]
    ]
    assert len(managed) == 1, [t["RouteTableId"] for t in managed]
    (table,) = managed
    defaults = [
        r for t in tables for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"
    ]
    assert len(defaults) == 1 and defaults[0]["GatewayId"] == ids["igw"]
    associated = [a["SubnetId"] for a in table["Associations"] if a.get("SubnetId")]
    assert sorted(associated) == sorted(subnets)
    assert all(r.compliant for reports in results for r in reports)
    created = sum(
        o.action.__class__.__name__ == "CreateRouteTable" and o.status == "applied"
        for reports in results
        for r in reports
        for o in r.outcomes
    )
    deleted = sum(
        o.action.__class__.__name__ == "DeleteRouteTable" and o.status == "applied"
        for reports in results
        for r in reports
        for o in r.outcomes
    )
    print(f"\n{THREADS} threads: {created} managed tables created, {deleted} merged away")
    assert created - deleted == 1
    # Notices: at least one says what was fixed; none failed.
    notices = deployment.notices()
    assert notices and all(json.loads(n["Message"])["outcome"] != "failed" for n in notices)


def test_the_same_event_five_times_changes_and_tells_once(deployment: Deployment) -> None:
    ids = seed_story(deployment.emulator)
    results = [
        deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
        for _ in range(5)
    ]
    outcomes = [r["reports"][0]["outcome"] for r in results]
    assert outcomes == ["changed", "compliant", "compliant", "compliant", "compliant"]
    assert len(deployment.notices()) == 1


def test_events_out_of_order_do_not_crash_or_repeat(deployment: Deployment) -> None:
    ids = seed_story(deployment.emulator)
    ec2 = deployment.emulator.client("ec2")
    ec2.detach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["vpc"])
    ec2.delete_subnet(SubnetId=ids["subnet"])
    ec2.delete_vpc(VpcId=ids["vpc"])
    # DeleteVpc arrives first, the earlier CreateSubnet and AttachInternetGateway after it.
    first = deployment.invoke(delete_vpc, "DeleteVpc", vpc=ids["vpc"])
    late = deployment.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    later = deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert first["reports"][0]["findings"] == ["no-default-vpc"]
    assert late["reports"][0]["findings"] == ["vpc-gone"]
    assert later["reports"][0]["findings"] == ["vpc-gone"]
    assert len(deployment.notices()) == 1  # the missing default VPC, once


def test_events_made_by_the_remediators_own_role_never_trigger_work(deployment: Deployment) -> None:
    for name in ("AssociateRouteTable-by-remediator", "CreateRoute-by-remediator"):
        result = deployment.invoke(vpc_changes, name)
        assert result == {"status": "skipped", "reason": result["reason"]}
    assert deployment.injector.seen == {}


def test_two_concurrent_region_reconciles_end_with_one_default_vpc_and_no_failure(
    deployment: Deployment,
) -> None:
    """Both read "no default VPC", both call CreateDefaultVpc (a barrier holds each call until
    both are ready to make it): one creates it, the other is answered DefaultVpcAlreadyExists,
    which means already done."""
    from dataclasses import replace

    from local_aws.emulator import delete_default_vpc

    ec2 = deployment.emulator.client("ec2")
    old = delete_default_vpc(ec2)
    decision = trigger_for(
        parse_api_call(load_event("DeleteVpc", vpc=old)),
        accepted=frozenset(HANDLED_EVENTS),
        own_role_arns=frozenset(),
    )
    assert isinstance(decision, Trigger)
    ready = threading.Barrier(2)

    def hold(**_: object) -> None:
        ready.wait(timeout=300)  # a loaded machine reads slowly; the barrier only orders

    remediators = []
    for _ in range(2):
        clients = AwsClients("eu-south-1")
        clients.ec2.meta.events.register("before-call.ec2.CreateDefaultVpc", hold)
        policy = replace(Policy(), restore_default_vpc=True)
        remediators.append(
            remediator_for(policy, clients, account="123456789012", topic_arn=deployment.topic_arn)
        )
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda r: r.handle(decision), remediators))  # no exception
    defaults = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    assert len(defaults) == 1
    statuses = sorted(
        str(o.status)
        for reports in results
        for r in reports
        for o in r.outcomes
        if type(o.action).__name__ == "CreateDefaultVpc"
    )
    assert statuses == ["already-done", "applied"]
    assert not any(r.failed for reports in results for r in reports)
