"""The choices a platform team makes about what the remediator may do (docs/design.md section 7)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from .provenance import CallerKind

if TYPE_CHECKING:
    from .model import Subnet

DEFAULT_INTENT_TAG_KEY = "vpc-remediator:intent"
# Whole words of a subnet's Name (docs/design.md section 4): what IaC modules and the console's
# "VPC and more" call subnets without internet access, and those with it; and the tiers that
# are private by convention (the application and its services behind a public web tier).
DEFAULT_PRIVATE_NAME_WORDS = frozenset(
    {
        "private",
        "isolated",
        "internal",
        "intra",
        "db",
        "database",
        "data",
        "rds",
        "cache",
        "protected",
        "restricted",
        "app",
        "apps",
        "application",
        "backend",
        "service",
        "services",
        "worker",
        "workers",
    }
)
DEFAULT_PUBLIC_NAME_WORDS = frozenset({"public", "pub", "dmz", "web", "edge", "ingress"})

# Tags the remediator writes on what it creates or changes.
MANAGED_TAG_KEY = "vpc-remediator:managed"
MANAGED_CREATED = "created"
MANAGED_CHANGED = "changed"
ROLE_TAG_KEY = "vpc-remediator:role"
ROLE_PUBLIC_ROUTE_TABLE = "public-route-table"
ROLE_INTERNET_GATEWAY = "internet-gateway"
# On a resource whose change by the remediator another principal undid (twice): hands off until
# a person removes the tag (or runs `vpc-remediator release`). Its value says who and when.
HOLD_TAG_KEY = "vpc-remediator:hold"
# `true` on a subnet: it is used by instances with several network interfaces (EFA, HPC
# queues). A tag that can only make the remediator do less: public IPs are never turned on.
MULTI_NIC_TAG_KEY = "vpc-remediator:multi-nic"
# On a route table the remediator creates: a one-time token of that creation. Its record
# names the token before the call, so a reconcile that stopped before it read the new table's
# id back still finds its table (and only its: the token is not known before the call).
CREATION_TAG_KEY = "vpc-remediator:creation"
# Tags are labels for people: anyone who can tag can write them. What the remediator owns is
# proven by its record (domain/ownership.py), never by these.


class Mode(StrEnum):
    REMEDIATE = "remediate"
    AUDIT = "audit"


class DefaultVpc(StrEnum):
    EXPECTED = "expected"  # its absence breaks tools: said, once
    ABSENT_BY_POLICY = "absent-by-policy"  # deleted on purpose: a quiet, informational fact


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
    private_name_words: frozenset[str] = DEFAULT_PRIVATE_NAME_WORDS
    public_name_words: frozenset[str] = DEFAULT_PUBLIC_NAME_WORDS
    # IPv6-only public subnets: give instances an IPv6 address on creation.
    assign_ipv6_on_creation: bool = True
    # Tag keys (besides aws:cloudformation:*) that say a tool owns a resource: only explicit
    # intent changes it.
    iac_tag_keys: frozenset[str] = frozenset()
    default_vpc: DefaultVpc = DefaultVpc.EXPECTED
    # Whose changes auto intent finishes (docs/design.md section 4): a person's, by default.
    auto_intent_from: frozenset[CallerKind] = frozenset({CallerKind.CONSOLE, CallerKind.CLI})
    # Subnets used by instances with several network interfaces (EFA): never public IPs.
    multi_nic_subnets: frozenset[str] = frozenset()
    # The AWS Load Balancer Controller's role tags added where a VPC has none (opt-in).
    tag_load_balancer_subnets: bool = False
    # The launchers a notice speaks for besides those whose tags are present (`Launchers`).
    launchers: frozenset[str] = frozenset({"skypilot", "ray", "dstack"})

    def multi_nic(self, subnet: Subnet) -> bool:
        """Whether the subnet serves multi-NIC (EFA) instances: an Elastic Fabric Adapter
        interface is in it (ParallelCluster's and HyperPod's EFA queues, Karpenter's and
        SkyPilot's EFA nodes), it is listed in the settings, or tagged so (only less: the tag
        withholds public IPs)."""
        tagged = subnet.tags.get(MULTI_NIC_TAG_KEY, "").strip().lower() == "true"
        return subnet.efa or tagged or subnet.id in self.multi_nic_subnets

    def multi_nic_because(self, subnet: Subnet) -> str:
        """How the subnet is known to serve multi-NIC instances, in words."""
        if subnet.efa:
            return "an Elastic Fabric Adapter interface is in it"
        if subnet.id in self.multi_nic_subnets:
            return "listed in MultiNicSubnets"
        return f"tagged {MULTI_NIC_TAG_KEY}=true"

    def lacks_public_addresses(self, subnet: Subnet) -> bool:
        """Whether a public subnet still lacks the addresses on launch this policy gives it:
        public IPv4 mapping, or an IPv6 address for an IPv6-only subnet. A multi-NIC subnet
        never lacks IPv4 mapping: AWS would refuse it to its instances (and ParallelCluster
        refuses the subnet)."""
        if subnet.ipv6_only:
            return self.assign_ipv6_on_creation and not subnet.assign_ipv6_address_on_creation
        return (
            self.map_public_ip and not subnet.map_public_ip_on_launch and not self.multi_nic(subnet)
        )


@dataclass(frozen=True)
class AutoScope:
    """Which subnets auto intent may be enforced on in this reconcile.

    Auto intent is applied when resources are created or a gateway is attached; after a
    change a person made by hand it is only reported (docs/design.md section 4).
    """

    everything: bool = False
    subnet_ids: frozenset[str] = frozenset()
    # Who made the change, when auto intent is withheld because of it (a tool, not a person).
    withheld: str = ""
    # Subnets auto intent already finished once (domain/holds.py): what changed since is a
    # person's (or a tool's) to keep, and is only reported.
    done: frozenset[str] = frozenset()
    # Where no event is at hand (the sweep): who made each subnet, from CloudTrail's history,
    # when that is not a caller auto intent finishes for (subnet -> who), and the subnets whose
    # maker is not known at all.
    made_by: tuple[tuple[str, str], ...] = ()
    maker_unknown: frozenset[str] = frozenset()
    # The infrastructure-as-code tool that made the change, whatever the scope: it may still
    # be building the VPC, and is not raced (docs/design.md section 8).
    iac_building: str = ""
    # Subnets a person put back with `vpc-remediator undo`: theirs to keep.
    undone: frozenset[str] = frozenset()

    def covers(self, subnet_id: str) -> bool:
        return (
            not self.withheld_for(subnet_id)
            and self.would_cover(subnet_id)
            and subnet_id not in self.done | self.maker_unknown | self.undone
        )

    def withheld_for(self, subnet_id: str) -> str:
        """Who made the subnet, when auto intent is withheld because of it ("" if it is not)."""
        return self.withheld or dict(self.made_by).get(subnet_id, "")

    def would_cover(self, subnet_id: str) -> bool:
        """Whether the trigger speaks of the subnet at all (withheld or not)."""
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
