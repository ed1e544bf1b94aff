"""Region layouts that decide what launchers do, as plain data.

Each layout is built two ways: as a `LaunchView` for the pure tables of tests/unit/launchers,
and on an EC2 endpoint with boto3 (`build_on`), where `tests/e2e` and the cross-check against
the launchers' own code (`make crosscheck`) read it back. Ids in views are `vpc-<key>`,
`subnet-<key>`, `rtb-<key>`; on an endpoint they are EC2's, mapped back to keys.

Routes: `igw` (0.0.0.0/0 to the VPC's internet gateway), `igw-blackhole` (the same, in state
blackhole), `igw-10` (10.9.0.0/16 to the gateway only), `nat` (0.0.0.0/0 to a NAT gateway),
`s3` (S3's prefix list to a gateway endpoint).

What the launchers that take subnets as given look at besides: a subnet's tags, its free
addresses (`free`, only in views: an emulator counts them itself) and an Elastic Fabric
Adapter interface in it (`efa`: on an emulator, shown as AWS has it by tests/aws_behaviour);
a VPC's DNS hostnames (`dns`; as EC2 makes the VPC where not said: on only in a default
VPC) and its interface endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast

from vpc_remediator.domain.launchers.view import LaunchView
from vpc_remediator.domain.model import (
    Route,
    RouteOrigin,
    RouteState,
    RouteTable,
    Subnet,
    Vpc,
    frozen_tags,
)

REGION = "eu-south-1"


@dataclass(frozen=True)
class V:
    key: str
    default: bool = False
    name: str = ""
    # DNS hostnames (resolution is on): None as EC2 makes the VPC (on in a default VPC only).
    dns: bool | None = None
    endpoints: tuple[str, ...] = ()  # interface endpoints, by service short name


@dataclass(frozen=True)
class S:
    key: str
    vpc: str
    zone: str = "a"
    mapped: bool = False
    pending: bool = False
    tags: tuple[tuple[str, str], ...] = ()
    free: int | None = None
    efa: bool = False


@dataclass(frozen=True)
class T:
    """A route table: with `main`, the VPC's main table (its key is the VPC's)."""

    key: str
    vpc: str
    routes: tuple[str, ...] = ()
    main: bool = False
    subnets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Net:
    vpcs: tuple[V, ...]
    subnets: tuple[S, ...] = ()
    tables: tuple[T, ...] = ()

    @property
    def blackholes(self) -> bool:
        return any("igw-blackhole" in t.routes for t in self.tables)

    @property
    def view_only(self) -> bool:
        """Free address counts an emulator cannot hold (it counts them itself)."""
        return any(s.free is not None for s in self.subnets)

    @property
    def efa(self) -> bool:
        return any(s.efa for s in self.subnets)


def _route(kind: str, vpc: str) -> Route:
    match kind:
        case "igw":
            return Route("0.0.0.0/0", f"igw-{vpc}")
        case "igw-blackhole":
            return Route("0.0.0.0/0", f"igw-{vpc}", RouteState.BLACKHOLE)
        case "igw-10":
            return Route("10.9.0.0/16", f"igw-{vpc}")
        case "nat":
            return Route("0.0.0.0/0", f"nat-{vpc}")
        case "s3":
            return Route("pl-s3", f"vpce-{vpc}")
    raise ValueError(kind)


def view(net: Net) -> LaunchView:
    local = Route("10.0.0.0/16", "local", origin=RouteOrigin.CREATE_ROUTE_TABLE)
    vpcs = tuple(
        Vpc(
            f"vpc-{v.key}",
            is_default=v.default,
            tags=frozen_tags({"Name": v.name} if v.name else {}),
            dns_support=True,
            dns_hostnames=v.default if v.dns is None else v.dns,
        )
        for v in net.vpcs
    )
    subnets = tuple(
        Subnet(
            f"subnet-{s.key}",
            f"vpc-{s.vpc}",
            f"{REGION}{s.zone}",
            cidr="10.0.1.0/24",
            map_public_ip_on_launch=s.mapped,
            state="pending" if s.pending else "available",
            tags=frozen_tags(dict(s.tags)),
            available_ips=s.free,
            efa=s.efa,
        )
        for s in net.subnets
    )
    mains = {t.vpc for t in net.tables if t.main}
    tables = tuple(
        RouteTable(
            f"rtb-{t.key}",
            f"vpc-{t.vpc}",
            is_main=t.main,
            associations=tuple(
                (f"rtbassoc-{t.key}{i}", f"subnet-{s}") for i, s in enumerate(t.subnets)
            ),
            routes=(local, *(_route(r, t.vpc) for r in t.routes)),
        )
        for t in net.tables
    ) + tuple(
        RouteTable(f"rtb-{v.key}", f"vpc-{v.key}", is_main=True, routes=(local,))
        for v in net.vpcs
        if v.key not in mains
    )
    return LaunchView(
        REGION,
        vpcs,
        subnets,
        tables,
        gateway_vpcs=frozenset(v.id for v in vpcs),
        endpoints=MappingProxyType({f"vpc-{v.key}": frozenset(v.endpoints) for v in net.vpcs}),
        multi_nic=frozenset(s.id for s in subnets if s.efa),
    )


def build_on(ec2: Any, net: Net) -> dict[str, str]:
    """Make the layout on an EC2 endpoint (every VPC deleted first); returns key -> id.

    The default VPC is made by CreateDefaultVpc and then emptied of what EC2 put in it, so that
    it has only the layout's subnets and routes. Blackhole routes and pending subnets cannot
    be made on an emulator: `tests/aws_behaviour` shows them as AWS would.
    """
    from local_aws.emulator import delete_default_vpc

    delete_default_vpc(ec2)
    ids: dict[str, str] = {}
    igws: dict[str, str] = {}
    cidr = iter(f"10.{n}.0.0/16" for n in range(1, 250))
    for v in net.vpcs:
        if v.default:
            vpc_id = ec2.create_default_vpc()["Vpc"]["VpcId"]
            for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
                "Subnets"
            ]:
                ec2.delete_subnet(SubnetId=s["SubnetId"])
            main = _main_table(ec2, vpc_id)
            for r in main["Routes"]:
                if r.get("GatewayId", "").startswith("igw-"):
                    ec2.delete_route(
                        RouteTableId=main["RouteTableId"],
                        DestinationCidrBlock=r["DestinationCidrBlock"],
                    )
            attached = ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
            )["InternetGateways"]
            if attached:
                igws[v.key] = attached[0]["InternetGatewayId"]
            else:  # moto's CreateDefaultVpc attaches none (AWS's does)
                igws[v.key] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
                ec2.attach_internet_gateway(InternetGatewayId=igws[v.key], VpcId=vpc_id)
        else:
            vpc_id = ec2.create_vpc(CidrBlock=next(cidr))["Vpc"]["VpcId"]
            igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
            igws[v.key] = igw
        if v.name:
            ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": v.name}])
        if v.dns is not None:
            ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
            ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": v.dns})
        for service in v.endpoints:
            ec2.create_vpc_endpoint(
                VpcId=vpc_id,
                ServiceName=f"com.amazonaws.{REGION}.{service}",
                VpcEndpointType="Interface",
            )
        ids[v.key] = vpc_id
    blocks: dict[str, int] = {}
    for s in net.subnets:
        vpc_id = ids[s.vpc]
        base = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"].rsplit(".", 2)[0]
        n = blocks[s.vpc] = blocks.get(s.vpc, 0) + 1
        subnet_id = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"{base}.{n * 16}.0/20", AvailabilityZone=f"{REGION}{s.zone}"
        )["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": s.mapped})
        if s.tags:
            ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": k, "Value": v} for k, v in s.tags])
        ids[s.key] = subnet_id
        if s.efa:  # an EFA instance's interface (tests/aws_behaviour lists it as AWS does)
            eni = ec2.create_network_interface(SubnetId=subnet_id, InterfaceType="efa")
            ids[f"eni-{s.key}"] = eni["NetworkInterface"]["NetworkInterfaceId"]
    nats: dict[str, str] = {}
    for t in net.tables:
        vpc_id = ids[t.vpc]
        if t.main:
            table_id = _main_table(ec2, vpc_id)["RouteTableId"]
        else:
            table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ids[t.key if not t.main else f"main-{t.vpc}"] = table_id
        for kind in t.routes:
            if kind == "s3":
                ec2.create_vpc_endpoint(
                    VpcId=vpc_id,
                    ServiceName=f"com.amazonaws.{REGION}.s3",
                    VpcEndpointType="Gateway",
                    RouteTableIds=[table_id],
                )
            elif kind == "nat":
                if t.vpc not in nats:
                    # In a subnet of the layout (another subnet would be one more candidate):
                    # a public one where the layout has one, as AWS needs; else the first.
                    host = ids[nat_host(net, t.vpc)]
                    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
                    nats[t.vpc] = ec2.create_nat_gateway(SubnetId=host, AllocationId=eip)[
                        "NatGateway"
                    ]["NatGatewayId"]
                ec2.create_route(
                    RouteTableId=table_id,
                    DestinationCidrBlock="0.0.0.0/0",
                    NatGatewayId=nats[t.vpc],
                )
            else:
                destination = "10.9.0.0/16" if kind == "igw-10" else "0.0.0.0/0"
                ec2.create_route(
                    RouteTableId=table_id, DestinationCidrBlock=destination, GatewayId=igws[t.vpc]
                )
        for s in t.subnets:
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=ids[s])
    return ids


def nat_host(net: Net, vpc: str) -> str:
    """The subnet of the VPC a NAT gateway is put in: the first routed to the internet gateway
    (by an explicit table, or the main one), else the first (its NAT then has no way out)."""
    mine = [s for s in net.subnets if s.vpc == vpc]
    explicit = {k: t for t in net.tables for k in t.subnets}
    main = next((t for t in net.tables if t.main and t.vpc == vpc), None)
    for s in mine:
        table = explicit.get(s.key, main)
        if table is not None and "igw" in table.routes:
            return s.key
    return mine[0].key


def stranded_nat(net: Net) -> bool:
    """Whether the layout's NAT gateways are put in a subnet with no way out (nat_host)."""
    explicit = {k: t for t in net.tables for k in t.subnets}
    for t in net.tables:
        if "nat" in t.routes:
            host = nat_host(net, t.vpc)
            main = next((m for m in net.tables if m.main and m.vpc == t.vpc), None)
            table = explicit.get(host, main)
            if table is None or "igw" not in table.routes:
                return True
    return False


