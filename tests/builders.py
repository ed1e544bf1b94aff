"""Small constructors for snapshots, so that unit tests read as tables."""

from __future__ import annotations

from types import MappingProxyType

from vpc_remediator.domain.model import (
    IPV4_DEFAULT,
    GatewayEndpoint,
    InternetGateway,
    NatGateway,
    Ownership,
    PublicAccessBlock,
    RegionSnapshot,
    Route,
    RouteOrigin,
    RouteState,
    RouteTable,
    Subnet,
    Vpc,
    VpcSnapshot,
    frozen_tags,
)
from vpc_remediator.domain.policy import (
    MANAGED_CREATED,
    MANAGED_TAG_KEY,
    ROLE_PUBLIC_ROUTE_TABLE,
    ROLE_TAG_KEY,
)

VPC = "vpc-00000000000000001"
IGW = "igw-00000000000000001"
NAT = "nat-00000000000000001"
MAIN = "rtb-0000000000000main"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
LOCAL = Route("10.0.0.0/16", "local", origin=RouteOrigin.CREATE_ROUTE_TABLE)


def route(
    target: str,
    destination: str = IPV4_DEFAULT,
    *,
    blackhole: bool = False,
    origin: RouteOrigin = RouteOrigin.CREATE_ROUTE,
) -> Route:
    state = RouteState.BLACKHOLE if blackhole else RouteState.ACTIVE
    return Route(destination, target, state, origin)


def learned(vgw: str, destination: str) -> Route:
    """A route a table learns from a virtual private gateway it propagates."""
    return route(vgw, destination, origin=RouteOrigin.PROPAGATED)


def subnet(
    sid: str,
    *,
    name: str = "",
    zone: str = "eu-south-1a",
    public_ip: bool = False,
    ipv6: bool = False,
    ipv6_only: bool = False,
    assign_ipv6: bool = False,
    tags: dict[str, str] | None = None,
    owner: str = "",
) -> Subnet:
    all_tags = dict(tags or {})
    if name:
        all_tags["Name"] = name
    return Subnet(
        id=sid,
        vpc_id=VPC,
        availability_zone=zone,
        cidr="" if ipv6_only else "10.0.1.0/24",
        ipv6_cidrs=("2001:db8::/64",) if ipv6 or ipv6_only else (),
        map_public_ip_on_launch=public_ip,
        tags=frozen_tags(all_tags),
        ipv6_native=ipv6_only,
        assign_ipv6_address_on_creation=assign_ipv6,
        owner_id=owner,
    )


def table(
    tid: str,
    *routes: Route,
    main: bool = False,
    subnets: tuple[str, ...] = (),
    managed: bool = False,
    tags: dict[str, str] | None = None,
    propagating: tuple[str, ...] = (),
) -> RouteTable:
    all_tags = dict(tags or {})
    if managed:
        all_tags |= {MANAGED_TAG_KEY: MANAGED_CREATED, ROLE_TAG_KEY: ROLE_PUBLIC_ROUTE_TABLE}
    return RouteTable(
        id=tid,
        vpc_id=VPC,
        is_main=main,
        associations=tuple((f"rtbassoc-{tid[4:]}{i}", s) for i, s in enumerate(subnets)),
        routes=(LOCAL, *routes),
        tags=frozen_tags(all_tags),
        propagating_vgws=propagating,
    )


def vpc_snapshot(
    *subnets: Subnet,
    tables: tuple[RouteTable, ...] = (),
    main_routes: tuple[Route, ...] = (),
    igw: bool = True,
    default: bool = False,
    nat: bool = False,
    vpc_tags: dict[str, str] | None = None,
    main_propagating: tuple[str, ...] = (),
    endpoints: tuple[GatewayEndpoint, ...] = (),
    public_access: PublicAccessBlock | None = None,
    owner: str = "",
    ownership: Ownership | None = None,
) -> VpcSnapshot:
    """`ownership`: what the record proves; by default, that the remediator made every table
    built with `managed=True` (and nothing more)."""
    if ownership is None:
        made = frozenset(
            t.id for t in tables if t.tags.get(ROLE_TAG_KEY) == ROLE_PUBLIC_ROUTE_TABLE
        )
        ownership = Ownership(known=True, tables=made)
    return VpcSnapshot(
        vpc=Vpc(
            VPC, is_default=default, cidr="10.0.0.0/16", tags=frozen_tags(vpc_tags), owner_id=owner
        ),
        subnets=subnets,
        route_tables=(table(MAIN, *main_routes, main=True, propagating=main_propagating), *tables),
        internet_gateways=(InternetGateway(IGW, (VPC,)),) if igw else (),
        nat_gateways=(NatGateway(NAT, VPC, "subnet-nat"),) if nat else (),
        gateway_endpoints=endpoints,
        public_access=public_access or PublicAccessBlock(),
        account=ACCOUNT,
        ownership=ownership,
    )


def region_of(*snapshots: VpcSnapshot, region: str = "eu-south-1") -> RegionSnapshot:
    return RegionSnapshot(
        region,
        tuple(s.vpc for s in snapshots),
        MappingProxyType({s.vpc.id: s for s in snapshots}),
    )
