"""The planner, rule by rule and setting by setting (docs/design.md section 5)."""

from __future__ import annotations

from dataclasses import replace

from tests.builders import IGW, MAIN, NAT, VPC, region_of, route, subnet, table, vpc_snapshot
from tests.fakes import apply_actions
from vpc_remediator.domain.actions import (
    ALL_ACTION_TYPES,
    AssociateRouteTable,
    AttachInternetGateway,
    CreateDefaultVpc,
    CreateInternetGateway,
    CreateRoute,
    CreateRouteTable,
    Pending,
    ReplaceRoute,
    SetMapPublicIpOnLaunch,
    TagResources,
)
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.model import IPV4_DEFAULT, IPV6_DEFAULT, Vpc
from vpc_remediator.domain.planner import (
    MANAGED_ROUTE_TABLE,
    NEW_INTERNET_GATEWAY,
    plan_for_vpc,
    plan_region,
    plan_vpc,
)
from vpc_remediator.domain.policy import AutoScope, Mode, Policy, RouteStrategy

KEY = "vpc-remediator:intent"
S1 = "subnet-00000000000000001"
S2 = "subnet-00000000000000002"
ALL = AutoScope.all()


def kinds(plan) -> list[str]:
    return [type(a).__name__ for a in plan.actions]


def codes(plan) -> list[FindingCode]:
    return [f.code for f in plan.findings]


def test_the_seed_story_gets_a_dedicated_public_table_and_public_ips() -> None:
    snap = vpc_snapshot(subnet(S1))
    plan = plan_vpc(snap, Policy(), ALL)
    create, tag, route_action, associate, mapping = plan.actions
    assert (route_action, associate, mapping) == (
        CreateRoute(
            route_table=MANAGED_ROUTE_TABLE,
            destination=IPV4_DEFAULT,
            gateway=IGW,
            reason=route_action.reason,
        ),
        AssociateRouteTable(route_table=MANAGED_ROUTE_TABLE, subnet_id=S1, reason=associate.reason),
        # Public IPs wait for the table that routes the subnet to the internet.
        SetMapPublicIpOnLaunch(
            subnet_id=S1, enabled=True, route_table=MANAGED_ROUTE_TABLE, reason=mapping.reason
        ),
    )
    # Tagged first: a reconcile that stops part way has already said what it changes.
    assert isinstance(tag, TagResources)
    assert tag == TagResources(resource_ids=(S1,), tags=tag.tags, reason=tag.reason)
    assert isinstance(create, CreateRouteTable)
    assert create.vpc_id == VPC and create.ref == MANAGED_ROUTE_TABLE
    # The token is the service's, one-time (domain/ownership.py): the planner sets none.
    assert create.client_token == ""
    assert create.tags["vpc-remediator:role"] == "public-route-table"
    assert all(a.reason for a in plan.actions)
    # The main table is left alone.
    assert not any(a.table == MAIN for a in plan.actions)


def test_applying_the_plan_converges_and_a_second_plan_is_empty() -> None:
    snap = vpc_snapshot(subnet(S1), subnet(S2, zone="eu-south-1b"))
    after = apply_actions(snap, plan_vpc(snap, Policy(), ALL).actions)
    assert plan_vpc(after, Policy(), ALL).actions == ()
    assert plan_vpc(after, Policy(), AutoScope.none()).findings == ()


def test_auto_intent_is_only_reported_after_a_change_by_hand() -> None:
    plan = plan_vpc(vpc_snapshot(subnet(S1)), Policy(), AutoScope.none())
    assert plan.actions == ()
    assert codes(plan) == [FindingCode.AUTO_INTENT_NOT_ENFORCED]
    assert not plan.findings[0].needs_person


def test_create_subnet_scope_touches_only_the_new_subnet() -> None:
    plan = plan_vpc(vpc_snapshot(subnet(S1), subnet(S2)), Policy(), AutoScope.subnets(S2))
    assert [a.subnet_id for a in plan.actions if isinstance(a, AssociateRouteTable)] == [S2]
    assert [f.resource_id for f in plan.findings] == [S1]


def test_an_existing_managed_table_is_reused() -> None:
    managed = table("rtb-0000000000managed", route(IGW), managed=True, subnets=(S1,))
    plan = plan_vpc(
        vpc_snapshot(subnet(S1, public_ip=True), subnet(S2), tables=(managed,)), Policy(), ALL
    )
    assert kinds(plan) == ["TagResources", "AssociateRouteTable", "SetMapPublicIpOnLaunch"]
    assert plan.actions[1] == AssociateRouteTable(
        route_table=managed.id, subnet_id=S2, reason=plan.actions[1].reason
    )