def _main_table(ec2: Any, vpc_id: str) -> dict[str, Any]:
    return cast(
        "dict[str, Any]",
        ec2.describe_route_tables(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "association.main", "Values": ["true"]},
            ]
        )["RouteTables"][0],
    )


def keys(ids: dict[str, str], values: Any) -> Any:
    """EC2 ids back to layout keys (the view's `subnet-<key>` and `vpc-<key>` too)."""
    back = {v: k for k, v in ids.items()}

    def one(value: str | None) -> str | None:
        if value is None:
            return None
        if value in back:
            return back[value]
        return value.split("-", 1)[1] if "-" in value else value

    if isinstance(values, (list, tuple, set, frozenset)):
        return frozenset(one(v) for v in values)
    return one(values)


D = V("d", default=True)
ELB = ("kubernetes.io/role/elb", "1")
INTERNAL_ELB = ("kubernetes.io/role/internal-elb", "1")
CLUSTER = ("kubernetes.io/cluster/demo", "shared")
KARPENTER = ("karpenter.sh/discovery", "demo")
PRIVATE_ENDPOINTS = ("ec2", "ecr.api", "ecr.dkr", "sts", "ecs", "ecs-agent", "ecs-telemetry")


def wizard_name(kind: str, n: int, zone: str) -> tuple[str, str]:
    """The console wizard's subnet Names: project-subnet-public1-eu-south-1a."""
    return ("Name", f"project-subnet-{kind}{n}-{REGION}{zone}")


