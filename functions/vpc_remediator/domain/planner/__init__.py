"""Decide what to change: `plan_for_vpc(region, vpc_id, policy, auto) -> Plan`.

Pure: no I/O, no environment, no clock. A compliant VPC yields an empty plan, so a repeated
event does nothing. The plan is drafted in steps, each a module of this package, in the order
`plan_vpc` below takes them:

1. reading: the holds, the intents (tags, names, routing), claimed tables, Block Public Access;
2. gateway: the internet gateway to route to (attached, or created where allowed);
3. carrying: the managed table kept in step with the main table;
4. merging: duplicate managed tables merged into one;
5. subnets: each public subnet's routes and public addresses, fixed or reported;
6. moving: subnets moved off the main table onto the managed table (`dedicated`);
7. private: explicitly private subnets' public addresses turned off;
8. egress: NAT gateways whose subnet has no way out, which the plan does not give one;
9. assembly: the actions put in the order they are applied; a shared VPC's plan made read-only.

Safety rules the steps keep, in one place:

- a default route to the internet gateway is only ever added to (or repaired in) a table whose
  every subnet is meant to be public, so no private, ignored or undecided subnet becomes public;
- the `dedicated` strategy never touches the main table, and a subnet it moves off the main
  table keeps every route it had (domain/carry.py); where that cannot be promised it is not
  moved, and a subnet already public over IPv4 is never moved just to add `::/0`;
- a default route to anything but an internet gateway is a conflict in any state (a blackhole
  NAT route included): reported, never redirected; only a blackhole route to an internet
  gateway is repaired, and `::/0 -> eigw-...` is a deliberate IPv6 design;
- no route is deleted but a copy the main table no longer has, and no route a person deleted
  from the managed table is restored for another subnet;
- nothing is written to a VPC another account owns, nor for a subnet that VPC Block Public
  Access keeps off the internet; an internet gateway is created only for explicit intent (or
  for a default VPC the remediator has just recreated);
- auto intent is enforced only for subnets in the `AutoScope` of the trigger; otherwise gaps are
  reported, so a person's later change by hand is respected;
- the remediator acts as the owner only of tables its record proves it made (never a tag's
  claim).
"""

from __future__ import annotations

from dataclasses import replace

from ..actions import AssociateRouteTable
from ..creators import owner
from ..findings import Finding, FindingCode
from ..holds import Undone, hold_back
from ..intent import Intent, resolve_intents
from ..model import RegionSnapshot, Subnet, VpcSnapshot
from ..plan import Plan
from ..policy import AutoScope, Policy
from .assembly import assemble, is_shared, read_only
from .carrying import keep_in_step
from .draft import (
    MANAGED_ROUTE_TABLE,
    NEW_INTERNET_GATEWAY,
    Draft,
    claimed_route_tables,
    managed_route_tables,
)
from .egress import report_stranded_nats
from .gateway import plan_gateway
from .load_balancers import plan_role_tags
from .merging import plan_merge_duplicates, undo_merges_that_would_reroute
from .moving import addressed_like_siblings, plan_dedicated_table
from .private import plan_private
from .reading import holds_of, reachable, report_claims, report_intents
from .region import plan_region
from .subnets import plan_addresses, plan_subnet_routes, report_gaps

__all__ = [
    "MANAGED_ROUTE_TABLE",
    "NEW_INTERNET_GATEWAY",
    "claimed_route_tables",
    "managed_route_tables",
    "plan_for_vpc",
    "plan_region",
    "plan_vpc",
]


def plan_for_vpc(
    region: RegionSnapshot,
    vpc_id: str,
    policy: Policy,
    auto: AutoScope | None = None,
    *,
    restoring: bool = False,
    undone: Undone | None = None,
) -> Plan:
    """The VPC's plan, with the scope and the undone changes the decision before it gave
    (domain/decision.py): what someone keeps undoing is held instead of changed again."""
    snapshot = region.details.get(vpc_id)
    if snapshot is None:
        finding = Finding(FindingCode.VPC_GONE, vpc_id, f"{vpc_id} no longer exists; nothing to do")
        return Plan(policy.mode, vpc_id, findings=(finding,))
    plan = plan_vpc(snapshot, policy, auto or AutoScope.none(), restoring=restoring)
    return hold_back(plan, undone) if undone else plan


