"""A frozen picture of a region's VPC networking, as the planner sees it.

Built by the AWS reader from a handful of batched Describe calls; built by hand in unit tests.
Nothing here talks to AWS or reads the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

IPV4_DEFAULT = "0.0.0.0/0"
IPV6_DEFAULT = "::/0"


def frozen_tags(tags: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """Tags as a read-only mapping, so that a snapshot cannot be changed after it is read."""
    return MappingProxyType(dict(tags or {}))


class TargetKind(StrEnum):
    """What a route sends traffic to, from the prefix of the target id."""

    LOCAL = "local"
    IGW = "igw"
    EGRESS_ONLY_IGW = "eigw"
    NAT = "nat"
    TRANSIT_GATEWAY = "tgw"
    VPN_GATEWAY = "vgw"
    PEERING = "pcx"
    NETWORK_INTERFACE = "eni"
    INSTANCE = "instance"
    OTHER = "other"

    @classmethod
    def from_target_id(cls, target_id: str) -> TargetKind:
        if target_id == "local":
            return cls.LOCAL
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
}


class RouteState(StrEnum):
    ACTIVE = "active"
    BLACKHOLE = "blackhole"


@dataclass(frozen=True)
class Route:
    destination: str
    target_id: str
    state: RouteState = RouteState.ACTIVE

    @property
    def target_kind(self) -> TargetKind:
        return TargetKind.from_target_id(self.target_id)

    @property
    def is_default(self) -> bool:
        return self.destination in (IPV4_DEFAULT, IPV6_DEFAULT)


@dataclass(frozen=True)
class RouteTable:
    id: str
    vpc_id: str
    is_main: bool = False
    # Explicit subnet associations as (association id, subnet id).
    associations: tuple[tuple[str, str], ...] = ()
    routes: tuple[Route, ...] = ()
    tags: Mapping[str, str] = field(default_factory=frozen_tags)

    @property
    def subnet_ids(self) -> frozenset[str]:
        return frozenset(subnet_id for _, subnet_id in self.associations)

    def route_to(self, destination: str) -> Route | None:
        return next((r for r in self.routes if r.destination == destination), None)


@dataclass(frozen=True)
class Subnet:
    id: str
    vpc_id: str
    availability_zone: str
    cidr: str = ""
    ipv6_cidrs: tuple[str, ...] = ()
    map_public_ip_on_launch: bool = False
    tags: Mapping[str, str] = field(default_factory=frozen_tags)

    @property
    def name(self) -> str:
        return self.tags.get("Name", "")

    @property
    def has_ipv6(self) -> bool:
        return bool(self.ipv6_cidrs)


@dataclass(frozen=True)
class Vpc:
    id: str
    is_default: bool = False
    cidr: str = ""
    tags: Mapping[str, str] = field(default_factory=frozen_tags)

    @property
    def name(self) -> str:
        return self.tags.get("Name", "")


@dataclass(frozen=True)
class InternetGateway:
    id: str
    # VPCs it is attached to (state "available"/"attached"); at most one in practice.
    attached_vpc_ids: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=frozen_tags)


@dataclass(frozen=True)
class NatGateway:
    id: str
    vpc_id: str
    subnet_id: str
    state: str = "available"


@dataclass(frozen=True)
class VpcSnapshot:
    """Everything about one VPC that the planner needs."""

    vpc: Vpc
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    internet_gateways: tuple[InternetGateway, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()

    @property
    def main_route_table(self) -> RouteTable | None:
        return next((rt for rt in self.route_tables if rt.is_main), None)

    @property
    def attached_internet_gateway(self) -> InternetGateway | None:
        return next(
            (g for g in self.internet_gateways if self.vpc.id in g.attached_vpc_ids),
            None,
        )

    def explicit_route_table(self, subnet_id: str) -> RouteTable | None:
        return next((rt for rt in self.route_tables if subnet_id in rt.subnet_ids), None)

    def governing_route_table(self, subnet_id: str) -> RouteTable | None:
        """The table AWS (and SkyPilot) use for the subnet: explicit association, else main."""
        return self.explicit_route_table(subnet_id) or self.main_route_table

    def subnets_governed_by(self, table: RouteTable) -> tuple[Subnet, ...]:
        return tuple(
            s
            for s in self.subnets
            if (gov := self.governing_route_table(s.id)) and gov.id == table.id
        )


@dataclass(frozen=True)
class RegionSnapshot:
    """Every VPC of a region, with full details for those that were asked for."""

    region: str
    vpcs: tuple[Vpc, ...] = ()
    details: Mapping[str, VpcSnapshot] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def default_vpc(self) -> Vpc | None:
        return next((v for v in self.vpcs if v.is_default), None)

    def vpc(self, vpc_id: str) -> Vpc | None:
        return next((v for v in self.vpcs if v.id == vpc_id), None)
