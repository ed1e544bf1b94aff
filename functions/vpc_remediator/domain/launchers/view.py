"""The region as a launcher's own code reads it, and what every launcher's verdict is made of.

Launchers do not read a VPC the way EC2 routes it: each lists the region's subnets and route
tables itself (DescribeSubnets, DescribeRouteTables) and applies its own test. This view keeps
the region's subnets and route tables in the order EC2 listed them (a launcher that keeps "the
first VPC" keeps the first one it was given) and offers the tests the launchers share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType

from ..model import (
    IPV4_DEFAULT,
    IPV6_DEFAULT,
    PublicAccessBlock,
    RegionSnapshot,
    RouteState,
    RouteTable,
    Subnet,
    TargetKind,
    Vpc,
)


class LaunchMode(StrEnum):
    PUBLIC = "public"  # the launchers' default: instances get public IPs
    PRIVATE = "private"  # SkyPilot and Ray `use_internal_ips: true`; dstack `public_ips: false`


@dataclass(frozen=True)
class Decision:
    """What a launcher's own code decides for one configuration and mode."""

    ready: bool
    reason: str  # one sentence, in the launcher's own terms
    vpc_id: str | None = None
    subnet_ids: tuple[str, ...] = ()
    detail: str = ""  # the short form for a one-line summary, when ready
    # Ready by the launcher's test, and yet: what EC2 would do differently (unreachable
    # instances, no way out to the internet).
    warning: str = ""
    # Not ready for a reason the launcher's own test does not see: what to do about it.
    advice: str = ""

    @property
    def sentence(self) -> str:
        return f"{self.reason}; but {self.warning}" if self.warning else self.reason


@dataclass(frozen=True)
class Readiness:
    """One entry of a region's `readiness`: a launcher, a mode and a configuration."""

    launcher: str
    mode: LaunchMode
    config: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    ready: bool = False
    vpc_id: str | None = None
    subnet_ids: tuple[str, ...] = ()
    reason: str = ""
    advice: str = ""
    detail: str = ""
    warning: str = ""
    # Its launcher's tags are present in the region, or the settings name it: a notice
    # speaks of it (the JSON of every entry).
    matters: bool = True

    def document(self) -> dict[str, object]:
        return {
            "launcher": self.launcher,
            "mode": str(self.mode),
            "config": dict(self.config),
            "ready": self.ready,
            "vpc_id": self.vpc_id if self.ready else None,
            "subnet_ids": list(self.subnet_ids) if self.ready else [],
            "reason": self.reason,
            "advice": "" if self.ready else self.advice,
        }


