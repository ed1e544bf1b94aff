"""Each public subnet's routing and public addresses: what its table lacks, fixed where the table
may be changed and the intent is enforced, reported where not."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..actions import (
    SetAssignIpv6AddressOnCreation,
    SetMapPublicIpOnLaunch,
)
from ..findings import FindingCode
from ..model import (
    IPV4_DEFAULT,
    Subnet,
)
from ..policy import (
    MANAGED_TAG_KEY,
    AutoScope,
    RouteStrategy,
)
from ..provenance import FINISH_ADVICE, CallerKind
from ..routing import RouteStatus, destinations
from .draft import (
    Draft,
    will_route,
)


@dataclass(frozen=True)
class SubnetRouting:
    """What planning a public subnet's routes found."""

    gaps: list[str] = field(default_factory=list)  # what it lacks that is not enforced now
    blocked: bool = False  # its routing cannot be finished (a conflict, a hold, no gateway)
    move: bool = False  # it is to move off the main table onto the managed table


def plan_subnet_routes(b: Draft, subnet: Subnet, *, enforce: bool) -> SubnetRouting:
    """Fix (or report) what the subnet's table lacks for its default routes."""
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
        return SubnetRouting(blocked=True)
    carried = b.carried.get(table.id, {})
    if b.is_held(table.id):
        b.report_hold(table.id)
        return SubnetRouting(blocked=True)
    statuses = {d: will_route(table, carried, d, subnet) for d in destinations(subnet)}
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
    return SubnetRouting(gaps, blocked, move and not blocked)


def plan_addresses(b: Draft, subnet: Subnet, *, enforce: bool) -> list[str]:
    """Public addresses on launch: IPv4 mapping, or an IPv6 address for an IPv6-only subnet."""
    if (
        not subnet.ipv6_only
        and not subnet.map_public_ip_on_launch
        and b.policy.map_public_ip
        and b.policy.multi_nic(subnet)
    ):
        b.find(
            FindingCode.MULTI_NIC_NO_PUBLIC_IPS,
            subnet.id,
            f"{subnet.id} serves instances with several network interfaces "
            f"({b.policy.multi_nic_because(subnet)}): public IPs on launch are left off (AWS "
            "assigns them only to single-interface instances, and ParallelCluster refuses "
            "a multi-NIC queue's subnet that maps them); the way out for its instances is "
            "private with NAT: 0.0.0.0/0 through a NAT gateway",
            person=False,
        )
    if not b.policy.lacks_public_addresses(subnet):
        return []
    action: type[SetAssignIpv6AddressOnCreation | SetMapPublicIpOnLaunch]
    if subnet.ipv6_only:
        gap, action = "IPv6 address assignment on creation", SetAssignIpv6AddressOnCreation
        reason = "instances in a public IPv6-only subnet need an IPv6 address"
    else:
        gap, action = "public IPv4 mapping on launch", SetMapPublicIpOnLaunch
        reason = "instances in a public subnet need a public IPv4 address"
    if not enforce:
        return [gap]
    b.set_attribute(subnet.id, action(subnet_id=subnet.id, enabled=True, reason=reason))
    return []


def report_gaps(b: Draft, subnet: Subnet, gaps: list[str], owner: str, auto: AutoScope) -> None:
    reason = b.intent(subnet).reason
    lacks = f"{subnet.id} looks public ({reason}) but lacks {' and '.join(gaps)}"
    advice = FINISH_ADVICE[CallerKind.IAC].format(key=b.policy.intent_tag_key)
    if owner:
        message = f"{lacks}; it is owned by {owner}, so only explicit intent changes it: {advice}"
    elif subnet.id in auto.undone and auto.would_cover(subnet.id):
        b.find(
            FindingCode.AUTO_INTENT_NOT_ENFORCED,
            subnet.id,
            f"{lacks}; a person put it back with `vpc-remediator undo`, so auto intent leaves "
            f"it alone (tag it {b.policy.intent_tag_key}=public to have it made public, or "
            f"`vpc-remediator release {subnet.id}`)",
            person=False,
        )
        return
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
