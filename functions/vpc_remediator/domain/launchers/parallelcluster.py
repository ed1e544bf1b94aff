"""AWS ParallelCluster 3: a head node and a Slurm queue in the subnets it is given.

`pcluster create-cluster` validates the subnets in its own open code (aws-parallelcluster
3.12.0, cli/src/pcluster/validators/); `validate` is those checks, each an error:

- networking_validators.py `SubnetsValidator`: every subnet in one VPC ("Subnet ... is not in
  VPC ..."), whose DNS support ("DNS Support is not enabled in the VPC ...") and DNS hostnames
  ("DNS Hostnames not enabled in the VPC ...") are on;
- `QueueSubnetsValidator`: a queue's subnets are each named once, in different Availability
  Zones;
- cluster_validators.py `MultiNetworkInterfacesInstancesValidator`: a queue with a multi-NIC
  (EFA) instance type uses no subnet that maps public IPs ("AWS public IPs can only be
  assigned to instances launched with a single network interface").

Its checks pass a subnet with no way out; the cluster then fails to start (the head node's
bootstrap times out). The readiness adds what the ParallelCluster User Guide's "Network
configurations" asks: in public mode ("a single public subnet") the head node and the queue
in public subnets that map public IPs; in private mode ("two subnets") the head node in a
public subnet that maps public IPs and the queue in private subnets with 0.0.0.0/0 through a
NAT gateway. A multi-NIC queue is private, or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..model import Subnet
from ..policy import Policy
from . import advice, reach
from .view import Decision, LaunchMode, LaunchView, ids, listing, one_per_zone, zone_letters

NAME = "parallelcluster"
MULTI_NIC_PUBLIC = (
    "AWS public IPs can only be assigned to instances launched with a single network interface"
)


def label(mode: LaunchMode, multi_nic: bool = False) -> str:
    queue = " (multi-NIC queue)" if multi_nic else ""
    private = " (private queue)" if mode is LaunchMode.PRIVATE else ""
    return f"ParallelCluster{private}{queue}"


def multi_nic(config: Mapping[str, str]) -> bool:
    return config.get("multi_nic", "false").lower() == "true"


def validate(
    view: LaunchView, head: str, queue: Sequence[str], *, multi_nic: bool
) -> tuple[str, ...]:
    """The validators' errors for a cluster with its head node in `head` and one queue in
    `queue` (each subnet known to the view), in ParallelCluster's words."""
    by_id = {s.id: s for s in view.subnets}
    errors: list[str] = []
    vpc_id = None
    # cluster_config.py: `compute_subnet_ids + [head node's subnet]`.
    for subnet_id in [*dict.fromkeys(queue), head]:
        subnet = by_id[subnet_id]
        if vpc_id is None:
            vpc_id = subnet.vpc_id
        elif subnet.vpc_id != vpc_id:
            errors.append(
                f"Subnet {subnet_id} is not in VPC {vpc_id}. Please make sure all subnets are "
                "in the same VPC."
            )
    vpc = view.vpc(vpc_id or "")
    if vpc is not None and vpc.dns_support is False:
        errors.append(f"DNS Support is not enabled in the VPC {vpc_id}.")
    if vpc is not None and vpc.dns_hostnames is False:
        errors.append(f"DNS Hostnames not enabled in the VPC {vpc_id}.")
    if len(set(queue)) < len(queue):
        errors.append("the queue names a subnet more than once")
    zones: dict[str, list[str]] = {}
    for subnet_id in dict.fromkeys(queue):
        zones.setdefault(by_id[subnet_id].availability_zone, []).append(subnet_id)
    if any(len(v) > 1 for v in zones.values()):
        errors.append(
            "SubnetIds configured for the queue contains two or more subnets in the same "
            "Availability Zone"
        )
    mapping = sorted(s for s in queue if by_id[s].map_public_ip_on_launch)
    if multi_nic and mapping:
        errors.append(
            f"The queue contains an instance type with multiple network interfaces however the "
            f"subnets {mapping} is configured to automatically assign public IPs. "
            f"{MULTI_NIC_PUBLIC}."
        )
    return tuple(errors)


