"""The choices a platform team makes about what the remediator may do (DESIGN.md section 7)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_INTENT_TAG_KEY = "vpc-remediator:intent"
DEFAULT_PRIVATE_NAME_PATTERN = "private|isolated|internal|db"

# Tags the remediator writes on what it creates or changes.
MANAGED_TAG_KEY = "vpc-remediator:managed"
MANAGED_CREATED = "created"
MANAGED_CHANGED = "changed"
ROLE_TAG_KEY = "vpc-remediator:role"
ROLE_PUBLIC_ROUTE_TABLE = "public-route-table"
ROLE_INTERNET_GATEWAY = "internet-gateway"


class Mode(StrEnum):
    REMEDIATE = "remediate"
    AUDIT = "audit"


class RouteStrategy(StrEnum):
    DEDICATED = "dedicated"
    MAIN = "main"


@dataclass(frozen=True)
class Policy:
    mode: Mode = Mode.REMEDIATE
    route_strategy: RouteStrategy = RouteStrategy.DEDICATED
    map_public_ip: bool = True
    create_internet_gateway: bool = False
    restore_default_vpc: bool = False
    intent_tag_key: str = DEFAULT_INTENT_TAG_KEY
    private_name_pattern: re.Pattern[str] = field(
        default_factory=lambda: re.compile(DEFAULT_PRIVATE_NAME_PATTERN, re.IGNORECASE)
    )


@dataclass(frozen=True)
class AutoScope:
    """Which subnets auto intent may be enforced on in this reconcile.

    Auto intent is applied when resources are created or a gateway is attached; after a
    change a person made by hand it is only reported (DESIGN.md section 4).
    """

    everything: bool = False
    subnet_ids: frozenset[str] = frozenset()

    def covers(self, subnet_id: str) -> bool:
        return self.everything or subnet_id in self.subnet_ids

    @classmethod
    def all(cls) -> AutoScope:
        return cls(everything=True)

    @classmethod
    def none(cls) -> AutoScope:
        return cls()

    @classmethod
    def subnets(cls, *subnet_ids: str) -> AutoScope:
        return cls(subnet_ids=frozenset(subnet_ids))
