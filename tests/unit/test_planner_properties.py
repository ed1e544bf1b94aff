"""Properties over random VPCs: convergence, safety, audit (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import IGW, NAT, VPC, route, subnet, table, vpc_snapshot
from tests.fakes import apply_actions
from vpc_remediator.domain.intent import Intent, resolve_intents
from vpc_remediator.domain.model import IPV6_DEFAULT, InternetGateway, VpcSnapshot
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Mode, Policy, RouteStrategy
from vpc_remediator.domain.verdict import skypilot_public_subnets

KEY = "vpc-remediator:intent"
DEAD_IGW = "igw-0dead0dead0dead00"
TAG_VALUES = st.sampled_from([None, "public", "private", "ignore", "maybe"])
DEFAULT_ROUTES = st.sampled_from(["none", "igw", "nat", "blackhole", "ipv6-eigw"])


def _routes(kind: str, igw_attached: bool) -> tuple:  # type: ignore[type-arg]
    return {
        "none": (),
        "igw": (route(IGW),) if igw_attached else (route(DEAD_IGW, blackhole=True),),
        "nat": (route(NAT),),
        "blackhole": (route(DEAD_IGW, blackhole=True),),
        "ipv6-eigw": (route("eigw-0123456789abcdef0", IPV6_DEFAULT),),
    }[kind]


@st.composite
def vpcs(draw: st.DrawFn) -> VpcSnapshot:
    igw = draw(st.booleans())
    tables = []
    for i in range(draw(st.integers(0, 3))):
        tables.append((f"rtb-0000000000000{i:04d}", draw(DEFAULT_ROUTES), draw(st.booleans())))
    subnets, associations = [], {t[0]: [] for t in tables}
    for i in range(draw(st.integers(0, 5))):
        sid = f"subnet-{i:017d}"
        tag = draw(TAG_VALUES)
        subnets.append(
            subnet(
                sid,
                name=draw(st.sampled_from(["", "web", "private-app", "db"])),
                zone=draw(st.sampled_from(["eu-south-1a", "eu-south-1b"])),
                public_ip=draw(st.booleans()),
                ipv6=draw(st.booleans()),
                tags={KEY: tag} if tag else {},
            )
        )
        choice = draw(st.sampled_from([None, *associations]))
        if choice:
            associations[choice].append(sid)
    built = tuple(
        table(tid, *_routes(kind, igw), managed=managed, subnets=tuple(associations[tid]))
        for tid, kind, managed in tables
    )
    vpc_tag = draw(TAG_VALUES)
    return vpc_snapshot(
        *subnets,
        tables=built,
        main_routes=_routes(draw(DEFAULT_ROUTES), igw),
        igw=igw,
        default=draw(st.booleans()),
        vpc_tags={KEY: vpc_tag} if vpc_tag else {},
    )


policies = st.builds(
    Policy,
    route_strategy=st.sampled_from(list(RouteStrategy)),
    map_public_ip=st.booleans(),
    create_internet_gateway=st.booleans(),
    restore_default_vpc=st.booleans(),
)
scopes = st.sampled_from(
    [AutoScope.all(), AutoScope.none(), AutoScope.subnets("subnet-00000000000000001")]
)


@settings(max_examples=300, deadline=None)
@given(vpcs(), policies, scopes)
def test_applying_a_plan_then_planning_again_gives_an_empty_plan(snap, policy, auto) -> None:  # type: ignore[no-untyped-def]
    after = apply_actions(snap, plan_vpc(snap, policy, auto).actions)
    assert plan_vpc(after, policy, auto).actions == ()


@settings(max_examples=300, deadline=None)
@given(vpcs(), policies, scopes)
def test_no_plan_makes_an_ignored_private_or_undecided_subnet_public(snap, policy, auto) -> None:  # type: ignore[no-untyped-def]
    intents = resolve_intents(snap, policy)
    before = set(skypilot_public_subnets(snap))
    after_snap = apply_actions(snap, plan_vpc(snap, policy, auto).actions)
    after = set(skypilot_public_subnets(after_snap))
    mapping_after = {s.id: s.map_public_ip_on_launch for s in after_snap.subnets}
    for s in snap.subnets:
        if intents[s.id].intent is Intent.PUBLIC:
            continue
        assert not (s.id in after and s.id not in before), (s.id, intents[s.id])
        assert not (mapping_after[s.id] and not s.map_public_ip_on_launch), (s.id, intents[s.id])


@settings(max_examples=200, deadline=None)
@given(vpcs(), policies, scopes)
def test_ignore_is_absolute(snap, policy, auto) -> None:  # type: ignore[no-untyped-def]
    intents = resolve_intents(snap, policy)
    ignored = {sid for sid, i in intents.items() if i.intent is Intent.IGNORE}
    after = apply_actions(snap, plan_vpc(snap, policy, auto).actions)
    before_by_id = {s.id: s for s in snap.subnets}
    for s in after.subnets:
        if s.id in ignored:
            assert s == before_by_id[s.id]
            # A table gains a route only when every subnet on it is public, so the table an
            # ignored subnet uses is untouched.
            assert snap.governing_route_table(s.id) == after.governing_route_table(s.id)


@settings(max_examples=200, deadline=None)
@given(vpcs(), policies, scopes)
def test_audit_mode_plans_no_writes(snap, policy, auto) -> None:  # type: ignore[no-untyped-def]
    audit = Policy(**{**policy.__dict__, "mode": Mode.AUDIT})
    assert plan_vpc(snap, audit, auto).writes == ()


@settings(max_examples=200, deadline=None)
@given(vpcs(), policies)
def test_auto_intent_is_never_enforced_outside_its_scope(snap, policy) -> None:  # type: ignore[no-untyped-def]
    intents = resolve_intents(snap, policy)
    plan = plan_vpc(snap, policy, AutoScope.none())
    touched = {getattr(a, "subnet_id", None) for a in plan.actions}
    for sid, intent in intents.items():
        if sid in touched:
            assert intent.is_explicit, (sid, intent)


def test_strategy_draws_real_gateways() -> None:
    # A sanity check of the generator itself: an attached gateway is the one routes use.
    snap = vpc_snapshot(subnet("subnet-1"))
    assert snap.attached_internet_gateway == InternetGateway(IGW, (VPC,))
