"""A frozen picture of a region's VPC networking, as the planner sees it.

Built by the AWS reader from a handful of batched Describe calls; built by hand in unit tests.
Nothing here talks to AWS or reads the environment.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType

IPV4_DEFAULT = "0.0.0.0/0"
IPV6_DEFAULT = "::/0"


def frozen_tags(tags: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """Tags as a read-only mapping, so that a snapshot cannot be changed after it is read."""
    return MappingProxyType(dict(tags or {}))


class TargetKind(StrEnum):
    """What a route sends traffic to, from the prefix of the target id (or ARN)."""

    LOCAL = "local"
    IGW = "igw"
    EGRESS_ONLY_IGW = "eigw"
    NAT = "nat"
    TRANSIT_GATEWAY = "tgw"
    VPN_GATEWAY = "vgw"
    PEERING = "pcx"
    NETWORK_INTERFACE = "eni"
    INSTANCE = "instance"
    VPC_ENDPOINT = "vpce"  # a gateway endpoint (prefix-list routes) or a GWLB endpoint
    LOCAL_GATEWAY = "lgw"  # Outposts
    CARRIER_GATEWAY = "cagw"  # Wavelength
    CORE_NETWORK = "core-network"  # Cloud WAN, an ARN
    OTHER = "other"

    @classmethod
    def from_target_id(cls, target_id: str) -> TargetKind:
        if target_id == "local":
            return cls.LOCAL
        if target_id.startswith("arn:"):
            return cls.CORE_NETWORK if ":core-network/" in target_id else cls.OTHER
        prefix = target_id.split("-", 1)[0]
        return _PREFIXES.get(prefix, cls.OTHER)


_PREFIXES = {
    "igw": TargetKind.IGW,
    "eigw": TargetKind.EGRESS_ONLY_IGW,
    "nat": TargetKind.NAT,
    "tgw": TargetKind.TRANSIT_GATEWAY,
    "vgw": TargetKind.VPN_GATEWAY,
    "pcx": TargetKind.PEERING,
    "eni": TargetKind.NETWORK_INTERFACE,
    "i": TargetKind.INSTANCE,
    "vpce": TargetKind.VPC_ENDPOINT,
    "lgw": TargetKind.LOCAL_GATEWAY,
    "cagw": TargetKind.CARRIER_GATEWAY,
}


class RouteState(StrEnum):
    ACTIVE = "active"
    BLACKHOLE = "blackhole"


class RouteOrigin(StrEnum):
    """How a route came to be (DescribeRouteTables' `Origin`)."""

    CREATE_ROUTE_TABLE = "CreateRouteTable"  # the local routes
    CREATE_ROUTE = "CreateRoute"  # static: a person, a tool, or a gateway endpoint
    PROPAGATED = "EnableVgwRoutePropagation"  # learned from a virtual private gateway
    ADVERTISEMENT = "Advertisement"  # learned from a VPC route server


@dataclass(frozen=True)
class Route:
    destination: str  # an IPv4 or IPv6 CIDR, or a prefix list id (pl-...)
    target_id: str
    state: RouteState = RouteState.ACTIVE
    origin: RouteOrigin = RouteOrigin.CREATE_ROUTE
    # Where this stands for routes that together cover the default (0.0.0.0/1 + 128.0.0.0/1):
    # their destinations. Such a route is read, never written.
    covering: tuple[str, ...] = ()

    @property
    def target_kind(self) -> TargetKind:
        return TargetKind.from_target_id(self.target_id)

    @property
    def is_default(self) -> bool:
        return self.destination in (IPV4_DEFAULT, IPV6_DEFAULT)

    @property
    def is_local(self) -> bool:
        return self.target_id == "local"

    @property
    def is_learned(self) -> bool:
        return self.origin in (RouteOrigin.PROPAGATED, RouteOrigin.ADVERTISEMENT)

    @property
    def is_static(self) -> bool:
        """Made with CreateRoute (or a gateway endpoint), as opposed to local or learned."""
        return not self.is_local and self.origin is RouteOrigin.CREATE_ROUTE


@dataclass(frozen=True)
class RouteTable:
    id: str
    vpc_id: str
    is_main: bool = False
    # Explicit subnet associations as (association id, subnet id).
    associations: tuple[tuple[str, str], ...] = ()
    routes: tuple[Route, ...] = ()
    tags: Mapping[str, str] = field(default_factory=frozen_tags)
    # Virtual private gateways whose routes this table learns (route propagation).
    propagating_vgws: tuple[str, ...] = ()
    owner_id: str = ""

    @cached_property
    def subnet_ids(self) -> frozenset[str]:
        return frozenset(subnet_id for _, subnet_id in self.associations)

    def route_to(self, destination: str) -> Route | None:
        """The route EC2 uses for exactly this destination: a static one wins over a learned one."""
        matching = (r for r in self.routes if r.destination == destination)
        return min(matching, key=lambda r: r.is_learned, default=None)

    def default_route(self, destination: str) -> Route | None:
        """Where the table sends what no narrower route takes (`destination` is 0.0.0.0/0 or
        ::/0): its default route, unless routes narrower than it together cover the whole
        range (0.0.0.0/1 + 128.0.0.0/1, or any such set): then those decide, longest prefix
        first, and the default route is never used. They come back as one route that names
        them (`covering`): their target if they share one, else the first that is not an
        internet gateway (a mixed cover is no plain way to the internet)."""
        return self._covers.get(destination) or self.route_to(destination)

    @cached_property
    def _covers(self) -> dict[str, Route]:
        covers: dict[str, Route] = {}
        for default, version in ((IPV4_DEFAULT, 4), (IPV6_DEFAULT, 6)):
            cover = _cover(self, version)
            if not cover:
                continue
            targets = list(dict.fromkeys(r.target_id for r in cover))
            target = next((t for t in targets if not t.startswith("igw-")), targets[0])
            blackhole = any(r.state is RouteState.BLACKHOLE for r in cover)
            covers[default] = Route(
                default,
                target,
                RouteState.BLACKHOLE if blackhole else RouteState.ACTIVE,
                covering=tuple(r.destination for r in cover),
            )
        return covers

    def covering_destinations(self) -> frozenset[str]:
        """The destinations of the routes that stand for a default route (see default_route)."""
        return frozenset(d for r in self._covers.values() for d in r.covering)


def _cover(table: RouteTable, version: int) -> tuple[Route, ...]:
    """The widest routes of one IP version narrower than the default, when together they
    cover the whole range (else ())."""
    networks: dict[str, tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Route]] = {}
    for route in table.routes:
        if route.destination in (IPV4_DEFAULT, IPV6_DEFAULT):
            continue
        try:
            network = ipaddress.ip_network(route.destination, strict=False)
        except ValueError:
            continue  # a prefix list
        best = table.route_to(route.destination)
        if network.version == version and best is route:
            networks[route.destination] = (network, route)
    if not networks:
        return ()
    every = list(ipaddress.collapse_addresses(n for n, _ in networks.values()))  # type: ignore[type-var]
    if len(every) != 1 or every[0].prefixlen != 0:
        return ()  # most tables: their routes leave most of the range to the default
    widest = [
        (n, r)
        for n, r in networks.values()
        if not any(o != n and n.subnet_of(o) for o, _ in networks.values())  # type: ignore[arg-type]
    ]
    # All of one IP version (filtered above), which collapse_addresses needs.
    whole = list(ipaddress.collapse_addresses(n for n, _ in widest))  # type: ignore[type-var]
    if len(whole) != 1 or whole[0].prefixlen != 0:
        return ()
    return tuple(r for _, r in sorted(widest, key=lambda nr: nr[0]))


