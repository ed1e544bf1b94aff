"""The VPCs people build most, made with boto3 as their tools make them (issue 19).

- `wizard`: the console's "VPC and more" wizard: `<project>-vpc`, an internet gateway, a public
  subnet per zone on one public table `<project>-rtb-public` (0.0.0.0/0 to the gateway, public
  IPs not mapped on launch, as the wizard leaves them), a private subnet per zone on its own
  table, no NAT, one NAT gateway, or one per zone (in the public subnets), and an S3 gateway
  endpoint on the private tables. The main table keeps only its local route.
- `seed_fixed`: the seed article's own fix: the route to the gateway on the main table.
- `eksctl`: eksctl's VPC (a CloudFormation stack): public subnets that map public IPs and carry
  the load balancer role tag on `PublicRouteTable`, private subnets behind one NAT gateway.
- `terraform_module`: terraform-aws-modules/vpc's defaults: one public table, a private table
  per zone behind a NAT gateway per zone, public subnets that map public IPs, Names
  `<name>-public-<zone>`.
- `private_with_endpoints`: private subnets, no internet gateway, an S3 gateway endpoint.

Each returns the ids a test needs, by name.
"""

from __future__ import annotations

from typing import Any

REGION = "eu-south-1"
ZONES = tuple(f"{REGION}{z}" for z in "abc")
STACK = "eksctl-demo-cluster"


def _tags(kind: str, tags: dict[str, str]) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def _vpc(ec2: Any, cidr: str, tags: dict[str, str]) -> str:
    vpc = str(ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", tags))["Vpc"]["VpcId"])
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    return vpc


def _gateway(ec2: Any, vpc: str, tags: dict[str, str]) -> str:
    igw = str(
        ec2.create_internet_gateway(TagSpecifications=_tags("internet-gateway", tags))[
            "InternetGateway"
        ]["InternetGatewayId"]
    )
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return igw


def subnet(
    ec2: Any, vpc: str, cidr: str, zone: str, tags: dict[str, str], *, mapped: bool = False
) -> str:
    subnet_id = str(
        ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=cidr,
            AvailabilityZone=zone,
            TagSpecifications=_tags("subnet", tags),
        )["Subnet"]["SubnetId"]
    )
    # AWS leaves MapPublicIpOnLaunch off in a VPC that is not the default (moto may not).
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": mapped})
    return subnet_id


def _table(ec2: Any, vpc: str, tags: dict[str, str], *subnets: str) -> str:
    table = str(
        ec2.create_route_table(VpcId=vpc, TagSpecifications=_tags("route-table", tags))[
            "RouteTable"
        ]["RouteTableId"]
    )
    for s in subnets:
        ec2.associate_route_table(RouteTableId=table, SubnetId=s)
    return table


def _nat(ec2: Any, subnet_id: str, tags: dict[str, str]) -> str:
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    return str(
        ec2.create_nat_gateway(
            SubnetId=subnet_id, AllocationId=eip, TagSpecifications=_tags("natgateway", tags)
        )["NatGateway"]["NatGatewayId"]
    )


def _s3_endpoint(ec2: Any, vpc: str, tables: list[str], tags: dict[str, str]) -> str:
    return str(
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            ServiceName=f"com.amazonaws.{REGION}.s3",
            VpcEndpointType="Gateway",
            RouteTableIds=tables,
            TagSpecifications=_tags("vpc-endpoint", tags),
        )["VpcEndpoint"]["VpcEndpointId"]
    )


def main_table(ec2: Any, vpc: str) -> str:
    return str(
        ec2.describe_route_tables(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc]},
                {"Name": "association.main", "Values": ["true"]},
            ]
        )["RouteTables"][0]["RouteTableId"]
    )