def plan_vpc(
    snapshot: VpcSnapshot, policy: Policy, auto: AutoScope, *, restoring: bool = False
) -> Plan:
    """`restoring`: the VPC is a default VPC the remediator itself has just recreated, which
    (as AWS's own default VPCs do) gets an internet gateway."""
    intents = resolve_intents(snapshot, policy)
    b = Draft(snapshot, policy, intents, held=holds_of(snapshot), building=auto.iac_building)
    report_intents(b)
    if b.is_held(snapshot.vpc.id):
        b.report_hold(snapshot.vpc.id)
        return replace(assemble(b, policy), actions=())

    meant_public = [s for s in snapshot.subnets if intents[s.id].intent is Intent.PUBLIC]
    for subnet in meant_public:
        if b.is_held(subnet.id):
            b.report_hold(subnet.id)
    public = reachable(b, [s for s in meant_public if not b.is_held(s.id)])
    owners = {s.id: owner(snapshot, s, policy) for s in public}
    enforced = {
        s.id
        for s in public
        if intents[s.id].is_explicit or (auto.covers(s.id) and not owners[s.id])
    }
    plan_gateway(b, public, enforced, restoring=restoring)

    managed_tables = managed_route_tables(snapshot)
    managed = managed_tables[0] if managed_tables else None
    report_claims(b)
    main = snapshot.main_route_table
    carry = keep_in_step(b, main, managed)
    if managed is not None and len(managed_tables) > 1:
        plan_merge_duplicates(b, managed, managed_tables[1:], carry, enforced)

    to_move: list[Subnet] = []
    gaps: dict[str, list[str]] = {}
    routable: list[Subnet] = []
    for subnet in public:
        routing = plan_subnet_routes(b, subnet, enforce=subnet.id in enforced)
        gaps[subnet.id] = list(routing.gaps)
        if routing.move:
            to_move.append(subnet)
        if not routing.blocked:
            routable.append(subnet)
    if to_move and main is not None:
        plan_dedicated_table(b, main, managed, to_move, enforced, carry)
    moved = {a.subnet_id for a in b.associations if isinstance(a, AssociateRouteTable)}
    routed = {str(table) for table, _ in b.routes}
    for subnet in routable:
        if subnet in to_move and subnet.id not in moved:
            continue  # not moved after all: no public addresses on a subnet with no route out
        governing = snapshot.governing_route_table(subnet.id)
        # Only what is left half done is finished: public addresses for a subnet whose routing
        # the remediator finishes (in this plan, or earlier: it is on the managed table), or
        # whose intent says public; a subnet someone else routed with the mapping off keeps it
        # off (a choice: Security Hub's EC2.15 asks for it).
        finishing = subnet.id in moved or (
            governing is not None
            and (governing.id in routed or snapshot.ownership.owns(governing.id))
        )
        if (table := b.joined.get(subnet.id)) is not None:
            finishing = addressed_like_siblings(b, subnet, table)
        elif (
            governing is not None
            and governing.id in routed
            and not governing.is_main
            and not snapshot.ownership.owns(governing.id)
        ):
            # A person's own public table given its route again: its subnets' public
            # addresses stay as its owner set them, unless one of them has them.
            finishing = addressed_like_siblings(b, subnet, governing)
        if intents[subnet.id].is_explicit or finishing:
            gaps[subnet.id] += plan_addresses(b, subnet, enforce=subnet.id in enforced)
    for subnet in public:
        if gaps[subnet.id] and subnet.id not in enforced:
            report_gaps(b, subnet, gaps[subnet.id], owners[subnet.id], auto)
    undo_merges_that_would_reroute(b)
    plan_private(b)
    report_stranded_nats(b)
    plan_role_tags(b, public, enforced, auto)
    plan = assemble(b, policy)
    return read_only(plan, snapshot) if is_shared(snapshot) else plan
