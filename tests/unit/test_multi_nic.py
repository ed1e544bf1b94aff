"""Never turn on what a launcher in use rejects (issue 22): a subnet used by instances with
several network interfaces (EFA) never gets MapPublicIpOnLaunch. AWS assigns public IPs to
single-interface instances only, and ParallelCluster's own validator refuses such a subnet
that maps them (aws-parallelcluster, cli/src/pcluster/validators/cluster_validators.py,
MultiNetworkInterfacesInstancesValidator: "The queue ... contains an instance type with
multiple network interfaces however the subnets [...] is configured to automatically assign
public IPs")."""

from __future__ import annotations

import pytest

from tests.builders import subnet, vpc_snapshot
from tests.fakes import apply_actions, public_subnets
from vpc_remediator.domain.actions import SetMapPublicIpOnLaunch
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import MULTI_NIC_TAG_KEY, AutoScope, Policy

S1 = "subnet-00000000000000001"
KEY = "vpc-remediator:intent"


@pytest.mark.parametrize(
    ("tags", "listed"),
    [
        ({MULTI_NIC_TAG_KEY: "true"}, frozenset()),
        ({MULTI_NIC_TAG_KEY: "TRUE ", KEY: "public"}, frozenset()),
        ({}, frozenset({S1})),
        ({KEY: "public"}, frozenset({S1})),
    ],
)
def test_a_multi_nic_subnet_is_routed_but_never_maps_public_ips(
    tags: dict[str, str], listed: frozenset[str]
) -> None:
    snap = vpc_snapshot(subnet(S1, name="hpc-a", tags=tags))
    policy = Policy(multi_nic_subnets=listed)
    plan = plan_vpc(snap, policy, AutoScope.all())
    assert not any(isinstance(a, SetMapPublicIpOnLaunch) for a in plan.actions)
    (finding,) = [f for f in plan.findings if f.code is FindingCode.MULTI_NIC_NO_PUBLIC_IPS]
    assert "NAT gateway" in finding.message and not finding.needs_person
    after = apply_actions(snap, plan.actions)
    assert public_subnets(after) == (S1,)  # routed as intended
    assert not next(s for s in after.subnets if s.id == S1).map_public_ip_on_launch
    assert plan_vpc(after, policy, AutoScope.all()).actions == ()  # converged


@pytest.mark.parametrize("value", ["false", "yes", ""])
def test_only_true_marks_a_subnet_multi_nic(value: str) -> None:
    snap = vpc_snapshot(subnet(S1, name="web-a", tags={MULTI_NIC_TAG_KEY: value}))
    plan = plan_vpc(snap, Policy(), AutoScope.all())
    assert any(isinstance(a, SetMapPublicIpOnLaunch) for a in plan.actions)