def wizard(
    ec2: Any,
    *,
    project: str = "project",
    zones: int = 2,
    private: bool = True,
    nat: str = "none",  # "none", "one" (in the first zone) or "per-zone"
    s3: bool = False,
) -> dict[str, str]:
    """The console's "VPC and more" wizard, as it names and wires what it makes."""
    ids: dict[str, str] = {}
    vpc = ids["vpc"] = _vpc(ec2, "10.0.0.0/16", {"Name": f"{project}-vpc"})
    ids["igw"] = _gateway(ec2, vpc, {"Name": f"{project}-igw"})
    public = []
    for i, zone in enumerate(ZONES[:zones], 1):
        name = f"{project}-subnet-public{i}-{zone}"
        ids[f"public{i}"] = subnet(ec2, vpc, f"10.0.{(i - 1) * 16}.0/20", zone, {"Name": name})
        public.append(ids[f"public{i}"])
    ids["rtb-public"] = _table(ec2, vpc, {"Name": f"{project}-rtb-public"}, *public)
    ec2.create_route(
        RouteTableId=ids["rtb-public"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
    )
    private_tables = []
    if private:
        for i, zone in enumerate(ZONES[:zones], 1):
            name = f"{project}-subnet-private{i}-{zone}"
            cidr = f"10.0.{128 + (i - 1) * 16}.0/20"
            ids[f"private{i}"] = subnet(ec2, vpc, cidr, zone, {"Name": name})
            table = _table(
                ec2, vpc, {"Name": f"{project}-rtb-private{i}-{zone}"}, ids[f"private{i}"]
            )
            ids[f"rtb-private{i}"] = table
            private_tables.append(table)
            if nat == "per-zone" or (nat == "one" and i == 1):
                ids[f"nat{i}"] = _nat(
                    ec2, ids[f"public{i}"], {"Name": f"{project}-nat-public{i}-{zone}"}
                )
            if nat != "none":
                ec2.create_route(
                    RouteTableId=table,
                    DestinationCidrBlock="0.0.0.0/0",
                    NatGatewayId=ids[f"nat{i}" if nat == "per-zone" else "nat1"],
                )
    if s3:
        ids["s3"] = _s3_endpoint(
            ec2, vpc, private_tables or [ids["rtb-public"]], {"Name": f"{project}-vpce-s3"}
        )
    ids["main"] = main_table(ec2, vpc)
    return ids


def named_tiers(ec2: Any, *names: str) -> dict[str, str]:
    """A VPC built by hand: a gateway attached, untagged subnets of these Names on the main
    table, nothing routed yet."""
    ids = {"vpc": _vpc(ec2, "10.1.0.0/16", {"Name": "tiers"})}
    ids["igw"] = _gateway(ec2, ids["vpc"], {"Name": "tiers-igw"})
    for i, name in enumerate(names):
        ids[name] = subnet(ec2, ids["vpc"], f"10.1.{i * 16}.0/20", ZONES[i % 3], {"Name": name})
    ids["main"] = main_table(ec2, ids["vpc"])
    return ids


def seed_fixed(ec2: Any) -> dict[str, str]:
    """The seed article's VPC after its own fix: 0.0.0.0/0 to the gateway on the main table,
    and public IPs mapped on the subnet."""
    ids = {"vpc": _vpc(ec2, "10.2.0.0/16", {"Name": "skypilot-vpc"})}
    ids["igw"] = _gateway(ec2, ids["vpc"], {"Name": "skypilot-igw"})
    ids["subnet"] = subnet(
        ec2, ids["vpc"], "10.2.0.0/20", ZONES[0], {"Name": "skypilot-subnet"}, mapped=True
    )
    ids["main"] = main_table(ec2, ids["vpc"])
    ec2.create_route(
        RouteTableId=ids["main"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
    )
    return ids


def eksctl(ec2: Any, *, zones: int = 2) -> dict[str, str]:
    """eksctl's VPC for cluster `demo-cluster`, as its CloudFormation stack makes it."""

    def tags(logical: str, **more: str) -> dict[str, str]:
        return {
            "Name": f"{STACK}/{logical}",
            "aws:cloudformation:stack-name": STACK,
            "aws:cloudformation:logical-id": logical,
            "alpha.eksctl.io/cluster-name": "demo-cluster",
            **more,
        }

    ids = {"vpc": _vpc(ec2, "192.168.0.0/16", tags("VPC"))}
    ids["igw"] = _gateway(ec2, ids["vpc"], tags("InternetGateway"))
    public, private = [], []
    for i, zone in enumerate(ZONES[:zones]):
        suffix = zone.upper().replace("-", "")
        ids[f"public{i + 1}"] = subnet(
            ec2,
            ids["vpc"],
            f"192.168.{i * 32}.0/19",
            zone,
            tags(f"SubnetPublic{suffix}", **{"kubernetes.io/role/elb": "1"}),
            mapped=True,
        )
        public.append(ids[f"public{i + 1}"])
        ids[f"private{i + 1}"] = subnet(
            ec2,
            ids["vpc"],
            f"192.168.{96 + i * 32}.0/19",
            zone,
            tags(f"SubnetPrivate{suffix}", **{"kubernetes.io/role/internal-elb": "1"}),
        )
        private.append(ids[f"private{i + 1}"])
    ids["rtb-public"] = _table(ec2, ids["vpc"], tags("PublicRouteTable"), *public)
    ec2.create_route(
        RouteTableId=ids["rtb-public"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
    )
    ids["nat"] = _nat(ec2, public[0], tags("NATGateway"))
    for i, subnet_id in enumerate(private, 1):
        suffix = ZONES[i - 1].upper().replace("-", "")
        table = _table(ec2, ids["vpc"], tags(f"PrivateRouteTable{suffix}"), subnet_id)
        ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ids["nat"]
        )
        ids[f"rtb-private{i}"] = table
    ids["main"] = main_table(ec2, ids["vpc"])
    return ids


def terraform_module(ec2: Any, *, name: str = "prod", zones: int = 3) -> dict[str, str]:
    """terraform-aws-modules/vpc with `enable_nat_gateway = true`, one NAT per zone."""
    ids = {"vpc": _vpc(ec2, "10.3.0.0/16", {"Name": name, "Terraform": "true"})}
    ids["igw"] = _gateway(ec2, ids["vpc"], {"Name": name, "Terraform": "true"})
    public = []
    for i, zone in enumerate(ZONES[:zones], 1):
        ids[f"public{i}"] = subnet(
            ec2,
            ids["vpc"],
            f"10.3.{100 + i}.0/24",
            zone,
            {"Name": f"{name}-public-{zone}", "Terraform": "true"},
            mapped=True,
        )
        public.append(ids[f"public{i}"])
    ids["rtb-public"] = _table(ec2, ids["vpc"], {"Name": f"{name}-public"}, *public)
    ec2.create_route(
        RouteTableId=ids["rtb-public"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
    )
    for i, zone in enumerate(ZONES[:zones], 1):
        ids[f"private{i}"] = subnet(
            ec2, ids["vpc"], f"10.3.{i}.0/24", zone, {"Name": f"{name}-private-{zone}"}
        )
        ids[f"nat{i}"] = _nat(ec2, ids[f"public{i}"], {"Name": f"{name}-{zone}"})
        table = _table(ec2, ids["vpc"], {"Name": f"{name}-private-{zone}"}, ids[f"private{i}"])
        ec2.create_route(
            RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ids[f"nat{i}"]
        )
    ids["main"] = main_table(ec2, ids["vpc"])
    return ids


def private_with_endpoints(ec2: Any, *, zones: int = 2) -> dict[str, str]:
    """Private subnets only, no internet gateway, an S3 gateway endpoint on their table."""
    ids = {"vpc": _vpc(ec2, "10.4.0.0/16", {"Name": "isolated"})}
    subnets = [
        subnet(ec2, ids["vpc"], f"10.4.{i * 16}.0/20", zone, {"Name": f"isolated-{zone}"})
        for i, zone in enumerate(ZONES[:zones])
    ]
    for i, s in enumerate(subnets, 1):
        ids[f"private{i}"] = s
    ids["rtb"] = _table(ec2, ids["vpc"], {"Name": "isolated-rtb"}, *subnets)
    ids["s3"] = _s3_endpoint(ec2, ids["vpc"], [ids["rtb"]], {"Name": "isolated-s3"})
    ids["main"] = main_table(ec2, ids["vpc"])
    return ids


def network_of(ec2: Any, vpc: str) -> dict[str, Any]:
    """What a VPC's routing is, to compare before and after: each table's associations and
    routes, each gateway endpoint's tables, each subnet's public addressing."""
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    return {
        "tables": sorted(
            (
                t["RouteTableId"],
                sorted(
                    (a.get("SubnetId", ""), a.get("Main", False)) for a in t.get("Associations", ())
                ),
                sorted(
                    (
                        r.get("DestinationCidrBlock")
                        or r.get("DestinationIpv6CidrBlock")
                        or r.get("DestinationPrefixListId", ""),
                        r.get("GatewayId") or r.get("NatGatewayId") or "",
                    )
                    for r in t["Routes"]
                ),
            )
            for t in tables["RouteTables"]
        ),
        "endpoints": sorted(
            (e["VpcEndpointId"], sorted(e.get("RouteTableIds", ())))
            for e in endpoints["VpcEndpoints"]
        ),
        "addressing": sorted(
            (s["SubnetId"], s["MapPublicIpOnLaunch"], s.get("AssignIpv6AddressOnCreation"))
            for s in subnets["Subnets"]
        ),
    }
