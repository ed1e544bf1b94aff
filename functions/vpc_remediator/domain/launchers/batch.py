"""AWS Batch: a managed EC2 compute environment in the subnets it is given.

Batch does not choose subnets and tests none: a compute environment in a half-done subnet is
VALID, its instances start, and its jobs sit in RUNNABLE because the ECS agent on them never
reaches ECS. The readiness asks whether a VPC of the region has subnets where it would work.
It follows:

- the AWS Batch User Guide, "Compute environments" and "VPC endpoints" (and the Knowledge
  Center's "Why is my AWS Batch job stuck in RUNNABLE status?"): compute resources need to
  reach the Amazon ECS endpoint, through a public IP address in a public subnet, a NAT
  gateway, or interface VPC endpoints;
- a managed EC2 compute environment's instances take their public IP from the subnet's
  MapPublicIpOnLaunch (Batch's launch sets no AssociatePublicIpAddress);
- the Amazon ECS Developer Guide, "Amazon ECS interface VPC endpoints": the agent needs
  ecs, ecs-agent and ecs-telemetry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..policy import Policy
from . import advice, reach
from .view import Decision, LaunchMode, LaunchView, ids, listing, zone_letters

NAME = "batch"
ENDPOINTS = frozenset({"ecs", "ecs-agent", "ecs-telemetry"})
STUCK = "jobs sit in RUNNABLE"


def label(mode: LaunchMode) -> str:
    return "AWS Batch (private subnets)" if mode is LaunchMode.PRIVATE else "AWS Batch"


def decide(view: LaunchView, mode: LaunchMode, config: Mapping[str, str]) -> Decision:
    if config:
        raise ValueError("AWS Batch's readiness takes no settings")
    live = [s for s in view.subnets if s.state == "available"]
    if mode is LaunchMode.PUBLIC:
        usable = reach.by_vpc(s for s in live if reach.public_ok(view, s))
    else:
        usable = reach.by_vpc(s for s in live if reach.private_ok(view, s, ENDPOINTS))
    if not usable:
        return _why_not(view, mode)
    vpc_id = reach.best_vpc(view, usable, lambda v: True)
    chosen = usable[vpc_id]
    where = reach.vpc_words(view, vpc_id)
    letters = zone_letters(view.region, chosen)
    kind = "private" if mode is LaunchMode.PRIVATE else "public"
    how = "get out through" if mode is LaunchMode.PRIVATE else "map public IPs and route to"
    way = "a NAT gateway or ECS endpoints" if mode is LaunchMode.PRIVATE else "an internet gateway"
    return Decision(
        True,
        f"an EC2 compute environment in {where} works: {listing(ids(chosen))} (zones "
        f"{letters}) {how} {way}, so its instances reach ECS",
        vpc_id,
        ids(chosen),
        f"{kind} subnets of {where} in {letters}",
    )


def _why_not(view: LaunchView, mode: LaunchMode) -> Decision:
    live = [s for s in view.subnets if s.state == "available"]
    if mode is LaunchMode.PUBLIC:
        routed = [s for s in live if view.reaches_internet(s)]
        if routed:
            return Decision(
                False,
                f"{STUCK}: instances in {listing(ids(routed))} get no public IP "
                "(MapPublicIpOnLaunch is off) and so never reach ECS",
            )
        return Decision(
            False, f"{STUCK}: no subnet of {view.region} routes 0.0.0.0/0 to an internet gateway"
        )
    private = [s for s in live if not reach.routed_public(view, s)]
    if not private:
        return Decision(False, f"{view.region} has no private subnet")
    stuck = reach.stranded(view, private)
    if stuck is not None:
        return replace(stuck, reason=f"{STUCK}: {stuck.reason}")
    missing = view.missing_endpoints(private[0], ENDPOINTS)
    return Decision(
        False,
        f"{STUCK}: instances in {listing(ids(private))} reach neither a NAT gateway nor ECS "
        f"endpoints (missing {', '.join(missing)})",
        advice=reach.endpoints_advice(private[0].vpc_id, missing),
    )


def advise(view: LaunchView, mode: LaunchMode, policy: Policy) -> str:
    if mode is LaunchMode.PRIVATE:
        return advice.private_subnet(policy, "a VPC")
    return advice.tag_public(view, policy, None)