def test_a_managed_table_whose_route_was_deleted_gets_it_back_only_on_a_create() -> None:
    managed = table("rtb-0000000000managed", managed=True, subnets=(S1,))
    snap = vpc_snapshot(subnet(S1, public_ip=True), tables=(managed,))
    assert plan_vpc(snap, Policy(), AutoScope.none()).actions == ()
    assert kinds(plan_vpc(snap, Policy(), ALL)) == ["CreateRoute"]


def test_duplicate_managed_tables_a_race_made_are_merged_into_the_lowest_id() -> None:
    first = table("rtb-00000000000000a", route(IGW), managed=True, subnets=(S1,))
    second = table("rtb-00000000000000b", route(IGW), managed=True, subnets=(S2,))
    snap = vpc_snapshot(
        subnet(S1, public_ip=True), subnet(S2, public_ip=True), tables=(second, first)
    )
    plan = plan_vpc(snap, Policy(), AutoScope.none())
    assert kinds(plan) == ["ReplaceRouteTableAssociation", "DeleteRouteTable"]
    move, delete = plan.actions
    assert (move.table, move.subnet) == (first.id, S2)
    assert delete.table == second.id
    after = apply_actions(snap, plan.actions)
    assert [t.id for t in after.route_tables if t.tags.get("vpc-remediator:role")] == [first.id]
    assert plan_vpc(after, Policy(), ALL).actions == ()


def test_duplicates_still_without_their_route_are_merged_in_one_plan_when_the_main_is_not_carried() -> (
    None
):
    """Found by the property test: with a main table the managed one cannot equal (a blackhole
    peering route), duplicates that lack their default route were merged only by the second
    plan. Their subnets leave a duplicate managed table, not the main one: one plan does it."""
    first = table("rtb-00000000000000a", managed=True, subnets=(S1,))
    second = table("rtb-00000000000000b", managed=True, subnets=(S2,))
    snap = vpc_snapshot(
        subnet(S1),
        subnet(S2),
        tables=(first, second),
        main_routes=(route("pcx-0dead0dead0dead00", "10.10.0.0/16", blackhole=True),),
    )
    plan = plan_vpc(snap, Policy(map_public_ip=False), ALL)
    assert kinds(plan) == ["CreateRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable"]
    assert FindingCode.ROUTES_NOT_CARRIED in codes(plan)  # still no subnet of the main moves
    after = apply_actions(snap, plan.actions)
    assert plan_vpc(after, Policy(map_public_ip=False), ALL).actions == ()


def test_a_duplicate_holding_the_route_of_a_detached_gateway_is_kept_as_the_record() -> None:
    """Found by the property test: a duplicate managed table whose default route points at a
    gateway no longer attached (a blackhole) was deleted as a duplicate; with that record gone
    the next plan created a new gateway, replacing one a person had detached. It is kept and
    shown instead, and the gateway is not replaced, now or after."""
    gone = "igw-0dead0dead0dead00"
    first = table("rtb-00000000000000a", managed=True)
    second = table("rtb-00000000000000b", route(gone, blackhole=True), managed=True)
    snap = vpc_snapshot(
        subnet(S1),
        tables=(first, second),
        igw=False,
        vpc_tags={"vpc-remediator:intent": "public"},
    )
    policy = Policy(create_internet_gateway=True, map_public_ip=False)
    plan = plan_vpc(snap, policy, ALL)
    assert plan.actions == ()
    assert FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE in codes(plan)
    assert FindingCode.NO_INTERNET_GATEWAY in codes(plan)
    assert plan_vpc(apply_actions(snap, plan.actions), policy, ALL).actions == ()


def test_a_managed_table_holding_a_persons_routes_is_never_deleted() -> None:
    first = table("rtb-00000000000000a", route(IGW), managed=True)
    second = table(
        "rtb-00000000000000b",
        route(IGW),
        route("pcx-0123456789abcdef0", "10.9.0.0/16"),
        managed=True,
    )
    plan = plan_vpc(vpc_snapshot(subnet(S1), tables=(second, first)), Policy(), ALL)
    assert "DeleteRouteTable" not in kinds(plan)
    assert FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE in codes(plan)
    assert [a.route_table for a in plan.actions if isinstance(a, AssociateRouteTable)] == [first.id]


