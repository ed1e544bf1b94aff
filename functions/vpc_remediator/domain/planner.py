"""Decide what to change: `plan_for_vpc(snapshot, policy, auto) -> Plan` (DESIGN.md section 5).

Pure: no I/O, no environment, no clock. A compliant VPC yields an empty plan, so a repeated
event does nothing. Safety rules the code below keeps, in one place:

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
  reported, so a person's later change by hand is respected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from .actions import (
    Action,
    AssociateRouteTable,
    AttachInternetGateway,
    CopyRoute,
    CreateDefaultVpc,
    CreateInternetGateway,
    CreateRoute,
    CreateRouteTable,
    DeleteRouteTable,
    Pending,
    Ref,
    ReplaceRoute,
    ReplaceRouteTableAssociation,
    SetAssignIpv6AddressOnCreation,
    SetMapPublicIpOnLaunch,
    TagResources,
)
from .carry import CarryPlan, carried_by, plan_carry
from .findings import Finding, FindingCode, Severity, held_finding
from .intent import Intent, IntentSource, SubnetIntent, resolve_intents
from .model import (
    IPV4_DEFAULT,
    IPV6_DEFAULT,
    Hold,
    Item,
    RegionSnapshot,
    Route,
    RouteState,
    RouteTable,
    Subnet,
    TargetKind,
    Vpc,
    VpcSnapshot,
    frozen_tags,
)
from .plan import Plan
from .policy import (
    HOLD_TAG_KEY,
    MANAGED_CHANGED,
    MANAGED_CREATED,
    MANAGED_TAG_KEY,
    ROLE_INTERNET_GATEWAY,
    ROLE_PUBLIC_ROUTE_TABLE,
    ROLE_TAG_KEY,
    AutoScope,
    DefaultVpc,
    Policy,
    RouteStrategy,
)
from .provenance import FINISH_ADVICE, CallerKind, iac_owner
from .routing import RouteStatus, destinations, route_status
from .text import shown

MANAGED_ROUTE_TABLE = Pending("public route table")
NEW_INTERNET_GATEWAY = Pending("internet gateway")


def managed_route_tables(snapshot: VpcSnapshot) -> tuple[RouteTable, ...]:
    """The route tables the remediator's record proves it created (never its tags)."""
    return tuple(
        sorted(
            (rt for rt in snapshot.route_tables if snapshot.ownership.owns(rt.id)),
            key=lambda rt: rt.id,
        )
    )


def claimed_route_tables(snapshot: VpcSnapshot) -> tuple[RouteTable, ...]:
    """Tables whose tags say they are the remediator's, but no record proves it."""
    return tuple(
        sorted(
            (
                rt
                for rt in snapshot.route_tables
                if not snapshot.ownership.owns(rt.id)
                and (
                    rt.tags.get(ROLE_TAG_KEY) == ROLE_PUBLIC_ROUTE_TABLE
                    or rt.tags.get(MANAGED_TAG_KEY) == MANAGED_CREATED
                )
            ),
            key=lambda rt: rt.id,
        )
    )


