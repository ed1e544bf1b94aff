"""Ray's cluster launcher (`ray up`) on AWS: the subnets it picks for nodes.

Follows `ray/autoscaler/_private/aws/config.py` of ray 2.60.0, `_configure_subnet` and
`_usable_subnet_ids`, for a cluster config with no `SubnetIds`, no `SecurityGroupIds` and no
`availability_zone` in `provider` (the user's `provider` replaces the defaults' whole, so the
defaults' zones do not apply):

- every subnet of the region, in any VPC (`ec2.subnets.all()`), that is `available` and maps
  public IPs on launch (`map_public_ip_on_launch`), unless `use_internal_ips: true`, which
  keeps every available subnet;
- it never looks at routes: a subnet that maps public IPs but has no route to an internet
  gateway passes, and the nodes there cannot be reached;
- sorted last zone first (`reverse=True`), and only the subnets of the first one's VPC kept.
"""

from __future__ import annotations

from ..policy import Policy
from ..text import shown
from . import advice
from .view import (
    Decision,
    LaunchMode,
    LaunchView,
    ids,
    igw_routes,
    last_zone_first,
    listing,
    zone_letters,
)

NAME = "ray"


def label(mode: LaunchMode) -> str:
    return "Ray (use_internal_ips)" if mode is LaunchMode.PRIVATE else "Ray"


def decide(view: LaunchView, mode: LaunchMode, vpc_name: str | None) -> Decision:
    if vpc_name is not None:
        raise ValueError("Ray's cluster launcher has no VPC setting")
    private = mode is LaunchMode.PRIVATE
    usable = last_zone_first(
        s for s in view.subnets if s.state == "available" and (private or s.map_public_ip_on_launch)
    )
    if not usable:
        what = "available subnet" if private else "available subnet that maps public IPs on launch"
        return Decision(
            False, f"ray up fails with 'No usable subnets found': {view.region} has no {what}"
        )
    vpc_id = usable[0].vpc_id
    chosen = tuple(s for s in usable if s.vpc_id == vpc_id)
    vpc = view.vpc(vpc_id)
    name = f"{shown(vpc.name)} ({vpc_id})" if vpc is not None and vpc.name else vpc_id
    zones = zone_letters(view.region, chosen)
    if private:
        egress = [s for s in chosen if view.has_egress(s)]
        reason = (
            f"ray up with use_internal_ips uses VPC {name}, the VPC of the subnet in the last "
            f"zone: {listing(ids(chosen))} (zones {zones})"
        )
        warning = (
            ""
            if egress
            else "none has 0.0.0.0/0 through a NAT gateway: nodes cannot reach the internet"
        )
        return Decision(True, reason, vpc_id, ids(chosen), f"subnets of {name} in {zones}", warning)
    routed = [s for s in chosen if view.reaches_internet(s)]
    gateways = ", ".join(igw_routes(t for s in routed if (t := view.governing_table(s))))
    first = routed[0] if routed else chosen[0]
    if routed:
        detail = f"{first.id} maps public IPs and routes to {gateways}"
    else:
        detail = f"{first.id} maps public IPs"
    reason = (
        f"ray up uses VPC {name}, the VPC of the subnet in the last zone: "
        f"{listing(ids(chosen))} (zones {zones}) map public IPs on launch"
    )
    lost = tuple(s for s in chosen if s not in routed)
    warning = (
        f"Ray does not look at routes, and nodes in {listing(ids(lost))} would not be "
        f"reachable: {view.unreachable_because(lost[0])}"
        if lost
        else ""
    )
    return Decision(True, reason, vpc_id, ids(chosen), detail, warning)


def advise(view: LaunchView, mode: LaunchMode, policy: Policy) -> str:
    """Ray needs a subnet that maps public IPs: a public subnet (routed to an internet gateway)
    that does not map is the one to turn on."""
    key = policy.intent_tag_key
    if mode is LaunchMode.PRIVATE:
        return f"add a subnet to a VPC of {view.region} (tag it {key}=private)"
    routed = [s for s in view.subnets if s.state == "available" and view.reaches_internet(s)]
    if routed:
        subnet = last_zone_first(routed)[0]
        how = (
            "the remediator turns on its public-IP mapping on its next run"
            if policy.map_public_ip
            else "with MapPublicIp=true the remediator turns on its public-IP mapping"
        )
        return (
            f"tag {subnet.id} with {key}=public ({how}), or `aws ec2 modify-subnet-attribute "
            f"--subnet-id {subnet.id} --map-public-ip-on-launch`"
        )
    return advice.tag_public(view, policy, None)
