"""Read a region's networking into a frozen snapshot with a fixed number of batched calls.

`read()` costs six Describe calls (plus one per extra page) whatever the number of subnets:
the region's VPCs, subnets and route tables (the region view: which VPC is the default, and
what every launcher looks at), then internet gateways and NAT gateways filtered to the VPCs
asked for plus the default VPC, or unfiltered for a whole-region sweep, and the region's VPC
Block Public Access setting, and DescribeNetworkInterfaces for the Elastic Fabric Adapter
interfaces of the VPCs asked for (a subnet with one never gets public-IP mapping). More only
where they matter: DescribeVpcEndpoints when a route table routes to a VPC endpoint, the
Block Public Access exclusions when that setting is on, and, for the launchers that need them
(EKS, AWS Batch, ParallelCluster, Karpenter: named in the settings, or their tags on a
subnet), two DescribeVpcAttribute per VPC asked for (DNS support and hostnames) and one
DescribeVpcEndpoints for its interface endpoints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..domain.model import (
    GatewayEndpoint,
    InternetGateway,
    NatGateway,
    RegionSnapshot,
    Route,
    RouteOrigin,
    RouteState,
    RouteTable,
    Subnet,
    TargetKind,
    Vpc,
    VpcSnapshot,
    frozen_tags,
)
from ..domain.presence import needs_vpc_facts
from ..domain.triggers import (
    RegionTarget,
    RouteTableTarget,
    SubnetTarget,
    Target,
    VpcEndpointTarget,
    VpcTarget,
)
from .public_access import read_public_access
from .visibility import DEFAULT_WAIT, wait_visible

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

# EC2 accepts at most 200 values per filter.
FILTER_CHUNK = 200
_LIVE_NAT_STATES = ("pending", "available")
# An instance route lists both the instance and its network interface; the interface is the
# exact target (CreateRoute by instance id works only for single-interface instances).
_ROUTE_TARGET_KEYS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "EgressOnlyInternetGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "CoreNetworkArn",
    "OdbNetworkArn",
)
_ORIGINS = {o.value: o for o in RouteOrigin}
_ENDPOINT_NOT_FOUND = "InvalidVpcEndpointId.NotFound"
EFA_INTERFACE_TYPES = ("efa", "efa-only")


def _tags(item: Mapping[str, Any]) -> Mapping[str, str]:
    return frozen_tags({t["Key"]: t.get("Value", "") for t in item.get("Tags") or ()})


def _route(raw: Mapping[str, Any]) -> Route | None:
    destination = (
        raw.get("DestinationCidrBlock")
        or raw.get("DestinationIpv6CidrBlock")
        or raw.get("DestinationPrefixListId")
    )
    target = next((raw[k] for k in _ROUTE_TARGET_KEYS if raw.get(k)), None)
    if destination is None or target is None:
        return None
    state = RouteState.BLACKHOLE if raw.get("State") == "blackhole" else RouteState.ACTIVE
    origin = _ORIGINS.get(raw.get("Origin", ""), RouteOrigin.CREATE_ROUTE)
    if target == "local":
        origin = RouteOrigin.CREATE_ROUTE_TABLE
    return Route(destination=destination, target_id=target, state=state, origin=origin)


def parse_route_table(raw: Mapping[str, Any]) -> RouteTable:
    associations = raw.get("Associations") or ()
    live = [
        a
        for a in associations
        if (a.get("AssociationState") or {}).get("State", "associated")
        in ("associated", "associating")
    ]
    return RouteTable(
        id=raw["RouteTableId"],
        vpc_id=raw["VpcId"],
        is_main=any(a.get("Main") for a in live),
        associations=tuple(
            (a["RouteTableAssociationId"], a["SubnetId"]) for a in live if a.get("SubnetId")
        ),
        routes=tuple(r for r in map(_route, raw.get("Routes") or ()) if r is not None),
        tags=_tags(raw),
        propagating_vgws=tuple(
            sorted(v["GatewayId"] for v in raw.get("PropagatingVgws") or () if v.get("GatewayId"))
        ),
        owner_id=raw.get("OwnerId", ""),
    )


def parse_subnet(raw: Mapping[str, Any]) -> Subnet:
    ipv6 = tuple(
        a["Ipv6CidrBlock"]
        for a in raw.get("Ipv6CidrBlockAssociationSet") or ()
        if (a.get("Ipv6CidrBlockState") or {}).get("State", "associated")
        in ("associated", "associating")
    )
    return Subnet(
        id=raw["SubnetId"],
        vpc_id=raw["VpcId"],
        availability_zone=raw.get("AvailabilityZone", ""),
        cidr=raw.get("CidrBlock", ""),
        ipv6_cidrs=ipv6,
        map_public_ip_on_launch=bool(raw.get("MapPublicIpOnLaunch")),
        tags=_tags(raw),
        ipv6_native=bool(raw.get("Ipv6Native")),
        assign_ipv6_address_on_creation=bool(raw.get("AssignIpv6AddressOnCreation")),
        owner_id=raw.get("OwnerId", ""),
        state=raw.get("State", "available"),
        available_ips=raw.get("AvailableIpAddressCount"),
    )


def parse_vpc(raw: Mapping[str, Any]) -> Vpc:
    return Vpc(
        id=raw["VpcId"],
        is_default=bool(raw.get("IsDefault")),
        cidr=raw.get("CidrBlock", ""),
        tags=_tags(raw),
        owner_id=raw.get("OwnerId", ""),
    )


def parse_internet_gateway(raw: Mapping[str, Any]) -> InternetGateway:
    return InternetGateway(
        id=raw["InternetGatewayId"],
        attached_vpc_ids=tuple(
            a["VpcId"]
            for a in raw.get("Attachments") or ()
            if a.get("State") in ("available", "attached")
        ),
        tags=_tags(raw),
        owner_id=raw.get("OwnerId", ""),
    )


def parse_gateway_endpoint(raw: Mapping[str, Any]) -> GatewayEndpoint:
    return GatewayEndpoint(
        id=raw["VpcEndpointId"],
        vpc_id=raw.get("VpcId", ""),
        route_table_ids=tuple(sorted(raw.get("RouteTableIds") or ())),
    )


def parse_nat_gateway(raw: Mapping[str, Any]) -> NatGateway:
    return NatGateway(
        id=raw["NatGatewayId"],
        vpc_id=raw.get("VpcId", ""),
        subnet_id=raw.get("SubnetId", ""),
        state=raw.get("State", ""),
        public=raw.get("ConnectivityType", "public") != "private",
    )


class SnapshotReader:
    def __init__(
        self,
        ec2: EC2Client,
        region: str,
        account: str,
        *,
        wait: dict[str, Any] | None = None,
        launchers: frozenset[str] | None = frozenset(),
    ) -> None:
        self._ec2 = ec2
        self.region = region
        # Resources another account owns (shared VPCs) are read, never written.
        self.account = account
        self._wait = wait or DEFAULT_WAIT
        # The launchers the settings name: their VPC facts are read when one of these, or one
        # whose tags are present, needs them. None (the command line, whose JSON speaks for
        # every launcher): always read.
        self._launchers = launchers

    def tag(self, resource_id: str, key: str) -> str | None:
        """One tag's value on a resource (None: not tagged so)."""
        tags = self._ec2.describe_tags(
            Filters=[
                {"Name": "resource-id", "Values": [resource_id]},
                {"Name": "key", "Values": [key]},
            ]
        )["Tags"]
        return tags[0].get("Value", "") if tags else None

    def existing(self, resource_ids: Iterable[str]) -> frozenset[str]:
        """Which of these VPCs, subnets and route tables exist in the region (one filtered
        Describe call per kind; an id that does not exist is simply not listed)."""
        wanted = sorted(set(resource_ids))
        found: set[str] = set()
        kinds = (
            ("vpc-", "describe_vpcs", "Vpcs", "vpc-id", "VpcId"),
            ("subnet-", "describe_subnets", "Subnets", "subnet-id", "SubnetId"),
            ("rtb-", "describe_route_tables", "RouteTables", "route-table-id", "RouteTableId"),
        )
        for prefix, operation, key, name, field in kinds:
            ids = [i for i in wanted if i.startswith(prefix)]
            if ids:
                for item in self._filtered(operation, key, name, set(ids), False, page=100):
                    found.add(item[field])
        return frozenset(found)

    def vpc_of_route_table(self, route_table_id: str) -> str:
        """The VPC a route table is in (AWS refuses an id that does not exist)."""
        found = self._ec2.describe_route_tables(RouteTableIds=[route_table_id])["RouteTables"]
        return found[0]["VpcId"]

    def wait_visible(self, resource_ids: Iterable[str]) -> frozenset[str]:
        """Bounded wait for just-created resources; returns those still missing (gone)."""
        return wait_visible(self._ec2, resource_ids, self._wait)

    def read(self, vpc_ids: Iterable[str] | None = None) -> RegionSnapshot:
        """Every VPC, subnet and route table of the region, with details for `vpc_ids` and the
        default VPC.

        `vpc_ids=None` details every VPC (a region sweep) with unfiltered calls. Subnets and
        route tables are always the whole region's (what every launcher looks at, for the
        readiness); gateways are filtered to the VPCs detailed.
        """
        vpcs = tuple(parse_vpc(v) for v in self._pages("describe_vpcs", "Vpcs", PageSize=1000))
        region_subnets = tuple(
            parse_subnet(s) for s in self._pages("describe_subnets", "Subnets", PageSize=1000)
        )
        region_tables = tuple(
            parse_route_table(r)
            for r in self._pages("describe_route_tables", "RouteTables", PageSize=100)
        )
        if vpc_ids is None:
            wanted = {v.id for v in vpcs}
        else:
            known = {v.id for v in vpcs}
            wanted = {v for v in vpc_ids if v in known}
            wanted |= {v.id for v in vpcs if v.is_default}
        if not wanted:
            return RegionSnapshot(
                self.region, vpcs, subnets=region_subnets, route_tables=region_tables
            )
        whole_region = vpc_ids is None
        efa = self._efa_subnets(wanted, whole_region)
        if efa:
            region_subnets = tuple(
                replace(s, efa=True) if s.id in efa else s for s in region_subnets
            )
        facts = needs_vpc_facts(self._launchers, region_subnets)
        if facts:
            vpcs = tuple(self._with_dns(v) if v.id in wanted else v for v in vpcs)

        subnets = [s for s in region_subnets if s.vpc_id in wanted]
        tables = [t for t in region_tables if t.vpc_id in wanted]
        gateways = [
            parse_internet_gateway(g)
            for g in self._filtered(
                "describe_internet_gateways",
                "InternetGateways",
                "attachment.vpc-id",
                wanted,
                whole_region,
            )
        ]
        nats = [
            parse_nat_gateway(n)
            for n in self._filtered(
                "describe_nat_gateways",
                "NatGateways",
                "vpc-id",
                wanted,
                whole_region,
                filter_param="Filter",
                extra=[{"Name": "state", "Values": list(_LIVE_NAT_STATES)}],
            )
        ]
        endpoints = self._gateway_endpoints(tables, wanted, whole_region)
        services = self._interface_endpoints(wanted, whole_region) if facts else None
        public_access = read_public_access(self._ec2, wanted, {s.id for s in subnets})
        details = {
            v.id: VpcSnapshot(
                vpc=v,
                subnets=tuple(sorted((s for s in subnets if s.vpc_id == v.id), key=lambda s: s.id)),
                route_tables=tuple(
                    sorted((t for t in tables if t.vpc_id == v.id), key=lambda t: t.id)
                ),
                internet_gateways=tuple(g for g in gateways if v.id in g.attached_vpc_ids),
                nat_gateways=tuple(n for n in nats if n.vpc_id == v.id),
                gateway_endpoints=tuple(e for e in endpoints if e.vpc_id == v.id),
                public_access=public_access,
                interface_endpoints=None if services is None else services.get(v.id, frozenset()),
                account=self.account,
            )
            for v in vpcs
            if v.id in wanted
        }
        return RegionSnapshot(
            self.region,
            vpcs,
            MappingProxyType(details),
            public_access,
            subnets=region_subnets,
            route_tables=region_tables,
        )

    def _gateway_endpoints(
        self, tables: list[RouteTable], wanted: set[str], whole_region: bool
    ) -> list[GatewayEndpoint]:
        """Gateway endpoints, read only when some table routes to an endpoint at all."""
        if not any(r.target_kind is TargetKind.VPC_ENDPOINT for t in tables for r in t.routes):
            return []
        return [parse_gateway_endpoint(e) for e in self._endpoints("Gateway", wanted, whole_region)]

    def _endpoints(self, kind: str, wanted: set[str], whole_region: bool) -> Iterator[Any]:
        return self._filtered(
            "describe_vpc_endpoints",
            "VpcEndpoints",
            "vpc-id",
            wanted,
            whole_region,
            extra=[{"Name": "vpc-endpoint-type", "Values": [kind]}],
        )

    def _efa_subnets(self, wanted: set[str], whole_region: bool) -> frozenset[str]:
        """The subnets with an Elastic Fabric Adapter interface in them (`interface-type`)."""
        found = self._filtered(
            "describe_network_interfaces",
            "NetworkInterfaces",
            "vpc-id",
            wanted,
            whole_region,
            extra=[{"Name": "interface-type", "Values": list(EFA_INTERFACE_TYPES)}],
        )
        # Checked again here: the filter is a request, the type is the fact.
        return frozenset(
            str(n.get("SubnetId", ""))
            for n in found
            if n.get("InterfaceType") in EFA_INTERFACE_TYPES
        )

    def _with_dns(self, vpc: Vpc) -> Vpc:
        """DNS support and hostnames (EKS nodes and ParallelCluster need both). Only the
        readiness reads them: a VPC deleted since it was listed, or one shared with this
        account whose attributes its owner keeps, is left with them unknown, never a failed
        read."""
        try:
            support = self._ec2.describe_vpc_attribute(VpcId=vpc.id, Attribute="enableDnsSupport")
            names = self._ec2.describe_vpc_attribute(VpcId=vpc.id, Attribute="enableDnsHostnames")
        except ClientError:
            return vpc
        return replace(
            vpc,
            dns_support=bool(support.get("EnableDnsSupport", {}).get("Value")),
            dns_hostnames=bool(names.get("EnableDnsHostnames", {}).get("Value")),
        )

    def _interface_endpoints(
        self, wanted: set[str], whole_region: bool
    ) -> dict[str, frozenset[str]] | None:
        """Each VPC's interface endpoints in service, by the service's short name."""
        prefix = f"com.amazonaws.{self.region}."
        found: dict[str, set[str]] = {}
        try:
            listed = list(self._endpoints("Interface", wanted, whole_region))
        except ClientError:
            return None  # only the readiness reads them: unknown, never a failed read
        for e in listed:
            if e.get("State", "available").lower() in ("available", "pending"):
                name = str(e.get("ServiceName", ""))
                found.setdefault(str(e.get("VpcId", "")), set()).add(name.removeprefix(prefix))
        return {vpc: frozenset(names) for vpc, names in found.items()}

    def vpc_ids_for(self, target: Target) -> frozenset[str] | None:
        """The VPCs a target touches (one call for a subnet or route table); None for all."""
        match target:
            case VpcTarget(vpc_id):
                return frozenset({vpc_id})
            case SubnetTarget(subnet_id):
                found = self._ec2.describe_subnets(
                    Filters=[{"Name": "subnet-id", "Values": [subnet_id]}]
                )["Subnets"]
                return frozenset(s["VpcId"] for s in found)
            case RouteTableTarget(route_table_id):
                found_tables = self._ec2.describe_route_tables(
                    Filters=[{"Name": "route-table-id", "Values": [route_table_id]}]
                )["RouteTables"]
                return frozenset(t["VpcId"] for t in found_tables)
            case VpcEndpointTarget(vpc_endpoint_id):
                try:
                    found_endpoints = self._ec2.describe_vpc_endpoints(
                        VpcEndpointIds=[vpc_endpoint_id]
                    )["VpcEndpoints"]
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") != _ENDPOINT_NOT_FOUND:
                        raise
                    return frozenset()  # deleted since: nothing of it to follow
                return frozenset(e["VpcId"] for e in found_endpoints)
            case RegionTarget(all_vpcs=True):
                return None
            case RegionTarget():
                return frozenset()

    def _pages(self, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        page_size = kwargs.pop("PageSize", None)
        config = {"PageSize": page_size} if page_size else {}
        paginator = self._ec2.get_paginator(operation)  # type: ignore[call-overload]
        for page in paginator.paginate(PaginationConfig=config, **kwargs):
            yield from page.get(key, ())

    def _filtered(
        self,
        operation: str,
        key: str,
        name: str,
        values: set[str],
        whole_region: bool,
        *,
        page: int = 1000,
        filter_param: str = "Filters",
        extra: list[dict[str, Any]] | None = None,
    ) -> Iterator[dict[str, Any]]:
        if whole_region:
            filters = list(extra or [])
            yield from self._pages(operation, key, PageSize=page, **{filter_param: filters})
            return
        ordered = sorted(values)
        for start in range(0, len(ordered), FILTER_CHUNK):
            filters = [{"Name": name, "Values": ordered[start : start + FILTER_CHUNK]}]
            filters += extra or []
            yield from self._pages(operation, key, PageSize=page, **{filter_param: filters})