@dataclass(frozen=True)
class LaunchView:
    region: str
    vpcs: tuple[Vpc, ...] = ()
    subnets: tuple[Subnet, ...] = ()  # EC2's order
    route_tables: tuple[RouteTable, ...] = ()  # EC2's order
    public_access: PublicAccessBlock = field(default_factory=PublicAccessBlock)
    # The VPCs known to have an internet gateway attached (those the read detailed): where
    # advice to tag a subnet public can be followed.
    gateway_vpcs: frozenset[str] = frozenset()
    # Each public NAT gateway of the VPCs the read detailed -> the subnet it is in: a NAT gets
    # out only through that subnet's route to an internet gateway.
    nat_subnets: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The VPCs the read detailed: where a gateway's absence is known, not merely unread.
    detailed_vpcs: frozenset[str] = frozenset()
    # The subnets the plans beside this readiness make public, still to apply.
    planned: frozenset[str] = frozenset()
    # Each detailed VPC's interface endpoints by service short name ("ecr.dkr"), where read.
    endpoints: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    # The subnets that serve instances with several network interfaces (EFA): never public IPs.
    multi_nic: frozenset[str] = frozenset()

    @classmethod
    def of(cls, region: RegionSnapshot) -> LaunchView:
        details = region.details.values()
        nats = {n.id: n.subnet_id for d in details for n in d.nat_gateways if n.public}
        subnets = region.subnets
        if subnets is None:
            subnets = tuple(s for d in details for s in d.subnets)
        tables = region.route_tables
        if tables is None:
            tables = tuple(t for d in details for t in d.route_tables)
        gateways = frozenset(v for v, d in region.details.items() if d.attached_internet_gateway)
        endpoints = {
            v: d.interface_endpoints
            for v, d in region.details.items()
            if d.interface_endpoints is not None
        }
        return cls(
            region.region,
            region.vpcs,
            subnets,
            tables,
            region.public_access,
            gateways,
            MappingProxyType(nats),
            frozenset(region.details),
            endpoints=MappingProxyType(endpoints),
            multi_nic=frozenset(s.id for s in subnets if s.efa),
        )

    # Indexes, built once per view: a launcher's rule is asked for every subnet and, for the
    # named configs, for every VPC name of the region.
    @cached_property
    def _vpcs(self) -> dict[str, Vpc]:
        return {v.id: v for v in self.vpcs}

    @cached_property
    def _names(self) -> dict[str, tuple[Vpc, ...]]:
        found: dict[str, list[Vpc]] = {}
        for v in self.vpcs:
            if "Name" in v.tags:
                found.setdefault(v.tags["Name"], []).append(v)
        return {name: tuple(vpcs) for name, vpcs in found.items()}

    @cached_property
    def _subnets(self) -> dict[str, tuple[Subnet, ...]]:
        found: dict[str, list[Subnet]] = {}
        for s in self.subnets:
            found.setdefault(s.vpc_id, []).append(s)
        return {vpc: tuple(subnets) for vpc, subnets in found.items()}

    @cached_property
    def _explicit(self) -> dict[str, tuple[RouteTable, ...]]:
        found: dict[str, list[RouteTable]] = {}
        for t in self.route_tables:
            for subnet_id in dict.fromkeys(s for _, s in t.associations):
                found.setdefault(subnet_id, []).append(t)
        return {subnet: tuple(tables) for subnet, tables in found.items()}

    @cached_property
    def _mains(self) -> dict[str | None, tuple[RouteTable, ...]]:
        found: dict[str | None, list[RouteTable]] = {None: []}
        for t in self.route_tables:
            if t.is_main:
                found[None].append(t)
                found.setdefault(t.vpc_id, []).append(t)
        return {vpc: tuple(tables) for vpc, tables in found.items()}

    def vpc(self, vpc_id: str) -> Vpc | None:
        return self._vpcs.get(vpc_id)

    @property
    def default_vpc(self) -> Vpc | None:
        return next((v for v in self.vpcs if v.is_default), None)

    def named(self, name: str) -> tuple[Vpc, ...]:
        """The VPCs whose Name tag is `name` (DescribeVpcs with a tag:Name filter)."""
        return self._names.get(name, ())

    def subnets_of(self, vpc_id: str) -> tuple[Subnet, ...]:
        return self._subnets.get(vpc_id, ())

    def explicit_tables(self, subnet_id: str) -> tuple[RouteTable, ...]:
        """The tables with an association for the subnet (`association.subnet-id`)."""
        return self._explicit.get(subnet_id, ())

    def main_tables(self, vpc_id: str | None) -> tuple[RouteTable, ...]:
        """Main tables (`association.main=true`), of one VPC or, with None, of the region."""
        return self._mains.get(vpc_id, ())

    def governing_table(self, subnet: Subnet) -> RouteTable | None:
        """The table EC2 routes the subnet by: its explicit one, else its own VPC's main."""
        explicit = self.explicit_tables(subnet.id)
        if explicit:
            return explicit[0]
        return next(iter(self.main_tables(subnet.vpc_id)), None)

    def reaches_internet(self, subnet: Subnet) -> bool:
        """EC2's truth, not a launcher's: an active default route (0.0.0.0/0 or ::/0) to an
        internet gateway in the table that routes the subnet, and VPC Block Public Access not
        keeping internet traffic out."""
        return not self.unreachable_because(subnet)

    def unreachable_because(self, subnet: Subnet) -> str:
        """Why EC2 would not route the internet to the subnet's instances ("" if it would)."""
        if self.public_access.blocks(subnet.vpc_id, subnet.id):
            return f"VPC Block Public Access ({self.public_access.mode}) keeps internet traffic out"
        table = self.governing_table(subnet)
        if table is None:
            return "it has no route table"
        defaults = [
            r
            for r in (table.default_route(IPV4_DEFAULT), table.default_route(IPV6_DEFAULT))
            if r is not None and r.target_kind is TargetKind.IGW
        ]
        if any(r.state is RouteState.ACTIVE for r in defaults):
            return ""
        if defaults:
            return "its route to the internet gateway is a blackhole (the gateway is gone)"
        if igw_routes([table]):
            return "its table routes only other destinations to the internet gateway, not 0.0.0.0/0"
        return "its route table has no route to an internet gateway"

    def has_egress(self, subnet: Subnet) -> bool:
        """An active 0.0.0.0/0 through a NAT gateway (one that has a way out itself), transit
        gateway or peering."""
        table = self.governing_table(subnet)
        route = table.default_route(IPV4_DEFAULT) if table else None
        return bool(
            route
            and route.state is RouteState.ACTIVE
            and route.target_kind in EGRESS
            and not self.stranded_nat(subnet)
        )

    @cached_property
    def _subnet_by_id(self) -> dict[str, Subnet]:
        return {s.id: s for s in self.subnets}

    def dns_off(self, vpc_id: str) -> str:
        """Which of the VPC's DNS attributes are off ("" if both are on, or not read)."""
        vpc = self.vpc(vpc_id)
        if vpc is None:
            return ""
        off = [
            name
            for name, value in (
                ("DNS resolution (enableDnsSupport)", vpc.dns_support),
                ("DNS hostnames (enableDnsHostnames)", vpc.dns_hostnames),
            )
            if value is False
        ]
        return " and ".join(off)

    def missing_endpoints(self, subnet: Subnet, services: frozenset[str]) -> tuple[str, ...]:
        """Of the interface endpoints a private subnet reaches AWS through, those its VPC
        lacks, with "s3" for a gateway endpoint route (a prefix list to vpce-...) missing from
        its table; all of them where the VPC's endpoints were not read."""
        table = self.governing_table(subnet)
        gateway = table is not None and any(
            r.destination.startswith("pl-") and r.target_kind is TargetKind.VPC_ENDPOINT
            for r in table.routes
        )
        have = self.endpoints.get(subnet.vpc_id, frozenset()) | ({"s3"} if gateway else set())
        return tuple(sorted(services - have))

    def gets_out(self, subnet: Subnet, services: frozenset[str]) -> bool:
        """A private subnet's instances reach what they need: 0.0.0.0/0 to a NAT gateway (with a
        way out), transit gateway or peering, or every interface endpoint in `services`."""
        return self.has_egress(subnet) or not self.missing_endpoints(subnet, services)

    def egress_nat(self, subnet: Subnet) -> str:
        """The NAT gateway the subnet's 0.0.0.0/0 goes to ("" if it goes elsewhere)."""
        table = self.governing_table(subnet)
        route = table.default_route(IPV4_DEFAULT) if table else None
        return route.target_id if route and route.target_kind is TargetKind.NAT else ""

    def stranded_nat(self, subnet: Subnet) -> str:
        """Why the NAT gateway the subnet's 0.0.0.0/0 goes to gets nowhere ("" if it does, or
        the route goes elsewhere): its own subnet has no active route to an internet gateway."""
        nat = self.egress_nat(subnet)
        where = self._subnet_by_id.get(self.nat_subnets.get(nat, ""))
        if where is None:
            return ""  # a private NAT, or one in a VPC the read did not detail
        own = self.governing_table(where)
        out = own.default_route(IPV4_DEFAULT) if own else None
        if out is not None and out.state is RouteState.ACTIVE and out.target_kind is TargetKind.IGW:
            return ""
        return (
            f"NAT gateway {nat} has no way out: its subnet {where.id} is on "
            f"{own.id if own else 'no route table'}, which has no active 0.0.0.0/0 route to an "
            "internet gateway"
        )