def test_main_strategy_routes_the_main_table() -> None:
    policy = Policy(route_strategy=RouteStrategy.MAIN)
    plan = plan_vpc(vpc_snapshot(subnet(S1)), policy, ALL)
    assert kinds(plan) == ["TagResources", "CreateRoute", "SetMapPublicIpOnLaunch"]
    assert plan.actions[1].table == MAIN
    tag = plan.actions[0]
    assert isinstance(tag, TagResources) and tag.resource_ids == (MAIN, S1)


def test_main_strategy_never_routes_a_main_table_that_also_governs_a_private_subnet() -> None:
    policy = Policy(route_strategy=RouteStrategy.MAIN)
    plan = plan_vpc(vpc_snapshot(subnet(S1), subnet(S2, name="db-a")), policy, ALL)
    assert not any(isinstance(a, CreateRoute) for a in plan.actions)
    assert FindingCode.SHARED_ROUTE_TABLE in codes(plan)
    # No public IP for a subnet that cannot be routed.
    assert plan.actions == ()


def test_blackhole_default_route_in_the_managed_table_is_replaced() -> None:
    managed = table(
        "rtb-0000000000managed",
        route("igw-0dead0dead0dead00", blackhole=True),
        managed=True,
        subnets=(S1,),
    )
    plan = plan_vpc(vpc_snapshot(subnet(S1, public_ip=True), tables=(managed,)), Policy(), ALL)
    assert plan.actions == (
        ReplaceRoute(
            route_table=managed.id,
            destination=IPV4_DEFAULT,
            gateway=IGW,
            previous_target="igw-0dead0dead0dead00",
            reason=plan.actions[0].reason,
        ),
    )


def test_blackhole_route_in_a_persons_public_table_is_replaced_and_the_table_tagged() -> None:
    mine = table(
        "rtb-00000000000user1", route("igw-0dead0dead0dead00", blackhole=True), subnets=(S1,)
    )
    plan = plan_vpc(vpc_snapshot(subnet(S1, public_ip=True), tables=(mine,)), Policy(), ALL)
    assert kinds(plan) == ["TagResources", "ReplaceRoute"]
    assert plan.actions[0].written == {mine.id}


def test_a_nat_route_is_a_conflict_and_is_never_redirected() -> None:
    nat_table = table("rtb-000000000000nat", route(NAT), subnets=(S1,))
    snap = vpc_snapshot(subnet(S1, tags={KEY: "public"}), tables=(nat_table,), nat=True)
    plan = plan_vpc(snap, Policy(), ALL)
    assert plan.actions == ()
    (finding,) = plan.findings
    assert finding.code is FindingCode.ROUTE_CONFLICT and finding.needs_person
    assert NAT in finding.message


def test_explicit_public_on_a_main_table_routed_to_nat_is_a_conflict_too() -> None:
    snap = vpc_snapshot(subnet(S1, tags={KEY: "public"}), main_routes=(route(NAT),))
    plan = plan_vpc(snap, Policy(), ALL)
    assert plan.actions == ()
    assert codes(plan) == [FindingCode.ROUTE_CONFLICT]


def test_nat_routed_and_private_named_subnets_are_left_alone() -> None:
    nat_table = table("rtb-000000000000nat", route(NAT), subnets=(S1,))
    snap = vpc_snapshot(subnet(S1), subnet(S2, name="private-b"), tables=(nat_table,))
    assert plan_vpc(snap, Policy(), ALL).actions == ()


def test_ipv6_subnets_get_a_default_ipv6_route_too() -> None:
    plan = plan_vpc(vpc_snapshot(subnet(S1, ipv6=True)), Policy(), ALL)
    routes = [(a.destination, a.gateway) for a in plan.actions if isinstance(a, CreateRoute)]
    assert routes == [(IPV4_DEFAULT, IGW), (IPV6_DEFAULT, IGW)]


def test_public_ip_mapping_can_be_switched_off() -> None:
    plan = plan_vpc(vpc_snapshot(subnet(S1)), Policy(map_public_ip=False), ALL)
    assert "SetMapPublicIpOnLaunch" not in kinds(plan)
    assert "AssociateRouteTable" in kinds(plan)


