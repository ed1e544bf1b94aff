"""From a CloudTrail API call to what must be reconciled (docs/design.md sections 2, 3 and 8).

The event is only a trigger: it yields ids and a scope for auto intent, never state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .policy import AutoScope, Policy
from .provenance import Caller, CallerFields, CallerKind, classify

EC2_EVENT_SOURCE = "ec2.amazonaws.com"


class InvalidEventError(ValueError):
    """The one error a malformed event raises, before any AWS call."""


@dataclass(frozen=True)
class ApiCall:
    """The parts of an "AWS API Call via CloudTrail" event the remediator reads."""

    event_id: str
    event_name: str
    event_source: str
    event_time: str
    region: str
    account: str
    actor_arn: str = ""
    issuer_arn: str = ""
    error_code: str | None = None
    request: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    caller_fields: CallerFields = field(default_factory=CallerFields)

    @property
    def caller(self) -> Caller:
        return classify(self.caller_fields)


@dataclass(frozen=True)
class VpcTarget:
    vpc_id: str


@dataclass(frozen=True)
class SubnetTarget:
    subnet_id: str


@dataclass(frozen=True)
class RouteTableTarget:
    route_table_id: str


@dataclass(frozen=True)
class VpcEndpointTarget:
    vpc_endpoint_id: str


@dataclass(frozen=True)
class RegionTarget:
    """The region: its default VPC, and every VPC when `all_vpcs` (the event names no VPC)."""

    all_vpcs: bool = False
    vpc_id: str | None = None  # the VPC the call named, for the notice (DeleteVpc)


Target = VpcTarget | SubnetTarget | RouteTableTarget | VpcEndpointTarget | RegionTarget


@dataclass(frozen=True)
class Trigger:
    call: ApiCall
    target: Target
    auto: AutoScope
    # What the call created: EC2 may not list it yet (eventual consistency), so it is waited for.
    created: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skip:
    reason: str


_ID = re.compile(r"^(?P<kind>[a-z]+)-[0-9a-f]{8,17}$")


def _section(call: ApiCall, name: str) -> Mapping[str, Any]:
    """requestParameters or responseElements, unwrapped from `<Op>Request`/`<Op>Response`."""
    raw = call.request if name == "request" else call.response
    if raw is None:
        return {}
    wrapper = f"{call.event_name}{'Request' if name == 'request' else 'Response'}"
    inner = raw.get(wrapper)
    return inner if isinstance(inner, Mapping) else raw


def _id(call: ApiCall, kind: str, *paths: tuple[str, ...]) -> str:
    """The first id of `kind` found at one of `paths` (section name first)."""
    for path in paths:
        node: Any = _section(call, path[0])
        for key in path[1:]:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is None:
            continue
        match = _ID.match(node) if isinstance(node, str) else None
        if match is None or match["kind"] != kind:
            raise InvalidEventError(
                f"{call.event_name} event {call.event_id}: {'.'.join(path)} must be a "
                f"{kind}- id, got {node!r:.80}"
            )
        return str(node)
    where = " or ".join(".".join(p) for p in paths)
    raise InvalidEventError(f"{call.event_name} event {call.event_id}: no {kind}- id at {where}")


def _vpc(*paths: tuple[str, ...]) -> Callable[[ApiCall], Target]:
    return lambda call: VpcTarget(_id(call, "vpc", *paths))


def _route_table(call: ApiCall) -> Target:
    return RouteTableTarget(_id(call, "rtb", ("request", "routeTableId")))


def _vpc_endpoint(call: ApiCall) -> Target:
    return VpcEndpointTarget(
        _id(call, "vpce", ("request", "VpcEndpointId"), ("request", "vpcEndpointId"))
    )


def _subnet(call: ApiCall) -> Target:
    return SubnetTarget(_id(call, "subnet", ("request", "subnetId")))


def _created_subnet(call: ApiCall) -> AutoScope:
    return AutoScope.subnets(_id(call, "subnet", ("response", "subnet", "subnetId")))


def _delete_vpc(call: ApiCall) -> Target:
    return RegionTarget(vpc_id=_id(call, "vpc", ("request", "vpcId")))


def _everything(_: ApiCall) -> AutoScope:
    return AutoScope.all()


def _nothing(_: ApiCall) -> AutoScope:
    return AutoScope.none()


# event name -> (what to reconcile, where auto intent may be enforced).
# Auto intent is applied when resources are created or a gateway is attached (docs/design.md
# section 4).
HANDLED_EVENTS: Mapping[str, tuple[Callable[[ApiCall], Target], Callable[[ApiCall], AutoScope]]] = {
    "CreateVpc": (_vpc(("response", "vpc", "vpcId")), _everything),
    "CreateDefaultVpc": (_vpc(("response", "vpc", "vpcId")), _everything),
    "CreateSubnet": (
        _vpc(("response", "subnet", "vpcId"), ("request", "vpcId")),
        _created_subnet,
    ),
    "DeleteVpc": (_delete_vpc, _nothing),
    "AttachInternetGateway": (_vpc(("request", "vpcId")), _everything),
    "DetachInternetGateway": (_vpc(("request", "vpcId")), _nothing),
    "CreateRouteTable": (
        _vpc(("response", "routeTable", "vpcId"), ("request", "vpcId")),
        _nothing,
    ),
    "AssociateRouteTable": (_route_table, _nothing),
    "ReplaceRouteTableAssociation": (_route_table, _nothing),
    # CloudTrail logs only the association id, which is gone once the call succeeded.
    "DisassociateRouteTable": (lambda _: RegionTarget(all_vpcs=True), _nothing),
    # A route or a propagation changed, perhaps on the main table: the managed public table
    # follows it (docs/design.md section 5), whoever's table it was.
    "CreateRoute": (_route_table, _nothing),
    "DeleteRoute": (_route_table, _nothing),
    "ReplaceRoute": (_route_table, _nothing),
    "EnableVgwRoutePropagation": (_route_table, _nothing),
    "DisableVgwRoutePropagation": (_route_table, _nothing),
    # A gateway endpoint's route tables changed (its prefix-list routes with them).
    "CreateVpcEndpoint": (_vpc(("request", "VpcId"), ("request", "vpcId")), _nothing),
    "ModifyVpcEndpoint": (_vpc_endpoint, _nothing),
    "ModifySubnetAttribute": (_subnet, _nothing),
}


def trigger_for(
    call: ApiCall,
    *,
    accepted: frozenset[str],
    own_role_arns: frozenset[str],
    account: str | None = None,
    region: str | None = None,
    auto_intent_from: frozenset[CallerKind] = Policy().auto_intent_from,
) -> Trigger | Skip:
    """What this call asks to reconcile, or why it is skipped. Raises InvalidEventError.

    Auto intent comes only with a caller in `auto_intent_from` (a person in the console or at
    the CLI, by default): what a tool makes, that tool finishes.
    """
    # Values from the event are quoted and cut short: they are whatever the sender wrote.
    if call.event_source != EC2_EVENT_SOURCE:
        return Skip(f"event source {call.event_source!r:.80} is not {EC2_EVENT_SOURCE}")
    if call.error_code:
        return Skip(f"{call.event_name:.80} failed with {call.error_code:.80}; nothing changed")
    if own_role_arns & {call.issuer_arn, call.actor_arn}:
        return Skip(f"{call.event_name:.80} was made by the remediator itself")
    if call.event_name not in accepted or call.event_name not in HANDLED_EVENTS:
        return Skip(f"{call.event_name!r:.80} is not an event this function handles")
    if account and call.account != account:
        return Skip(f"event from account {call.account!r:.40}; this function guards {account}")
    if region and call.region != region:
        return Skip(f"event from region {call.region!r:.40}; this function guards {region}")
    target, auto = HANDLED_EVENTS[call.event_name]
    scope = auto(call)
    caller = call.caller
    if scope != AutoScope.none() and caller.kind not in auto_intent_from:
        scope = replace(scope, withheld=caller.described)
    if caller.kind is CallerKind.IAC:
        scope = replace(scope, iac_building=caller.described)
    return Trigger(call, target(call), scope, _created(call))


# event name -> where the id of what it created is
_CREATED = {
    "CreateVpc": ("vpc", ("response", "vpc", "vpcId")),
    "CreateDefaultVpc": ("vpc", ("response", "vpc", "vpcId")),
    "CreateSubnet": ("subnet", ("response", "subnet", "subnetId")),
    "CreateRouteTable": ("rtb", ("response", "routeTable", "routeTableId")),
}


def _created(call: ApiCall) -> tuple[str, ...]:
    if call.event_name not in _CREATED:
        return ()
    kind, path = _CREATED[call.event_name]
    return (_id(call, kind, path),)
