"""SkyPilot's AWS subnet choice, as `sky launch` makes it.

Follows `sky/provision/aws/config.py` of skypilot 0.14.1 (the same decisions from 0.8.1, and
its error texts; 0.7.0 differs in one line, below):

- `_get_subnet_and_vpc_id`: with `aws.vpc_name`, `_get_vpc_id_by_name` finds the one VPC whose
  Name tag it is (none or several: it stops); without it, only the subnets of the default VPC
  (`s.vpc.is_default`) are candidates. **0.7.0 and earlier** have no such filter: every VPC of
  the region is a candidate.
- `_usable_subnets`: subnets in state `available`; public mode keeps those
  `_is_subnet_public`; `use_internal_ips: true` keeps those that are not and do not map public
  IPs (`map_public_ip_on_launch`). Public-IP mapping is not needed for public mode (SkyPilot
  asks for a public IP per instance). Sorted last zone first, then in the order of the zones
  asked (SkyPilot asks for every zone of the region at once: a to z), and only the subnets of
  the first one's VPC are kept.
- `_is_subnet_public`: the tables with an association for the subnet decide if there are any
  (public if one has a route whose `GatewayId` starts with `igw-`, whatever its destination or
  state); otherwise the main tables do, of the named VPC or, with no VPC named, **of every VPC
  in the region** (`_get_route_tables(ec2, None, region, main=True)`).
- `aws.subnet_names` (0.10 and later): the subnets whose Name tag is one of them (none: "No
  subnets with name(s) ... found"); the VPC is `aws.vpc_name`'s, else the first such subnet's;
  every named subnet must be usable in the mode and in that VPC ("The specified subnets are
  not usable: ..."), and only they are used.
"""

from __future__ import annotations

from ..model import Subnet
from ..policy import Policy
from ..text import shown, yaml_string
from . import advice
from .view import (
    Decision,
    LaunchMode,
    LaunchView,
    by_zone,
    ids,
    igw_routes,
    listing,
    zone_letters,
)

NAME = "skypilot"
NAME_07 = "skypilot-0.7"


def label(launcher: str, mode: LaunchMode) -> str:
    name = "SkyPilot 0.7" if launcher == NAME_07 else "SkyPilot"
    return f"{name} (use_internal_ips)" if mode is LaunchMode.PRIVATE else name


def is_public(view: LaunchView, subnet: Subnet, vpc_id: str | None) -> bool:
    """`_is_subnet_public(ec2, subnet_id, vpc_id)`."""
    explicit = view.explicit_tables(subnet.id)
    if igw_routes(explicit):
        return True
    if explicit:
        return False
    return bool(igw_routes(view.main_tables(vpc_id)))


def decide(
    view: LaunchView,
    mode: LaunchMode,
    vpc_name: str | None,
    *,
    every_vpc: bool = False,
    subnet_names: tuple[str, ...] | None = None,
) -> Decision:
    region = view.region
    fails = "sky launch fails with"
    scope: str | None = None
    if vpc_name is not None:
        named = view.named(vpc_name)
        if not named:
            return Decision(
                False,
                f"{fails} 'No VPC with name {shown(vpc_name)} is found in {region}. To fix: "
                "specify a correct VPC name.'",
            )
        if len(named) > 1:
            return Decision(False, f"{fails} 'Multiple VPCs with name {shown(vpc_name)} found'")
        scope = named[0].id
    if subnet_names:
        return _by_names(view, mode, scope, subnet_names)
    if scope is not None:
        candidates = view.subnets_of(scope)
        where = f"VPC {shown(vpc_name or '')} ({scope})"
    elif every_vpc:
        candidates = view.subnets
        where = f"any VPC of {region}"
    else:
        default = view.default_vpc
        if default is None or not view.subnets_of(default.id):
            return Decision(
                False,
                f"{fails} 'The default VPC in {region} either does not exist or has no "
                f"subnets.' (SkyPilot 0.8: 'No usable subnets found. Does a default VPC exist "
                f"in region {region}?'): without aws.vpc_name SkyPilot only uses the default VPC",
            )
        candidates = view.subnets_of(default.id)
        where = f"the default VPC {default.id}"
    available = [s for s in candidates if s.state == "available"]
    usable = _usable(view, mode, available, scope)
    if not usable:
        said = (
            "'No usable subnets found'"
            if every_vpc
            else f"'{_none_usable(mode)}' (SkyPilot 0.8: 'No usable subnets found')"
        )
        return Decision(False, f"{fails} {said}: no subnet of {where} {_lacks(mode)}")
    return _chosen(view, mode, usable, scope, every_vpc)


def _usable(
    view: LaunchView, mode: LaunchMode, available: list[Subnet], scope: str | None
) -> list[Subnet]:
    if mode is LaunchMode.PUBLIC:
        return [s for s in available if is_public(view, s, scope)]
    return [s for s in available if not is_public(view, s, scope) and not s.map_public_ip_on_launch]


def _none_usable(mode: LaunchMode) -> str:
    if mode is LaunchMode.PUBLIC:
        return "All candidate subnets are private, did you mean to set use_internal_ips to True?"
    return "The use_internal_ips option is set to True, but all candidate subnets are public."


def _lacks(mode: LaunchMode) -> str:
    if mode is LaunchMode.PUBLIC:
        return "has a route table with a route to an internet gateway (igw-...)"
    return "has no route to an internet gateway and no public-IP mapping"