@dataclass(frozen=True)
class Subnet:
    id: str
    vpc_id: str
    availability_zone: str
    cidr: str = ""
    ipv6_cidrs: tuple[str, ...] = ()
    map_public_ip_on_launch: bool = False
    tags: Mapping[str, str] = field(default_factory=frozen_tags)
    ipv6_native: bool = False  # an IPv6-only subnet (no IPv4 CIDR at all)
    assign_ipv6_address_on_creation: bool = False
    owner_id: str = ""
    state: str = "available"  # or "pending", just after CreateSubnet
    # Free addresses (AvailableIpAddressCount); None where not read.
    available_ips: int | None = None
    # An Elastic Fabric Adapter interface (type efa or efa-only) is in it: instances with
    # several network interfaces run here (ParallelCluster, HyperPod, Karpenter, SkyPilot).
    efa: bool = False

    @property
    def name(self) -> str:
        return self.tags.get("Name", "")

    @property
    def has_ipv6(self) -> bool:
        return bool(self.ipv6_cidrs)

    @property
    def ipv6_only(self) -> bool:
        return self.ipv6_native or (not self.cidr and self.has_ipv6)


@dataclass(frozen=True)
class Vpc:
    id: str
    is_default: bool = False
    cidr: str = ""
    tags: Mapping[str, str] = field(default_factory=frozen_tags)
    owner_id: str = ""
    # DescribeVpcAttribute enableDnsSupport / enableDnsHostnames; None where not read.
    dns_support: bool | None = None
    dns_hostnames: bool | None = None

    @property
    def name(self) -> str:
        return self.tags.get("Name", "")


