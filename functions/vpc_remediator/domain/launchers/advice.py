"""Advice shared by the launchers: the smallest change of state, in our own settings and tags.

A launcher's own config (a VPC's name) is advised by each launcher's `snippet`; this is for
when no config would do: a subnet to tag public (the remediator routes it, and maps public
IPs, on its next run), the default VPC to recreate, a private subnet to add.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import BlockMode
from ..names import name_signal
from ..policy import DefaultVpc, Policy
from .view import LaunchMode, LaunchView, by_zone


def restore_default_vpc(policy: Policy) -> str:
    if policy.restore_default_vpc:
        return "the remediator recreates the default VPC on its next run (RestoreDefaultVpc=true)"
    return (
        "`vpc-remediator fix --restore-default-vpc` (or deploy with RestoreDefaultVpc=true) "
        "recreates the default VPC with public subnets"
    )


def tag_public(view: LaunchView, policy: Policy, vpc_id: str | None) -> str:
    """A subnet (of `vpc_id`, else of any VPC) made public: one the plan beside this advice
    already makes public (then `fix` does it, and no tag is asked for); else one to tag: not
    tagged already (a tagged one the plan cannot finish says why in its findings), in a VPC
    with an internet gateway, a named VPC's, whose Name does not say private, the first
    zone's first."""
    key = policy.intent_tag_key
    pool = view.subnets_of(vpc_id) if vpc_id else view.subnets
    planned = [s for s in by_zone(pool) if s.id in view.planned]
    if planned:
        subnet = planned[0]
        return (
            f"`vpc-remediator fix` makes {subnet.id} public (it is in the plan): it routes it to "
            f"{_gateway(view, subnet.vpc_id)} and maps public IPs"
        )
    named = {v.id for v in view.vpcs if v.name}
    vpc_names = {v.id: v.name for v in view.vpcs}
    candidates = sorted(
        (
            s
            for s in by_zone(pool)
            if s.state == "available" and not s.ipv6_only and s.tags.get(key) is None
        ),
        key=lambda s: (
            s.vpc_id not in view.gateway_vpcs,
            name_signal(
                s.name,
                vpc_names.get(s.vpc_id, ""),
                private_words=policy.private_name_words,
                public_words=policy.public_name_words,
            ).says_private,
            s.vpc_id not in named,
        ),
    )
    if not candidates:
        where = f"to {vpc_id}" if vpc_id else "to a VPC with an internet gateway"
        return f"add a subnet {where} and tag it {key}=public"
    subnet = candidates[0]
    return (
        f"tag {subnet.id} with {key}=public: the next sweep (or `vpc-remediator fix`) routes "
        f"it to {_gateway(view, subnet.vpc_id)} and maps public IPs"
    )


def _gateway(view: LaunchView, vpc_id: str) -> str:
    """The internet gateway a subnet of the VPC is routed to, in words that agree with what
    is known: attached, known to be missing, or not read."""
    if vpc_id in view.gateway_vpcs:
        return "the VPC's internet gateway"
    if vpc_id in view.detailed_vpcs:
        return "an internet gateway (attach one, or deploy with CreateInternetGateway=true)"
    return "the VPC's internet gateway (attach one first if it has none)"


def without_default_vpc(
    view: LaunchView, policy: Policy, mode: LaunchMode, snippet: Callable[[str, LaunchMode], str]
) -> str:
    """A launcher that uses the default VPC unless one is named: a named VPC made public and
    then named, else the default VPC recreated."""
    named = next((v for v in view.vpcs if v.name and len(view.named(v.name)) == 1), None)
    if named is not None:
        return f"{tag_public(view, policy, named.id)}; then {snippet(named.name, mode)}"
    if policy.default_vpc is DefaultVpc.ABSENT_BY_POLICY:  # not to be recreated
        return (
            f"give a VPC with public subnets a unique Name tag; then {snippet('<that Name>', mode)}"
        )
    return restore_default_vpc(policy)


def private_subnet(policy: Policy, where: str) -> str:
    return (
        f"add a subnet to {where} with no route to an internet gateway, MapPublicIpOnLaunch "
        f"off and 0.0.0.0/0 through a NAT gateway, tagged {policy.intent_tag_key}=private"
    )


def blocked(view: LaunchView) -> str:
    """Said with public-mode advice: a route alone will not do under VPC Block Public Access."""
    access = view.public_access
    if access.mode is BlockMode.OFF:
        return ""
    return (
        f"; and VPC Block Public Access ({access.mode}) keeps internet traffic out of "
        f"{view.region}'s VPCs: a route alone will not make a subnet reachable (an "
        "allow-bidirectional exclusion for its VPC or subnet will)"
    )
