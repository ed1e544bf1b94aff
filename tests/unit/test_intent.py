"""Intent resolution, rule by rule (docs/design.md section 4)."""

from __future__ import annotations

import pytest

from tests.builders import IGW, NAT, route, subnet, table, vpc_snapshot
from vpc_remediator.domain.intent import Intent, IntentSource, resolve_intent
from vpc_remediator.domain.model import IPV6_DEFAULT, InternetGateway
from vpc_remediator.domain.names import words
from vpc_remediator.domain.policy import MANAGED_CREATED, MANAGED_TAG_KEY, Policy

EIGW = "eigw-0123456789abcdef0"

KEY = "vpc-remediator:intent"
S = "subnet-00000000000000001"

CASES = [
    # (id, snapshot, expected intent, expected source)
    (
        "subnet tag public",
        vpc_snapshot(subnet(S, tags={KEY: "public"}), igw=False),
        Intent.PUBLIC,
        IntentSource.SUBNET_TAG,
    ),
    (
        "subnet tag wins over VPC tag",
        vpc_snapshot(subnet(S, tags={KEY: "private"}), vpc_tags={KEY: "public"}),
        Intent.PRIVATE,
        IntentSource.SUBNET_TAG,
    ),
    (
        "VPC tag applies to untagged subnet",
        vpc_snapshot(subnet(S), vpc_tags={KEY: "private"}),
        Intent.PRIVATE,
        IntentSource.VPC_TAG,
    ),
    (
        "ignore on VPC beats public on subnet",
        vpc_snapshot(subnet(S, tags={KEY: "public"}), vpc_tags={KEY: "ignore"}),
        Intent.IGNORE,
        IntentSource.VPC_TAG,
    ),
    (
        "ignore on subnet",
        vpc_snapshot(subnet(S, tags={KEY: "Ignore "})),
        Intent.IGNORE,
        IntentSource.SUBNET_TAG,
    ),
    (
        "unreadable tag: undecided",
        vpc_snapshot(subnet(S, tags={KEY: "yes please"})),
        Intent.UNDECIDED,
        IntentSource.SUBNET_TAG,
    ),
    (
        "unreadable subnet tag is not overridden by VPC tag",
        vpc_snapshot(subnet(S, tags={KEY: "pub"}), vpc_tags={KEY: "public"}),
        Intent.UNDECIDED,
        IntentSource.SUBNET_TAG,
    ),
    (
        "on main with a person's IGW: public",
        vpc_snapshot(subnet(S)),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "no IGW, not default: undecided",
        vpc_snapshot(subnet(S), igw=False),
        Intent.UNDECIDED,
        IntentSource.AUTO,
    ),
    (
        "default VPC: public",
        vpc_snapshot(subnet(S), igw=False, default=True),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "private name",
        vpc_snapshot(subnet(S, name="app-Private-a")),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "db name in default VPC is still private",
        vpc_snapshot(subnet(S, name="db-1"), default=True),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "explicit table to NAT",
        vpc_snapshot(subnet(S), tables=(table("rtb-1", route(NAT), subnets=(S,)),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "explicit table to TGW",
        vpc_snapshot(
            subnet(S), tables=(table("rtb-1", route("tgw-0123456789abcdef0"), subnets=(S,)),)
        ),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "explicit table, no default route",
        vpc_snapshot(subnet(S), tables=(table("rtb-1", subnets=(S,)),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "explicit table to IGW",
        vpc_snapshot(subnet(S), tables=(table("rtb-1", route(IGW), subnets=(S,)),)),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "explicit table, blackhole IGW route",
        vpc_snapshot(
            subnet(S),
            tables=(table("rtb-1", route("igw-0dead0dead0dead00", blackhole=True), subnets=(S,)),),
        ),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "managed table with its route deleted: still public",
        vpc_snapshot(subnet(S), tables=(table("rtb-1", managed=True, subnets=(S,)),)),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "managed table pointed at NAT by a person: private",
        vpc_snapshot(subnet(S), tables=(table("rtb-1", route(NAT), managed=True, subnets=(S,)),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "main table to NAT: private",
        vpc_snapshot(subnet(S), main_routes=(route(NAT),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "main table to NAT in default VPC: private",
        vpc_snapshot(subnet(S), main_routes=(route(NAT),), default=True),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    # A NAT gateway deleted leaves its routes blackhole: still a private design.
    (
        "main table to a blackhole NAT: private",
        vpc_snapshot(subnet(S), main_routes=(route(NAT, blackhole=True),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "explicit table to a blackhole NAT: private",
        vpc_snapshot(subnet(S), tables=(table("rtb-1", route(NAT, blackhole=True), subnets=(S,)),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "main table to a blackhole transit gateway: private",
        vpc_snapshot(subnet(S), main_routes=(route("tgw-0123456789abcdef0", blackhole=True),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    # A main table whose only default route is ::/0 to an egress-only gateway is an
    # outbound-only design, as a NAT route is (issue 19): private on auto intent.
    (
        "dual stack, main has only ::/0 to an egress-only gateway: private",
        vpc_snapshot(subnet(S, ipv6=True), main_routes=(route(EIGW, IPV6_DEFAULT),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "IPv4 only, main has only ::/0 to an egress-only gateway: private",
        vpc_snapshot(subnet(S), main_routes=(route(EIGW, IPV6_DEFAULT),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "dual stack, main routes 0.0.0.0/0 to the IGW and ::/0 egress-only: public",
        vpc_snapshot(subnet(S, ipv6=True), main_routes=(route(IGW), route(EIGW, IPV6_DEFAULT))),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "dual stack, explicit table routes ::/0 only, to the IGW: public",
        vpc_snapshot(
            subnet(S, ipv6=True),
            tables=(table("rtb-1", route(IGW, IPV6_DEFAULT), subnets=(S,)),),
        ),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "dual stack, explicit table with ::/0 to egress-only only: private",
        vpc_snapshot(
            subnet(S, ipv6=True),
            tables=(table("rtb-1", route(EIGW, IPV6_DEFAULT), subnets=(S,)),),
        ),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    # IPv6-only: its default route is ::/0.
    (
        "IPv6-only on main with a person's IGW: public",
        vpc_snapshot(subnet(S, ipv6_only=True)),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "IPv6-only, main sends ::/0 to an egress-only gateway: private",
        vpc_snapshot(subnet(S, ipv6_only=True), main_routes=(route(EIGW, IPV6_DEFAULT),)),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "IPv6-only, explicit table sends ::/0 to an egress-only gateway: private",
        vpc_snapshot(
            subnet(S, ipv6_only=True),
            tables=(table("rtb-1", route(EIGW, IPV6_DEFAULT), subnets=(S,)),),
        ),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "IPv6-only, explicit table routes ::/0 to the IGW: public",
        vpc_snapshot(
            subnet(S, ipv6_only=True),
            tables=(table("rtb-1", route(IGW, IPV6_DEFAULT), subnets=(S,)),),
        ),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    # Names read as words, minus the VPC's words.
    (
        "CloudFormation style PrivateSubnet1: private",
        vpc_snapshot(subnet(S, name="PrivateSubnet1")),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "terraform-aws-modules intra subnet: private",
        vpc_snapshot(subnet(S, name="main-intra-eu-south-1a")),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "terraform-aws-modules database subnet: private",
        vpc_snapshot(subnet(S, name="main-db-eu-south-1a")),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "DBSubnet (capitals run into a word): private",
        vpc_snapshot(subnet(S, name="DBSubnetA")),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "a word that merely contains 'data' is not private",
        vpc_snapshot(subnet(S, name="datalake-ingest")),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "'Publications' is not the word 'pub', and 'dbt' is not 'db'",
        vpc_snapshot(subnet(S, name="publications-dbt"), igw=False),
        Intent.UNDECIDED,
        IntentSource.AUTO,
    ),
    (
        "the VPC's words are dropped: 'Public and Private' VPC, its public subnet",
        vpc_snapshot(
            subnet(S, name="Public and Private - Public Subnet 1"),
            vpc_tags={"Name": "Public and Private"},
        ),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "the VPC's words are dropped from its private subnet too: its NAT route decides",
        vpc_snapshot(
            subnet(S, name="Public and Private - Private Subnet 1"),
            tables=(table("rtb-1", route(NAT), subnets=(S,)),),
            vpc_tags={"Name": "Public and Private"},
        ),
        Intent.PRIVATE,
        IntentSource.AUTO,
    ),
    (
        "a VPC named 'private-net' does not make its subnets private",
        vpc_snapshot(subnet(S, name="private-net-web-a"), vpc_tags={"Name": "private-net"}),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "both private and public words: undecided",
        vpc_snapshot(subnet(S, name="public-private-a")),
        Intent.UNDECIDED,
        IntentSource.AUTO,
    ),
    (
        "a public word with no gateway yet: public (reported, nothing to route to)",
        vpc_snapshot(subnet(S, name="dmz-a"), igw=False),
        Intent.PUBLIC,
        IntentSource.AUTO,
    ),
    (
        "a public word on a table with no default route: undecided (a finding, never a route)",
        vpc_snapshot(subnet(S, name="pub-a"), tables=(table("rtb-1", subnets=(S,)),)),
        Intent.UNDECIDED,
        IntentSource.AUTO,
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "intent", "source"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_intent_table(snapshot, intent, source) -> None:
    resolved = resolve_intent(snapshot, snapshot.subnets[0], Policy())
    assert (resolved.intent, resolved.source) == (intent, source), resolved.reason
    assert resolved.reason


def test_gateway_created_by_the_remediator_is_not_a_person_saying_public() -> None:
    ours = InternetGateway(IGW, ("vpc-00000000000000001",), {MANAGED_TAG_KEY: MANAGED_CREATED})
    snap = vpc_snapshot(subnet(S), igw=False)
    snap = type(snap)(snap.vpc, snap.subnets, snap.route_tables, (ours,))
    assert resolve_intent(snap, snap.subnets[0], Policy()).intent is Intent.UNDECIDED


def test_name_words_and_tag_key_come_from_the_policy() -> None:
    policy = Policy(
        intent_tag_key="team:net",
        private_name_words=frozenset({"backend"}),
        public_name_words=frozenset({"edge"}),
    )
    snap = vpc_snapshot(
        subnet(S, name="Backend"),
        subnet("subnet-2", tags={"team:net": "private"}),
        subnet("subnet-3", name="private-edge"),
    )
    assert resolve_intent(snap, snap.subnets[0], policy).intent is Intent.PRIVATE
    assert resolve_intent(snap, snap.subnets[1], policy).intent is Intent.PRIVATE
    # "private" is not one of this policy's words; "edge" is a public one.
    third = resolve_intent(snap, snap.subnets[2], policy)
    assert third.intent is Intent.PUBLIC and "edge" in third.reason
    # The default tag key means nothing under another key.
    other = vpc_snapshot(subnet(S, tags={KEY: "private"}))
    assert resolve_intent(other, other.subnets[0], policy).intent is Intent.PUBLIC


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PrivateSubnet1", {"private", "subnet", "1"}),
        ("app-private-1a", {"app", "private", "1", "a"}),
        ("Private Subnet (AZ1)", {"private", "subnet", "az", "1"}),
        ("DBSubnet", {"db", "subnet"}),
        ("my_vpc.intra/eu-south-1b", {"my", "vpc", "intra", "eu", "south", "1", "b"}),
        ("", set()),
    ],
)
def test_names_split_into_words(name: str, expected: set[str]) -> None:
    assert words(name) == expected


def test_a_public_tag_that_the_name_contradicts_is_noted_and_still_wins() -> None:
    snap = vpc_snapshot(subnet(S, name="db-a", tags={KEY: "public"}))
    resolved = resolve_intent(snap, snap.subnets[0], Policy())
    assert resolved.intent is Intent.PUBLIC
    assert "db-a" in resolved.contradiction and "private" in resolved.contradiction
    plain = vpc_snapshot(subnet(S, name="web-a", tags={KEY: "public"}))
    assert resolve_intent(plain, plain.subnets[0], Policy()).contradiction == ""
