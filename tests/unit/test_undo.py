"""Undo (domain/undo.py) against the journal (domain/journal.py), on the in-memory EC2: what
a plan applied and the undo put back leaves every subnet's routing, every table's routes and
every mapping as they were; a person's change since is kept; the safe order holds."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings

from tests.builders import IGW, MAIN, VPC, subnet, table, vpc_snapshot
from tests.ports import FakeWriter, World
from tests.properties import examples
from tests.unit.test_planner_properties import policies, scopes, vpcs
from vpc_remediator.domain import journal
from vpc_remediator.domain.actions import (
    CopyRoute,
    CreateInternetGateway,
    DeleteCopiedRoute,
    DeleteRoute,
    DeleteRouteTable,
    DisableRoutePropagation,
    DisassociateRouteTable,
    EnableRoutePropagation,
    Pending,
    PlaceHold,
    RemoveRouteTable,
    ReplaceRoute,
    SetEndpointRouteTable,
    SetMapPublicIpOnLaunch,
    TagResources,
    UpdateCopiedRoute,
)
from vpc_remediator.domain.model import VpcSnapshot
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.undo import chosen_changes, plan_undo

KEY = "vpc-remediator:intent"
S1 = "subnet-00000000000000001"
S2 = "subnet-00000000000000002"
TRIGGER = journal.Trigger("sweep")


def routing(snapshot: VpcSnapshot) -> tuple[Any, ...]:
    """What undo must restore: each subnet's table and addressing, each table's routes,
    propagation and endpoints."""
    subnets = sorted(
        (
            s.id,
            (snapshot.governing_route_table(s.id) or table("none")).id,
            s.map_public_ip_on_launch,
            s.assign_ipv6_address_on_creation,
        )
        for s in snapshot.subnets
    )
    tables = sorted(
        (t.id, sorted((r.destination, r.target_id, r.state.value) for r in t.routes))
        for t in snapshot.route_tables
    )
    endpoints = sorted((e.id, sorted(e.route_table_ids)) for e in snapshot.gateway_endpoints)
    return subnets, tables, endpoints


def fixed_then_journaled(
    snap: VpcSnapshot, actions: tuple[Any, ...]
) -> tuple[World, list[dict[str, Any]]]:
    world = World().add(snap)
    outcomes = FakeWriter(world).apply(actions)
    changes = journal.entries(
        snap, outcomes, region="eu-south-1", run="fix", at="2026-12-03T10:00:00Z", trigger=TRIGGER
    )
    return world, list(reversed(changes))  # newest first, as the journal lists them


def undone(world: World, changes: list[dict[str, Any]]) -> VpcSnapshot:
    plan = plan_undo(changes, world.vpcs[VPC], journal_of_vpc=changes)
    outcomes = FakeWriter(world).apply(plan.actions)
    assert all(o.status.value == "applied" for o in outcomes), outcomes
    return world.vpcs[VPC]


# What an undo does not put back, and says so: changes to what was there before (a blackhole
# route replaced, a duplicate table merged, copies on a table it already had), a gateway.
NOT_PUT_BACK = (
    ReplaceRoute,
    DeleteRouteTable,
    UpdateCopiedRoute,
    DeleteCopiedRoute,
    CreateInternetGateway,
    PlaceHold,
)
CARRYING = (CopyRoute, EnableRoutePropagation, DisableRoutePropagation, SetEndpointRouteTable)


@settings(max_examples=examples(300), deadline=None)
@given(vpcs(), policies, scopes)
def test_what_a_plan_applied_an_undo_puts_back_exactly(snap, policy, auto) -> None:
    actions = plan_vpc(snap, policy, auto).actions
    assume(not any(isinstance(a, NOT_PUT_BACK) for a in actions))
    # Copies kept in step on a table it made before this plan: that table's, not this plan's.
    assume(all(isinstance(a.table, Pending) for a in actions if isinstance(a, CARRYING)))
    world, changes = fixed_then_journaled(snap, actions)
    assert routing(undone(world, changes)) == routing(World().add(snap).vpcs[VPC])


def journaled_undo(world: World, outcomes: Any, plan: Any) -> list[dict[str, Any]]:
    """The journal's entries of an undo a person ran at the command line."""
    return journal.entries(
        world.vpcs[VPC],
        outcomes,
        region="eu-south-1",
        run="undo",
        at="2026-12-03T11:00:00Z",
        trigger=journal.Trigger("command-line", "arn:aws:iam::123456789012:user/alice"),
        undoes=plan.undoes,
    )


def seed() -> VpcSnapshot:
    return vpc_snapshot(subnet(S1, name="web-a"), subnet(S2, name="web-b"))


def seed_fixed_then_undone() -> tuple[World, list[dict[str, Any]], list[dict[str, Any]]]:
    """The seed fixed and journaled, then undone whole: the world, the fix's changes and the
    undo's own journal entries."""
    snap = seed()
    world, changes = fixed_then_journaled(snap, plan_vpc(snap, _policy(), _all()).actions)
    plan = plan_undo(changes, world.vpcs[VPC], journal_of_vpc=changes)
    outcomes = FakeWriter(world).apply(plan.actions)
    return world, changes, journaled_undo(world, outcomes, plan)


