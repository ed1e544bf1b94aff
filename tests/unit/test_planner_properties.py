"""Properties over random VPCs: convergence, safety, audit (hypothesis).

The VPCs drawn include the states real accounts have: blackhole default routes to a NAT or a
transit gateway, `::/0` to an egress-only gateway, IPv6-only subnets, VPCs another account
owns, and main tables with more than a default route (a transit gateway, peering, an
appliance, a local gateway, a blackhole peering, route propagation, a gateway endpoint,
0.0.0.0/1 + 128.0.0.0/1). And what an attacker who holds only ec2:CreateTags leaves: tables
tagged as the remediator's that its record does not prove (with a forged carried record),
tables it proves with their labels removed, and intent tags on the VPC.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import (
    IGW,
    NAT,
    OTHER_ACCOUNT,
    VPC,
    route,
    subnet,
    table,
    vpc_snapshot,
)
from tests.fakes import ENDPOINT_PREFIX_LIST, apply_actions, public_subnets
from tests.properties import examples
from vpc_remediator.domain.actions import (
    AssociateRouteTable,
    CopyRoute,
    CreateRoute,
    CreateRouteTable,
    DeleteCopiedRoute,
    DeleteRouteTable,
    DisableRoutePropagation,
    EnableRoutePropagation,
    Pending,
    ReplaceRoute,
    ReplaceRouteTableAssociation,
    SetEndpointRouteTable,
    UpdateCopiedRoute,
)
from vpc_remediator.domain.intent import Intent, resolve_intents
from vpc_remediator.domain.model import (
    IPV6_DEFAULT,
    GatewayEndpoint,
    InternetGateway,
    Ownership,
    Route,
    RouteTable,
    Subnet,
    VpcSnapshot,
)
from vpc_remediator.domain.planner import managed_route_tables, plan_vpc
from vpc_remediator.domain.policy import AutoScope, Mode, Policy, RouteStrategy

KEY = "vpc-remediator:intent"
DEAD_IGW = "igw-0dead0dead0dead00"
TGW = "tgw-0123456789abcdef0"
VGW = "vgw-0123456789abcdef0"
ENDPOINT = "vpce-0123456789abcdef0"
ENI = "eni-0000000000attacker"
TAG_VALUES = st.sampled_from([None, "public", "private", "ignore", "maybe"])
DEFAULT_ROUTES = st.sampled_from(
    [
        "none",
        "igw",
        "nat",
        "blackhole",
        "ipv6-eigw",
        "blackhole-nat",
        "tgw",
        "blackhole-tgw",
        "halves-igw",
        "halves-eni",
    ]
)
# The labels an attacker writes on a table of theirs (or of Terraform's): the role, "created",
# and the carried record the old code trusted.
CLAIM = {
    "vpc-remediator:role": "public-route-table",
    "vpc-remediator:managed": "created",
    "vpc-remediator:carried": "AAAAAAAAAAA=",
}
# Routes of the main table beyond its default route; "endpoint" and "propagation" are not
# routes one creates but associations, carried as such.
EXTRA_ROUTES = st.sets(
    st.sampled_from(["tgw", "peering", "appliance", "lgw", "dead-peering", "endpoint", "vgw"])
)


def _routes(kind: str, igw_attached: bool) -> tuple[Route, ...]:
    return {
        "none": (),
        "igw": (route(IGW),) if igw_attached else (route(DEAD_IGW, blackhole=True),),
        "nat": (route(NAT),),
        "blackhole": (route(DEAD_IGW, blackhole=True),),
        "ipv6-eigw": (route("eigw-0123456789abcdef0", IPV6_DEFAULT),),
        "blackhole-nat": (route(NAT, blackhole=True),),
        "tgw": (route(TGW),),
        "blackhole-tgw": (route(TGW, blackhole=True),),
        "halves-igw": (route(IGW, "0.0.0.0/1"), route(IGW, "128.0.0.0/1")) if igw_attached else (),
        "halves-eni": (route(IGW), route(ENI, "0.0.0.0/1"), route(ENI, "128.0.0.0/1"))
        if igw_attached
        else (),
    }[kind]


def _extra(kinds: set[str]) -> tuple[Route, ...]:
    routes = {
        "tgw": route(TGW, "10.64.0.0/10"),
        "peering": route("pcx-0123456789abcdef0", "10.9.0.0/16"),
        "appliance": route("eni-0123456789abcdef0", "192.168.0.0/16"),
        "lgw": route("lgw-0123456789abcdef0", "172.16.0.0/12"),
        "dead-peering": route("pcx-0dead0dead0dead00", "10.10.0.0/16", blackhole=True),
        "endpoint": route(ENDPOINT, ENDPOINT_PREFIX_LIST),
    }
    return tuple(routes[k] for k in sorted(kinds) if k in routes)


# Names as people write them: tiers (a web tier public, the others private by convention),
# concatenated words, abbreviations, and names that say neither.
NAMES = (
    "",
    "web",
    "private-app",
    "db",
    "PublicSubnet1",
    "app-a",
    "web-b",
    "misc",
    "privatesubnet1",
    "k8s-priv",
    "backend-1",
)


@st.composite
def vpcs(draw: st.DrawFn) -> VpcSnapshot:
    igw = draw(st.booleans())
    tables = []
    for i in range(draw(st.integers(0, 3))):
        # (id, default route, labels: none, the remediator's, or an attacker's claim; proven by
        # the record: only a table the remediator made, whose labels a person may have removed)
        labels = draw(st.sampled_from(["none", "managed", "claim"]))
        proven = labels == "managed" or (labels == "none" and draw(st.booleans()))
        tables.append((f"rtb-0000000000000{i:04d}", draw(DEFAULT_ROUTES), labels, proven))
    subnets: list[Subnet] = []
    associations: dict[str, list[str]] = {t[0]: [] for t in tables}
    for i in range(draw(st.integers(0, 5))):
        sid = f"subnet-{i:017d}"
        tag = draw(TAG_VALUES)
        family = draw(st.sampled_from(["ipv4", "dual", "ipv6-only"]))
        subnets.append(
            subnet(
                sid,
                name=draw(st.sampled_from(NAMES)),
                zone=draw(st.sampled_from(["eu-south-1a", "eu-south-1b"])),
                public_ip=draw(st.booleans()) and family != "ipv6-only",
                ipv6=family == "dual",
                ipv6_only=family == "ipv6-only",
                assign_ipv6=draw(st.booleans()),
                tags={KEY: tag} if tag else {},
            )
        )
        choice = draw(st.sampled_from([None, *associations]))
        if choice:
            associations[choice].append(sid)
    built = tuple(
        table(
            tid,
            *_routes(kind, igw),
            managed=labels == "managed",
            tags=CLAIM if labels == "claim" else None,
            subnets=tuple(associations[tid]),
        )
        for tid, kind, labels, _ in tables
    )
    proven_ids = frozenset(tid for tid, _, _, mine in tables if mine)
    extra = draw(EXTRA_ROUTES)
    main = "rtb-0000000000000main"
    vpc_tag = draw(TAG_VALUES)
    return vpc_snapshot(
        *subnets,
        tables=built,
        main_routes=(*_routes(draw(DEFAULT_ROUTES), igw), *_extra(extra)),
        main_propagating=(VGW,) if "vgw" in extra else (),
        endpoints=(GatewayEndpoint(ENDPOINT, VPC, (main,)),) if "endpoint" in extra else (),
        igw=igw,
        default=draw(st.booleans()),
        vpc_tags={KEY: vpc_tag} if vpc_tag else {},
        owner=draw(st.sampled_from(["", "", "", OTHER_ACCOUNT])),
        ownership=Ownership(known=draw(st.booleans()) or bool(proven_ids), tables=proven_ids),
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


@settings(max_examples=examples(300), deadline=None)
@given(vpcs(), policies, scopes)
def test_applying_a_plan_then_planning_again_gives_an_empty_plan(snap, policy, auto) -> None:
    after = apply_actions(snap, plan_vpc(snap, policy, auto).actions)
    assert plan_vpc(after, policy, auto).actions == ()


@settings(max_examples=examples(300), deadline=None)
@given(vpcs(), policies, scopes)
def test_no_plan_makes_an_ignored_private_or_undecided_subnet_public(snap, policy, auto) -> None:
    intents = resolve_intents(snap, policy)
    before = set(public_subnets(snap))
    after_snap = apply_actions(snap, plan_vpc(snap, policy, auto).actions)
    after = set(public_subnets(after_snap))
    mapping_after = {s.id: s.map_public_ip_on_launch for s in after_snap.subnets}
    for s in snap.subnets:
        if intents[s.id].intent is Intent.PUBLIC:
            continue
        assert not (s.id in after and s.id not in before), (s.id, intents[s.id])
        assert not (mapping_after[s.id] and not s.map_public_ip_on_launch), (s.id, intents[s.id])


@settings(max_examples=examples(200), deadline=None)
@given(vpcs(), policies, scopes)
def test_ignore_is_absolute(snap, policy, auto) -> None:
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


@settings(max_examples=examples(200), deadline=None)
@given(vpcs(), policies, scopes)
def test_audit_mode_plans_no_writes(snap, policy, auto) -> None:
    audit = Policy(**{**policy.__dict__, "mode": Mode.AUDIT})
    assert plan_vpc(snap, audit, auto).writes == ()


@settings(max_examples=examples(200), deadline=None)
@given(vpcs(), policies)
def test_auto_intent_is_never_enforced_outside_its_scope(snap, policy) -> None:
    """Out of scope, a subnet of auto intent keeps its default routes and its addressing (a
    merge of duplicate managed tables may move it, to a table that routes it the same), unless
    it shares its route table with a subnet whose explicit intent is enforced."""
    intents = resolve_intents(snap, policy)
    after = apply_actions(snap, plan_vpc(snap, policy, AutoScope.none()).actions)
    for s in snap.subnets:
        table = snap.governing_route_table(s.id)
        neighbours = snap.subnets_governed_by(table) if table else ()
        if intents[s.id].is_explicit or any(intents[n.id].is_explicit for n in neighbours):
            continue
        assert _defaults(snap, s.id) == _defaults(after, s.id), (s.id, intents[s.id])
        assert _addressing(snap, s.id) == _addressing(after, s.id), (s.id, intents[s.id])


def _defaults(snap: VpcSnapshot, subnet_id: str) -> set[tuple[str, str, str]]:
    table = snap.governing_route_table(subnet_id)
    routes = table.routes if table else ()
    return {(r.destination, r.target_id, r.state) for r in routes if r.is_default}


def _addressing(snap: VpcSnapshot, subnet_id: str) -> tuple[bool, bool]:
    s = next(s for s in snap.subnets if s.id == subnet_id)
    return s.map_public_ip_on_launch, s.assign_ipv6_address_on_creation


def _held(snap: VpcSnapshot, table: RouteTable | None) -> set[tuple[str, str]]:
    """Everything a table routes: its routes, the VGWs it learns from, its gateway endpoints."""
    if table is None:
        return set()
    held = {(r.destination, r.target_id) for r in table.routes if not r.is_learned}
    held |= {("propagation", v) for v in table.propagating_vgws}
    held |= {("endpoint", e.id) for e in snap.gateway_endpoints if table.id in e.route_table_ids}
    return held


@settings(max_examples=examples(300), deadline=None)
@given(vpcs(), policies, scopes)
def test_no_plan_ever_removes_a_route(snap, policy, auto) -> None:
    """Every subnet keeps every route its table had (a default route may only be repaired):
    moving a subnet onto the managed table never loses one. The only route that goes is a copy
    on the managed table that the main table no longer has."""
    after = apply_actions(snap, plan_vpc(snap, policy, auto).actions)
    main = snap.main_route_table
    managed = {t.id for t in managed_route_tables(snap)}
    source = _held(snap, main)
    for s in snap.subnets:
        before_table = snap.governing_route_table(s.id)
        after_table = after.governing_route_table(s.id)
        before, now = _held(snap, before_table), _held(after, after_table)
        for destination, target in before - now:
            if destination in ("0.0.0.0/0", IPV6_DEFAULT):
                # Repaired, or carried by routes that cover it (0.0.0.0/1 + 128.0.0.0/1).
                assert after_table is not None, (s.id, destination)
                assert after_table.default_route(destination) is not None, (s.id, destination)
                continue
            if before_table is not None and destination in before_table.covering_destinations():
                # Routes that stood for a default route: the default is kept, as above.
                assert after_table is not None
                assert after_table.default_route(
                    "0.0.0.0/0" if "." in destination else IPV6_DEFAULT
                )
                continue
            following_main = before_table is not None and before_table.id in managed
            assert following_main and (destination, target) not in source, (
                s.id,
                destination,
                target,
            )
    # No table but a managed one ever loses anything.
    for before_table in snap.route_tables:
        if before_table.id in managed:
            continue
        kept = _held(after, next(t for t in after.route_tables if t.id == before_table.id))
        lost = {
            (d, t)
            for d, t in _held(snap, before_table) - kept
            if d not in ("0.0.0.0/0", IPV6_DEFAULT)
        }
        assert not lost, (before_table.id, lost)


@settings(max_examples=examples(200), deadline=None)
@given(vpcs(), policies, scopes)
def test_a_vpc_another_account_owns_is_never_written(snap, policy, auto) -> None:
    shared = VpcSnapshot(
        vpc=type(snap.vpc)(
            snap.vpc.id, snap.vpc.is_default, snap.vpc.cidr, snap.vpc.tags, owner_id=OTHER_ACCOUNT
        ),
        subnets=snap.subnets,
        route_tables=snap.route_tables,
        internet_gateways=snap.internet_gateways,
        gateway_endpoints=snap.gateway_endpoints,
        account=snap.account,
    )
    plan = plan_vpc(shared, policy, auto)
    assert plan.actions == ()
    assert not any(f.needs_person for f in plan.findings)


def test_strategy_draws_real_gateways() -> None:
    # A sanity check of the generator itself: an attached gateway is the one routes use.
    snap = vpc_snapshot(subnet("subnet-1"))
    assert snap.attached_internet_gateway == InternetGateway(IGW, (VPC,))


@settings(max_examples=examples(400), deadline=None)
@given(vpcs(), policies, scopes)
def test_no_plan_acts_as_owner_of_a_table_the_record_does_not_prove(snap, policy, auto) -> None:
    """Whatever the tags say: no plan deletes, merges, moves a subnet onto, copies into or
    removes a route from a table the record does not prove (a new table of its own aside)."""
    proven = snap.ownership.tables
    old_table = {sid: t.id for t in snap.route_tables for sid in t.subnet_ids}
    for action in plan_vpc(snap, policy, auto).actions:
        match action:
            case DeleteRouteTable(route_table=t) | DeleteCopiedRoute(route_table=t):
                assert t in proven, action
            case DisableRoutePropagation(route_table=t) | UpdateCopiedRoute(route_table=t):
                assert isinstance(t, Pending) or t in proven, action
            case ReplaceRouteTableAssociation(route_table=t, subnet_id=sid):
                assert t in proven and old_table[sid] in proven, action
            case AssociateRouteTable(route_table=t) if not isinstance(t, Pending) and (
                t not in proven
            ):
                # Only the owner's own public table is ever joined, never a claimed one.
                assert t in _owners_public(snap, policy), action
            case (
                AssociateRouteTable(route_table=t)
                | CopyRoute(route_table=t)
                | EnableRoutePropagation(route_table=t)
                | SetEndpointRouteTable(route_table=t)
            ):
                assert isinstance(t, Pending) or t in proven, action


def _owners_public(snap: VpcSnapshot, policy: Policy) -> set[str]:
    """The tables an engineer would call the owner's own public tables: a person's (not the
    remediator's, not tagged as if it were, not a stack's), routing 0.0.0.0/0 to the VPC's
    attached gateway, with subnets on it, every one of them meant to be public."""
    intents = resolve_intents(snap, policy)
    igw = snap.attached_internet_gateway
    return {
        t.id
        for t in snap.route_tables
        if igw is not None
        and not t.is_main
        and t.id not in snap.ownership.tables
        and not set(t.tags) & set(CLAIM)
        and any(r.destination == "0.0.0.0/0" and r.target_id == igw.id for r in t.routes)
        and t.subnet_ids
        and all(intents[sid].intent is Intent.PUBLIC for sid in t.subnet_ids)
    }


OWNERS = "rtb-00000000000owners"


def _with_owners_table(snap: VpcSnapshot) -> VpcSnapshot:
    """The VPC with the owner's own public table added: every route the main table has (its
    endpoints and propagation too), both default routes to the gateway, one public subnet."""
    main = snap.main_route_table
    assert main is not None
    own = subnet("subnet-0000000000owner01", name="public-own", public_ip=True)
    # Where the main table sends ::/0 elsewhere (an egress-only gateway), the owner's does too.
    ipv6 = main.default_route(IPV6_DEFAULT)
    ipv6_route = route(IGW, IPV6_DEFAULT) if ipv6 is None else replace(ipv6, covering=())
    table_ = RouteTable(
        OWNERS,
        VPC,
        associations=(("rtbassoc-owners", own.id),),
        routes=(
            *(r for r in main.routes if not r.is_default and not r.is_learned),
            route(IGW),
            ipv6_route,
        ),
        propagating_vgws=main.propagating_vgws,
    )
    endpoints = tuple(
        replace(e, route_table_ids=(*e.route_table_ids, OWNERS))
        if main.id in e.route_table_ids
        else e
        for e in snap.gateway_endpoints
    )
    return replace(
        snap,
        subnets=(*snap.subnets, own),
        route_tables=(*snap.route_tables, table_),
        gateway_endpoints=endpoints,
    )


@settings(max_examples=examples(300), deadline=None)
@given(vpcs(), policies, scopes)
def test_no_plan_creates_a_table_where_the_owners_public_table_serves(snap, policy, auto) -> None:
    """Beside the owner's public table that keeps every route of the main table, a subnet moved
    off the main table joins it; a table is created only where the choice is ambiguous (another
    table of the owner's is public too), and nothing is ever written to the owner's table."""
    snap = _with_owners_table(snap)
    plan = plan_vpc(snap, policy, auto)
    owners = _owners_public(snap, policy)
    if OWNERS not in owners:  # its gateway is not attached, or the VPC is a tool's
        return
    created = [a for a in plan.actions if isinstance(a, CreateRouteTable)]
    table_ = next(t for t in snap.route_tables if t.id == OWNERS)
    moved = {a.subnet_id for a in plan.actions if isinstance(a, AssociateRouteTable)}
    no_ipv6_there = any(
        s.ipv6_cidrs and s.id in moved for s in snap.subnets
    ) and table_.default_route(IPV6_DEFAULT) != route(IGW, IPV6_DEFAULT)
    if created:
        # Ambiguous (another table of the owner's is public), or it gives no ::/0 to the gateway
        # that a dual-stack subnet moving needs (nothing is written to the owner's table).
        assert owners - {OWNERS} or no_ipv6_there, created
    for action in plan.actions:
        if isinstance(action, (CopyRoute, CreateRoute, ReplaceRoute, SetEndpointRouteTable)):
            assert action.route_table != OWNERS, action


def _renamed(snap: VpcSnapshot, name: str) -> VpcSnapshot:
    """What an attacker who holds only ec2:CreateTags does: every subnet's Name rewritten."""
    return replace(
        snap, subnets=tuple(replace(s, tags={**s.tags, "Name": name}) for s in snap.subnets)
    )


@settings(max_examples=examples(300), deadline=None)
@given(vpcs(), policies, scopes, st.sampled_from(["public-a", "web", "PublicSubnet1", "x"]))
def test_names_never_route_a_table_a_person_left_without_a_default_route(
    snap, policy, auto, name
) -> None:
    """Renaming subnets never adds a default route to a person's table that has none (only an
    intent tag, which the service control policy keeps to your people, or a NAT gateway in it,
    which takes more than a tag, does)."""
    # One table of the person's with no default route at all, and a subnet on it, besides
    # whatever the VPC drawn has.
    bare_subnet = subnet("subnet-00000000000bare1")
    bare_table = RouteTable(
        "rtb-000000000000bare", VPC, associations=(("rtbassoc-bare", bare_subnet.id),)
    )
    snap = replace(
        snap,
        subnets=(*snap.subnets, bare_subnet),
        route_tables=(*snap.route_tables, bare_table),
    )
    snap = _renamed(snap, name)
    intents = resolve_intents(snap, policy)
    bare = {
        t.id
        for t in snap.route_tables
        if not t.is_main
        and t.id not in snap.ownership.tables
        and t.default_route("0.0.0.0/0") is None
        and t.default_route(IPV6_DEFAULT) is None
        and not any(intents[sid].is_explicit for sid in t.subnet_ids)
    }
    for action in plan_vpc(snap, policy, auto).actions:
        if isinstance(action, (CreateRoute, ReplaceRoute)):
            assert action.route_table not in bare, action
