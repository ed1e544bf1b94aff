"""What each launcher's own code decides on each layout of tests/launch_scenarios.py.

A row: the layout, the launcher, the mode, the `vpc_name` set in the launcher's config (or
None), and what the launcher does: the VPC and subnets it launches into (by layout key), or
None where it stops; then the rule of its source that decides it. The same rows are checked
against the pure rules (tests/unit/launchers), against the CLI on a moto server (tests/e2e),
and against the launchers' own installed code (`make crosscheck`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    scenario: str
    launcher: str  # skypilot, skypilot-0.7, ray, dstack
    mode: str  # public, private
    vpc_name: str | None
    vpc: str | None  # None: not ready
    subnets: frozenset[str]
    rule: str

    @property
    def ready(self) -> bool:
        return self.vpc is not None

    @property
    def id(self) -> str:
        named = f"-{self.vpc_name}" if self.vpc_name else ""
        return f"{self.scenario}-{self.launcher}-{self.mode}{named}"


def row(  # noqa: PLR0917 - a table's row reads best positionally
    scenario: str, launcher: str, mode: str, result: str | None, rule: str, name: str | None = None
) -> Row:
    """`result`: "vpc:subnet,subnet" or None."""
    if result is None:
        return Row(scenario, launcher, mode, name, None, frozenset(), rule)
    vpc, _, subnets = result.partition(":")
    return Row(scenario, launcher, mode, name, vpc, frozenset(subnets.split(",")), rule)


SKY, SKY07, RAY, DSTACK = "skypilot", "skypilot-0.7", "ray", "dstack"
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
]


def entry(
    readiness: list[dict[str, Any]], launcher: str, mode: str = PUB, vpc_name: str | None = None
) -> dict[str, Any]:
    """The one entry of a JSON `readiness` list for a launcher, mode and config."""
    config = {"vpc_name": vpc_name} if vpc_name else {}
    (found,) = (
        e
        for e in readiness
        if e["launcher"] == launcher and e["mode"] == mode and e["config"] == config
    )
    return found