@dataclass(frozen=True)
class InternetGateway:
    id: str
    # VPCs it is attached to (state "available"/"attached"); at most one in practice.
    attached_vpc_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=frozen_tags)
    owner_id: str = ""


@dataclass(frozen=True)
class NatGateway:
    id: str
    vpc_id: str
    subnet_id: str
    state: str = "available"
    # A public NAT gateway reaches the internet through its own subnet's route to an internet
    # gateway; a private one (ConnectivityType=private) only other networks.
    public: bool = True


@dataclass(frozen=True)
class GatewayEndpoint:
    """A gateway VPC endpoint (S3, DynamoDB): its routes exist only through its route tables."""

    id: str
    vpc_id: str
    route_table_ids: tuple[str, ...] = ()


class BlockMode(StrEnum):
    """VPC Block Public Access: InternetGatewayBlockMode and exclusion modes."""

    OFF = "off"
    BIDIRECTIONAL = "block-bidirectional"
    INGRESS = "block-ingress"
    ALLOW_BIDIRECTIONAL = "allow-bidirectional"
    ALLOW_EGRESS = "allow-egress"


@dataclass(frozen=True)
class PublicAccessBlock:
    """The region's VPC Block Public Access setting and its exclusions (resource id -> mode).

    A subnet is blocked for the remediator's purpose when traffic from the internet cannot
    reach it: the mode blocks ingress and no `allow-bidirectional` exclusion covers the
    subnet or its VPC. An `allow-egress` exclusion still blocks ingress.
    """

    mode: BlockMode = BlockMode.OFF
    exclusions: Mapping[str, BlockMode] = field(default_factory=lambda: MappingProxyType({}))
    # False where the endpoint does not implement the call (an emulator): read as off.
    known: bool = True

    @property
    def description(self) -> str:
        return str(self.mode) if self.known else "unknown (not implemented here; read as off)"

    def blocks(self, vpc_id: str, subnet_id: str) -> bool:
        if self.mode is BlockMode.OFF:
            return False
        return BlockMode.ALLOW_BIDIRECTIONAL not in (
            self.exclusions.get(subnet_id),
            self.exclusions.get(vpc_id),
        )


# What a route table carries beyond its default routes, by item: ("route", destination),
# ("propagation", vgw id) or ("endpoint", gateway endpoint id).
Item = tuple[str, str]


@dataclass(frozen=True)
class Hold:
    """A resource the remediator stopped changing because another principal kept undoing it."""

    note: str  # who undid what, when: words for people
    tool: str = ""  # the tool CloudTrail's fields named (never read from the note)


@dataclass(frozen=True)
class Ownership:
    """What the remediator's own record proves about a VPC (domain/ownership.py).

    Tags are labels anyone who holds ec2:CreateTags can write; only this record, kept where
    nobody but the stack's functions (and the people an organisation names) can write, says
    which route tables the remediator created and which routes it put on them. `known` is
    False where no record is at hand (the command line without the stack's table): then
    nothing is proven, and nothing is deleted, merged or removed on a claim.
    """

    known: bool = False
    tables: frozenset[str] = frozenset()  # route tables it created
    copies: Mapping[str, Mapping[Item, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )  # table -> what it put there (item -> target), the routes a person removed since included
    moved: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )  # subnet -> the table it was moved from ("" for the main table)
    joined: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )  # subnet -> the owner's own public table it associated the subnet with
    holds: Mapping[str, Hold] = field(default_factory=lambda: MappingProxyType({}))
    # Subnets a person put back with `vpc-remediator undo`: auto intent leaves them alone.
    undone: frozenset[str] = frozenset()

    def owns(self, table_id: str) -> bool:
        return table_id in self.tables

    def copied(self, table_id: str) -> Mapping[Item, str]:
        return self.copies.get(table_id, MappingProxyType({}))


