"""What the planner decides for one VPC (or the region): the changes, the findings, the intents
it read, and what the remediator's own tables carry once the changes are applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .actions import Action, Ref
from .findings import Finding
from .intent import Intent, SubnetIntent
from .model import Item, VpcSnapshot
from .policy import Mode


@dataclass(frozen=True)
class Plan:
    mode: Mode
    scope: str  # the VPC id, or the region for a region-level plan
    actions: tuple[Action, ...] = ()
    findings: tuple[Finding, ...] = ()
    intents: tuple[SubnetIntent, ...] = ()
    # For the record (domain/ownership.py): what each of the remediator's tables carries once
    # the actions are applied, where that changes (a new table by its Pending reference).
    copies: Mapping[Ref, Mapping[Item, str]] = field(default_factory=lambda: MappingProxyType({}))
    # The Names of the VPC and its subnets and route tables, as read: told beside their ids.
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def writes(self) -> tuple[Action, ...]:
        """The actions to apply: none at all in audit mode."""
        return self.actions if self.mode is Mode.REMEDIATE else ()

    def made_public(self, snapshot: VpcSnapshot | None) -> frozenset[str]:
        """The subnets meant to be public that its actions route or address (whether they are
        applied or not): what a readiness line beside it must not ask a person to do."""
        public = {i.subnet_id for i in self.intents if i.intent is Intent.PUBLIC}
        tables = {t.id: t for t in snapshot.route_tables} if snapshot is not None else {}
        touched: set[str] = set()
        for action in self.actions:
            if action.subnet is not None:
                touched.add(action.subnet)
            if snapshot is not None and isinstance(action.table, str) and action.table in tables:
                touched |= {s.id for s in snapshot.subnets_governed_by(tables[action.table])}
        return frozenset(public & touched)


def names_of(snapshot: VpcSnapshot) -> Mapping[str, str]:
    """Each resource of the VPC that has a Name -> that Name."""
    return snapshot.names
