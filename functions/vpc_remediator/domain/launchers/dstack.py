"""dstack's AWS backend: the VPC and subnets it launches into.

Follows dstack 0.22.5, `dstack/_internal/core/backends/aws/compute.py`
(`get_vpc_id_subnets_ids_or_error`, `_get_vpc_id_subnets_ids_by_vpc_name_or_error`) and
`resources.py` (`get_vpc_id_by_name`, `get_default_vpc_id`, `get_subnets_ids_for_vpc`,
`_is_public_subnet`, `_is_private_subnet_with_internet_egress`), for a backend with no
`vpc_ids`:

- with `vpc_name`, the first VPC DescribeVpcs lists with that Name tag ("No VPC named ..."
  without one); otherwise the default VPC ("No default VPC in region ...");
- every subnet of that VPC (its state is not looked at); public (the default,
  `public_ips: true`): the subnet's associated tables, if any, else the VPC's main table, have
  a route whose `GatewayId` starts with `igw-` (any destination, any state); `public_ips:
  false`: they have a `0.0.0.0/0` route through a NAT gateway, transit gateway or peering
  connection (any state);
- the backend's `regions` default to the regions dstack publishes its images in; another
  region (eu-south-1, any opt-in region) must be listed to be used at all.
"""

from __future__ import annotations

from ..model import IPV4_DEFAULT, RouteTable, Subnet
from ..policy import Policy
from ..text import shown, yaml_string
from . import advice
from .view import (
    EGRESS,
    Decision,
    LaunchMode,
    LaunchView,
    by_zone,
    ids,
    igw_routes,
    listing,
    zone_letters,
)

NAME = "dstack"
# dstack/_internal/core/backends/aws/configurator.py: REGIONS, the default `regions`.
DEFAULT_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ca-central-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-north-1",
    }
)


def label(mode: LaunchMode) -> str:
    return "dstack (public_ips: false)" if mode is LaunchMode.PRIVATE else "dstack"


def _tables(view: LaunchView, subnet: Subnet) -> tuple[RouteTable, ...]:
    return view.explicit_tables(subnet.id) or view.main_tables(subnet.vpc_id)


def _egress(tables: tuple[RouteTable, ...]) -> bool:
    return any(
        r.destination == IPV4_DEFAULT and r.target_kind in EGRESS for t in tables for r in t.routes
    )


def decide(view: LaunchView, mode: LaunchMode, vpc_name: str | None) -> Decision:
    region = view.region
    if vpc_name is not None:
        named = view.named(vpc_name)
        if not named:
            return Decision(
                False, f"dstack fails with 'No VPC named {shown(vpc_name)} in region {region}'"
            )
        vpc = named[0]
        which = f"VPC {shown(vpc_name)}"
    else:
        default = view.default_vpc
        if default is None:
            return Decision(False, f"dstack fails with 'No default VPC in region {region}'")
        vpc = default
        which = "default VPC"
    subnets = view.subnets_of(vpc.id)
    if mode is LaunchMode.PUBLIC:
        usable = tuple(s for s in subnets if igw_routes(_tables(view, s)))
    else:
        usable = tuple(s for s in subnets if _egress(_tables(view, s)))
    note = _region_note(region)
    warning = ""
    if not usable:
        missing = (
            f"'Failed to find public subnets for {which} in region {region}'"
            if mode is LaunchMode.PUBLIC
            else f"'Failed to find private subnets with NAT for {which} in region {region}'"
        )
        return Decision(False, f"dstack fails with {missing}{note}")
    ordered = by_zone(usable)
    zones = zone_letters(region, ordered)
    where = f"the default VPC {vpc.id}" if vpc_name is None else f"VPC {shown(vpc_name)} ({vpc.id})"
    if mode is LaunchMode.PUBLIC:
        gateways = ", ".join(igw_routes(t for s in usable for t in _tables(view, s)))
        reason = f"dstack uses {where}: {listing(ids(ordered))} (zones {zones}) route to {gateways}"
        lost = tuple(s for s in usable if not view.reaches_internet(s))
        if lost:
            warning = (
                f"instances in {listing(ids(lost))} would not be reachable: "
                f"{view.unreachable_because(lost[0])}"
            )
        detail = f"public subnets in {zones}"
    else:
        reason = (
            f"dstack with public_ips: false uses {where}: {listing(ids(ordered))} "
            f"(zones {zones}) have 0.0.0.0/0 through a NAT gateway, transit gateway or peering"
        )
        detail = f"private subnets with NAT in {zones}"
    if note:
        detail += f"; list {region} under `regions`: it is not a default region"
    return Decision(True, reason + note, vpc.id, ids(usable), detail, warning)


def _region_note(region: str) -> str:
    if region in DEFAULT_REGIONS:
        return ""
    return (
        f"; {region} is not among dstack's default regions: list it under `regions` in the "
        "aws backend"
    )


def snippet(vpc_name: str, mode: LaunchMode) -> str:
    private = ", public_ips: false" if mode is LaunchMode.PRIVATE else ""
    return (
        "in ~/.dstack/server/config.yml, the aws backend: "
        f"{{type: aws, vpc_name: {yaml_string(vpc_name)}{private}}}"
    )


def advise(view: LaunchView, mode: LaunchMode, policy: Policy) -> str:
    default = view.default_vpc
    if mode is LaunchMode.PRIVATE:
        return advice.private_subnet(
            policy, f"the default VPC {default.id}" if default else "a VPC"
        )
    if default is None:
        return advice.without_default_vpc(view, policy, mode, snippet)
    return advice.tag_public(view, policy, default.id)
