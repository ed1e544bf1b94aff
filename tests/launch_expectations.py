"""What each launcher's own code decides on each layout of tests/launch_scenarios.py.

A row: the layout, the launcher, the mode, the `vpc_name` set in the launcher's config (or
None) or its other settings (an EKS cluster, a Karpenter selector, a multi-NIC ParallelCluster
queue, SkyPilot's subnet names), and what the launcher does: the VPC and subnets it launches
into (by layout key), or None where it stops; then the rule of its source that decides it.
The launchers' modules (functions/vpc_remediator/domain/launchers) cite each source by file
and function; a rule here names the part that decides the row. The same rows are checked
against the pure rules (tests/unit/launchers), against the CLI on a moto server (tests/e2e),
and against the launchers' own installed code (`make crosscheck`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.launch_scenarios import REGION


@dataclass(frozen=True)
class Row:
    scenario: str
    launcher: str  # skypilot, skypilot-0.7, ray, dstack
    mode: str  # public, private
    vpc_name: str | None
    vpc: str | None  # None: not ready
    subnets: frozenset[str]
    rule: str
    settings: tuple[tuple[str, str], ...] = ()

    @property
    def ready(self) -> bool:
        return self.vpc is not None

    @property
    def config(self) -> dict[str, str]:
        """The entry's `config` in the JSON contract."""
        return ({"vpc_name": self.vpc_name} if self.vpc_name else {}) | dict(self.settings)

    @property
    def id(self) -> str:
        named = f"-{self.vpc_name}" if self.vpc_name else ""
        more = "".join(f"-{k}={v}" for k, v in self.settings)
        return f"{self.scenario}-{self.launcher}-{self.mode}{named}{more}"


def row(  # noqa: PLR0917 - a table's row reads best positionally
    scenario: str,
    launcher: str,
    mode: str,
    result: str | None,
    rule: str,
    name: str | None = None,
    **settings: str,
) -> Row:
    """`result`: "vpc:subnet,subnet" or None."""
    config = tuple(settings.items())
    if result is None:
        return Row(scenario, launcher, mode, name, None, frozenset(), rule, config)
    vpc, _, subnets = result.partition(":")
    return Row(scenario, launcher, mode, name, vpc, frozenset(subnets.split(",")), rule, config)


SKY, SKY07, RAY, DSTACK = "skypilot", "skypilot-0.7", "ray", "dstack"
EKS, BATCH, PCLUSTER, KARPENTER = "eks", "batch", "parallelcluster", "karpenter"
# The sources the rows of the launchers that take subnets as given cite (short names):
# EKS-NET   EKS User Guide, network-reqs.html (two zones, six free addresses, DNS)
# EKS-MNG   EKS managed node group issues, Ec2SubnetInvalidConfiguration (public IPs)
# EKS-PRIV  EKS User Guide, private-clusters.html (NAT, or endpoints ec2/ecr/sts/S3)
# EKS-TAG   EKS User Guide, subnet requirements: kubernetes.io/cluster/<name> on its subnets
# LBC       aws-load-balancer-controller v3.5.0 pkg/networking/subnet_resolver.go
# BATCH     AWS Batch User Guide, compute environments (reach ECS: public IP, NAT, endpoints)
# PC-VAL    aws-parallelcluster 3.12.0 pcluster/validators (SubnetsValidator, QueueSubnets-
#           Validator, MultiNetworkInterfacesInstancesValidator)
# PC-NET    ParallelCluster User Guide, network configurations (public head node, NAT queue)
# KARP      karpenter-provider-aws pkg/providers/subnet/subnet.go and launchtemplate.go
# What the text lines start with, one per launcher and mode, in order.
LABELS = [
    "SkyPilot",
    "SkyPilot (use_internal_ips)",
    "SkyPilot 0.7",
    "SkyPilot 0.7 (use_internal_ips)",
    "Ray",
    "Ray (use_internal_ips)",
    "dstack",
    "dstack (public_ips: false)",
    "EKS",
    "EKS (private node groups)",
    "AWS Batch",
    "AWS Batch (private subnets)",
    "ParallelCluster",
    "ParallelCluster (private queue)",
    "Karpenter",
    "Karpenter (associatePublicIPAddress: false)",
]
PUB, PRIV = "public", "private"

