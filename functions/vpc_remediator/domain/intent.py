"""What each subnet is meant to be (docs/design.md section 4).

Explicit tags win; otherwise auto intent reads the signals a person leaves in the console.
Private signals are checked before anything can make a subnet public: the tool never makes a
private subnet public, so when in doubt a subnet is private or undecided, never public.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .model import IPV4_DEFAULT, IPV6_DEFAULT, RouteState, Subnet, TargetKind, VpcSnapshot
from .names import NameSignal, name_signal
from .policy import MANAGED_CREATED, MANAGED_TAG_KEY, Policy
from .routing import primary_destination
from .text import shown


class Intent(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    IGNORE = "ignore"
    UNDECIDED = "undecided"


class IntentSource(StrEnum):
    SUBNET_TAG = "subnet-tag"
    VPC_TAG = "vpc-tag"
    AUTO = "auto"


@dataclass(frozen=True)
class SubnetIntent:
    subnet_id: str
    intent: Intent
    source: IntentSource
    reason: str
    invalid_tag: str | None = None  # a tag value that was present but not understood
    # An explicit intent that the subnet's Name contradicts, in words (informational).
    contradiction: str = ""
    # A Name that says public, or public IPs on launch, on a table with no default route, in
    # words: a finding for a person, whoever owns it; never changed.
    stranded: str = ""

    @property
    def is_explicit(self) -> bool:
        return self.source is not IntentSource.AUTO


_TAG_VALUES = {i.value: i for i in (Intent.PUBLIC, Intent.PRIVATE, Intent.IGNORE)}


def _tag_intent(value: str | None) -> tuple[Intent | None, str | None]:
    if value is None:
        return None, None
    intent = _TAG_VALUES.get(value.strip().lower())
    return (intent, None) if intent else (None, value)


def _names(snapshot: VpcSnapshot, subnet: Subnet, policy: Policy) -> NameSignal:
    return name_signal(
        subnet.name,
        snapshot.vpc.name,
        private_words=policy.private_name_words,
        public_words=policy.public_name_words,
    )


def _listed(words: frozenset[str]) -> str:
    return ", ".join(sorted(words))


def resolve_intent(
    snapshot: VpcSnapshot,
    subnet: Subnet,
    policy: Policy,
    public_named: tuple[Subnet, ...] | None = None,
) -> SubnetIntent:
    """`public_named`: the VPC's subnets whose Names say public (`public_named_subnets`),
    read once for the whole VPC by `resolve_intents`."""
    if public_named is None:
        public_named = public_named_subnets(snapshot, policy)
    key = policy.intent_tag_key
    subnet_tag, bad_subnet = _tag_intent(subnet.tags.get(key))
    vpc_tag, bad_vpc = _tag_intent(snapshot.vpc.tags.get(key))
    invalid = bad_subnet if bad_subnet is not None else bad_vpc

    if Intent.IGNORE in (subnet_tag, vpc_tag):
        on_subnet = subnet_tag is Intent.IGNORE
        return SubnetIntent(
            subnet.id,
            Intent.IGNORE,
            IntentSource.SUBNET_TAG if on_subnet else IntentSource.VPC_TAG,
            f"{key}=ignore on the {'subnet' if on_subnet else 'VPC'}",
        )
    if subnet_tag is not None:
        names = _names(snapshot, subnet, policy)
        contradiction = ""
        if subnet_tag is Intent.PUBLIC and names.says_private:
            contradiction = (
                f"{subnet.id} is tagged {key}=public but its Name {shown(subnet.name)} says "
                f"private ({_listed(names.private)}); the tag wins"
            )
        return SubnetIntent(
            subnet.id,
            subnet_tag,
            IntentSource.SUBNET_TAG,
            f"{key}={subnet_tag} on the subnet",
            contradiction=contradiction,
        )
    if invalid is not None:
        # A tag a person wrote but we cannot read: do nothing rather than guess.
        return SubnetIntent(
            subnet.id,
            Intent.UNDECIDED,
            IntentSource.SUBNET_TAG if bad_subnet is not None else IntentSource.VPC_TAG,
            f"{key}={shown(invalid)} is not one of public, private, ignore",
            invalid_tag=invalid,
        )
    if vpc_tag is Intent.PUBLIC and (signal := _own_private_signal(snapshot, subnet, policy)):
        # One tag on a VPC speaks for every subnet in it; a subnet's own signals speak louder.
        return SubnetIntent(
            subnet.id,
            Intent.UNDECIDED,
            IntentSource.VPC_TAG,
            f"{key}=public on the VPC, but {signal}",
            contradiction=(
                f"{subnet.id} is left alone: its VPC is tagged {key}=public, but {signal}; "
                f"tag the subnet itself {key}=public (or private) to decide"
            ),
        )
    if vpc_tag is not None:
        return SubnetIntent(subnet.id, vpc_tag, IntentSource.VPC_TAG, f"{key}={vpc_tag} on the VPC")
    intent, reason = _auto_intent(snapshot, subnet, policy, public_named)
    explicit = snapshot.explicit_route_table(subnet.id)
    stranded = (
        f"{subnet.id} is left alone: {reason}, so instances there get no way in or out"
        if intent is Intent.UNDECIDED
        and explicit is not None
        and explicit.default_route(primary_destination(subnet)) is None
        and _says_public(_names(snapshot, subnet, policy), subnet)
        else ""
    )
    return SubnetIntent(subnet.id, intent, IntentSource.AUTO, reason, stranded=stranded)


def _says_public(names: NameSignal, subnet: Subnet) -> str:
    """What in the subnet says it is public, in words ("" if nothing does)."""
    if names.says_public and not names.says_private:
        return f"its Name {shown(subnet.name)} says public ({_listed(names.public)})"
    if subnet.map_public_ip_on_launch and not names.says_private:
        return "it maps public IPs on launch"
    return ""


def stranded_nat(snapshot: VpcSnapshot, subnet: Subnet) -> str:
    """The public NAT gateway whose way out is missing (its route table has no 0.0.0.0/0, or
    one to a gateway that is gone) in the subnet, or in a subnet that shares the subnet's own
    route table (not the main one): that table must route to the internet gateway for the NAT
    to work, and so makes every subnet on it public. "" if there is none. Creating a NAT
    gateway takes more than a tag."""
    table = snapshot.governing_route_table(subnet.id)
    if table is None:
        return ""
    default = table.default_route(IPV4_DEFAULT)
    if default is not None and (
        default.state is RouteState.ACTIVE or default.target_kind is not TargetKind.IGW
    ):
        return ""
    if snapshot.explicit_route_table(subnet.id) is None:
        sharing = {subnet.id}
    else:
        sharing = {s.id for s in snapshot.subnets_governed_by(table)}
    nat = next((n for n in snapshot.nat_gateways if n.subnet_id in sharing and n.public), None)
    return nat.id if nat is not None else ""


def _auto_intent(
    snapshot: VpcSnapshot, subnet: Subnet, policy: Policy, public_named: tuple[Subnet, ...]
) -> tuple[Intent, str]:
    names = _names(snapshot, subnet, policy)
    if names.says_private and names.says_public:
        return Intent.UNDECIDED, (
            f"its Name {shown(subnet.name)} says both private ({_listed(names.private)}) and "
            f"public ({_listed(names.public)})"
        )
    if names.says_private:
        return (
            Intent.PRIVATE,
            f"its Name {shown(subnet.name)} says private ({_listed(names.private)})",
        )
    if nat := stranded_nat(snapshot, subnet):
        # A NAT gateway's subnet is public by design: the NAT gets out only through it.
        where = (
            "is in it"
            if any(n.id == nat and n.subnet_id == subnet.id for n in snapshot.nat_gateways)
            else "shares its route table"
        )
        return Intent.PUBLIC, (
            f"NAT gateway {nat} {where}, and a NAT gateway reaches the internet only through "
            "its subnet's route to the internet gateway"
        )

    destination = primary_destination(subnet)
    explicit = snapshot.explicit_route_table(subnet.id)
    if explicit is not None:
        default = explicit.default_route(destination)
        if default is not None and default.target_kind is not TargetKind.IGW:
            # Whatever its state: a blackhole NAT route is a private design whose NAT is gone.
            return (
                Intent.PRIVATE,
                f"its route table {explicit.id} sends {destination} to {default.target_id}",
            )
        if snapshot.ownership.owns(explicit.id):
            return Intent.PUBLIC, f"it is associated with the managed public table {explicit.id}"
        if default is None:
            other = explicit.default_route(
                IPV4_DEFAULT if destination == IPV6_DEFAULT else IPV6_DEFAULT
            )
            if other is not None and other.target_kind is TargetKind.IGW:
                return Intent.PUBLIC, (
                    f"its route table {explicit.id} routes {other.destination} to {other.target_id}"
                )
            if says := _says_public(names, subnet):
                # Names and attributes anyone may set: a finding, never a route (a table with
                # no default route is a private design until a person says otherwise).
                return Intent.UNDECIDED, (
                    f"{says}, but its route table {explicit.id} has no default route"
                )
            return Intent.PRIVATE, f"its route table {explicit.id} has no default route"
        state = "" if default.state is RouteState.ACTIVE else " (now a blackhole)"
        return Intent.PUBLIC, f"its route table {explicit.id} routes to {default.target_id}{state}"

    main = snapshot.main_route_table
    main_default = main.default_route(destination) if main else None
    if subnet.ipv6_only and main is not None and main_default is None:
        # A main table that sends IPv4 through a NAT or a transit gateway is private by design;
        # an IPv6-only subnet on it is too, until a person says otherwise.
        main_default = main.default_route(IPV4_DEFAULT)
    if main_default is not None and main_default.target_kind is not TargetKind.IGW:
        # Moving such a subnet to an IGW table would redirect traffic that a person routed
        # through a NAT or a transit gateway (in any state: a NAT deleted is not an invitation).
        return (
            Intent.PRIVATE,
            f"the main route table sends {main_default.destination} to {main_default.target_id}",
        )
    egress = main.default_route(IPV6_DEFAULT) if main is not None and main_default is None else None
    if egress is not None and egress.target_kind is TargetKind.EGRESS_ONLY_IGW:
        # IPv6 deliberately outbound only, and no way in over IPv4: its owner built egress,
        # as a NAT route says.
        return Intent.PRIVATE, (
            f"the main route table sends ::/0 to {egress.target_id} (egress only) and has no "
            "IPv4 default route: an outbound-only design"
        )
    if names.says_public:
        return Intent.PUBLIC, f"its Name {shown(subnet.name)} says public ({_listed(names.public)})"
    if snapshot.vpc.is_default:
        return Intent.PUBLIC, "it is in the default VPC"
    if siblings := [s for s in public_named if s.id != subnet.id]:
        # The VPC's Names are a scheme: where some say public, one that says neither is not
        # public by default (an application tier beside a web tier).
        named = ", ".join(shown(s.name) for s in siblings[:3])
        more = f" and {len(siblings) - 3} more" if len(siblings) > 3 else ""
        verb = "says" if len(siblings) == 1 else "say"
        return Intent.UNDECIDED, (
            f"its Name {shown(subnet.name) if subnet.name else '(none)'} says neither public nor "
            f"private, where {named}{more} {verb} public"
        )
    igw = snapshot.attached_internet_gateway
    # Only a gateway a person attached says "make this public"; one the remediator created
    # (for explicitly public subnets) says nothing about the others.
    if igw is not None and igw.tags.get(MANAGED_TAG_KEY) != MANAGED_CREATED:
        return Intent.PUBLIC, (f"it is on the main route table and {igw.id} is attached to the VPC")
    return Intent.UNDECIDED, "no tag, no private signal, and the VPC has no internet gateway"


def public_named_subnets(snapshot: VpcSnapshot, policy: Policy) -> tuple[Subnet, ...]:
    """The VPC's subnets whose Names say public (and not private)."""
    return tuple(
        s
        for s in snapshot.subnets
        if (signal := _names(snapshot, s, policy)).says_public and not signal.says_private
    )


def _own_private_signal(snapshot: VpcSnapshot, subnet: Subnet, policy: Policy) -> str:
    """What in the subnet itself says private, in words ("" if nothing does): a private word in
    its Name, a table with no default route, a default route to anything but an internet
    gateway (a NAT, a transit gateway, a peering, in any state)."""
    names = _names(snapshot, subnet, policy)
    if names.says_private:
        return f"its Name {shown(subnet.name)} says private ({_listed(names.private)})"
    destination = primary_destination(subnet)
    explicit = snapshot.explicit_route_table(subnet.id)
    table = explicit or snapshot.main_route_table
    if table is None or snapshot.ownership.owns(table.id):
        return ""
    default = table.default_route(destination)
    if default is not None and default.target_kind is not TargetKind.IGW:
        return f"its route table {table.id} sends {destination} to {default.target_id}"
    if default is None and explicit is not None:
        return f"its route table {explicit.id} has no default route (an isolated table)"
    return ""


def resolve_intents(snapshot: VpcSnapshot, policy: Policy) -> dict[str, SubnetIntent]:
    public_named = public_named_subnets(snapshot, policy)
    return {s.id: resolve_intent(snapshot, s, policy, public_named) for s in snapshot.subnets}