def decide(view: LaunchView, mode: LaunchMode, config: Mapping[str, str]) -> Decision:
    many = multi_nic(config)
    live = [s for s in view.subnets if s.state == "available"]
    if many and mode is LaunchMode.PUBLIC:
        return Decision(
            False,
            f"a multi-NIC queue cannot run in public subnets ({MULTI_NIC_PUBLIC}): its "
            "network is private with NAT",
            advice="put the queue in private subnets with 0.0.0.0/0 through a NAT gateway "
            "(the private mode)",
        )
    heads = reach.by_vpc(s for s in live if reach.public_ok(view, s))
    if mode is LaunchMode.PUBLIC:
        queues = heads
    else:
        queues = reach.by_vpc(
            s
            for s in live
            if not reach.routed_public(view, s)
            and view.has_egress(s)
            and not (many and s.map_public_ip_on_launch)
        )
    usable = {v: queues[v] for v in heads if v in queues}
    if not usable:
        return _why_not(view, mode, heads, live)
    verdicts = {
        v: _in_vpc(view, v, heads=heads[v], queue=usable[v], many=many, mode=mode) for v in usable
    }
    best = reach.best_vpc(view, usable, lambda v: verdicts[v].ready)
    return verdicts[best]


def _in_vpc(
    view: LaunchView,
    vpc_id: str,
    *,
    heads: tuple[Subnet, ...],
    queue: tuple[Subnet, ...],
    many: bool,
    mode: LaunchMode,
) -> Decision:
    head = min(heads, key=lambda s: (s.availability_zone, s.id))
    chosen = one_per_zone(queue, key=lambda s: s.id)
    errors = validate(view, head.id, ids(chosen), multi_nic=many)
    where = reach.vpc_words(view, vpc_id)
    if errors:
        dns = view.dns_off(vpc_id)
        return Decision(
            False,
            f"pcluster create-cluster fails: {errors[0].rstrip('.')}",
            advice=reach.dns_advice(vpc_id, dns) if dns else "",
        )
    letters = zone_letters(view.region, chosen)
    kind = "private" if mode is LaunchMode.PRIVATE else "public"
    return Decision(
        True,
        f"pcluster create-cluster passes in {where}: the head node in {head.id}, the queue in "
        f"{listing(ids(chosen))} (zones {letters})",
        vpc_id,
        (head.id, *(s.id for s in chosen if s.id != head.id)),
        f"head node in {head.id}, {kind} queue in {letters}",
    )


def _why_not(
    view: LaunchView, mode: LaunchMode, heads: Mapping[str, tuple[Subnet, ...]], live: list[Subnet]
) -> Decision:
    if not heads:
        routed = [s for s in live if view.reaches_internet(s)]
        if routed:
            return Decision(
                False,
                f"the head node gets no public IP in {listing(ids(routed))} (MapPublicIpOnLaunch "
                "is off, and no ElasticIp is set)",
            )
        return Decision(
            False, f"no subnet of {view.region} routes 0.0.0.0/0 to an internet gateway"
        )
    behind = [
        s
        for s in live
        if s.vpc_id in heads and not reach.routed_public(view, s) and view.egress_nat(s)
    ]
    stuck = reach.stranded(view, behind)
    if stuck is not None:
        return stuck
    return Decision(
        False,
        "compute nodes fail to bootstrap: no private subnet beside the head node's has "
        "0.0.0.0/0 through a NAT gateway",
    )


def advise(view: LaunchView, mode: LaunchMode, policy: Policy) -> str:
    if mode is LaunchMode.PRIVATE and any(view.subnets_of(v) for v in view.gateway_vpcs):
        return advice.private_subnet(policy, "the head node's VPC")
    return advice.tag_public(view, policy, None)