SCENARIOS: dict[str, Net] = {
    # AWS's own default VPC: a public subnet per zone, mapping public IPs, on the main table.
    "default-vpc": Net(
        (D,),
        (
            S("d1", "d", "a", mapped=True),
            S("d2", "d", "b", mapped=True),
            S("d3", "d", "c", mapped=True),
        ),
        (T("d", "d", ("igw",), main=True),),
    ),
    # The seed, before: the default VPC deleted; a console VPC with a gateway and no route.
    "seed-before": Net((V("c", name="skypilot-vpc"),), (S("c1", "c", "a"),)),
    # The seed, after the remediator: its own table routes the subnet; public IPs mapped.
    "seed-after": Net(
        (V("c", name="skypilot-vpc"),),
        (S("c1", "c", "a", mapped=True),),
        (T("pub", "c", ("igw",), subnets=("c1",)),),
    ),
    # An explicit association decides, whatever the main table says.
    "explicit-wins": Net(
        (D,),
        (S("d1", "d", "a"), S("d2", "d", "b")),
        (T("d", "d", ("igw",), main=True), T("priv", "d", subnets=("d1",))),
    ),
    # The gateway is gone: EC2 routes nothing, but the route still names an igw-.
    "blackhole": Net(
        (D,), (S("d1", "d", "a", mapped=True),), (T("d", "d", ("igw-blackhole",), main=True),)
    ),
    # A private default VPC: 0.0.0.0/0 through a NAT gateway.
    "nat-default": Net(
        (D,), (S("d1", "d", "a"), S("d2", "d", "b")), (T("d", "d", ("nat",), main=True),)
    ),
    # SkyPilot reads every main table of the region when no VPC is named.
    "main-elsewhere": Net(
        (D, V("c", name="other")),
        (S("d1", "d", "a"), S("c1", "c", "b")),
        (T("c", "c", ("igw",), main=True),),
    ),
    # Two public VPCs in different zones, no default VPC: who keeps which first VPC.
    "two-vpcs-zones": Net(
        (V("a", name="alpha"), V("b", name="beta")),
        (S("a1", "a", "a", mapped=True), S("b1", "b", "c", mapped=True)),
        (T("a", "a", ("igw",), main=True), T("b", "b", ("igw",), main=True)),
    ),
    # Public IPs mapped, no route: Ray launches, its nodes unreachable.
    "mapped-no-route": Net((D,), (S("d1", "d", "a", mapped=True),)),
    # A subnet just created (pending) next to one that is ready.
    "pending": Net(
        (D,),
        (S("d1", "d", "a", mapped=True, pending=True), S("d2", "d", "b", mapped=True)),
        (T("d", "d", ("igw",), main=True),),
    ),
    # Two VPCs with the same Name.
    "duplicate-names": Net(
        (V("x", name="dup"), V("y", name="dup")),
        (S("x1", "x", "a"), S("y1", "y", "b")),
        (T("x", "x", ("igw",), main=True), T("y", "y", ("igw",), main=True)),
    ),
    # A route to the gateway that is not a default route.
    "igw-other-destination": Net(
        (D,), (S("d1", "d", "a"),), (T("d", "d", ("igw-10",), main=True),)
    ),
    # A VPC laid out public and private (an IaC module's layout), no default VPC.
    "public-and-private": Net(
        (V("p", name="prod"),),
        (S("p1", "p", "a"), S("p2", "p", "b", mapped=True)),
        (T("nat", "p", ("nat",), subnets=("p1",)), T("pub", "p", ("igw",), subnets=("p2",))),
    ),
    # The console's "VPC and more" wizard with its defaults: two public subnets (public IPs not
    # mapped) on one public table, two private ones each on its own table with the S3 gateway
    # endpoint and no NAT gateway; DNS hostnames on.
    "wizard": Net(
        (V("w", name="project-vpc", dns=True),),
        (
            S("w1", "w", "a", tags=(wizard_name("public", 1, "a"),)),
            S("w2", "w", "b", tags=(wizard_name("public", 2, "b"),)),
            S("w3", "w", "a", tags=(wizard_name("private", 1, "a"),)),
            S("w4", "w", "b", tags=(wizard_name("private", 2, "b"),)),
        ),
        (
            T("pub", "w", ("igw",), subnets=("w1", "w2")),
            T("pa", "w", ("s3",), subnets=("w3",)),
            T("pb", "w", ("s3",), subnets=("w4",)),
        ),
    ),
    # eksctl's VPC: public subnets mapping public IPs, tagged for internet-facing load
    # balancers; private ones behind a NAT gateway, tagged for internal ones and for Karpenter;
    # every subnet tagged for the cluster; DNS on.
    "eksctl": Net(
        (V("e", name="eksctl-demo-cluster/VPC", dns=True),),
        (
            S("e1", "e", "a", mapped=True, tags=(ELB, CLUSTER)),
            S("e2", "e", "b", mapped=True, tags=(ELB, CLUSTER)),
            S("e3", "e", "a", tags=(INTERNAL_ELB, CLUSTER, KARPENTER)),
            S("e4", "e", "b", tags=(INTERNAL_ELB, CLUSTER, KARPENTER)),
        ),
        (
            T("pub", "e", ("igw",), subnets=("e1", "e2")),
            T("pa", "e", ("nat",), subnets=("e3",)),
            T("pb", "e", ("nat",), subnets=("e4",)),
        ),
    ),
    # Private subnets that reach AWS through VPC endpoints only (no NAT gateway, no route to
    # the internet gateway).
    "private-endpoints": Net(
        (V("x", name="private", dns=True, endpoints=PRIVATE_ENDPOINTS),),
        (S("x1", "x", "a"), S("x2", "x", "b")),
        (T("x", "x", ("s3",), main=True),),
    ),
    # An EFA queue behind a NAT gateway beside a public subnet for the head node; h3 is an EFA
    # subnet someone turned public-IP mapping on for.
    "efa-queue": Net(
        (V("h", name="hpc", dns=True),),
        (
            S("h1", "h", "a", mapped=True),
            S("h2", "h", "a", efa=True),
            S("h3", "h", "b", mapped=True, efa=True),
        ),
        (T("pub", "h", ("igw",), subnets=("h1",)), T("priv", "h", ("nat",), subnets=("h2", "h3"))),
    ),
    # A VPC as CreateVpc leaves it (DNS hostnames off), laid out public and private.
    "dns-off": Net(
        (V("n", name="plain"),),
        (
            S("n1", "n", "a", mapped=True),
            S("n2", "n", "b", mapped=True),
            S("n3", "n", "a"),
            S("n4", "n", "b"),
        ),
        (
            T("pub", "n", ("igw",), subnets=("n1", "n2")),
            T("priv", "n", ("nat",), subnets=("n3", "n4")),
        ),
    ),
    # Karpenter's discovery tag on a public subnet that maps nothing and has no NAT gateway
    # (its nodes stay NotReady) and on a private one behind NAT; k3 public and mapping.
    "karpenter": Net(
        (V("k", name="karpenter-demo", dns=True),),
        (
            S("k1", "k", "a", tags=(KARPENTER,)),
            S("k2", "k", "b", tags=(KARPENTER,)),
            S("k3", "k", "b", mapped=True),
        ),
        (T("pub", "k", ("igw",), subnets=("k1", "k3")), T("priv", "k", ("nat",), subnets=("k2",))),
    ),
    # Subnets nearly full: EKS needs 6 free addresses, the load balancer controller 8.
    "nearly-full": Net(
        (V("f", name="full", dns=True),),
        (
            S("f1", "f", "a", mapped=True, free=5),
            S("f2", "f", "b", mapped=True, free=7),
            S("f3", "f", "c", mapped=True, free=100),
        ),
        (T("f", "f", ("igw",), main=True),),
    ),
}


def interface_types(net: Net, ids: dict[str, str]) -> dict[str, str]:
    """The layout's EFA interfaces, as tests/aws_behaviour's `interface_types` takes them."""
    return {ids[f"eni-{s.key}"]: "efa" for s in net.subnets if s.efa}
