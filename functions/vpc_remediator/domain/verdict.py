"""Will `sky launch` work in this region? (DESIGN.md sections 2 and 6)

Follows SkyPilot's own rules (0.8 and later): without `aws.vpc_name` only the default VPC is
considered; a subnet is public when the route table explicitly associated with it (else the
VPC's main table) has a route whose target is an `igw-...`. Blackhole routes are not counted:
SkyPilot would accept them, but instances behind them cannot reach anything. Nor are subnets
that VPC Block Public Access keeps off the internet: SkyPilot would launch there and then fail
to reach its instances.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import BlockMode, RegionSnapshot, RouteState, TargetKind, VpcSnapshot


@dataclass(frozen=True)
class Verdict:
    region: str
    ready: bool
    text: str
    vpc_id: str | None = None


def skypilot_public_subnets(snapshot: VpcSnapshot) -> tuple[str, ...]:
    """Ids of the subnets SkyPilot would treat as public, in AZ order."""
    public = []
    for subnet in sorted(snapshot.subnets, key=lambda s: (s.availability_zone, s.id)):
        table = snapshot.governing_route_table(subnet.id)
        if table and any(
            r.target_kind is TargetKind.IGW and r.state is RouteState.ACTIVE for r in table.routes
        ):
            public.append(subnet.id)
    return tuple(public)


def _reachable(snapshot: VpcSnapshot, subnet_ids: tuple[str, ...]) -> tuple[str, ...]:
    access = snapshot.public_access
    return tuple(s for s in subnet_ids if not access.blocks(snapshot.vpc.id, s))


def _zones(snapshot: VpcSnapshot, subnet_ids: tuple[str, ...]) -> str:
    by_id = {s.id: s for s in snapshot.subnets}
    letters = []
    for subnet_id in subnet_ids:
        zone = by_id[subnet_id].availability_zone
        suffix = zone.removeprefix(_region_of_zone(zone))
        if suffix not in letters:
            letters.append(suffix)
    return ", ".join(letters)


def _region_of_zone(zone: str) -> str:
    """eu-south-1a -> eu-south-1 (zone ids such as use1-az1 are returned whole)."""
    return zone.rstrip("abcdefghijklmnopqrstuvwxyz") if zone[-1:].isalpha() else zone


def _blocked(region: RegionSnapshot, verdict: Verdict, vpc_id: str | None) -> Verdict:
    """A verdict that is not ready says so too when Block Public Access keeps the VPC (or,
    without one, every VPC but those excluded) off the internet."""
    access = region.public_access
    if verdict.ready or access.mode is BlockMode.OFF or "Block Public Access" in verdict.text:
        return verdict
    if vpc_id is not None and access.exclusions.get(vpc_id) is BlockMode.ALLOW_BIDIRECTIONAL:
        return verdict
    where = f"to {vpc_id}" if vpc_id else "to every VPC without an exclusion"
    return Verdict(
        verdict.region,
        False,
        f"{verdict.text}; and VPC Block Public Access ({access.mode}) keeps internet traffic "
        f"{where}, so a route alone would not make a subnet reachable",
        verdict.vpc_id,
    )


def readiness(region: RegionSnapshot) -> Verdict:
    default = region.default_vpc
    return _blocked(region, _readiness(region), default.id if default else None)


def _readiness(region: RegionSnapshot) -> Verdict:
    name = region.region
    default = region.default_vpc
    if default is not None:
        details = region.details.get(default.id)
        if details is None:
            return Verdict(name, False, f"default VPC {default.id} was not inspected", default.id)
        public = skypilot_public_subnets(details)
        if public and not _reachable(details, public):
            return Verdict(
                name,
                False,
                f"sky launch in {name} would use the default VPC {default.id}, but VPC Block "
                f"Public Access ({details.public_access.mode}) keeps internet traffic from its "
                "public subnets, so SkyPilot could not reach its instances",
                default.id,
            )
        public = _reachable(details, public)
        if public:
            return Verdict(
                name,
                True,
                f"sky launch in {name} will use the default VPC {default.id} "
                f"(public subnets in {_zones(details, public)})",
                default.id,
            )
        return Verdict(
            name,
            False,
            f"sky launch in {name} fails with 'No usable subnets found': the default VPC "
            f"{default.id} has no subnet whose route table has a route to an internet gateway",
            default.id,
        )

    candidates = [
        (snap, public)
        for snap in sorted(region.details.values(), key=lambda s: s.vpc.id)
        if (public := _reachable(snap, skypilot_public_subnets(snap)))
    ]
    if not candidates:
        blocked = any(skypilot_public_subnets(snap) for snap in region.details.values())
        why = (
            f"VPC Block Public Access ({region.public_access.mode}) keeps internet traffic from "
            "every public subnet"
            if blocked
            else "no inspected VPC has a public subnet"
        )
        return Verdict(
            name,
            False,
            f"sky launch in {name} fails with 'No usable subnets found': there is no default VPC "
            f"and {why}",
        )
    snap, public = candidates[0]
    vpc = snap.vpc
    if vpc.name:
        how = f"~/.sky/config.yaml sets `aws: vpc_name: {vpc.name}`"
    else:
        how = f"{vpc.id} gets a Name tag and ~/.sky/config.yaml sets `aws: vpc_name: <that Name>`"
    return Verdict(
        name,
        False,
        f"no default VPC in {name}: SkyPilot will only use {vpc.id} "
        f"(public subnets in {_zones(snap, public)}) if {how}",
        vpc.id,
    )
