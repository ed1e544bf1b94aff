"""The readiness verdict, in SkyPilot's own terms (DESIGN.md sections 2 and 6)."""

from __future__ import annotations

from dataclasses import replace

from tests.builders import IGW, NAT, region_of, route, subnet, table, vpc_snapshot
from vpc_remediator.domain.model import RegionSnapshot, Vpc
from vpc_remediator.domain.verdict import readiness, skypilot_public_subnets

S1, S2, S3 = "subnet-00000000000000001", "subnet-00000000000000002", "subnet-00000000000000003"


def test_explicit_association_wins_over_a_public_main_table() -> None:
    private = table("rtb-00000000000user1", subnets=(S1,))
    snap = vpc_snapshot(subnet(S1), subnet(S2), tables=(private,), main_routes=(route(IGW),))
    assert skypilot_public_subnets(snap) == (S2,)


def test_blackhole_and_nat_routes_do_not_count() -> None:
    snap = vpc_snapshot(subnet(S1), main_routes=(route(IGW, blackhole=True),))
    assert skypilot_public_subnets(snap) == ()
    assert skypilot_public_subnets(vpc_snapshot(subnet(S1), main_routes=(route(NAT),))) == ()


def test_default_vpc_with_public_subnets_is_ready() -> None:
    snap = vpc_snapshot(
        subnet(S1, zone="eu-south-1b"),
        subnet(S2, zone="eu-south-1a"),
        subnet(S3, zone="eu-south-1a"),
        main_routes=(route(IGW),),
        default=True,
    )
    verdict = readiness(region_of(snap))
    assert verdict.ready
    assert verdict.text == (
        "sky launch in eu-south-1 will use the default VPC vpc-00000000000000001 "
        "(public subnets in a, b)"
    )


def test_default_vpc_without_public_subnets_fails_like_skypilot() -> None:
    verdict = readiness(region_of(vpc_snapshot(subnet(S1), default=True)))
    assert not verdict.ready
    assert "No usable subnets found" in verdict.text


def test_no_default_vpc_names_the_config_line() -> None:
    snap = vpc_snapshot(subnet(S1), main_routes=(route(IGW),))
    named = replace(snap, vpc=Vpc(snap.vpc.id, tags={"Name": "skypilot-vpc"}))
    verdict = readiness(region_of(named))
    assert not verdict.ready
    assert "aws: vpc_name: skypilot-vpc" in verdict.text
    assert "Name tag" in readiness(region_of(snap)).text


def test_no_vpc_qualifies() -> None:
    verdict = readiness(region_of(vpc_snapshot(subnet(S1))))
    assert "no default VPC and no inspected VPC has a public subnet" in verdict.text
    assert readiness(RegionSnapshot("eu-south-1")).ready is False