@dataclass
class _Builder:
    snapshot: VpcSnapshot
    policy: Policy
    intents: dict[str, SubnetIntent]
    gateway: Ref | None = None
    setup: list[Action] = field(default_factory=list)
    routes: dict[tuple[str, str], Action] = field(default_factory=dict)
    carries: list[Action] = field(default_factory=list)
    associations: list[Action] = field(default_factory=list)
    merges: list[Action] = field(default_factory=list)
    # Duplicate managed tables being merged -> the table their subnets move to.
    merged_into: dict[str, RouteTable] = field(default_factory=dict)
    # Merged duplicates governing subnets whose intent is not enforced now: their routing must
    # stay as it is, so their merge stands only if the kept table gains no route in this plan.
    merged_as_is: set[str] = field(default_factory=set)
    # subnet -> its address attribute changes, applied right after its association
    attributes: dict[str, list[Action]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    # The managed table -> the routes it carries once its planned copies are applied.
    carried: dict[str, dict[str, str]] = field(default_factory=dict)
    # For the record: each of the remediator's tables -> what it carries once applied.
    copies: dict[Ref, Mapping[Item, str]] = field(default_factory=dict)
    # Resources on hold (the record's, or a hold tag, which only ever asks for less): never
    # written.
    held: dict[str, Hold] = field(default_factory=dict)
    # The infrastructure-as-code tool whose calls triggered this plan, still building the VPC:
    # no subnet is moved off the main table under it (its own association would then fail).
    building: str = ""

    def on_hold(self, resource_id: str) -> bool:
        """Whether a resource is on hold; the first time, a finding says so."""
        if resource_id not in self.held:
            return False
        if not any(
            f.code is FindingCode.HELD and f.resource_id == resource_id for f in self.findings
        ):
            hold = self.held[resource_id]
            self.findings.append(held_finding(resource_id, hold.note, hold.tool))
        return True

    def intent(self, subnet: Subnet) -> SubnetIntent:
        return self.intents[subnet.id]

    def not_public(self, table: RouteTable) -> list[str]:
        """The subnets a table governs that are not meant to be public."""
        return [
            s.id
            for s in self.snapshot.subnets_governed_by(table)
            if self.intents[s.id].intent is not Intent.PUBLIC
        ]

    def only_public_subnets(self, table: RouteTable) -> bool:
        return not self.not_public(table)

    def may_route(self, table: RouteTable) -> bool:
        if table.is_main and self.policy.route_strategy is RouteStrategy.DEDICATED:
            return False
        return self.only_public_subnets(table)

    def find(self, code: FindingCode, resource: str, message: str, *, person: bool) -> None:
        severity = Severity.WARNING if person else Severity.INFO
        self.findings.append(Finding(code, resource, message, severity, needs_person=person))

    def set_attribute(self, subnet_id: str, action: Action) -> None:
        self.attributes.setdefault(subnet_id, []).append(action)
        self.changed.add(subnet_id)

    def fix_route(
        self, table_id: Ref, destination: str, gateway: Ref, status: RouteStatus, previous: str
    ) -> None:
        key = (str(table_id), destination)
        if key in self.routes:
            return
        if status is RouteStatus.MISSING:
            self.routes[key] = CreateRoute(
                route_table=table_id,
                destination=destination,
                gateway=gateway,
                reason=f"public subnets need {destination} -> internet gateway",
            )
        else:
            self.routes[key] = ReplaceRoute(
                route_table=table_id,
                destination=destination,
                gateway=gateway,
                previous_target=previous,
                reason=f"the {destination} route points at {previous}, which is gone",
            )


def plan_for_vpc(
    region: RegionSnapshot,
    vpc_id: str,
    policy: Policy,
    auto: AutoScope | None = None,
    *,
    restoring: bool = False,
) -> Plan:
    snapshot = region.details.get(vpc_id)
    if snapshot is None:
        finding = Finding(FindingCode.VPC_GONE, vpc_id, f"{vpc_id} no longer exists; nothing to do")
        return Plan(policy.mode, vpc_id, findings=(finding,))
    return plan_vpc(snapshot, policy, auto or AutoScope.none(), restoring=restoring)


def plan_vpc(
    snapshot: VpcSnapshot, policy: Policy, auto: AutoScope, *, restoring: bool = False
) -> Plan:
    """`restoring`: the VPC is a default VPC the remediator itself has just recreated, which
    (as AWS's own default VPCs do) gets an internet gateway."""
    intents = resolve_intents(snapshot, policy)
    b = _Builder(snapshot, policy, intents, held=_holds(snapshot), building=auto.iac_building)
    _report_intents(b)
    if b.on_hold(snapshot.vpc.id):
        return replace(_assemble(b, policy), actions=())

    public = _reachable(
        b,
        [
            s
            for s in snapshot.subnets
            if intents[s.id].intent is Intent.PUBLIC and not b.on_hold(s.id)
        ],
    )
    owners = {s.id: _owner(snapshot, s, policy) for s in public}
    enforced = {
        s.id
        for s in public
        if intents[s.id].is_explicit or (auto.covers(s.id) and not owners[s.id])
    }
    _plan_gateway(b, public, enforced, restoring=restoring)

    managed_tables = managed_route_tables(snapshot)
    managed = managed_tables[0] if managed_tables else None
    _report_claims(b)
    main = snapshot.main_route_table
    carry = _keep_in_step(b, main, managed)
    if managed is not None and len(managed_tables) > 1:
        _plan_merge_duplicates(b, managed, managed_tables[1:], carry, enforced)

    to_move: list[Subnet] = []
    gaps: dict[str, list[str]] = {}
    routable: list[Subnet] = []
    for subnet in public:
        gaps[subnet.id], blocked, move = _plan_subnet_routes(
            b, subnet, enforce=subnet.id in enforced
        )
        if move:
            to_move.append(subnet)
        if not blocked:
            routable.append(subnet)
    if to_move and main is not None:
        _plan_dedicated_table(b, main, managed, to_move, enforced, carry)
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
        if intents[subnet.id].is_explicit or finishing:
            gaps[subnet.id] += _plan_addresses(b, subnet, enforce=subnet.id in enforced)
    for subnet in public:
        if gaps[subnet.id] and subnet.id not in enforced:
            _report_gaps(b, subnet, gaps[subnet.id], owners[subnet.id], auto)
    _undo_merges_that_would_reroute(b)
    _plan_private(b)
    plan = _assemble(b, policy)
    return _read_only(plan, snapshot) if _is_shared(snapshot) else plan


def _holds(snapshot: VpcSnapshot) -> dict[str, Hold]:
    """The record's holds; a hold tag is honoured too, since it only ever asks for less (its
    words are shown as data, and choose nothing)."""
    tagged: list[Vpc | Subnet | RouteTable] = [
        snapshot.vpc,
        *snapshot.subnets,
        *snapshot.route_tables,
    ]
    held = {
        r.id: Hold(f"its tag {HOLD_TAG_KEY} says {shown(r.tags[HOLD_TAG_KEY])}")
        for r in tagged
        if HOLD_TAG_KEY in r.tags
    }
    return held | dict(snapshot.ownership.holds)


def _report_claims(b: _Builder) -> None:
    """A table that merely claims to be the remediator's (by tags anyone can write) is a
    finding, nothing more."""
    known = b.snapshot.ownership.known
    for table in claimed_route_tables(b.snapshot):
        why = (
            "the remediator's record does not say it created it"
            if known
            else "no record of the remediator's is at hand to prove it was made by it"
        )
        b.find(
            FindingCode.CLAIMED_ROUTE_TABLE,
            table.id,
            f"{_table_words(table)} is tagged as the remediator's, but {why}: it is never "
            "deleted, merged, kept in step or given subnets on that claim",
            person=known,
        )


def _table_words(table: RouteTable) -> str:
    name = table.tags.get("Name")
    return f"{table.id} ({shown(name)})" if name else table.id


def _owner(snapshot: VpcSnapshot, subnet: Subnet, policy: Policy) -> str:
    """The tool that owns the subnet (or its VPC) by its tags, or ""."""
    keys = policy.iac_tag_keys
    return iac_owner(subnet.tags, keys) or iac_owner(snapshot.vpc.tags, keys)


def _report_gaps(b: _Builder, subnet: Subnet, gaps: list[str], owner: str, auto: AutoScope) -> None:
    reason = b.intent(subnet).reason
    lacks = f"{subnet.id} looks public ({reason}) but lacks {' and '.join(gaps)}"
    advice = FINISH_ADVICE[CallerKind.IAC].format(key=b.policy.intent_tag_key)
    if owner:
        message = f"{lacks}; it is owned by {owner}, so only explicit intent changes it: {advice}"
    elif subnet.id in auto.done and auto.would_cover(subnet.id):
        b.find(
            FindingCode.AUTO_INTENT_NOT_ENFORCED,
            subnet.id,
            f"{lacks}; auto intent finished it once already, so what changed since (by hand, "
            "or by a tool) is left as it is",
            person=False,
        )
        return
    elif subnet.id in auto.maker_unknown and auto.would_cover(subnet.id):
        b.find(
            FindingCode.AUTO_INTENT_NOT_ENFORCED,
            subnet.id,
            f"{lacks}; who made it is not known (CloudTrail's event history keeps 90 days), "
            "so auto intent does not act on it: "
            + FINISH_ADVICE[CallerKind.UNKNOWN].format(key=b.policy.intent_tag_key),
            person=False,
        )
        return
    elif (maker := auto.withheld_for(subnet.id)) and auto.would_cover(subnet.id):
        message = (
            f"{lacks}; it was made by {maker}, not by a person in the console or at "
            f"the CLI, so it is that tool's to finish: {advice}"
        )
    else:
        b.find(
            FindingCode.AUTO_INTENT_NOT_ENFORCED,
            subnet.id,
            f"{lacks}; auto intent is applied only when resources are created or a gateway is "
            "attached, so a change made by hand is left as it is",
            person=False,
        )
        return
    b.find(FindingCode.OWNED_BY_TOOL, subnet.id, message, person=True)


def _report_intents(b: _Builder) -> None:
    for intent in b.intents.values():
        if intent.invalid_tag is not None:
            b.find(FindingCode.INVALID_INTENT_TAG, intent.subnet_id, intent.reason, person=True)
        elif intent.intent is Intent.UNDECIDED:
            b.find(
                FindingCode.UNDECIDED_SUBNET,
                intent.subnet_id,
                f"{intent.subnet_id} is left alone: {intent.reason}",
                person=False,
            )
        if intent.contradiction and intent.source is IntentSource.VPC_TAG:
            b.find(
                FindingCode.VPC_INTENT_CONTRADICTED,
                intent.subnet_id,
                intent.contradiction,
                person=True,
            )
        elif intent.contradiction:
            b.find(
                FindingCode.NAME_CONTRADICTS_INTENT,
                intent.subnet_id,
                intent.contradiction,
                person=False,
            )


def _reachable(b: _Builder, public: list[Subnet]) -> list[Subnet]:
    """Public subnets the internet can reach; VPC Block Public Access keeps the others out, so
    routing them or mapping public IPs would be in vain."""
    access = b.snapshot.public_access
    vpc_id = b.snapshot.vpc.id
    blocked = [s for s in public if access.blocks(vpc_id, s.id)]
    for subnet in blocked:
        b.find(
            FindingCode.BLOCKED_BY_PUBLIC_ACCESS,
            subnet.id,
            f"VPC Block Public Access ({access.mode}) keeps internet traffic from {subnet.id}, "
            "so no route or public IP is added; an allow-bidirectional exclusion for the subnet "
            f"or {vpc_id} lets it through",
            person=b.intent(subnet).is_explicit,
        )
    return [s for s in public if s not in blocked]


def _plan_gateway(
    b: _Builder, public: list[Subnet], enforced: set[str], *, restoring: bool
) -> None:
    vpc = b.snapshot.vpc
    igw = b.snapshot.attached_internet_gateway
    if igw is not None:
        b.gateway = igw.id
        return
    if not public:
        return
    # Only a subnet's own tag asks for a gateway: one tag on a VPC never builds a way out of
    # a network that has none (an air-gapped VPC).
    explicit = sorted(
        s.id for s in public if b.intent(s).source is IntentSource.SUBNET_TAG and s.id in enforced
    )
    # Routes to a gateway no longer attached: one was here, and someone detached it.
    detached = sorted(
        {
            r.target_id
            for t in b.snapshot.route_tables
            for r in t.routes
            if r.target_kind is TargetKind.IGW
        }
    )
    # A gateway is created for explicit intent when the setting allows it, or for a default
    # VPC the remediator has just recreated (AWS gives those one). A gateway that was removed
    # on purpose is not replaced on auto intent, and one a person detached never is.
    if restoring or (explicit and b.policy.create_internet_gateway and not detached):
        b.setup.append(
            CreateInternetGateway(
                ref=NEW_INTERNET_GATEWAY,
                tags=frozen_tags(
                    {
                        MANAGED_TAG_KEY: MANAGED_CREATED,
                        ROLE_TAG_KEY: ROLE_INTERNET_GATEWAY,
                        "Name": f"vpcr-igw-{vpc.id}",
                    }
                ),
                reason=f"{vpc.id} has subnets meant to be public and no internet gateway",
            )
        )
        b.setup.append(
            AttachInternetGateway(
                gateway=NEW_INTERNET_GATEWAY,
                vpc_id=vpc.id,
                reason="public subnets route through the VPC's internet gateway",
            )
        )
        b.gateway = NEW_INTERNET_GATEWAY
        return
    why = (
        f"its gateway {', '.join(detached)} was detached, and the remediator does not replace "
        "it behind anyone's back: attach one again"
        if detached
        else "attach one (or tag the subnets themselves public and allow the remediator to "
        "create it; a tag on the VPC alone never does)"
    )
    b.find(
        FindingCode.NO_INTERNET_GATEWAY,
        vpc.id,
        f"{vpc.id} has no internet gateway attached, so {', '.join(s.id for s in public)} "
        f"cannot be public; {why}",
        person=any(b.intent(s).is_explicit for s in public),
    )


def _keep_in_step(b: _Builder, main: RouteTable | None, managed: RouteTable | None) -> CarryPlan:
    """The managed table follows every change to the main table's routes, on every reconcile."""
    if main is None or managed is None:
        return CarryPlan()
    if b.on_hold(managed.id):
        return CarryPlan(problems=("on hold",))
    carry = plan_carry(b.snapshot, main, managed, managed.id)
    others = b.not_public(managed)
    if (carry.actions or carry.record) and others:
        # An ignored (or private, or undecided) subnet's table is never changed.
        b.find(
            FindingCode.ROUTES_NOT_CARRIED,
            managed.id,
            f"the managed table {managed.id} is not kept in step with {main.id}: it governs "
            f"{', '.join(others)}, which are not meant to be public, so it is left as it is",
            person=True,
        )
        return replace(carry, actions=(), record=None, problems=(*carry.problems, "hands off"))
    b.carries.extend(carry.actions)
    b.carried[managed.id] = dict(carry.routes)
    if carry.record is not None:
        b.copies[managed.id] = MappingProxyType(dict(carry.record))
    if carry.problems and managed.subnet_ids:
        b.find(
            FindingCode.ROUTES_NOT_CARRIED,
            managed.id,
            f"the managed table {managed.id} is not equal to the main table {main.id}: "
            f"{'; '.join(carry.problems)}; no further subnet is moved onto it",
            person=True,
        )
    return carry


def _plan_subnet_routes(
    b: _Builder, subnet: Subnet, *, enforce: bool
) -> tuple[list[str], bool, bool]:
    """Returns (gaps left unenforced, routing blocked, subnet must move to the managed table)."""
    explicit = b.intent(subnet).is_explicit
    table = b.snapshot.governing_route_table(subnet.id)
    if table is not None:
        table = b.merged_into.get(table.id, table)
    if table is None:
        b.find(
            FindingCode.ROUTE_CONFLICT,
            subnet.id,
            f"{subnet.id} has no route table at all",
            person=True,
        )
        return [], True, False
    carried = b.carried.get(table.id, {})
    if b.on_hold(table.id):
        return [], True, False
    statuses = {d: _will_route(table, carried, d, subnet) for d in destinations(subnet)}
    public_over_ipv4 = statuses.get(IPV4_DEFAULT, (None, ""))[0] is RouteStatus.OK
    gaps: list[str] = []
    blocked = move = False
    for destination, (status, target) in statuses.items():
        if status is RouteStatus.OK:
            continue
        if status is RouteStatus.CONFLICT:
            b.find(
                FindingCode.ROUTE_CONFLICT,
                subnet.id,
                f"{subnet.id} is meant to be public but {table.id} sends {destination} to "
                f"{target}; the remediator never redirects such a route",
                person=True,
            )
            blocked = True
            continue
        if b.gateway is None:
            blocked = True
            continue
        if b.may_route(table):
            if enforce:
                b.fix_route(table.id, destination, b.gateway, status, target)
                if table.tags.get(MANAGED_TAG_KEY) is None:
                    b.changed.add(table.id)
            else:
                gaps.append(f"a {destination} route to the internet gateway in {table.id}")
        elif table.is_main and b.policy.route_strategy is RouteStrategy.DEDICATED:
            if public_over_ipv4:
                b.find(
                    FindingCode.IPV6_ROUTE_MISSING,
                    subnet.id,
                    f"{subnet.id} is public over IPv4 through the main table {table.id}, which "
                    f"has no {destination} route; it is not moved just for IPv6: add "
                    f"{destination} -> internet gateway to {table.id} (or use RouteStrategy=main)",
                    person=explicit or enforce,
                )
            elif enforce and b.building:
                b.find(
                    FindingCode.LEFT_TO_IAC,
                    subnet.id,
                    f"{subnet.id} is meant to be public but is still on the main table while "
                    f"{b.building} builds the VPC: it is not moved under that tool (its own "
                    "association would then fail); the sweep finishes it if the tool does not",
                    person=False,
                )
                blocked = True
            elif enforce:
                move = True
            else:
                gaps.append(f"a {destination} route to the internet gateway")
        else:
            b.find(
                FindingCode.SHARED_ROUTE_TABLE,
                subnet.id,
                f"{subnet.id} needs {destination} -> internet gateway, but {table.id} also "
                f"governs {', '.join(b.not_public(table))}, which must not become public",
                person=explicit or enforce,
            )
            blocked = True
    return gaps, blocked, move and not blocked


def _plan_addresses(b: _Builder, subnet: Subnet, *, enforce: bool) -> list[str]:
    """Public addresses on launch: IPv4 mapping, or an IPv6 address for an IPv6-only subnet."""
    action: type[SetAssignIpv6AddressOnCreation | SetMapPublicIpOnLaunch]
    if subnet.ipv6_only:
        wanted, has = b.policy.assign_ipv6_on_creation, subnet.assign_ipv6_address_on_creation
        gap, action = "IPv6 address assignment on creation", SetAssignIpv6AddressOnCreation
        reason = "instances in a public IPv6-only subnet need an IPv6 address"
    else:
        wanted, has = b.policy.map_public_ip, subnet.map_public_ip_on_launch
        gap, action = "public IPv4 mapping on launch", SetMapPublicIpOnLaunch
        reason = "instances in a public subnet need a public IPv4 address"
    if not wanted or has:
        return []
    if not enforce:
        return [gap]
    b.set_attribute(subnet.id, action(subnet_id=subnet.id, enabled=True, reason=reason))
    return []


def _will_route(
    managed: RouteTable | None, carried: dict[str, str], destination: str, subnet: Subnet
) -> tuple[RouteStatus, str]:
    """What the managed table will do for `destination` once its copies are in place."""
    if destination in carried:
        copy = RouteTable("", "", routes=(Route(destination, carried[destination]),))
        return route_status(copy, destination, subnet)
    if managed is None:
        return RouteStatus.MISSING, ""
    return route_status(managed, destination, subnet)


def _defaults_kept(
    main: RouteTable, managed: RouteTable | None, carried: dict[str, str]
) -> tuple[set[str], list[str]]:
    """What the main table's default routes give a subnet, the table it moves to must give too:
    returns the destinations to route to the internet gateway, and why that is impossible.
    A new table copies `::/0 -> eigw-...` (added to `carried`)."""
    to_internet: set[str] = set()
    problems: list[str] = []
    for destination in (IPV4_DEFAULT, IPV6_DEFAULT):
        route = main.default_route(destination)
        if route is None:
            continue
        if route.target_kind is TargetKind.IGW:
            to_internet.add(destination)
        elif destination == IPV4_DEFAULT:
            # Only IPv6-only subnets get this far: they would lose the table's IPv4 route.
            problems.append(
                f"it sends {IPV4_DEFAULT} to {route.target_id}, and a managed table sends it "
                "to the internet gateway"
            )
        elif managed is None:
            carried[destination] = route.target_id
        elif (
            kept := managed.default_route(destination)
        ) is None or kept.target_id != route.target_id:
            problems.append(
                f"it sends {destination} to {route.target_id}, and the managed table "
                f"{managed.id} does not"
            )
    return to_internet, problems


def _new_managed_table(
    b: _Builder, main: RouteTable, carry: CarryPlan, carried: dict[str, str]
) -> Ref:
    vpc_id = b.snapshot.vpc.id
    b.setup.append(
        CreateRouteTable(
            vpc_id=vpc_id,
            ref=MANAGED_ROUTE_TABLE,
            tags=frozen_tags(
                {
                    MANAGED_TAG_KEY: MANAGED_CREATED,
                    ROLE_TAG_KEY: ROLE_PUBLIC_ROUTE_TABLE,
                    "Name": f"vpcr-public-{vpc_id}",
                }
            ),
            reason="public subnets get their own route table; the main table stays private",
        )
    )
    b.carries.extend(carry.actions)
    b.carries.extend(
        CopyRoute(
            route_table=MANAGED_ROUTE_TABLE,
            destination=destination,
            target=target,
            source_table=main.id,
            reason=f"subnets moving off {main.id} keep its {destination} route",
        )
        for destination, target in carried.items()
        if destination in (IPV4_DEFAULT, IPV6_DEFAULT)
    )
    b.copies[MANAGED_ROUTE_TABLE] = MappingProxyType(dict(carry.record or {}))
    return MANAGED_ROUTE_TABLE


def _plan_dedicated_table(  # noqa: PLR0917 - one call site, named by position there
    b: _Builder,
    main: RouteTable,
    managed: RouteTable | None,
    subnets: list[Subnet],
    enforced: set[str],
    carry: CarryPlan,
) -> None:
    """Move `subnets` off the main table onto the managed table (created when there is none),
    only where they keep every route they had and gain the route to the internet gateway."""
    gateway = b.gateway
    if gateway is None:  # subnets are only moved once a gateway is known
        return
    if managed is not None and b.on_hold(managed.id):
        return
    moving = ", ".join(s.id for s in subnets)
    if managed is None and (claimed := claimed_route_tables(b.snapshot)):
        # Not a second table beside one that says it is the remediator's: a person decides.
        b.find(
            FindingCode.CLAIMED_ROUTE_TABLE,
            subnets[0].id,
            f"{moving} not moved off the main table {main.id}: "
            f"{', '.join(t.id for t in claimed)} says it is the remediator's public table, which "
            "its record does not prove, and a second one is not made beside it",
            person=True,
        )
        return
    if managed is None:
        carry = plan_carry(b.snapshot, main, None, MANAGED_ROUTE_TABLE)
    carried = dict(carry.routes)
    to_internet, problems = _defaults_kept(main, managed, carried)
    problems = [*carry.problems, *problems]
    if problems:
        b.find(
            FindingCode.ROUTES_NOT_CARRIED,
            subnets[0].id,
            f"{moving} not moved off the main table {main.id}: a managed public table cannot "
            f"keep every route it has ({'; '.join(problems)}); use RouteStrategy=main, or "
            "associate them with a route table of your own that routes to the internet gateway",
            person=True,
        )
        return
    if managed is not None and not b.only_public_subnets(managed):
        b.find(
            FindingCode.SHARED_ROUTE_TABLE,
            managed.id,
            f"the managed table {managed.id} governs subnets not meant to be public; "
            f"{moving} are not moved to it",
            person=True,
        )
        return
    needed = {(d, s.id) for s in subnets for d in destinations(s)}
    needed |= {(d, subnets[0].id) for d in to_internet}
    by_id = {s.id: s for s in subnets}
    statuses = {(d, sid): _will_route(managed, carried, d, by_id[sid]) for d, sid in sorted(needed)}
    for (destination, _), (status, target) in statuses.items():
        if status is RouteStatus.CONFLICT:
            b.find(
                FindingCode.ROUTE_CONFLICT,
                managed.id if managed else b.snapshot.vpc.id,
                f"the managed table sends {destination} to {target}; {moving} are not moved to it",
                person=True,
            )
            return
    if managed is not None:
        missing = {d for (d, _), (status, _) in statuses.items() if status is RouteStatus.MISSING}
        # A route this plan already restores for a subnet whose intent is enforced is not left
        # out by a person's hand any more.
        missing -= {d for table, d in b.routes if table == managed.id}
        hands_off = [
            s.id
            for s in b.snapshot.subnets_governed_by(managed)
            if s.id not in enforced and missing & set(destinations(s))
        ]
        if hands_off:
            # Its subnets lack the route by a person's hand; another subnet is no reason to
            # put it back.
            b.find(
                FindingCode.MANAGED_ROUTE_REMOVED,
                managed.id,
                f"the {', '.join(sorted(missing))} route of the managed table {managed.id} was "
                f"removed by hand (it governs {', '.join(hands_off)}); it is not restored, and "
                f"{moving} are left on the main table",
                person=True,
            )
            return
    table = managed.id if managed is not None else _new_managed_table(b, main, carry, carried)
    for (destination, _), (status, target) in sorted(statuses.items()):
        if status is not RouteStatus.OK:
            b.fix_route(table, destination, gateway, status, target)
    for subnet in subnets:
        b.associations.append(
            AssociateRouteTable(
                route_table=table,
                subnet_id=subnet.id,
                reason=f"{subnet.id} is public and the main table has no internet route",
            )
        )
        b.changed.add(subnet.id)


def _defaults(table: RouteTable) -> dict[str, str]:
    """A table's default routes (destination -> target, and "(blackhole)" after a target that
    is gone), as made, not learned."""
    return {
        d: route.target_id + (" (blackhole)" if route.state is RouteState.BLACKHOLE else "")
        for d in (IPV4_DEFAULT, IPV6_DEFAULT)
        if (route := table.route_to(d)) is not None and not route.is_learned
    }


def _covers(table: RouteTable) -> frozenset[tuple[str, str]]:
    """The routes that stand for a table's default route (0.0.0.0/1 + 128.0.0.0/1, ...)."""
    covering = table.covering_destinations()
    return frozenset(
        (r.destination, r.target_id) for r in table.routes if r.destination in covering
    )


def _plan_merge_duplicates(
    b: _Builder,
    canonical: RouteTable,
    duplicates: tuple[RouteTable, ...],
    carry: CarryPlan,
    enforced: set[str],
) -> None:
    """Concurrent reconciles can each create a table before seeing the others'. Every reconcile
    merges them the same way: the lowest id stays, the others' subnets move to it, and the
    emptied tables are deleted. Only tables the record proves are the remediator's are merged,
    and only where the whole route sets agree, so that no subnet's routing changes and no
    route is lost: a default route only the duplicate has is added to the kept table first
    (where every subnet it governs is meant to be public and in scope); one only the kept
    table has reaches the duplicate's subnets only where their intent is enforced.
    """
    kept_items = (
        dict(carry.items)
        if carry.items is not None
        else dict(carried_by(canonical, b.snapshot).items)
    )
    kept_defaults = _defaults(canonical)
    hands_off = [s.id for s in b.snapshot.subnets_governed_by(canonical) if s.id not in enforced]
    to_add: set[str] = set()

    def why_not(table: RouteTable) -> str:
        if table.id in b.held:
            return "is on hold"
        if b.gateway is None and any(r.target_kind is TargetKind.IGW for r in table.routes):
            # With no gateway attached, the record that one was detached: deleting it would
            # let the next plan replace a gateway someone took away.
            return "routes to an internet gateway no longer attached (someone detached it)"
        items = dict(carried_by(table, b.snapshot).items)
        defaults = _defaults(table)
        if not table.subnet_ids:
            # It serves no subnet: deleted only where the kept table holds all it holds.
            extra = [f"{k} -> {t}" for (_, k), t in set(items.items()) - set(kept_items.items())]
            # (A default route to the attached gateway is the remediator's own, and serves
            # nobody here.)
            extra += [
                f"{d} -> {t}"
                for d, t in defaults.items()
                if kept_defaults.get(d) != t and t != str(b.gateway)
            ]
            extra += [f"{d} -> {t}" for d, t in _covers(table) - _covers(canonical)]
            return (
                f"it holds routes {canonical.id} does not ({', '.join(sorted(extra))})"
                if extra
                else ""
            )
        if not b.only_public_subnets(table):  # an ignored or private subnet is never moved
            return "governs subnets not meant to be public"
        if not b.only_public_subnets(canonical):  # nor is one moved in beside it
            return f"{canonical.id} governs subnets not meant to be public"
        if _covers(table) != _covers(canonical):
            return f"its routes that cover the default differ from those of {canonical.id}"
        if items != kept_items:
            differ = sorted(set(items.items()) ^ set(kept_items.items()))
            return f"its routes differ from those of {canonical.id} ({_items_words(differ)})"
        unenforced = table.subnet_ids - enforced
        for destination in (IPV4_DEFAULT, IPV6_DEFAULT):
            here, there = defaults.get(destination), kept_defaults.get(destination)
            if not unenforced:  # a gateway gone is repaired for enforced subnets, wherever
                here = _repaired(table, destination, b.gateway) or here
                there = _repaired(canonical, destination, b.gateway) or there
            if here == there:
                continue
            if there is None and here == b.gateway and not hands_off:
                to_add.add(destination)  # the kept table gains it before anything moves
                continue
            if here is None and there == b.gateway and not unenforced:
                continue  # its subnets are meant to be public, enforced, and get the route
            return (
                f"it sends {destination} to {here or 'nowhere'} and {canonical.id} to "
                f"{there or 'nowhere'}"
            )
        if unenforced:
            b.merged_as_is.add(table.id)  # merged only if the kept table gains nothing now
        return ""

    reasons = {t.id: why_not(t) for t in duplicates}
    for table in duplicates:
        if reasons[table.id]:
            b.find(
                FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
                table.id,
                f"{table.id} is a second public table of the remediator's besides "
                f"{canonical.id}, but {reasons[table.id]}; it is left as it is",
                person=True,
            )
    mergeable = [t for t in duplicates if not reasons[t.id]]
    if not mergeable:
        return
    if to_add and (b.gateway is None or not b.only_public_subnets(canonical)):
        b.find(
            FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
            canonical.id,
            f"duplicates of the managed table {canonical.id} are not merged into it: it "
            f"cannot take their {', '.join(sorted(to_add))} route",
            person=True,
        )
        return
    for destination in sorted(to_add):
        assert b.gateway is not None  # noqa: S101 - to_add names only the attached gateway
        b.fix_route(canonical.id, destination, b.gateway, RouteStatus.MISSING, "")
    b.merged_into.update({t.id: canonical for t in mergeable})
    for table in mergeable:
        for association_id, subnet_id in table.associations:
            b.merges.append(
                ReplaceRouteTableAssociation(
                    association_id=association_id,
                    route_table=canonical.id,
                    subnet_id=subnet_id,
                    reason=f"one managed public table per VPC: {canonical.id} is kept",
                )
            )
    for table in mergeable:
        b.merges.append(
            DeleteRouteTable(
                route_table=table.id,
                reason=f"a duplicate of {canonical.id}, created by a concurrent reconcile",
            )
        )


def _repaired(table: RouteTable, destination: str, gateway: Ref | None) -> str:
    """The attached gateway, where the table's default route is to one that is gone."""
    route = table.route_to(destination)
    if route is None or route.target_kind is not TargetKind.IGW or not gateway:
        return ""
    return str(gateway) if route.state is RouteState.BLACKHOLE else ""


def _undo_merges_that_would_reroute(b: _Builder) -> None:
    """A duplicate whose subnets' intent is not enforced now is merged only into a table that
    routes them as it did: not if this plan gives the kept table a route."""
    gaining = {table for table, _ in b.routes}
    undone = {
        t
        for t in b.merged_as_is
        if (kept := b.merged_into.get(t)) is not None and kept.id in gaining
    }
    if not undone:
        return
    moved = {sid for t in b.snapshot.route_tables if t.id in undone for sid in t.subnet_ids}
    b.merges = [
        a
        for a in b.merges
        if not (isinstance(a, DeleteRouteTable) and a.route_table in undone)
        and not (isinstance(a, ReplaceRouteTableAssociation) and a.subnet_id in moved)
    ]
    for table_id in sorted(undone):
        kept = b.merged_into.pop(table_id)
        b.find(
            FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
            table_id,
            f"{table_id} is a second public table of the remediator's besides {kept.id}, but "
            f"{kept.id} gains a route now and the subnets on {table_id} are not in scope of "
            "auto intent: it is left as it is",
            person=False,
        )


def _items_words(items: list[tuple[Item, str]]) -> str:
    shown_items = [f"{key} -> {target or kind}" for (kind, key), target in items[:3]]
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    return ", ".join(shown_items) + more


def _plan_private(b: _Builder) -> None:
    for subnet in b.snapshot.subnets:
        intent = b.intent(subnet)
        if intent.intent is not Intent.PRIVATE or not intent.is_explicit or b.on_hold(subnet.id):
            continue
        if subnet.map_public_ip_on_launch:
            b.set_attribute(
                subnet.id,
                SetMapPublicIpOnLaunch(
                    subnet_id=subnet.id,
                    enabled=False,
                    reason=f"{intent.reason}: private subnets get no public IPv4 address",
                ),
            )
        table = b.snapshot.governing_route_table(subnet.id)
        if table is None:
            continue
        public = [
            d
            for d in destinations(subnet)
            if (route := table.default_route(d)) is not None
            and route.target_kind is TargetKind.IGW
            and route_status(table, d, subnet)[0] is RouteStatus.OK
        ]
        if public:
            b.find(
                FindingCode.EXPLICIT_INTENT_UNMET,
                subnet.id,
                f"{subnet.id} is tagged private but {table.id} routes {public[0]} to an "
                "internet gateway; the remediator never deletes routes: move or fix it by hand",
                person=True,
            )


def _assemble(b: _Builder, policy: Policy) -> Plan:
    already_tagged = {s.id for s in b.snapshot.subnets if s.tags.get(MANAGED_TAG_KEY)} | {
        rt.id for rt in b.snapshot.route_tables if rt.tags.get(MANAGED_TAG_KEY)
    }
    to_tag = tuple(sorted(b.changed - already_tagged))
    tags: list[Action] = []
    if to_tag:
        # Tagged first: a reconcile that stops part way (its time is up) has said so already.
        tags.append(
            TagResources(
                resource_ids=to_tag,
                tags=frozen_tags({MANAGED_TAG_KEY: MANAGED_CHANGED}),
                reason="every resource the remediator changes says so",
            )
        )
    # Each subnet is finished (moved, then its attributes) before the next one is started, so
    # a reconcile that stops part way leaves whole subnets done. Public addresses wait for the
    # table that will route the subnet.
    moves = {a.subnet or "": a for a in [*b.merges, *b.associations] if a.moves_subnet}
    emptied = [a for a in b.merges if not a.moves_subnet]  # duplicates deleted once emptied

    def addressed(subnet_id: str) -> list[Action]:
        move = moves.get(subnet_id)
        table = move.table if move is not None else None
        if table is None and (governing := b.snapshot.governing_route_table(subnet_id)):
            table = governing.id
        return [
            replace(a, route_table=table)
            if isinstance(a, SetMapPublicIpOnLaunch | SetAssignIpv6AddressOnCreation) and a.enabled
            else a
            for a in b.attributes.get(subnet_id, ())
        ]

    per_subnet: list[Action] = []
    for subnet_id, move in moves.items():
        per_subnet += [move, *addressed(subnet_id)]
    per_subnet += emptied
    per_subnet += [a for sid in b.attributes if sid not in moves for a in addressed(sid)]
    actions: list[Action] = [*b.setup, *tags, *b.routes.values(), *b.carries, *per_subnet]
    return Plan(
        mode=policy.mode,
        scope=b.snapshot.vpc.id,
        actions=tuple(actions),
        findings=tuple(b.findings),
        intents=tuple(b.intents.values()),
        copies=MappingProxyType(dict(b.copies)),
    )


def _is_shared(snapshot: VpcSnapshot) -> bool:
    """Owned by another account: the VPC, or any of its subnets or route tables."""
    owners = [snapshot.vpc.owner_id, *(s.owner_id for s in snapshot.subnets)]
    owners += [t.owner_id for t in snapshot.route_tables]
    return any(snapshot.foreign(owner) for owner in owners)


def _read_only(plan: Plan, snapshot: VpcSnapshot) -> Plan:
    """A VPC shared with this account (RAM): what it lacks is reported, to its owner's account;
    nothing is written here, and nothing here needs this account's people."""
    owner = next(
        o
        for o in (snapshot.vpc.owner_id, *(s.owner_id for s in snapshot.subnets))
        if snapshot.foreign(o)
    )
    lacks = "; ".join(a.summary for a in plan.actions) or "nothing"
    finding = Finding(
        FindingCode.SHARED_VPC,
        snapshot.vpc.id,
        f"{snapshot.vpc.id} is owned by account {owner} and shared with this account: it is "
        f"read and reported, never changed from here; what its owner would change: {lacks}",
    )
    quiet = tuple(replace(f, needs_person=False, severity=Severity.INFO) for f in plan.findings)
    return replace(plan, actions=(), findings=(*quiet, finding))


def plan_region(region: RegionSnapshot, policy: Policy) -> Plan:
    """The region-level rule: the default VPC (DESIGN.md section 5, 'For the region')."""
    if region.default_vpc is not None:
        return Plan(policy.mode, region.region)
    if policy.default_vpc is DefaultVpc.ABSENT_BY_POLICY:
        quiet = Finding(
            FindingCode.DEFAULT_VPC_ABSENT_BY_POLICY,
            region.region,
            f"{region.region} has no default VPC, by policy: tools that only look at the "
            "default VPC (SkyPilot without aws.vpc_name) find no subnet there",
        )
        return Plan(policy.mode, region.region, findings=(quiet,))
    finding = Finding(
        FindingCode.NO_DEFAULT_VPC,
        region.region,
        f"{region.region} has no default VPC: tools that only look at the default VPC "
        "(SkyPilot without aws.vpc_name) find no subnet there",
        Severity.WARNING,
        needs_person=True,
    )
    actions: tuple[Action, ...] = ()
    if policy.restore_default_vpc:
        actions = (CreateDefaultVpc(reason="the setting to restore the default VPC is on"),)
    return Plan(policy.mode, region.region, actions=actions, findings=(finding,))