EGRESS = frozenset({TargetKind.NAT, TargetKind.TRANSIT_GATEWAY, TargetKind.PEERING})


def igw_routes(tables: Iterable[RouteTable]) -> tuple[str, ...]:
    """The internet gateways the tables route to, by a launcher's test: any route whose
    gateway id starts with `igw-`, whatever its destination or state (a blackhole counts)."""
    found = (r.target_id for t in tables for r in t.routes if r.target_id.startswith("igw-"))
    return tuple(dict.fromkeys(found))


def by_zone(subnets: Iterable[Subnet]) -> tuple[Subnet, ...]:
    """Sorted by zone, a to z; EC2's order within a zone (Python's sort is stable)."""
    return tuple(sorted(subnets, key=lambda s: s.availability_zone))


def last_zone_first(subnets: Iterable[Subnet]) -> tuple[Subnet, ...]:
    """`sorted(..., reverse=True, key=availability_zone)`, as Ray and SkyPilot sort: z to a,
    and (a reverse sort is stable too) EC2's order within a zone."""
    return tuple(sorted(subnets, key=lambda s: s.availability_zone, reverse=True))


def zone_letters(region: str, subnets: Iterable[Subnet]) -> str:
    """eu-south-1a, eu-south-1b -> "a, b" (in the order given, each once)."""
    letters = (s.availability_zone.removeprefix(region) or s.availability_zone for s in subnets)
    return ", ".join(dict.fromkeys(letters))


def zones_of(subnets: Iterable[Subnet]) -> tuple[str, ...]:
    return tuple(sorted({s.availability_zone for s in subnets}))


def one_per_zone(subnets: Iterable[Subnet], key: Callable[[Subnet], object]) -> tuple[Subnet, ...]:
    """The first subnet of each zone by `key`, zones a to z."""
    best: dict[str, Subnet] = {}
    for s in sorted(subnets, key=key):  # type: ignore[arg-type]
        best.setdefault(s.availability_zone, s)
    return tuple(best[z] for z in sorted(best))


def ids(subnets: Iterable[Subnet]) -> tuple[str, ...]:
    return tuple(s.id for s in subnets)


def listing(subnet_ids: tuple[str, ...], limit: int = 3) -> str:
    """subnet-a, subnet-b and 4 more."""
    shown = ", ".join(subnet_ids[:limit])
    more = len(subnet_ids) - limit
    return f"{shown} and {more} more" if more > 0 else shown
