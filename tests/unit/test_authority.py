"""The remediator cannot be borrowed: an attacker who holds only `ec2:CreateTags` (or the right
to create and tag route tables of their own) writes its tags, and it changes nothing they could
not change themselves; a finding says what it saw. Each test is an attack that worked on the
code that read ownership from tags. (The same attacks through the API, with the attacker's
rights checked call by call, are in tests/integration/test_authority.py.)"""

from __future__ import annotations

from dataclasses import replace

from tests.builders import (
    IGW,
    MAIN,
    NAT,
    route,
    subnet,
    table,
    vpc_snapshot,
)
from tests.fakes import apply_actions
from vpc_remediator.domain.actions import (
    Action,
    AttachInternetGateway,
    CreateInternetGateway,
)
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.intent import Intent
from vpc_remediator.domain.model import Ownership, VpcSnapshot
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import (
    DEFAULT_INTENT_TAG_KEY,
    MANAGED_CREATED,
    MANAGED_TAG_KEY,
    ROLE_PUBLIC_ROUTE_TABLE,
    ROLE_TAG_KEY,
    AutoScope,
    Policy,
)

SWEEP = AutoScope.all()  # the sweep with auto intent: the most the remediator ever does
ENI = "eni-0000000000attacker"
TGW = "tgw-0123456789abcdef0"
PCX = "pcx-0123456789abcdef0"
CLAIM = {ROLE_TAG_KEY: ROLE_PUBLIC_ROUTE_TABLE, MANAGED_TAG_KEY: MANAGED_CREATED}
# The carried record the old code trusted: an unkeyed digest of each route, base64.
FORGED_CARRIED = {"vpc-remediator:carried": "AAAAAAAAAAA="}


def touched(actions: tuple[Action, ...]) -> set[str]:
    """Every existing resource an action writes, and every table it names as its target."""
    ids: set[str] = set()
    for action in actions:
        ids |= action.written
        ids |= {v for v in vars(action).values() if isinstance(v, str) and v.startswith("rtb-")}
    return ids


def codes(snapshot: VpcSnapshot, policy: Policy | None = None) -> list[FindingCode]:
    return [f.code for f in plan_vpc(snapshot, policy or Policy(), SWEEP).findings]


def test_a_table_the_attacker_built_and_tagged_is_neither_merged_into_nor_given_subnets() -> None:
    """0.0.0.0/0 -> igw, and 0.0.0.0/1 + 128.0.0.0/1 (which win) to the attacker's interface,
    tagged as the managed public table with an id lower than the real one's."""
    ours = table("rtb-000000000000ours1", route(IGW), subnets=("subnet-01", "subnet-02"))
    theirs = table(
        "rtb-0000000000attack1",
        route(IGW),
        route(ENI, "0.0.0.0/1"),
        route(ENI, "128.0.0.0/1"),
        tags=CLAIM,
    )
    snap = vpc_snapshot(
        subnet("subnet-01"),
        subnet("subnet-02"),
        subnet("subnet-03", name="web-c"),  # a new public subnet, still on the main table
        tables=(ours, theirs),
        ownership=Ownership(known=True, tables=frozenset({ours.id})),
    )
    plan = plan_vpc(snap, Policy(), SWEEP)
    assert theirs.id not in touched(plan.actions)
    assert ours.id in touched(plan.actions)  # the new subnet goes onto the real table
    (claim,) = [f for f in plan.findings if f.code is FindingCode.CLAIMED_ROUTE_TABLE]
    assert claim.resource_id == theirs.id and claim.needs_person
    after = apply_actions(snap, plan.actions)
    assert {t.id for t in after.route_tables} == {MAIN, ours.id, theirs.id}
    on = after.explicit_route_table("subnet-03")
    assert on is not None and on.id == ours.id


def test_a_forged_carried_record_deletes_and_redirects_nothing() -> None:
    """A production table with transit-gateway and peering routes the main table lacks,
    tagged as the remediator's with a carried record anyone can compute."""
    prod = table(
        "rtb-00000000000prod01",
        route(NAT),
        route(TGW, "10.64.0.0/10"),
        route(PCX, "10.9.0.0/16"),
        subnets=("subnet-01",),
        tags={**CLAIM, **FORGED_CARRIED},
    )
    snap = vpc_snapshot(subnet("subnet-01"), tables=(prod,), ownership=Ownership(known=True))
    plan = plan_vpc(snap, Policy(), SWEEP)
    assert prod.id not in touched(plan.actions)
    assert FindingCode.CLAIMED_ROUTE_TABLE in codes(snap)


def test_forged_tags_on_terraforms_tables_never_get_them_deleted() -> None:
    """Two of Terraform's public tables tagged role + managed=created: the old sweep merged
    them and deleted one."""
    first = table("rtb-000000000000tf001", route(IGW), subnets=("subnet-01",), tags=CLAIM)
    second = table("rtb-000000000000tf002", route(IGW), subnets=("subnet-02",), tags=CLAIM)
    snap = vpc_snapshot(
        subnet("subnet-01", name="public-a"),
        subnet("subnet-02", name="public-b"),
        tables=(first, second),
        ownership=Ownership(known=True),
    )
    plan = plan_vpc(snap, Policy(), SWEEP)
    assert plan.actions == ()
    assert codes(snap).count(FindingCode.CLAIMED_ROUTE_TABLE) == 2