@dataclass(frozen=True)
class VpcSnapshot:
    """Everything about one VPC that the planner needs."""

    vpc: Vpc
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    internet_gateways: tuple[InternetGateway, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    gateway_endpoints: tuple[GatewayEndpoint, ...] = ()
    public_access: PublicAccessBlock = field(default_factory=PublicAccessBlock)
    # The services its interface endpoints serve, by their short names ("ecr.dkr", "sts");
    # None where not read (only for the launchers that reach AWS through them).
    interface_endpoints: frozenset[str] | None = None
    # The account the remediator runs in; "" when unknown (then everything counts as its own).
    account: str = ""
    # What the remediator's record proves it owns here (nothing, until the service adds it).
    ownership: Ownership = field(default_factory=Ownership)

    def foreign(self, owner_id: str) -> bool:
        """Owned by another account (a VPC shared with this one through RAM)."""
        return bool(self.account and owner_id and owner_id != self.account)

    @property
    def main_route_table(self) -> RouteTable | None:
        return next((rt for rt in self.route_tables if rt.is_main), None)

    @property
    def attached_internet_gateway(self) -> InternetGateway | None:
        return next(
            (g for g in self.internet_gateways if self.vpc.id in g.attached_vpc_ids),
            None,
        )

    @cached_property
    def _explicit(self) -> dict[str, RouteTable]:
        found: dict[str, RouteTable] = {}
        for table in self.route_tables:
            for subnet_id in table.subnet_ids:
                found.setdefault(subnet_id, table)
        return found

    @cached_property
    def _governed(self) -> dict[str, tuple[Subnet, ...]]:
        governed: dict[str, list[Subnet]] = {}
        for subnet in self.subnets:
            if (table := self.governing_route_table(subnet.id)) is not None:
                governed.setdefault(table.id, []).append(subnet)
        return {table_id: tuple(subnets) for table_id, subnets in governed.items()}

    @cached_property
    def names(self) -> Mapping[str, str]:
        """Each resource of the VPC that has a Name -> that Name (read once per snapshot)."""
        found = {self.vpc.id: self.vpc.name}
        found |= {s.id: s.name for s in self.subnets}
        found |= {t.id: t.tags.get("Name", "") for t in self.route_tables}
        return MappingProxyType({k: v for k, v in found.items() if v})

    @cached_property
    def _subnets(self) -> dict[str, Subnet]:
        return {s.id: s for s in self.subnets}

    def subnet(self, subnet_id: str) -> Subnet:
        """The VPC's subnet of that id (KeyError if it has none)."""
        return self._subnets[subnet_id]

    def explicit_route_table(self, subnet_id: str) -> RouteTable | None:
        return self._explicit.get(subnet_id)

    def governing_route_table(self, subnet_id: str) -> RouteTable | None:
        """The table AWS (and SkyPilot) use for the subnet: explicit association, else main."""
        return self.explicit_route_table(subnet_id) or self.main_route_table

    def subnets_governed_by(self, table: RouteTable) -> tuple[Subnet, ...]:
        return self._governed.get(table.id, ())


@dataclass(frozen=True)
class RegionSnapshot:
    """Every VPC of a region, with full details for those that were asked for.

    `subnets` and `route_tables` are the whole region's, in the order EC2 listed them: the
    launchers' readiness (domain/launchers) looks at every VPC, as their own code does. None
    where only `details` were built (unit tests): then the details are all there is.
    """

    region: str
    vpcs: tuple[Vpc, ...] = ()
    details: Mapping[str, VpcSnapshot] = field(default_factory=lambda: MappingProxyType({}))
    public_access: PublicAccessBlock = field(default_factory=PublicAccessBlock)
    subnets: tuple[Subnet, ...] | None = None
    route_tables: tuple[RouteTable, ...] | None = None

    @property
    def default_vpc(self) -> Vpc | None:
        return next((v for v in self.vpcs if v.is_default), None)

    def vpc(self, vpc_id: str) -> Vpc | None:
        return next((v for v in self.vpcs if v.id == vpc_id), None)