def _by_names(
    view: LaunchView, mode: LaunchMode, scope: str | None, names: tuple[str, ...]
) -> Decision:
    fails = "sky launch fails with"
    user = [s for s in view.subnets if s.name in names]
    if not user:
        return Decision(
            False,
            f"{fails} 'No subnets with name(s) {list(names)} found in {view.region}. Please "
            "check the subnet names in your config.'",
        )
    scope = scope or user[0].vpc_id
    candidates = [s for s in user if s.vpc_id == scope]
    if not candidates:
        return Decision(False, f"{fails} 'No candidate subnets found in specified VPC {scope}.'")
    available = [s for s in candidates if s.state == "available"]
    if not available:
        return Decision(
            False, f"{fails} 'All candidate subnets are pending in specified VPC {scope}.'"
        )
    usable = _usable(view, mode, available, scope)
    if not usable:
        return Decision(False, f"{fails} '{_none_usable(mode)}'")
    if len(usable) != len(user):
        pruned = sorted({s.id for s in user} - {s.id for s in usable})
        return Decision(
            False,
            f"{fails} 'The specified subnets are not usable: {{{', '.join(map(repr, pruned))}}}'",
        )
    return _chosen(view, mode, usable, scope, False)


def _chosen(
    view: LaunchView, mode: LaunchMode, usable: list[Subnet], scope: str | None, every_vpc: bool
) -> Decision:
    region = view.region
    ordered = by_zone(usable)
    vpc_id = ordered[0].vpc_id
    chosen = tuple(s for s in ordered if s.vpc_id == vpc_id)
    zones = zone_letters(region, chosen)
    of = f"of {_vpc_words(view, vpc_id)} " if every_vpc else ""
    if mode is LaunchMode.PUBLIC:
        detail = f"public subnets {of}in {zones}"
        reason = (
            f"sky launch uses {_vpc_words(view, vpc_id)}: {listing(ids(chosen))} "
            f"(zones {zones}) route to {_gateways(view, chosen, scope)}"
        )
        warning = _unreachable(view, chosen, scope)
    else:
        detail = f"private subnets {of}in {zones}"
        reason = (
            f"sky launch with use_internal_ips uses {_vpc_words(view, vpc_id)}: "
            f"{listing(ids(chosen))} (zones {zones}) have no route to an internet gateway and "
            "do not map public IPs"
        )
        warning = _no_egress(view, chosen)
    return Decision(True, reason, vpc_id, ids(chosen), detail, warning)


def _vpc_words(view: LaunchView, vpc_id: str) -> str:
    vpc = view.vpc(vpc_id)
    if vpc is not None and vpc.is_default:
        return f"the default VPC {vpc_id}"
    return f"VPC {shown(vpc.name)} ({vpc_id})" if vpc is not None and vpc.name else f"VPC {vpc_id}"


def _gateways(view: LaunchView, chosen: tuple[Subnet, ...], scope: str | None) -> str:
    found: list[str] = []
    for s in chosen:
        explicit = view.explicit_tables(s.id)
        found += igw_routes(explicit or view.main_tables(scope))
    return ", ".join(dict.fromkeys(found))


def _unreachable(view: LaunchView, chosen: tuple[Subnet, ...], scope: str | None) -> str:
    """What SkyPilot's test lets through that EC2 does not route (a blackhole route, a route
    that is not a default one, another VPC's main table, VPC Block Public Access): SkyPilot
    still launches; its instances would not be reachable."""
    lost = [s for s in chosen if not view.reaches_internet(s)]
    if not lost:
        return ""
    subnet = lost[0]
    own = view.governing_table(subnet)
    why = view.unreachable_because(subnet)
    if (
        scope is None
        and not view.explicit_tables(subnet.id)
        and not igw_routes([own] if own else [])
    ):
        why = (
            "its own VPC's main table has no route to an internet gateway: SkyPilot counted "
            "another VPC's main table (it reads every main table of the region)"
        )
    some = "all of them" if len(lost) == len(chosen) else listing(ids(tuple(lost)))
    return f"instances in {some} would not be reachable: {why}"


def _no_egress(view: LaunchView, chosen: tuple[Subnet, ...]) -> str:
    if any(view.has_egress(s) for s in chosen):
        return ""
    return (
        "none has 0.0.0.0/0 through a NAT gateway, so instances cannot reach the internet "
        "to install SkyPilot's runtime"
    )


def snippet(vpc_name: str, mode: LaunchMode) -> str:
    internal = ", use_internal_ips: true" if mode is LaunchMode.PRIVATE else ""
    return f"in ~/.sky/config.yaml: aws: {{vpc_name: {yaml_string(vpc_name)}{internal}}}"


def advise(view: LaunchView, mode: LaunchMode, policy: Policy, launcher: str) -> str:
    """The smallest change of state (not of SkyPilot's config) that makes it ready."""
    default = view.default_vpc if launcher == NAME else None
    if mode is LaunchMode.PRIVATE:
        return advice.private_subnet(
            policy, f"the default VPC {default.id}" if default else "a VPC"
        )
    if launcher == NAME and default is None:
        return advice.without_default_vpc(view, policy, mode, snippet)
    return advice.tag_public(view, policy, default.id if default else None)
