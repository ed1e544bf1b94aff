"""The region-level rule: the default VPC."""

from __future__ import annotations

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


def plan_region(region: RegionSnapshot, policy: Policy) -> Plan:
    """The region-level rule: the default VPC (docs/design.md section 5, 'For the region')."""
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
