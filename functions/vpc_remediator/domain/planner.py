"""Decide what to change: `plan_for_vpc(snapshot, policy, auto) -> Plan` (DESIGN.md section 5).

Pure: no I/O, no environment, no clock. A compliant VPC yields an empty plan, so a repeated
event does nothing. Safety rules the code below keeps, in one place:

- a default route to the internet gateway is only ever added to (or repaired in) a table whose
  every subnet is meant to be public, so no private, ignored or undecided subnet becomes public;
- the `dedicated` strategy never touches the main table;
- a default route to anything but an internet gateway is a conflict: reported, never redirected;
- auto intent is enforced only for subnets in the `AutoScope` of the trigger; otherwise gaps are
  reported, so a person's later change by hand is respected.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum, auto

from .actions import (
    Action,
    AssociateRouteTable,
    AttachInternetGateway,
    CreateDefaultVpc,
    CreateInternetGateway,
    CreateRoute,
    CreateRouteTable,
    DeleteRouteTable,
    Pending,
    Ref,
    ReplaceRoute,
    ReplaceRouteTableAssociation,
    SetMapPublicIpOnLaunch,
    TagResources,
)
from .findings import Finding, FindingCode, Severity
from .intent import Intent, SubnetIntent, resolve_intents
from .model import (
    IPV4_DEFAULT,
    IPV6_DEFAULT,
    RegionSnapshot,
    RouteState,
    RouteTable,
    Subnet,
    TargetKind,
    VpcSnapshot,
    frozen_tags,
)
from .policy import (
    MANAGED_CHANGED,
    MANAGED_CREATED,
    MANAGED_TAG_KEY,
    ROLE_INTERNET_GATEWAY,
    ROLE_PUBLIC_ROUTE_TABLE,
    ROLE_TAG_KEY,
    AutoScope,
    Mode,
    Policy,
    RouteStrategy,
)

MANAGED_ROUTE_TABLE = Pending("public route table")
NEW_INTERNET_GATEWAY = Pending("internet gateway")


@dataclass(frozen=True)
class Plan:
    mode: Mode
    scope: str  # the VPC id, or the region for a region-level plan
    actions: tuple[Action, ...] = ()
    findings: tuple[Finding, ...] = ()
    intents: tuple[SubnetIntent, ...] = ()

    @property
    def writes(self) -> tuple[Action, ...]:
        """The actions to apply: none at all in audit mode."""
        return self.actions if self.mode is Mode.REMEDIATE else ()


class _Route(Enum):
    OK = auto()
    MISSING = auto()
    BLACKHOLE = auto()
    CONFLICT = auto()


def _route_status(table: RouteTable, destination: str) -> tuple[_Route, str]:
    route = table.route_to(destination)
    if route is None:
        return _Route.MISSING, ""
    if route.state is RouteState.BLACKHOLE:
        return _Route.BLACKHOLE, route.target_id
    if route.target_kind is TargetKind.IGW:
        return _Route.OK, route.target_id
    return _Route.CONFLICT, route.target_id


def _destinations(subnet: Subnet) -> tuple[str, ...]:
    return (IPV4_DEFAULT, IPV6_DEFAULT) if subnet.has_ipv6 else (IPV4_DEFAULT,)


def managed_route_tables(snapshot: VpcSnapshot) -> tuple[RouteTable, ...]:
    return tuple(
        sorted(
            (
                rt
                for rt in snapshot.route_tables
                if rt.tags.get(ROLE_TAG_KEY) == ROLE_PUBLIC_ROUTE_TABLE
            ),
            key=lambda rt: rt.id,
        )
    )


def managed_route_table_token(snapshot: VpcSnapshot) -> str:
    """A ClientToken that concurrent reconciles of the same state share, so AWS creates one table.

    It changes whenever the VPC's set of route tables changes, so a later re-creation (after a
    person deleted the managed table) is not answered with the old, deleted table.
    """
    seed = "|".join([snapshot.vpc.id, *sorted(rt.id for rt in snapshot.route_tables)])
    return "vpcr-" + hashlib.sha256(seed.encode()).hexdigest()[:40]


@dataclass
class _Builder:
    snapshot: VpcSnapshot
    policy: Policy
    intents: dict[str, SubnetIntent]
    gateway: Ref | None = None
    setup: list[Action] = field(default_factory=list)
    routes: dict[tuple[str, str], Action] = field(default_factory=dict)
    associations: list[Action] = field(default_factory=list)
    merges: list[Action] = field(default_factory=list)
    # Duplicate managed tables being merged -> the table their subnets move to.
    merged_into: dict[str, RouteTable] = field(default_factory=dict)
    attributes: list[Action] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)

    def intent(self, subnet: Subnet) -> SubnetIntent:
        return self.intents[subnet.id]

    def only_public_subnets(self, table: RouteTable) -> bool:
        return all(
            self.intents[s.id].intent is Intent.PUBLIC
            for s in self.snapshot.subnets_governed_by(table)
        )

    def may_route(self, table: RouteTable) -> bool:
        if table.is_main and self.policy.route_strategy is RouteStrategy.DEDICATED:
            return False
        return self.only_public_subnets(table)

    def find(self, code: FindingCode, resource: str, message: str, *, person: bool) -> None:
        severity = Severity.WARNING if person else Severity.INFO
        self.findings.append(Finding(code, resource, message, severity, needs_person=person))

    def fix_route(
        self, table_id: Ref, destination: str, gateway: Ref, status: _Route, previous: str
    ) -> None:
        key = (str(table_id), destination)
        if key in self.routes:
            return
        if status is _Route.MISSING:
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
    region: RegionSnapshot, vpc_id: str, policy: Policy, auto: AutoScope | None = None
) -> Plan:
    snapshot = region.details.get(vpc_id)
    if snapshot is None:
        finding = Finding(FindingCode.VPC_GONE, vpc_id, f"{vpc_id} no longer exists; nothing to do")
        return Plan(policy.mode, vpc_id, findings=(finding,))
    return plan_vpc(snapshot, policy, auto or AutoScope.none())


def plan_vpc(snapshot: VpcSnapshot, policy: Policy, auto: AutoScope) -> Plan:
    intents = resolve_intents(snapshot, policy)
    b = _Builder(snapshot, policy, intents)
    _report_intents(b)

    public = [s for s in snapshot.subnets if intents[s.id].intent is Intent.PUBLIC]
    enforced = {s.id for s in public if intents[s.id].is_explicit or auto.covers(s.id)}
    _plan_gateway(b, public, enforced)

    managed_tables = managed_route_tables(snapshot)
    managed = managed_tables[0] if managed_tables else None
    if managed is not None and len(managed_tables) > 1:
        _plan_merge_duplicates(b, managed, managed_tables[1:])

    to_move: list[Subnet] = []
    for subnet in public:
        gaps, blocked, move = _plan_subnet_routes(b, subnet, enforce=subnet.id in enforced)
        if move:
            to_move.append(subnet)
        if not blocked and policy.map_public_ip and not subnet.map_public_ip_on_launch:
            if subnet.id in enforced:
                b.attributes.append(
                    SetMapPublicIpOnLaunch(
                        subnet_id=subnet.id,
                        enabled=True,
                        reason="instances in a public subnet need a public IPv4 address",
                    )
                )
                b.changed.add(subnet.id)
            else:
                gaps.append("public IPv4 mapping on launch")
        if gaps and subnet.id not in enforced:
            b.find(
                FindingCode.AUTO_INTENT_NOT_ENFORCED,
                subnet.id,
                f"{subnet.id} looks public ({intents[subnet.id].reason}) but lacks "
                f"{' and '.join(gaps)}; auto intent is applied only when resources are created "
                "or a gateway is attached, so a change made by hand is left as it is",
                person=False,
            )
    if to_move:
        _plan_dedicated_table(b, managed, to_move)
    _plan_private(b)
    return _assemble(b, policy)


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


def _plan_gateway(b: _Builder, public: list[Subnet], enforced: set[str]) -> None:
    vpc = b.snapshot.vpc
    igw = b.snapshot.attached_internet_gateway
    if igw is not None:
        b.gateway = igw.id
        return
    if not public:
        return
    # A default VPC always has a gateway on AWS; restoring one restores its gateway too.
    allowed = b.policy.create_internet_gateway or (vpc.is_default and b.policy.restore_default_vpc)
    if enforced and allowed:
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
    explicit = sorted(s.id for s in public if b.intent(s).is_explicit) or vpc.is_default
    b.find(
        FindingCode.NO_INTERNET_GATEWAY,
        vpc.id,
        f"{vpc.id} has no internet gateway attached, so {', '.join(s.id for s in public)} "
        "cannot be public; attach one (or allow the remediator to create it)",
        person=bool(explicit),
    )


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
    gaps: list[str] = []
    blocked = move = False
    for destination in _destinations(subnet):
        status, target = _route_status(table, destination)
        if status is _Route.OK:
            continue
        if status is _Route.CONFLICT:
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
            if enforce:
                move = True
            else:
                gaps.append(f"a {destination} route to the internet gateway")
        else:
            others = [
                s.id
                for s in b.snapshot.subnets_governed_by(table)
                if b.intents[s.id].intent is not Intent.PUBLIC
            ]
            b.find(
                FindingCode.SHARED_ROUTE_TABLE,
                subnet.id,
                f"{subnet.id} needs {destination} -> internet gateway, but {table.id} also "
                f"governs {', '.join(others)}, which must not become public",
                person=explicit or enforce,
            )
            blocked = True
    return gaps, blocked, move and not blocked


def _plan_dedicated_table(b: _Builder, managed: RouteTable | None, subnets: list[Subnet]) -> None:
    gateway = b.gateway
    if gateway is None:  # subnets are only moved once a gateway is known
        return
    destinations = sorted({d for s in subnets for d in _destinations(s)})
    vpc_id = b.snapshot.vpc.id
    table: Ref
    if managed is None:
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
                client_token=managed_route_table_token(b.snapshot),
                reason="public subnets get their own route table; the main table stays private",
            )
        )
        table = MANAGED_ROUTE_TABLE
        for destination in destinations:
            b.fix_route(table, destination, gateway, _Route.MISSING, "")
    else:
        if not b.only_public_subnets(managed):
            b.find(
                FindingCode.SHARED_ROUTE_TABLE,
                managed.id,
                f"the managed table {managed.id} governs subnets not meant to be public; "
                f"{', '.join(s.id for s in subnets)} are not moved to it",
                person=True,
            )
            return
        for destination in destinations:
            status, target = _route_status(managed, destination)
            if status is _Route.CONFLICT:
                b.find(
                    FindingCode.ROUTE_CONFLICT,
                    managed.id,
                    f"the managed table {managed.id} sends {destination} to {target}; "
                    "subnets are not moved to it",
                    person=True,
                )
                return
            if status is not _Route.OK:
                b.fix_route(managed.id, destination, gateway, status, target)
        table = managed.id
    for subnet in subnets:
        b.associations.append(
            AssociateRouteTable(
                route_table=table,
                subnet_id=subnet.id,
                reason=f"{subnet.id} is public and the main table has no internet route",
            )
        )
        b.changed.add(subnet.id)


def _only_default_routes(table: RouteTable) -> bool:
    """A table holding nothing but what the remediator puts there (local and IGW defaults)."""
    return all(
        r.target_id == "local" or (r.is_default and r.target_kind is TargetKind.IGW)
        for r in table.routes
    )


def _plan_merge_duplicates(
    b: _Builder, canonical: RouteTable, duplicates: tuple[RouteTable, ...]
) -> None:
    """Concurrent reconciles can each create a managed table before seeing the others' (AWS's
    ClientToken prevents it; an emulator may not). Every reconcile merges them the same way:
    the lowest id stays, the others' subnets move to it, and the emptied tables are deleted.
    """
    mergeable = [
        t
        for t in duplicates
        if t.tags.get(MANAGED_TAG_KEY) == MANAGED_CREATED
        and _only_default_routes(t)
        and b.only_public_subnets(t)  # an ignored or private subnet is never moved
    ]
    for table in duplicates:
        if table not in mergeable:
            b.find(
                FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
                table.id,
                f"{table.id} is tagged as a managed public table besides {canonical.id} but "
                "holds routes the remediator did not add or subnets not meant to be public; "
                "it is left as it is",
                person=True,
            )
    moving = [(assoc, sid) for t in mergeable for assoc, sid in t.associations]
    destinations = sorted(
        {
            d
            for s in b.snapshot.subnets
            for _, sid in moving
            if s.id == sid
            for d in _destinations(s)
        }
    )
    for destination in destinations:
        status, target = _route_status(canonical, destination)
        if status is _Route.OK:
            continue
        if status is _Route.CONFLICT or b.gateway is None or not b.only_public_subnets(canonical):
            b.find(
                FindingCode.DUPLICATE_MANAGED_ROUTE_TABLE,
                canonical.id,
                f"duplicates of the managed table {canonical.id} are not merged into it: it "
                f"cannot route {destination} to an internet gateway for them",
                person=True,
            )
            return
        b.fix_route(canonical.id, destination, b.gateway, status, target)
    b.merged_into.update({t.id: canonical for t in mergeable})
    for association_id, subnet_id in moving:
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


def _plan_private(b: _Builder) -> None:
    for subnet in b.snapshot.subnets:
        intent = b.intent(subnet)
        if intent.intent is not Intent.PRIVATE or not intent.is_explicit:
            continue
        if subnet.map_public_ip_on_launch:
            b.attributes.append(
                SetMapPublicIpOnLaunch(
                    subnet_id=subnet.id,
                    enabled=False,
                    reason=f"{intent.reason}: private subnets get no public IPv4 address",
                )
            )
            b.changed.add(subnet.id)
        table = b.snapshot.governing_route_table(subnet.id)
        if table is not None and _route_status(table, IPV4_DEFAULT)[0] is _Route.OK:
            b.find(
                FindingCode.EXPLICIT_INTENT_UNMET,
                subnet.id,
                f"{subnet.id} is tagged private but {table.id} routes {IPV4_DEFAULT} to an "
                "internet gateway; the remediator never deletes routes: move or fix it by hand",
                person=True,
            )


def _assemble(b: _Builder, policy: Policy) -> Plan:
    actions: list[Action] = [
        *b.setup,
        *b.routes.values(),
        *b.merges,
        *b.associations,
        *b.attributes,
    ]
    already_tagged = {s.id for s in b.snapshot.subnets if s.tags.get(MANAGED_TAG_KEY)} | {
        rt.id for rt in b.snapshot.route_tables if rt.tags.get(MANAGED_TAG_KEY)
    }
    to_tag = tuple(sorted(b.changed - already_tagged))
    if to_tag:
        actions.append(
            TagResources(
                resource_ids=to_tag,
                tags=frozen_tags({MANAGED_TAG_KEY: MANAGED_CHANGED}),
                reason="every resource the remediator changes says so",
            )
        )
    return Plan(
        mode=policy.mode,
        scope=b.snapshot.vpc.id,
        actions=tuple(actions),
        findings=tuple(b.findings),
        intents=tuple(b.intents.values()),
    )


def plan_region(region: RegionSnapshot, policy: Policy) -> Plan:
    """The region-level rule: the default VPC (DESIGN.md section 5, 'For the region')."""
    if region.default_vpc is not None:
        return Plan(policy.mode, region.region)
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
