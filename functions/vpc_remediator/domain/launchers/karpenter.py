"""Karpenter (AWS provider): the subnets an EC2NodeClass selects, and whether its nodes join.

Follows karpenter-provider-aws (main, August 2026):

- pkg/providers/subnet/subnet.go, `List`: the subnets matching any of `subnetSelectorTerms`
  (each term's tags all match; a value "*" matches any); `ZonalSubnetsForLaunch`: of each
  zone's matches, the one with the most free addresses. No state and no route is looked at:
  Karpenter launches into a half-done subnet, and its nodes stay NotReady until it
  terminates them;
- pkg/providers/launchtemplate/launchtemplate.go: `associatePublicIPAddress` from the
  EC2NodeClass, unset by default (the subnet's MapPublicIpOnLaunch decides), never set for an
  EFA interface;
- the getting-started guide's selector, `karpenter.sh/discovery: <cluster>`.

A configuration is one selector term: its tags (`{"karpenter.sh/discovery": "demo"}`); `{}` is
that tag with any value.

Public mode is `associatePublicIPAddress` unset: a node joins from a subnet that maps public
IPs and routes to an internet gateway, or from one that gets out another way. Private mode is
`associatePublicIPAddress: false`: a node joins only where 0.0.0.0/0 goes through a NAT
gateway (or the EKS endpoints are there: ec2, ecr.api, ecr.dkr, sts and S3).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Subnet
from ..policy import Policy
from ..presence import KARPENTER_TAG
from ..text import shown
from . import advice, reach
from .eks import ENDPOINTS
from .view import Decision, LaunchMode, LaunchView, ids, listing, zone_letters

NAME = "karpenter"


def label(mode: LaunchMode) -> str:
    return (
        "Karpenter (associatePublicIPAddress: false)" if mode is LaunchMode.PRIVATE else "Karpenter"
    )


def selectors(view: LaunchView) -> tuple[dict[str, str], ...]:
    """The `karpenter.sh/discovery` terms the region's subnets answer to, one per value."""
    values = {s.tags[KARPENTER_TAG] for s in view.subnets if KARPENTER_TAG in s.tags}
    return tuple({KARPENTER_TAG: v} for v in sorted(values))


def term_words(term: Mapping[str, str]) -> str:
    """A term in a sentence: its tags as data (they come from resources or a person)."""
    return ", ".join(f"{shown(k)}={'*' if v == '*' else shown(v)}" for k, v in term.items())


def matches(subnet: Subnet, term: Mapping[str, str]) -> bool:
    return all(k in subnet.tags and v in ("*", subnet.tags[k]) for k, v in term.items())


def zonal(subnets: list[Subnet]) -> tuple[Subnet, ...]:
    """`ZonalSubnetsForLaunch`: per zone, the most free addresses (the first listed on a tie)."""
    best: dict[str, Subnet] = {}
    for s in subnets:
        held = best.get(s.availability_zone)
        if held is None or (s.available_ips or 0) > (held.available_ips or 0):
            best[s.availability_zone] = s
    return tuple(best[z] for z in sorted(best))


def decide(view: LaunchView, mode: LaunchMode, config: Mapping[str, str]) -> Decision:
    term = dict(config) or {KARPENTER_TAG: "*"}
    text = term_words(term)
    matched = [s for s in view.subnets if matches(s, term)]
    if not matched:
        return Decision(
            False,
            f"Karpenter launches nothing: 'no subnets matched selector' {text}",
            advice=_tag_advice(view, mode, term),
        )
    chosen = zonal(matched)
    if mode is LaunchMode.PUBLIC:
        stuck = [s for s in chosen if not (reach.public_ok(view, s) or view.gets_out(s, ENDPOINTS))]
    else:
        stuck = [
            s for s in chosen if reach.routed_public(view, s) or not view.gets_out(s, ENDPOINTS)
        ]
    vpcs = sorted({s.vpc_id for s in chosen})
    where = reach.vpc_words(view, vpcs[0]) if len(vpcs) == 1 else f"{len(vpcs)} VPCs"
    if stuck:
        out = reach.stranded(view, stuck)
        if out is not None and mode is LaunchMode.PRIVATE:
            return out
        why = _why(view, stuck[0], mode)
        return Decision(
            False,
            f"nodes Karpenter launches in {listing(ids(stuck))} ({text}) stay NotReady: {why}",
        )
    letters = zone_letters(view.region, chosen)
    warning = (
        f"the selector spans {where}; nodes in different VPCs cannot reach each other"
        if len(vpcs) > 1
        else ""
    )
    return Decision(
        True,
        f"nodes Karpenter launches with {text} join: {listing(ids(chosen))} (zones {letters}) "
        f"of {where}",
        vpcs[0],
        ids(chosen),
        f"subnets of {where} in {letters}",
        warning,
    )


def _why(view: LaunchView, subnet: Subnet, mode: LaunchMode) -> str:
    if mode is LaunchMode.PRIVATE and reach.routed_public(view, subnet):
        return "it routes to an internet gateway, and its nodes get no public IP"
    if view.reaches_internet(subnet) and not reach.maps_public(view, subnet):
        if subnet.id in view.multi_nic:
            return "EFA nodes get no public IP, and it has no NAT gateway"
        return "it does not map public IPs, and has no NAT gateway"
    if mode is LaunchMode.PUBLIC and not view.reaches_internet(subnet):
        return f"{view.unreachable_because(subnet)}, and it has no NAT gateway"
    return "no 0.0.0.0/0 through a NAT gateway and no VPC endpoints for the cluster"


def _tag_advice(view: LaunchView, mode: LaunchMode, term: Mapping[str, str]) -> str:
    good = [
        s
        for s in view.subnets
        if (
            reach.public_ok(view, s)
            if mode is LaunchMode.PUBLIC
            else reach.private_ok(view, s, ENDPOINTS)
        )
    ]
    if not good:
        return ""
    tags = ", ".join(f"{shown(k)}={'<cluster>' if v == '*' else shown(v)}" for k, v in term.items())
    vpc_id = reach.best_vpc(view, reach.by_vpc(good), lambda v: True)
    return f"tag {listing(ids(s for s in good if s.vpc_id == vpc_id))} with {tags}"


def advise(view: LaunchView, mode: LaunchMode, policy: Policy) -> str:
    if mode is LaunchMode.PRIVATE:
        return advice.private_subnet(policy, "the cluster's VPC")
    return advice.tag_public(view, policy, None)