def test_the_role_tag_alone_copies_nothing_into_a_table_and_makes_no_subnet_public() -> None:
    # An internet-facing table tagged as the managed one: the main table's peering route was
    # copied into it.
    facing = table(
        "rtb-0000000000facing1",
        route(IGW),
        subnets=("subnet-01",),
        tags={ROLE_TAG_KEY: ROLE_PUBLIC_ROUTE_TABLE},
    )
    # An isolated table (no default route) tagged the same: its subnets read as public.
    isolated = table(
        "rtb-000000000isolated",
        subnets=("subnet-02",),
        tags={ROLE_TAG_KEY: ROLE_PUBLIC_ROUTE_TABLE},
    )
    snap = vpc_snapshot(
        subnet("subnet-01"),
        subnet("subnet-02"),
        tables=(facing, isolated),
        main_routes=(route(PCX, "10.9.0.0/16"),),
        ownership=Ownership(known=True),
    )
    plan = plan_vpc(snap, Policy(), SWEEP)
    assert not {facing.id, isolated.id} & touched(plan.actions)
    intents = {i.subnet_id: i for i in plan.intents}
    assert intents["subnet-02"].intent is Intent.PRIVATE
    assert "no default route" in intents["subnet-02"].reason


def test_one_intent_tag_on_a_vpc_makes_no_private_named_subnet_public() -> None:
    names = ("db-private-a", "database-isolated-b", "cache-internal")
    snap = vpc_snapshot(
        *(subnet(f"subnet-0{i}", name=n) for i, n in enumerate(names)),
        subnet("subnet-09", name="web-a"),
        vpc_tags={DEFAULT_INTENT_TAG_KEY: "public"},
    )
    plan = plan_vpc(snap, Policy(), SWEEP)
    private = {f"subnet-0{i}" for i in range(len(names))}
    assert not private & touched(plan.actions)
    contradicted = [f for f in plan.findings if f.code is FindingCode.VPC_INTENT_CONTRADICTED]
    assert {f.resource_id for f in contradicted} == private
    assert all(f.needs_person and "says private" in f.message for f in contradicted)
    assert "subnet-09" in touched(plan.actions)  # the VPC's tag still speaks for the others


def test_a_vpc_tag_never_makes_public_a_subnet_routed_privately() -> None:
    for own in (
        table("rtb-0000000000000nat", route(NAT), subnets=("subnet-01",)),
        table("rtb-0000000000000tgw", route(TGW), subnets=("subnet-01",)),
        table("rtb-0000000000000pcx", route(PCX), subnets=("subnet-01",)),
        table("rtb-0000000000000iso", subnets=("subnet-01",)),  # no default route
    ):
        snap = vpc_snapshot(
            subnet("subnet-01"), tables=(own,), vpc_tags={DEFAULT_INTENT_TAG_KEY: "public"}
        )
        plan = plan_vpc(snap, Policy(), SWEEP)
        assert plan.actions == (), own.id
        assert FindingCode.VPC_INTENT_CONTRADICTED in codes(snap), own.id


def test_a_vpc_tag_alone_never_gives_an_air_gapped_vpc_a_gateway() -> None:
    snap = vpc_snapshot(
        subnet("subnet-01", name="sandbox-a"),
        igw=False,
        vpc_tags={DEFAULT_INTENT_TAG_KEY: "public"},
    )
    policy = Policy(create_internet_gateway=True)
    plan = plan_vpc(snap, policy, SWEEP)
    assert not any(
        isinstance(a, CreateInternetGateway | AttachInternetGateway) for a in plan.actions
    )
    (finding,) = [f for f in plan.findings if f.code is FindingCode.NO_INTERNET_GATEWAY]
    assert "a tag on the VPC alone never does" in finding.message
    # The subnet's own tag (a decision about that subnet) still may, where allowed.
    tagged = replace(
        snap,
        subnets=(subnet("subnet-01", name="sandbox-a", tags={DEFAULT_INTENT_TAG_KEY: "public"}),),
    )
    made = plan_vpc(tagged, policy, SWEEP)
    assert any(isinstance(a, CreateInternetGateway) for a in made.actions)


def test_without_the_record_the_command_line_reports_claimed_tables_and_moves_nothing() -> None:
    """The command line without the stack's record proves nothing: a table the Lambdas made is
    reported, not merged, not kept in step, and no second table is made beside it."""
    made = table("rtb-0000000000lambda1", route(IGW), subnets=("subnet-01",), tags=CLAIM)
    twin = table("rtb-0000000000lambda2", route(IGW), subnets=("subnet-02",), tags=CLAIM)
    snap = vpc_snapshot(
        subnet("subnet-01"),
        subnet("subnet-02"),
        subnet("subnet-03"),
        tables=(made, twin),
        main_routes=(route(TGW, "10.64.0.0/10"),),
        ownership=Ownership(known=False),
    )
    plan = plan_vpc(snap, Policy(), SWEEP)
    assert plan.actions == ()
    claims = [f for f in plan.findings if f.code is FindingCode.CLAIMED_ROUTE_TABLE]
    assert {f.resource_id for f in claims} >= {made.id, twin.id}
    assert not any(f.needs_person for f in claims if f.resource_id.startswith("rtb-"))
