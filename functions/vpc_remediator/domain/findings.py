"""What the planner will not change, or cannot: each finding says whether a person must look."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .policy import HOLD_TAG_KEY
from .provenance import EXEMPTION


class FindingCode(StrEnum):
    UNDECIDED_SUBNET = "undecided-subnet"
    INVALID_INTENT_TAG = "invalid-intent-tag"
    ROUTE_CONFLICT = "route-conflict"
    SHARED_ROUTE_TABLE = "shared-route-table"
    NO_INTERNET_GATEWAY = "no-internet-gateway"
    EXPLICIT_INTENT_UNMET = "explicit-intent-unmet"
    AUTO_INTENT_NOT_ENFORCED = "auto-intent-not-enforced"
    DUPLICATE_MANAGED_ROUTE_TABLE = "duplicate-managed-route-table"
    NO_DEFAULT_VPC = "no-default-vpc"
    # No default VPC, and that is the organisation's policy (DefaultVpc=absent-by-policy).
    DEFAULT_VPC_ABSENT_BY_POLICY = "default-vpc-absent-by-policy"
    VPC_GONE = "vpc-gone"
    # A subnet already public over IPv4 that lacks ::/0: never moved just for IPv6.
    IPV6_ROUTE_MISSING = "ipv6-route-missing"
    # The managed table cannot carry (or keep in step with) the routes of the main table.
    ROUTES_NOT_CARRIED = "routes-not-carried"
    # A person deleted the managed table's default route: not restored for another subnet.
    MANAGED_ROUTE_REMOVED = "managed-route-removed"
    # A VPC another account owns (shared through RAM): read and reported, never written.
    SHARED_VPC = "shared-vpc"
    # VPC Block Public Access keeps internet traffic out: nothing is added in vain.
    BLOCKED_BY_PUBLIC_ACCESS = "blocked-by-public-access"
    # An explicit intent tag that the subnet's Name contradicts (informational).
    NAME_CONTRADICTS_INTENT = "name-contradicts-intent"
    # Made (or owned, by its tags) by infrastructure-as-code or another tool: auto intent is
    # not applied; that tool finishes it, or explicit intent does.
    OWNED_BY_TOOL = "owned-by-tool"
    # Another principal kept undoing a change of the remediator's: the resource is on hold.
    HELD = "held"
    # An explicitly public subnet on the main table while infrastructure-as-code builds the VPC:
    # not moved under the tool (its own association would fail); the sweep finishes it.
    LEFT_TO_IAC = "left-to-iac"
    # A route table whose tags say it is the remediator's, which its record does not prove:
    # never deleted, merged, kept in step or moved onto; a person looks.
    CLAIMED_ROUTE_TABLE = "claimed-route-table"
    # Intent on the VPC that a subnet's own signals contradict (a private Name, a NAT route):
    # the subnet is left alone; a person decides.
    VPC_INTENT_CONTRADICTED = "vpc-intent-contradicted"
    # Two or more VPCs of the region share a Name: a launcher given that `vpc_name` stops
    # (SkyPilot) or picks one of them (dstack). Informational: no readiness offers that name.
    DUPLICATE_VPC_NAME = "duplicate-vpc-name"
    # A subnet whose Name says public, or that maps public IPs on launch, on a route table with
    # no default route: reported (to its owner, where a tool owns it), never changed.
    PUBLIC_WITHOUT_ROUTE = "public-without-route"
    # A public NAT gateway whose subnet has no way out: nothing behind it reaches the internet.
    NAT_WITHOUT_ROUTE = "nat-without-route"
    # A public subnet used by instances with several network interfaces (EFA): AWS assigns
    # public IPs only to single-interface instances, and ParallelCluster refuses such a subnet
    # that maps them; its mapping is never turned on, and NAT is the way out for it.
    MULTI_NIC_NO_PUBLIC_IPS = "multi-nic-no-public-ips"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    resource_id: str
    message: str
    severity: Severity = Severity.INFO
    # docs/design.md section 9: conflicts, explicit intent that cannot be met, the default VPC
    # deleted. A normal state on the way to being finished is logged, not sent.
    needs_person: bool = False


def finding_line(finding: Finding) -> str:
    """A finding as a person reads it: about its resource, named first where the message does
    not name it already."""
    resource = finding.resource_id
    if not resource or resource in finding.message:
        return finding.message
    return f"{resource}: {finding.message}"


def held_finding(resource_id: str, note: str, tool: str = "") -> Finding:
    """A resource on hold, in the same words whether the hold is placed now or read from the
    record, so that it is said once. The advice follows the tool CloudTrail's fields named,
    never the note's words (which can hold a caller's text)."""
    advice = EXEMPTION.get(tool, "")
    return Finding(
        FindingCode.HELD,
        resource_id,
        f"{resource_id} is on hold ({note}): the remediator leaves it alone until a person "
        f"removes its tag {HOLD_TAG_KEY} or runs `vpc-remediator release {resource_id}`"
        + (f"; {advice}" if advice else ""),
        Severity.WARNING,
        needs_person=True,
    )
