"""What the launchers that take subnets as given (EKS, AWS Batch, ParallelCluster, Karpenter)
need of a subnet: EC2's truth, not a launcher's test, since none of them tests routing.

- public: instances get a public address on launch (MapPublicIpOnLaunch, or an IPv6 address
  on creation in an IPv6-only subnet; never in a multi-NIC subnet, where AWS gives none) and
  the subnet's table routes 0.0.0.0/0 (or ::/0) to an internet gateway that is not a
  blackhole;
- private: no route to an internet gateway, and a way to AWS's endpoints: 0.0.0.0/0 through a
  NAT gateway that gets out, a transit gateway or a peering, or an interface endpoint for
  each service the launcher's nodes call (a gateway endpoint route for S3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ..model import Subnet
from ..text import shown
from .view import Decision, LaunchView, ids, igw_routes, listing, zones_of


def public_ok(view: LaunchView, subnet: Subnet) -> bool:
    return (
        subnet.state == "available" and view.reaches_internet(subnet) and maps_public(view, subnet)
    )


def maps_public(view: LaunchView, subnet: Subnet) -> bool:
    if subnet.id in view.multi_nic:
        return False
    if subnet.ipv6_only:
        return subnet.assign_ipv6_address_on_creation
    return subnet.map_public_ip_on_launch


def routed_public(view: LaunchView, subnet: Subnet) -> bool:
    """The subnet's own table (explicit, else its VPC's main) routes to an internet gateway."""
    table = view.governing_table(subnet)
    return bool(igw_routes([table] if table else []))


def private_ok(view: LaunchView, subnet: Subnet, services: frozenset[str]) -> bool:
    return (
        subnet.state == "available"
        and not routed_public(view, subnet)
        and view.gets_out(subnet, services)
    )


def stranded(view: LaunchView, subnets: Iterable[Subnet]) -> Decision | None:
    """Not ready, where private subnets send 0.0.0.0/0 to a NAT gateway that has no way out
    itself: why, and the route that gives it one."""
    subnets = tuple(subnets)
    first = next((s for s in subnets if view.stranded_nat(s)), None)
    if first is None:
        return None
    nat = view.egress_nat(first)
    return Decision(
        False,
        f"instances in {listing(ids(subnets))} would not get out: {view.stranded_nat(first)}",
        advice=(
            f"route 0.0.0.0/0 of the route table of {view.nat_subnets[nat]} (NAT gateway "
            f"{nat}'s subnet) to the VPC's internet gateway"
        ),
    )


def by_vpc(subnets: Iterable[Subnet]) -> dict[str, tuple[Subnet, ...]]:
    found: dict[str, list[Subnet]] = {}
    for s in subnets:
        found.setdefault(s.vpc_id, []).append(s)
    return {vpc: tuple(group) for vpc, group in found.items()}


def best_vpc(
    view: LaunchView, usable: Mapping[str, tuple[Subnet, ...]], ready: Callable[[str], bool]
) -> str:
    """Of the VPCs with usable subnets, the one to speak of: ready first, then most zones,
    then the default VPC, then a named one, by Name, then by id."""

    def rank(vpc_id: str) -> tuple[bool, int, bool, bool, str, str]:
        vpc = view.vpc(vpc_id)
        name = vpc.name if vpc is not None else ""
        return (
            not ready(vpc_id),
            -len(zones_of(usable[vpc_id])),
            not (vpc is not None and vpc.is_default),
            not name,
            name,
            vpc_id,
        )

    return min(usable, key=rank)


def vpc_words(view: LaunchView, vpc_id: str) -> str:
    vpc = view.vpc(vpc_id)
    if vpc is not None and vpc.is_default:
        return f"the default VPC {vpc_id}"
    return f"VPC {shown(vpc.name)} ({vpc_id})" if vpc is not None and vpc.name else f"VPC {vpc_id}"


def dns_advice(vpc_id: str, off: str) -> str:
    """`off`: LaunchView.dns_off's words."""
    flags = [
        f"`aws ec2 modify-vpc-attribute --vpc-id {vpc_id} {flag}`"
        for word, flag in (
            ("Support", "--enable-dns-support"),
            ("Hostnames", "--enable-dns-hostnames"),
        )
        if f"enableDns{word}" in off
    ]
    return f"turn on {off} of {vpc_id}: {' and '.join(flags)}"


def endpoints_advice(vpc_id: str, missing: tuple[str, ...]) -> str:
    return (
        f"give {vpc_id}'s private subnets 0.0.0.0/0 through a NAT gateway, or add VPC endpoints "
        f"for {', '.join(missing)}"
    )
