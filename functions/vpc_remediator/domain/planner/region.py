"""The region-level rules: the default VPC, and VPCs that share a Name."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..actions import (
    Action,
    CreateDefaultVpc,
)
from ..findings import Finding, FindingCode, Severity
from ..model import (
    RegionSnapshot,
)
from ..plan import Plan
from ..policy import (
    DefaultVpc,
    Policy,
)
from ..text import shown


def duplicate_names(region: RegionSnapshot) -> tuple[Finding, ...]:
    """A finding per Name that two or more VPCs of the region share."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for vpc in region.vpcs:
        if vpc.name:
            by_name[vpc.name].append(vpc.id)
    return tuple(
        Finding(
            FindingCode.DUPLICATE_VPC_NAME,
            ", ".join(ids),
            f"{', '.join(ids)} are all named {shown(name)}: a launcher given that VPC name stops "
            "(SkyPilot) or picks one of them (dstack); rename one to name it in a launcher",
        )
        for name, ids in sorted(by_name.items())
        if len(ids) > 1
    )


def plan_region(region: RegionSnapshot, policy: Policy) -> Plan:
    """The region-level rules: the default VPC (docs/design.md section 5, 'For the region'),
    and VPCs that share a Name."""
    plan = _default_vpc(region, policy)
    shared = duplicate_names(region)
    return replace(plan, findings=(*plan.findings, *shared)) if shared else plan


def _default_vpc(region: RegionSnapshot, policy: Policy) -> Plan:
    if region.default_vpc is not None:
        return Plan(policy.mode, region.region)
    if policy.default_vpc is DefaultVpc.ABSENT_BY_POLICY:
        quiet = Finding(
            FindingCode.DEFAULT_VPC_ABSENT_BY_POLICY,
            region.region,
            f"{region.region} has no default VPC, by policy: tools that only look at the "
            "default VPC (SkyPilot without aws.vpc_name) find no subnet there",
        )
        return Plan(policy.mode, region.region, findings=(quiet,))
    finding = Finding(
        FindingCode.NO_DEFAULT_VPC,
        region.region,
        f"{region.region} has no default VPC: tools that only look at the default VPC "
        "(SkyPilot without aws.vpc_name) find no subnet there",
        Severity.WARNING,
        needs_person=True,
    )
    actions: tuple[Action, ...] = ()
    if policy.restore_default_vpc:
        actions = (CreateDefaultVpc(reason="the setting to restore the default VPC is on"),)
    return Plan(policy.mode, region.region, actions=actions, findings=(finding,))
