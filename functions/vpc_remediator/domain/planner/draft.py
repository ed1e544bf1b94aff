"""The plan being drafted for one VPC: what each step adds, and the questions they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..actions import (
    Action,
    CreateRoute,
    Pending,
    Ref,
    ReplaceRoute,
)
from ..findings import Finding, FindingCode, Severity, held_finding
from ..intent import Intent, SubnetIntent
from ..model import (
    Hold,
    Item,
    Route,
    RouteTable,
    Subnet,
    VpcSnapshot,
)
from ..policy import (
    MANAGED_CREATED,
    MANAGED_TAG_KEY,
    ROLE_PUBLIC_ROUTE_TABLE,
    ROLE_TAG_KEY,
    Policy,
    RouteStrategy,
)
from ..routing import Reach, RouteStatus, route_status
from ..text import shown

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
class Draft:
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
    # The load balancer controller's role tags (TagLoadBalancerSubnets), applied last.
    labels: list[Action] = field(default_factory=list)
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
    # Subnets associated with the owner's own public table -> that table.
    joined: dict[str, RouteTable] = field(default_factory=dict)

    def is_held(self, resource_id: str) -> bool:
        """Whether a resource is on hold (nothing of it is written)."""
        return resource_id in self.held

    def report_hold(self, resource_id: str) -> None:
        """Say that a held resource is left alone where the plan would have changed it (once
        per resource)."""
        if not any(
            f.code is FindingCode.HELD and f.resource_id == resource_id for f in self.findings
        ):
            hold = self.held[resource_id]
            self.findings.append(held_finding(resource_id, hold.note, hold.tool))

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


def will_route(
    managed: RouteTable | None, carried: dict[str, str], destination: str, subnet: Subnet
) -> Reach:
    """What the managed table will do for `destination` once its copies are in place."""
    if destination in carried:
        copy = RouteTable("", "", routes=(Route(destination, carried[destination]),))
        return route_status(copy, destination, subnet)
    if managed is None:
        return Reach(RouteStatus.MISSING, "")
    return route_status(managed, destination, subnet)


def table_words(table: RouteTable) -> str:
    name = table.tags.get("Name")
    return f"{table.id} ({shown(name)})" if name else table.id
