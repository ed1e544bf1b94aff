"""Intent resolution, rule by rule (DESIGN.md section 4)."""

from __future__ import annotations

import re

import pytest

from tests.builders import IGW, NAT, route, subnet, table, vpc_snapshot
from vpc_remediator.domain.intent import Intent, IntentSource, resolve_intent
from vpc_remediator.domain.model import InternetGateway
from vpc_remediator.domain.policy import MANAGED_CREATED, MANAGED_TAG_KEY, Policy

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
]


@pytest.mark.parametrize(
    ("snapshot", "intent", "source"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_intent_table(snapshot, intent, source) -> None:  # type: ignore[no-untyped-def]
    resolved = resolve_intent(snapshot, snapshot.subnets[0], Policy())
    assert (resolved.intent, resolved.source) == (intent, source), resolved.reason
    assert resolved.reason


def test_gateway_created_by_the_remediator_is_not_a_person_saying_public() -> None:
    ours = InternetGateway(IGW, ("vpc-00000000000000001",), {MANAGED_TAG_KEY: MANAGED_CREATED})
    snap = vpc_snapshot(subnet(S), igw=False)
    snap = type(snap)(snap.vpc, snap.subnets, snap.route_tables, (ours,))
    assert resolve_intent(snap, snap.subnets[0], Policy()).intent is Intent.UNDECIDED


def test_private_pattern_and_tag_key_come_from_the_policy() -> None:
    policy = Policy(intent_tag_key="team:net", private_name_pattern=re.compile("^back", re.I))
    snap = vpc_snapshot(subnet(S, name="Backend"), subnet("subnet-2", tags={"team:net": "private"}))
    assert resolve_intent(snap, snap.subnets[0], policy).intent is Intent.PRIVATE
    assert resolve_intent(snap, snap.subnets[1], policy).intent is Intent.PRIVATE
    # The default tag key means nothing under another key.
    other = vpc_snapshot(subnet(S, tags={KEY: "private"}))
    assert resolve_intent(other, other.subnets[0], policy).intent is Intent.PUBLIC