ROWS = [
    # --- default-vpc: AWS's default VPC, a public subnet per zone mapping public IPs
    row("default-vpc", SKY, PUB, "d:d1,d2,d3", "only the default VPC; main table routes to igw-"),
    row("default-vpc", SKY, PRIV, None, "use_internal_ips: every subnet is public"),
    row("default-vpc", SKY07, PUB, "d:d1,d2,d3", "every VPC; main table routes to igw-"),
    row("default-vpc", SKY07, PRIV, None, "use_internal_ips: every subnet is public"),
    row("default-vpc", RAY, PUB, "d:d1,d2,d3", "every subnet maps public IPs"),
    row("default-vpc", RAY, PRIV, "d:d1,d2,d3", "use_internal_ips: every available subnet"),
    row("default-vpc", DSTACK, PUB, "d:d1,d2,d3", "default VPC; main table routes to igw-"),
    row("default-vpc", DSTACK, PRIV, None, "public_ips: false needs 0.0.0.0/0 to a NAT"),
    # --- seed-before: no default VPC; skypilot-vpc with a gateway and no route
    row("seed-before", SKY, PUB, None, "no default VPC and no aws.vpc_name"),
    row("seed-before", SKY, PUB, None, "the named VPC has no route to igw-", "skypilot-vpc"),
    row("seed-before", SKY, PRIV, None, "no default VPC and no aws.vpc_name"),
    row("seed-before", SKY, PRIV, "c:c1", "no igw- route, no mapping", "skypilot-vpc"),
    row("seed-before", SKY07, PUB, None, "no subnet of any VPC routes to igw-"),
    row("seed-before", SKY07, PRIV, "c:c1", "every VPC; no igw- route, no mapping"),
    row("seed-before", RAY, PUB, None, "no subnet maps public IPs"),
    row("seed-before", RAY, PRIV, "c:c1", "use_internal_ips: every available subnet"),
    row("seed-before", DSTACK, PUB, None, "No default VPC in region"),
    row("seed-before", DSTACK, PUB, None, "the named VPC has no igw- route", "skypilot-vpc"),
    row("seed-before", DSTACK, PRIV, None, "No default VPC in region"),
    row("seed-before", DSTACK, PRIV, None, "no 0.0.0.0/0 to a NAT", "skypilot-vpc"),
    # --- seed-after: the remediator's table routes the subnet; public IPs mapped
    row("seed-after", SKY, PUB, None, "still no default VPC"),
    row("seed-after", SKY, PUB, "c:c1", "explicit table routes to igw-", "skypilot-vpc"),
    row("seed-after", SKY, PRIV, None, "no default VPC"),
    row("seed-after", SKY, PRIV, None, "the only subnet is public", "skypilot-vpc"),
    row("seed-after", SKY07, PUB, "c:c1", "every VPC; explicit table routes to igw-"),
    row("seed-after", SKY07, PRIV, None, "the only subnet is public"),
    row("seed-after", RAY, PUB, "c:c1", "maps public IPs"),
    row("seed-after", RAY, PRIV, "c:c1", "every available subnet"),
    row("seed-after", DSTACK, PUB, None, "No default VPC in region"),
    row("seed-after", DSTACK, PUB, "c:c1", "explicit table routes to igw-", "skypilot-vpc"),
    row("seed-after", DSTACK, PRIV, None, "No default VPC in region"),
    # --- explicit-wins: d1 explicitly on a table without routes, d2 on the public main table
    row("explicit-wins", SKY, PUB, "d:d2", "an explicit association decides; d1's has no igw-"),
    row("explicit-wins", SKY, PRIV, "d:d1", "d1: no igw- route in its own table, no mapping"),
    row("explicit-wins", SKY07, PUB, "d:d2", "an explicit association decides"),
    row("explicit-wins", SKY07, PRIV, "d:d1", "d1: no igw- route, no mapping"),
    row("explicit-wins", RAY, PUB, None, "neither subnet maps public IPs (routes not read)"),
    row("explicit-wins", RAY, PRIV, "d:d1,d2", "every available subnet"),
    row("explicit-wins", DSTACK, PUB, "d:d2", "associated tables first, else main"),
    row("explicit-wins", DSTACK, PRIV, None, "no 0.0.0.0/0 to a NAT anywhere"),
    # --- blackhole: the gateway is gone, the route remains
    row("blackhole", SKY, PUB, "d:d1", "a GatewayId starting igw- counts in any state"),
    row("blackhole", SKY, PRIV, None, "d1 counts as public"),
    row("blackhole", SKY07, PUB, "d:d1", "a GatewayId starting igw- counts in any state"),
    row("blackhole", RAY, PUB, "d:d1", "maps public IPs; routes not read"),
    row("blackhole", RAY, PRIV, "d:d1", "every available subnet"),
    row("blackhole", DSTACK, PUB, "d:d1", "a GatewayId starting igw- counts in any state"),
    row("blackhole", DSTACK, PRIV, None, "no NAT route"),
    # --- nat-default: a private default VPC
    row("nat-default", SKY, PUB, None, "no igw- route"),
    row("nat-default", SKY, PRIV, "d:d1,d2", "no igw- route, no mapping"),
    row("nat-default", SKY07, PRIV, "d:d1,d2", "no igw- route, no mapping"),
    row("nat-default", RAY, PUB, None, "no subnet maps public IPs"),
    row("nat-default", RAY, PRIV, "d:d1,d2", "every available subnet"),
    row("nat-default", DSTACK, PUB, None, "no igw- route"),
    row("nat-default", DSTACK, PRIV, "d:d1,d2", "0.0.0.0/0 through a NAT gateway"),
    # --- main-elsewhere: only another VPC's main table routes to a gateway
    row("main-elsewhere", SKY, PUB, "d:d1", "no VPC named: every main table of the region counts"),
    row("main-elsewhere", SKY, PRIV, None, "d1 counts as public the same way"),
    row("main-elsewhere", SKY, PUB, "c:c1", "named: only that VPC's main table", "other"),
    row("main-elsewhere", SKY07, PUB, "d:d1", "every VPC, every main table; zone a first"),
    row("main-elsewhere", SKY07, PRIV, None, "both subnets count as public"),
    row("main-elsewhere", RAY, PUB, None, "no subnet maps public IPs"),
    row("main-elsewhere", RAY, PRIV, "c:c1", "last zone first: c1 (b) keeps VPC c"),
    row("main-elsewhere", DSTACK, PUB, None, "the default VPC's own main table has no igw-"),
    row("main-elsewhere", DSTACK, PUB, "c:c1", "the named VPC's main table", "other"),
    # --- two-vpcs-zones: alpha in zone a, beta in zone c, both public and mapping
    row("two-vpcs-zones", SKY, PUB, None, "no default VPC"),
    row("two-vpcs-zones", SKY, PUB, "a:a1", "named alpha", "alpha"),
    row("two-vpcs-zones", SKY, PUB, "b:b1", "named beta", "beta"),
    row("two-vpcs-zones", SKY07, PUB, "a:a1", "zones asked a to z: the first VPC is alpha's"),
    row("two-vpcs-zones", RAY, PUB, "b:b1", "last zone first: beta's subnet in c"),
    row("two-vpcs-zones", RAY, PRIV, "b:b1", "last zone first"),
    row("two-vpcs-zones", DSTACK, PUB, "a:a1", "named alpha", "alpha"),
    # --- mapped-no-route: Ray's blind spot
    row("mapped-no-route", SKY, PUB, None, "no igw- route"),
    row("mapped-no-route", SKY, PRIV, None, "not public, but maps public IPs"),
    row("mapped-no-route", RAY, PUB, "d:d1", "maps public IPs; routes never read"),
    row("mapped-no-route", DSTACK, PUB, None, "no igw- route"),
    # --- pending: a subnet not yet available
    row("pending", SKY, PUB, "d:d2", "only subnets in state available"),
    row("pending", SKY07, PUB, "d:d2", "only subnets in state available"),
    row("pending", RAY, PUB, "d:d2", "only subnets in state available"),
    row("pending", DSTACK, PUB, "d:d1,d2", "dstack does not look at a subnet's state"),
    # --- duplicate-names: two VPCs named dup
    row("duplicate-names", SKY, PUB, None, "Multiple VPCs with name 'dup'", "dup"),
    row("duplicate-names", SKY07, PUB, "x:x1", "every VPC; zone a first"),
    row("duplicate-names", RAY, PRIV, "y:y1", "last zone first"),
    row("duplicate-names", DSTACK, PUB, "x:x1", "the first VPC listed with that Name", "dup"),
    # --- igw-other-destination: 10.9.0.0/16 -> igw, no default route
    row("igw-other-destination", SKY, PUB, "d:d1", "any destination to an igw- counts"),
    row("igw-other-destination", SKY, PRIV, None, "d1 counts as public"),
    row("igw-other-destination", DSTACK, PUB, "d:d1", "any destination to an igw- counts"),
    row("igw-other-destination", RAY, PRIV, "d:d1", "every available subnet"),
    # --- public-and-private: an IaC module's layout in a named VPC
    row("public-and-private", SKY, PUB, "p:p2", "the public subnet", "prod"),
    row("public-and-private", SKY, PRIV, "p:p1", "the NAT subnet: no igw-, no mapping", "prod"),
    row("public-and-private", SKY07, PUB, "p:p2", "every VPC"),
    row("public-and-private", SKY07, PRIV, "p:p1", "every VPC"),
    row("public-and-private", RAY, PUB, "p:p2", "the subnet that maps public IPs"),
    row("public-and-private", RAY, PRIV, "p:p1,p2", "every available subnet of the VPC"),
    row("public-and-private", DSTACK, PUB, "p:p2", "igw- route", "prod"),
    row("public-and-private", DSTACK, PRIV, "p:p1", "0.0.0.0/0 through a NAT gateway", "prod"),
    row("public-and-private", EKS, PUB, None, "EKS-NET: two zones, but hostnames off"),
    row("public-and-private", BATCH, PUB, "p:p2", "BATCH: maps public IPs, routes to igw"),
    row("public-and-private", BATCH, PRIV, "p:p1", "BATCH: NAT reaches ECS"),
    row("public-and-private", PCLUSTER, PUB, None, "PC-VAL: DNS Hostnames not enabled"),
    # --- the launchers that take subnets as given, on AWS's own layouts
    row("default-vpc", EKS, PUB, "d:d1,d2,d3", "EKS-MNG: public subnets map public IPs"),
    row("default-vpc", EKS, PRIV, None, "EKS-PRIV: no private subnet"),
    row("default-vpc", BATCH, PUB, "d:d1,d2,d3", "BATCH: public IPs and igw"),
    row("default-vpc", BATCH, PRIV, None, "BATCH: no private subnet"),
    row("default-vpc", PCLUSTER, PUB, "d:d1,d2,d3", "PC-NET: head node and queue public"),
    row("default-vpc", PCLUSTER, PRIV, None, "PC-NET: the queue needs a NAT subnet"),
    row("default-vpc", KARPENTER, PUB, None, "KARP: no subnets matched selector"),
    row("default-vpc", KARPENTER, PRIV, None, "KARP: no subnets matched selector"),
    row("seed-before", EKS, PUB, None, "EKS-NET: subnets in at least two AZs"),
    row("seed-before", EKS, PRIV, None, "EKS-NET: subnets in at least two AZs"),
    row("seed-before", BATCH, PUB, None, "BATCH: no route to igw: RUNNABLE"),
    row("seed-before", BATCH, PRIV, None, "BATCH: no NAT and no ECS endpoints"),
    row("seed-before", PCLUSTER, PUB, None, "PC-NET: no public subnet for the head node"),
    row("seed-before", PCLUSTER, PRIV, None, "PC-NET: no public subnet for the head node"),
    row("seed-before", KARPENTER, PUB, None, "KARP: no subnets matched selector"),
    row("seed-after", EKS, PUB, None, "EKS-NET: one zone"),
    row("seed-after", BATCH, PUB, "c:c1", "BATCH: public IPs and igw"),
    row("seed-after", PCLUSTER, PUB, None, "PC-VAL: DNS Hostnames not enabled (CreateVpc)"),
    row("seed-after", PCLUSTER, PRIV, None, "PC-NET: no NAT subnet"),
    row("blackhole", EKS, PUB, None, "EKS-NET: one zone"),
    row("blackhole", BATCH, PUB, None, "BATCH: the route is a blackhole"),
    row("nat-default", BATCH, PRIV, "d:d1,d2", "BATCH: NAT reaches ECS"),
    row("nat-default", EKS, PRIV, "d:d1,d2", "EKS-PRIV: NAT; default VPC has DNS"),
    row("mapped-no-route", BATCH, PUB, None, "BATCH: maps, but no route"),
    row("pending", BATCH, PUB, "d:d2", "BATCH: a pending subnet takes no instance"),
    row("igw-other-destination", BATCH, PUB, None, "BATCH: no default route to igw"),
    row("two-vpcs-zones", BATCH, PUB, "a:a1", "BATCH: one VPC each; zone a first by name"),
    # --- the console's wizard: public subnets that do not map public IPs, no NAT gateway
    row("wizard", SKY, PUB, None, "no default VPC and no aws.vpc_name"),
    row("wizard", SKY, PUB, "w:w1,w2", "explicit table routes to igw-", "project-vpc"),
    row("wizard", SKY, PRIV, "w:w3,w4", "no igw- route, no mapping", "project-vpc"),
    row(
        "wizard",
        SKY,
        PUB,
        "w:w1,w2",
        "aws.subnet_names: the named subnets, their VPC",
        subnet_names=f"project-subnet-public1-{REGION}a,project-subnet-public2-{REGION}b",
    ),
    row(
        "wizard",
        SKY,
        PUB,
        None,
        "aws.subnet_names: 'The specified subnets are not usable'",
        subnet_names=f"project-subnet-public1-{REGION}a,project-subnet-private1-{REGION}a",
    ),
    row(
        "wizard",
        SKY,
        PRIV,
        "w:w3,w4",
        "aws.subnet_names with use_internal_ips",
        subnet_names=f"project-subnet-private1-{REGION}a,project-subnet-private2-{REGION}b",
    ),
    row("wizard", SKY, PUB, None, "'No subnets with name(s) ...'", subnet_names="nothing-so"),
    row("wizard", SKY07, PUB, "w:w1,w2", "every VPC; explicit table routes to igw-"),
    row("wizard", RAY, PUB, None, "no subnet maps public IPs"),
    row("wizard", RAY, PRIV, "w:w1,w2,w3,w4", "every available subnet"),
    row("wizard", DSTACK, PUB, "w:w1,w2", "igw- route", "project-vpc"),
    row("wizard", DSTACK, PRIV, None, "no 0.0.0.0/0 to a NAT", "project-vpc"),
    row("wizard", EKS, PUB, None, "EKS-MNG: Ec2SubnetInvalidConfiguration"),
    row("wizard", EKS, PRIV, None, "EKS-PRIV: S3 only; no NAT, no ec2/ecr/sts endpoints"),
    row("wizard", BATCH, PUB, None, "BATCH: no public IP: RUNNABLE"),
    row("wizard", BATCH, PRIV, None, "BATCH: no NAT and no ECS endpoints"),
    row("wizard", PCLUSTER, PUB, None, "PC-NET: the head node gets no public IP"),
    row("wizard", PCLUSTER, PRIV, None, "PC-NET: the head node gets no public IP"),
    row("wizard", KARPENTER, PUB, None, "KARP: no subnets matched selector"),
    # --- eksctl's VPC
    row("eksctl", SKY, PUB, None, "no default VPC and no aws.vpc_name"),
    row("eksctl", SKY, PUB, "e:e1,e2", "explicit table routes to igw-", "eksctl-demo-cluster/VPC"),
    row("eksctl", SKY, PRIV, "e:e3,e4", "no igw- route, no mapping", "eksctl-demo-cluster/VPC"),
    row("eksctl", SKY07, PRIV, "e:e3,e4", "every VPC; no igw- route, no mapping"),
    row("eksctl", RAY, PUB, "e:e1,e2", "the subnets that map public IPs"),
    row("eksctl", RAY, PRIV, "e:e1,e2,e3,e4", "every available subnet"),
    row("eksctl", DSTACK, PUB, "e:e1,e2", "igw- route", "eksctl-demo-cluster/VPC"),
    row("eksctl", DSTACK, PRIV, "e:e3,e4", "0.0.0.0/0 through a NAT", "eksctl-demo-cluster/VPC"),
    row("eksctl", EKS, PUB, "e:e1,e2", "EKS-MNG: public subnets map public IPs; LBC: elb tags"),
    row("eksctl", EKS, PRIV, "e:e3,e4", "EKS-PRIV: NAT; LBC: internal-elb tags"),
    row("eksctl", EKS, PUB, "e:e1,e2", "EKS-TAG: the cluster's tagged subnets", cluster="demo"),
    row("eksctl", EKS, PRIV, "e:e3,e4", "EKS-TAG: the cluster's tagged subnets", cluster="demo"),
    row("eksctl", EKS, PUB, None, "EKS-TAG: no subnet tagged for that cluster", cluster="other"),
    row("eksctl", BATCH, PUB, "e:e1,e2", "BATCH: public IPs and igw"),
    row("eksctl", BATCH, PRIV, "e:e3,e4", "BATCH: NAT reaches ECS"),
    row("eksctl", PCLUSTER, PUB, "e:e1,e2", "PC-NET: one public subnet per zone"),
    row("eksctl", PCLUSTER, PRIV, "e:e1,e3,e4", "PC-NET: head public, queue behind NAT"),
    row("eksctl", KARPENTER, PUB, "e:e3,e4", "KARP: discovery tag; NAT lets nodes join"),
    row("eksctl", KARPENTER, PRIV, "e:e3,e4", "KARP: discovery tag, private"),
    row(
        "eksctl",
        KARPENTER,
        PRIV,
        "e:e3,e4",
        "KARP: a term's tags all match",
        **{"karpenter.sh/discovery": "demo", "kubernetes.io/role/internal-elb": "1"},
    ),
    row("eksctl", KARPENTER, PUB, None, "KARP: no match", **{"karpenter.sh/discovery": "x"}),
    # A tag value with a comma and an equals sign is one value, never more terms.
    row("eksctl", KARPENTER, PUB, None, "KARP: no match", **{"karpenter.sh/discovery": "a,b=c"}),
    # --- private subnets with VPC endpoints, no NAT
    row("private-endpoints", SKY, PRIV, "x:x1,x2", "no igw- route, no mapping", "private"),
    row("private-endpoints", RAY, PRIV, "x:x1,x2", "every available subnet"),
    row("private-endpoints", DSTACK, PRIV, None, "no 0.0.0.0/0 to a NAT", "private"),
    row("private-endpoints", EKS, PUB, None, "EKS-MNG: no subnet routes to igw"),
    row("private-endpoints", EKS, PRIV, "x:x1,x2", "EKS-PRIV: every endpoint is there"),
    row("private-endpoints", BATCH, PUB, None, "BATCH: no route to igw"),
    row("private-endpoints", BATCH, PRIV, "x:x1,x2", "BATCH: ECS endpoints"),
    row("private-endpoints", PCLUSTER, PRIV, None, "PC-NET: no public subnet for the head"),
    row("private-endpoints", KARPENTER, PRIV, None, "KARP: no subnets matched selector"),
    # --- an EFA queue
    row("efa-queue", PCLUSTER, PUB, "h:h1", "PC-NET: head and queue in the public subnet"),
    row("efa-queue", PCLUSTER, PRIV, "h:h1,h2,h3", "PC-NET: head public, queue behind NAT"),
    row("efa-queue", PCLUSTER, PUB, None, "PC-VAL: multi-NIC: no public IPs", multi_nic="true"),
    row(
        "efa-queue",
        PCLUSTER,
        PRIV,
        "h:h1,h2",
        "PC-VAL: multi-NIC: not h3, which maps public IPs",
        multi_nic="true",
    ),
    row("efa-queue", EKS, PUB, "h:h1", "EKS-MNG: h3 is EFA: no public IPs"),
    row("efa-queue", EKS, PRIV, "h:h2,h3", "EKS-PRIV: NAT"),
    row("efa-queue", BATCH, PUB, "h:h1", "BATCH: h3 is EFA: no public IPs"),
    row("efa-queue", BATCH, PRIV, "h:h2,h3", "BATCH: NAT"),
    row("efa-queue", SKY, PUB, "h:h1", "explicit table routes to igw-", "hpc"),
    # --- DNS hostnames off, as CreateVpc leaves them
    row("dns-off", EKS, PUB, None, "EKS-NET: nodes can't register without DNS hostnames"),
    row("dns-off", EKS, PRIV, None, "EKS-NET: nodes can't register without DNS hostnames"),
    row("dns-off", PCLUSTER, PUB, None, "PC-VAL: DNS Hostnames not enabled"),
    row("dns-off", PCLUSTER, PRIV, None, "PC-VAL: DNS Hostnames not enabled"),
    row("dns-off", BATCH, PUB, "n:n1,n2", "BATCH: public IPs and igw"),
    row("dns-off", BATCH, PRIV, "n:n3,n4", "BATCH: NAT"),
    row("dns-off", SKY, PUB, "n:n1,n2", "explicit table routes to igw-", "plain"),
    # --- Karpenter's discovery tag on a half-done subnet
    row("karpenter", KARPENTER, PUB, None, "KARP: k1 maps nothing and has no NAT: NotReady"),
    row("karpenter", KARPENTER, PRIV, None, "KARP: k1 routes to igw: no public IP, no NAT"),
    row("karpenter", EKS, PUB, "k:k3", "EKS-MNG: only k3 maps public IPs"),
    row("karpenter", EKS, PRIV, "k:k2", "EKS-PRIV: k2 behind NAT"),
    row("karpenter", PCLUSTER, PRIV, "k:k3,k2", "PC-NET: head k3, queue k2"),
    row("karpenter", RAY, PUB, "k:k3", "the subnet that maps public IPs"),
    # --- nearly full subnets (views only)
    row("nearly-full", EKS, PUB, "f:f1,f2,f3", "EKS-NET: f2 and f3 have 6 free; LBC: 1 < 2"),
    row("nearly-full", BATCH, PUB, "f:f1,f2,f3", "BATCH: public IPs and igw"),
    row("nearly-full", PCLUSTER, PUB, "f:f1,f2,f3", "PC-NET: one public subnet per zone"),
    row("nearly-full", SKY, PUB, "f:f1,f2,f3", "main table routes to igw-", "full"),
]


def entry(
    readiness: list[dict[str, Any]],
    launcher: str,
    mode: str = PUB,
    vpc_name: str | None = None,
    config: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The one entry of a JSON `readiness` list for a launcher, mode and config."""
    config = config if config is not None else ({"vpc_name": vpc_name} if vpc_name else {})
    (found,) = (
        e
        for e in readiness
        if e["launcher"] == launcher and e["mode"] == mode and e["config"] == config
    )
    return found