def test_the_order_is_addresses_off_subnets_back_routes_then_tables() -> None:
    snap = seed()
    world, changes = fixed_then_journaled(snap, plan_vpc(snap, _policy(), _all()).actions)
    plan = plan_undo(changes, world.vpcs[VPC], journal_of_vpc=changes)
    kinds = [type(a) for a in plan.actions]
    assert kinds == [
        SetMapPublicIpOnLaunch,
        SetMapPublicIpOnLaunch,
        DisassociateRouteTable,
        DisassociateRouteTable,
        RemoveRouteTable,
    ]
    assert all(not a.enabled for a in plan.actions if isinstance(a, SetMapPublicIpOnLaunch))
    # The table's deletion undoes its creation and the route on it.
    assert {c["change"] for c in changes if c["id"] in plan.undoes[-1]} == {
        "route-table-created",
        "route-added",
    }
    assert plan.subnets == {S1, S2} and plan.kept == ()


def test_a_persons_change_since_is_kept_and_said() -> None:
    snap = seed()
    world, changes = fixed_then_journaled(snap, plan_vpc(snap, _policy(), _all()).actions)
    world.change(
        VPC,
        lambda s: s.__class__(
            **{
                **vars(s),
                "subnets": tuple(
                    n.__class__(**{**vars(n), "map_public_ip_on_launch": False})
                    if n.id == S1
                    else n
                    for n in s.subnets
                ),
            }
        ),
    )
    plan = plan_undo(changes, world.vpcs[VPC], journal_of_vpc=changes)
    mapping_s1 = next(c for c in changes if c["change"] == "addressing-set" and c["resource"] == S1)
    assert (mapping_s1["id"], "changed since, by someone else: kept as it is now") in plan.kept
    assert not any(
        isinstance(a, SetMapPublicIpOnLaunch) and a.subnet_id == S1 for a in plan.actions
    )


def test_a_table_still_used_by_a_subnet_not_undone_stays() -> None:
    snap = seed()
    world, changes = fixed_then_journaled(snap, plan_vpc(snap, _policy(), _all()).actions)
    mine = chosen_changes(changes, subnet_id=S1)
    plan = plan_undo(mine, world.vpcs[VPC], journal_of_vpc=changes)
    assert not any(isinstance(a, RemoveRouteTable) for a in plan.actions)
    assert any(why.startswith(f"the table is still used by {S2}") for _, why in plan.kept)
    assert {a.subnet for a in plan.actions} == {S1}


def test_a_route_put_back_on_a_persons_table_is_removed_by_the_undo() -> None:
    """The wizard's public table (its NAT's) lost its route; the remediator put it back; undo
    removes it."""
    public = "rtb-00000000000public"
    snap = vpc_snapshot(
        subnet("subnet-nat", name="project-subnet-public1"),
        tables=(table(public, subnets=("subnet-nat",), tags={"Name": "project-rtb-public"}),),
        nat=True,
    )
    actions = plan_vpc(snap, _policy(), _all()).actions
    assert [type(a).__name__ for a in actions if not isinstance(a, TagResources)] == ["CreateRoute"]
    world, changes = fixed_then_journaled(snap, actions)
    plan = plan_undo(changes, world.vpcs[VPC], journal_of_vpc=changes)
    deletes = [a for a in plan.actions if isinstance(a, DeleteRoute)]
    assert [(a.route_table, a.destination, a.target) for a in deletes] == [
        (public, "0.0.0.0/0", IGW)
    ]
    FakeWriter(world).apply(plan.actions)
    assert routing(world.vpcs[VPC]) == routing(World().add(snap).vpcs[VPC])


def test_what_was_already_undone_is_said_and_not_undone_twice() -> None:
    world, changes, undoing = seed_fixed_then_undone()
    everything = [*reversed(undoing), *changes]
    again = plan_undo(changes, world.vpcs[VPC], journal_of_vpc=everything)
    assert again.actions == ()
    assert {why for _, why in again.kept} == {"already undone"}


def test_a_subnet_tagged_with_explicit_intent_is_warned_about() -> None:
    snap = vpc_snapshot(subnet(S1, tags={KEY: "public"}))
    world, changes = fixed_then_journaled(snap, plan_vpc(snap, _policy(), _all()).actions)
    plan = plan_undo(changes, world.vpcs[VPC], journal_of_vpc=changes, intent_tag_key=KEY)
    assert plan.warnings == (
        f"{S1} is tagged {KEY}=public: explicit intent rules, and the remediator will change "
        "it again unless the tag goes",
    )


def test_the_journal_says_what_was_before_each_change() -> None:
    snap = seed()
    _, changes = fixed_then_journaled(snap, plan_vpc(snap, _policy(), _all()).actions)
    moved = next(c for c in changes if c["change"] == "subnet-moved")
    assert moved["before"] == {"route_table": MAIN, "main": True}
    mapping = next(c for c in changes if c["change"] == "addressing-set")
    assert mapping["before"]["enabled"] is False and mapping["after"]["enabled"] is True
    assert [c["seq"] for c in reversed(changes)] == sorted(c["seq"] for c in changes)
    assert len({c["id"] for c in changes}) == len(changes)
    assert journal.newest_first(changes) == changes


def _policy():
    from vpc_remediator.domain.policy import Policy

    return Policy()


def _all():
    from vpc_remediator.domain.policy import AutoScope

    return AutoScope.all()


def test_an_undo_is_never_undone_by_a_later_one() -> None:
    """Undoing the VPC twice must not redo the fix: the undo's own changes are the person's."""
    world, changes, undoing = seed_fixed_then_undone()
    everything = [*reversed(undoing), *changes]
    assert chosen_changes(everything, vpc_id=VPC) == changes
    by_id = [c for c in undoing if c["change"] == "addressing-set"][:1]
    again = plan_undo(by_id, world.vpcs[VPC], journal_of_vpc=everything)
    assert again.actions == () and "a person's decision" in again.kept[0][1]
