"""Amazon EKS: a cluster, its managed node groups, and the AWS Load Balancer Controller.

EKS takes the subnets it is given; it does not choose. The readiness asks whether a VPC of the
region (with `cluster`: the subnets tagged `kubernetes.io/cluster/<cluster>`) can hold a
cluster whose managed node groups run in public subnets (public mode) or private ones
(private mode), and whether the controller would find subnets for load balancers. It
follows:

- the EKS User Guide, "View Amazon EKS networking requirements for VPC and subnets"
  (network-reqs.html): a cluster's subnets are in at least two Availability Zones
  (CreateCluster: "Subnets specified must be in at least two different AZs"), each with at
  least six free addresses; the VPC has DNS resolution and DNS hostnames, "otherwise, nodes
  can't register to your cluster";
- managed node groups (the EKS API's `Issue` codes, "Managed node group errors" in
  troubleshooting.html): since 22 April 2020 a node group in a public subnet takes its public
  IP from the subnet's MapPublicIpOnLaunch, and fails with `Ec2SubnetInvalidConfiguration`
  ("does not automatically assign public IP addresses to instances launched into it") without
  it; `Ec2SubnetMissingIpv6Assignment` is the IPv6 twin. eksctl refuses the same subnets
  (pkg/vpc/vpc.go, `ValidateExistingPublicSubnets`: "Expected public subnets with property
  MapPublicIpOnLaunch enabled");
- private node groups (private-clusters.html): 0.0.0.0/0 through a NAT gateway, or VPC
  endpoints for ec2, ecr.api, ecr.dkr, sts and S3 (a gateway endpoint); without either the
  nodes never join;
- the AWS Load Balancer Controller, pkg/networking/subnet_resolver.go (v3.5.0,
  `ResolveViaDiscovery`): the VPC's subnets tagged `kubernetes.io/role/elb` (internet-facing)
  or `kubernetes.io/role/internal-elb` (internal) with the value "" or "1"; with none so
  tagged, the subnets whose table (explicit, else the main) has a route to a gateway whose id
  starts with "igw" (public) or not (internal); of those, not tagged only for another
  cluster, with at least 8 free addresses; one per zone (the cluster's own tag first, then the
  lowest id); an application load balancer needs two ("subnets count less than minimal
  required count"), a network load balancer one.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import Subnet
from ..policy import Policy
from ..presence import CLUSTER_TAG, ELB_ROLE_TAG, INTERNAL_ELB_ROLE_TAG
from ..text import shown
from . import advice, reach
from .view import Decision, LaunchMode, LaunchView, ids, listing, zone_letters

NAME = "eks"
CLUSTER_MIN_FREE = 6  # network-reqs.html: "at least six IP addresses"
LB_MIN_FREE = 8  # subnet_resolver.go: defaultMinimalAvailableIPAddressCount
ENDPOINTS = frozenset({"ec2", "ecr.api", "ecr.dkr", "sts", "s3"})
FAILS = "managed node groups fail with Ec2SubnetInvalidConfiguration"


def label(mode: LaunchMode) -> str:
    return "EKS (private node groups)" if mode is LaunchMode.PRIVATE else "EKS"


def clusters(view: LaunchView) -> tuple[str, ...]:
    """The clusters some subnet is tagged for, by name."""
    names = (
        k.removeprefix(CLUSTER_TAG)
        for s in view.subnets
        for k in s.tags
        if k.startswith(CLUSTER_TAG)
    )
    return tuple(sorted(set(names)))


def decide(view: LaunchView, mode: LaunchMode, config: Mapping[str, str]) -> Decision:
    cluster = config.get("cluster")
    if cluster is not None:
        pool = [s for s in view.subnets if f"{CLUSTER_TAG}{cluster}" in s.tags]
        if not pool:
            return Decision(
                False,
                f"no subnet is tagged {shown(CLUSTER_TAG + cluster)}: the cluster "
                f"{shown(cluster)} has no subnets here",
                advice=f"tag the cluster's subnets {shown(CLUSTER_TAG + cluster)}=shared",
            )
        groups = reach.by_vpc(pool)
        if len(groups) > 1:
            return Decision(
                False,
                f"the subnets tagged for {shown(cluster)} are in {len(groups)} VPCs "
                f"({', '.join(sorted(groups))}); a cluster's subnets are in one",
                advice="tag subnets of one VPC only",
            )
    else:
        groups = {v.id: view.subnets_of(v.id) for v in view.vpcs if view.subnets_of(v.id)}
    if not groups:
        return Decision(
            False,
            f"{view.region} has no subnets: a cluster needs subnets in two Availability Zones",
            advice="add a VPC with subnets in two Availability Zones",
        )
    verdicts = {vpc: _in_vpc(view, vpc, groups[vpc], mode, cluster) for vpc in groups}
    best = reach.best_vpc(view, groups, lambda v: verdicts[v].ready)
    return verdicts[best]


def _in_vpc(
    view: LaunchView,
    vpc_id: str,
    subnets: tuple[Subnet, ...],
    mode: LaunchMode,
    cluster: str | None,
) -> Decision:
    where = reach.vpc_words(view, vpc_id)
    live = [s for s in subnets if s.state == "available"]
    roomy = [s for s in live if s.available_ips is None or s.available_ips >= CLUSTER_MIN_FREE]
    zones = {s.availability_zone for s in roomy}
    if len(zones) < 2:
        return Decision(
            False,
            f"CreateCluster fails with 'Subnets specified must be in at least two different "
            f"AZs': {where} has subnets (with {CLUSTER_MIN_FREE} free addresses) in "
            f"{'only one zone' if zones else 'no zone'}",
            advice=f"add a subnet to {vpc_id} in a second Availability Zone",
        )
    dns = view.dns_off(vpc_id)
    if mode is LaunchMode.PUBLIC:
        nodes = [s for s in live if reach.public_ok(view, s)]
        if not nodes:
            return _no_public_nodes(view, vpc_id, live, where, dns)
        kind = "public"
    else:
        private = [s for s in live if not reach.routed_public(view, s)]
        nodes = [s for s in private if view.gets_out(s, ENDPOINTS)]
        if not nodes:
            if not private:
                return Decision(
                    False,
                    f"{where} has no private subnet (every one routes to an internet gateway)",
                )
            stuck = reach.stranded(view, private)
            if stuck is not None:
                return stuck
            missing = view.missing_endpoints(private[0], ENDPOINTS)
            return Decision(
                False,
                f"nodes in {where}'s private subnets never join: no 0.0.0.0/0 through a NAT "
                f"gateway and no VPC endpoints for {', '.join(missing)}",
                advice=reach.endpoints_advice(vpc_id, missing),
            )
        kind = "private"
    if dns:
        return Decision(
            False,
            f"nodes never register with the cluster: {where} has {dns} off",
            advice=reach.dns_advice(vpc_id, dns),
        )
    letters = zone_letters(view.region, nodes)
    scheme = "internal" if mode is LaunchMode.PRIVATE else "internet-facing"
    found, why = load_balancer_subnets(
        view, vpc_id, internal=mode is LaunchMode.PRIVATE, cluster=cluster
    )
    warning = (
        ""
        if found
        else f"the AWS Load Balancer Controller finds no subnet for {scheme} load balancers: {why}"
    )
    return Decision(
        True,
        f"{kind} node groups work in {where}: {listing(ids(nodes))} (zones {letters})",
        vpc_id,
        ids(nodes),
        f"{kind} subnets of {where} in {letters}",
        warning,
    )


def _no_public_nodes(
    view: LaunchView, vpc_id: str, live: list[Subnet], where: str, dns: str
) -> Decision:
    routed = [s for s in live if view.reaches_internet(s)]
    unmapped = [s for s in routed if not reach.maps_public(view, s)]
    if unmapped and not [s for s in unmapped if s.id not in view.multi_nic]:
        return Decision(
            False,
            f"{where}'s public subnets serve instances with several network interfaces, which "
            "get no public IPs: node groups there are private with NAT",
        )
    if unmapped:
        first = next(s for s in unmapped if s.id not in view.multi_nic)
        twin = (
            "Ec2SubnetMissingIpv6Assignment" if first.ipv6_only else "Ec2SubnetInvalidConfiguration"
        )
        return Decision(
            False,
            f"managed node groups fail with {twin}: {listing(ids(unmapped))} "
            "does not automatically assign public IP addresses to instances launched into it",
        )
    return Decision(False, f"no subnet of {where} routes 0.0.0.0/0 to an internet gateway")


def load_balancer_subnets(
    view: LaunchView, vpc_id: str, *, internal: bool, cluster: str | None
) -> tuple[tuple[str, ...], str]:
    """The controller's `ResolveViaDiscovery` for an application load balancer: the subnets
    it would choose, or why it chooses none (its own error's words)."""
    role = INTERNAL_ELB_ROLE_TAG if internal else ELB_ROLE_TAG
    mine = view.subnets_of(vpc_id)
    subnets = [s for s in mine if s.tags.get(role) in ("", "1")]
    if not subnets:
        # `isSubnetContainsRouteToIGW`: the explicit table, else the VPC's main table, has a
        # route whose gateway id starts with "igw" (any destination, any state).
        subnets = [s for s in mine if reach.routed_public(view, s) is not internal]
    eligible = [s for s in subnets if _cluster_ok(s, cluster)]
    other_cluster = len(subnets) - len(eligible)
    roomy = [s for s in eligible if s.available_ips is None or s.available_ips >= LB_MIN_FREE]
    short = len(eligible) - len(roomy)
    if not roomy:
        return (), (
            f"'unable to resolve at least one subnet. Evaluated {len(subnets)} subnets: "
            f"{other_cluster} are tagged for other clusters, and {short} have insufficient "
            f"available IP addresses' (tag subnets {role}=1)"
        )
    chosen: dict[str, Subnet] = {}
    for s in sorted(roomy, key=lambda s: (not _own_cluster(s, cluster), s.id)):
        chosen.setdefault(s.availability_zone, s)
    if len(chosen) < 2:
        return (), (
            f"'subnets count less than minimal required count: {len(chosen)} < 2' for an "
            f"application load balancer (tag a subnet {role}=1 in a second zone)"
        )
    return tuple(sorted(s.id for s in chosen.values())), ""


def _cluster_ok(subnet: Subnet, cluster: str | None) -> bool:
    """`isSubnetContainsEligibleClusterTag`: no cluster tag, or this cluster's (with no cluster
    named, every cluster's tag is taken as the one)."""
    if cluster is None:
        return True
    tags = [k for k in subnet.tags if k.startswith("kubernetes.io/cluster")]
    return not tags or f"{CLUSTER_TAG}{cluster}" in tags


def _own_cluster(subnet: Subnet, cluster: str | None) -> bool:
    return cluster is not None and f"{CLUSTER_TAG}{cluster}" in subnet.tags


def advise(view: LaunchView, mode: LaunchMode, policy: Policy) -> str:
    if mode is LaunchMode.PRIVATE:
        return advice.private_subnet(policy, "a VPC")
    return advice.tag_public(view, policy, None)
