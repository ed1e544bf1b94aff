"""What the planner decides for one VPC (or the region): the changes, the findings, the intents
it read, and what the remediator's own tables carry once the changes are applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .actions import Action, Ref
from .findings import Finding
from .intent import SubnetIntent
from .model import Item
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

    @property
    def writes(self) -> tuple[Action, ...]:
        """The actions to apply: none at all in audit mode."""
        return self.actions if self.mode is Mode.REMEDIATE else ()