def test_explicitly_private_subnets_lose_public_ip_mapping_and_routes_are_reported() -> None:
    public_table = table("rtb-00000000000user1", route(IGW), subnets=(S1,))
    snap = vpc_snapshot(subnet(S1, public_ip=True, tags={KEY: "private"}), tables=(public_table,))
    plan = plan_vpc(snap, Policy(), AutoScope.none())
    assert kinds(plan) == ["TagResources", "SetMapPublicIpOnLaunch"]
    turned = plan.actions[1]
    assert isinstance(turned, SetMapPublicIpOnLaunch) and turned.enabled is False
    assert codes(plan) == [FindingCode.EXPLICIT_INTENT_UNMET]
    assert plan.findings[0].needs_person


def test_auto_private_subnets_keep_their_public_ip_setting() -> None:
    snap = vpc_snapshot(subnet(S1, name="internal", public_ip=True))
    assert plan_vpc(snap, Policy(), ALL).actions == ()


def test_ignore_is_hands_off_even_with_every_gap() -> None:
    snap = vpc_snapshot(subnet(S1, tags={KEY: "ignore"}, public_ip=True), subnet(S2), vpc_tags={})
    plan = plan_vpc(snap, Policy(), ALL)
    assert all(a.subnet != S1 for a in plan.actions)
    ignored = vpc_snapshot(subnet(S1), vpc_tags={KEY: "ignore"})
    assert plan_vpc(ignored, Policy(), ALL).actions == ()


def test_undecided_subnets_are_logged_not_sent() -> None:
    plan = plan_vpc(vpc_snapshot(subnet(S1), igw=False), Policy(create_internet_gateway=True), ALL)
    assert plan.actions == ()
    assert codes(plan) == [FindingCode.UNDECIDED_SUBNET]
    assert not plan.findings[0].needs_person


def test_explicit_public_without_gateway_is_reported_unless_creation_is_allowed() -> None:
    snap = vpc_snapshot(subnet(S1, tags={KEY: "public"}), igw=False)
    plan = plan_vpc(snap, Policy(), ALL)
    assert plan.actions == ()
    assert codes(plan) == [FindingCode.NO_INTERNET_GATEWAY]
    assert plan.findings[0].needs_person

    plan = plan_vpc(snap, Policy(create_internet_gateway=True), AutoScope.none())
    assert kinds(plan)[:2] == ["CreateInternetGateway", "AttachInternetGateway"]
    assert isinstance(plan.actions[0], CreateInternetGateway)
    assert plan.actions[1] == AttachInternetGateway(
        gateway=NEW_INTERNET_GATEWAY, vpc_id=VPC, reason=plan.actions[1].reason
    )
    assert all(
        a.gateway == NEW_INTERNET_GATEWAY for a in plan.actions if isinstance(a, CreateRoute)
    )
    after = apply_actions(snap, plan.actions)
    assert plan_vpc(after, Policy(create_internet_gateway=True), AutoScope.none()).actions == ()


def test_only_a_default_vpc_the_remediator_has_just_recreated_gets_a_gateway() -> None:
    snap = vpc_snapshot(subnet(S1, public_ip=True), igw=False, default=True)
    plan = plan_vpc(snap, Policy(), ALL)
    assert codes(plan) == [FindingCode.NO_INTERNET_GATEWAY]
    # A default VPC whose gateway was removed on purpose is a person's design: no new one,
    # whatever RestoreDefaultVpc says, and nobody is paged for it.
    assert plan_vpc(snap, Policy(restore_default_vpc=True), ALL).actions == ()
    assert not plan.findings[0].needs_person
    restored = plan_vpc(snap, Policy(restore_default_vpc=True), ALL, restoring=True)
    assert kinds(restored)[:2] == ["CreateInternetGateway", "AttachInternetGateway"]


def test_a_gateway_is_created_only_for_explicit_intent_even_when_allowed() -> None:
    allowed = Policy(create_internet_gateway=True)
    # Auto intent (a default VPC, a public name) never creates a gateway.
    for snap in (
        vpc_snapshot(subnet(S1), igw=False, default=True),
        vpc_snapshot(subnet(S1, name="public-a"), igw=False),
    ):
        assert plan_vpc(snap, allowed, ALL).actions == ()
    tagged = vpc_snapshot(subnet(S1, tags={KEY: "public"}), igw=False, default=True)
    assert kinds(plan_vpc(tagged, allowed, ALL))[:2] == [
        "CreateInternetGateway",
        "AttachInternetGateway",
    ]


def test_audit_mode_plans_the_same_actions_but_writes_none() -> None:
    snap = vpc_snapshot(subnet(S1))
    audit = plan_vpc(snap, Policy(mode=Mode.AUDIT), ALL)
    remediate = plan_vpc(snap, Policy(), ALL)
    assert audit.writes == ()
    assert audit.actions == remediate.actions == remediate.writes


def test_a_vpc_that_is_gone_is_a_quiet_finding() -> None:
    plan = plan_for_vpc(region_of(), VPC, Policy(), ALL)
    assert plan.actions == () and codes(plan) == [FindingCode.VPC_GONE]
    assert not plan.findings[0].needs_person


def test_region_without_default_vpc_is_reported_and_restored_only_when_allowed() -> None:
    region = region_of(vpc_snapshot(subnet(S1)))
    plan = plan_region(region, Policy())
    assert plan.actions == () and codes(plan) == [FindingCode.NO_DEFAULT_VPC]
    assert plan.findings[0].needs_person
    assert [type(a) for a in plan_region(region, Policy(restore_default_vpc=True)).actions] == [
        CreateDefaultVpc
    ]
    with_default = region_of(vpc_snapshot(default=True))
    assert plan_region(with_default, Policy(restore_default_vpc=True)).findings == ()


def test_every_action_declares_its_iam_actions() -> None:
    for action_type in ALL_ACTION_TYPES:
        assert action_type.iam_actions, action_type
        assert all(a.startswith("ec2:") for a in action_type.iam_actions)


def test_pending_references_read_well() -> None:
    assert str(Pending("public route table")) == "<new public route table>"
    assert Vpc("vpc-1", tags={"Name": "x"}).name == "x"


def test_mapping_is_turned_on_only_where_the_remediator_finishes_the_routing() -> None:
    # terraform-aws-modules' default, and what Security Hub's EC2.15 asks for: a subnet routed
    # to the internet gateway with public-IP mapping left off is a choice, not a gap.
    routed = table("rtb-00000000000user1", route(IGW), subnets=(S1,))
    snap = vpc_snapshot(subnet(S1), tables=(routed,))
    plan = plan_vpc(snap, Policy(), ALL)
    assert plan.actions == () and plan.findings == ()
    # Explicit public intent asks for it.
    tagged = vpc_snapshot(subnet(S1, tags={KEY: "public"}), tables=(routed,))
    assert kinds(plan_vpc(tagged, Policy(), AutoScope.none())) == [
        "TagResources",
        "SetMapPublicIpOnLaunch",
    ]
    # A person's own table given its route again keeps its subnets' addressing as its owner
    # set it (issue 19: the wizard's public table, whose subnets do not map public IPs)...
    unrouted = table(
        "rtb-00000000000user1", route("igw-0dead0dead0dead00", blackhole=True), subnets=(S1,)
    )
    repaired = plan_vpc(vpc_snapshot(subnet(S1), tables=(unrouted,)), Policy(), ALL)
    assert kinds(repaired) == ["TagResources", "ReplaceRoute"]
    # ...and where a subnet on it maps public IPs, the others are finished to match.
    both = replace(unrouted, associations=(*unrouted.associations, ("rtbassoc-2", S2)))
    mixed = vpc_snapshot(subnet(S1), subnet(S2, public_ip=True), tables=(both,))
    assert kinds(plan_vpc(mixed, Policy(), ALL)) == [
        "TagResources",
        "ReplaceRoute",
        "SetMapPublicIpOnLaunch",
    ]
    # Where the remediator moves a subnet off the main table, it finishes the mapping too.
    moved = plan_vpc(vpc_snapshot(subnet(S1)), Policy(), ALL)
    assert "SetMapPublicIpOnLaunch" in kinds(moved)


def test_a_route_restored_for_an_explicit_subnet_lets_a_new_subnet_move_in_one_plan() -> None:
    """Found by the property test: the managed table's default route removed by hand, a
    subnet on it tagged public (its route is restored) and a new subnet on the main table in
    scope: the new subnet was moved only by the second plan."""
    managed = table("rtb-00000000000000a", managed=True, subnets=(S2, "subnet-00000000000003"))
    snap = vpc_snapshot(
        subnet(S1),
        subnet(S2),
        subnet("subnet-00000000000003", tags={KEY: "public"}),
        tables=(managed,),
    )
    plan = plan_vpc(snap, Policy(map_public_ip=False), AutoScope.subnets(S1))
    assert [a.subnet_id for a in plan.actions if isinstance(a, AssociateRouteTable)] == [S1]
    after = apply_actions(snap, plan.actions)
    assert plan_vpc(after, Policy(map_public_ip=False), AutoScope.subnets(S1)).actions == ()
