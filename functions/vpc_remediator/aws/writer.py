"""Apply planned actions: one API call each, every outcome recorded, nothing swallowed.

Expected races are outcomes, not crashes: a route that already exists, a subnet already
associated or a default VPC already recreated (a concurrent reconcile, or a person, got there
first) and a resource deleted under us. Any other error is a FAILED outcome; the service fails
the invocation after notifying, so Lambda retries and the dead-letter queue finally keeps the
event.

A subnet is moved onto a route table only if every earlier change to that table succeeded, so
a failed copy of a route never leaves a subnet without it. When the caller's time is nearly up
(`stop()` says so), the actions not yet started are DEFERRED: the retry, from live state,
finishes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ..domain.actions import (
    Action,
    AssociateRouteTable,
    AttachInternetGateway,
    CopyRoute,
    CreateDefaultVpc,
    CreateInternetGateway,
    CreateRoute,
    CreateRouteTable,
    DeleteCopiedRoute,
    DeleteDefaultVpc,
    DeleteRoute,
    DeleteRouteTable,
    DisableRoutePropagation,
    DisassociateRouteTable,
    EnableRoutePropagation,
    Pending,
    PlaceHold,
    Ref,
    ReleaseHold,
    RemoveRouteTable,
    ReplaceRoute,
    ReplaceRouteTableAssociation,
    SetAssignIpv6AddressOnCreation,
    SetEndpointRouteTable,
    SetMapPublicIpOnLaunch,
    TagLoadBalancerRole,
    TagResources,
    UntagLoadBalancerRole,
    UpdateCopiedRoute,
)
from ..domain.model import TargetKind
from ..domain.outcomes import ActionOutcome, ActionStatus, Interrupted
from ..domain.policy import HOLD_TAG_KEY
from .visibility import DEFAULT_WAIT, is_waitable, wait_visible

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import TagTypeDef

ALREADY_DONE_CODES = frozenset(
    {"RouteAlreadyExists", "Resource.AlreadyAssociated", "DefaultVpcAlreadyExists"}
)
_SUCCEEDED = frozenset({ActionStatus.APPLIED, ActionStatus.ALREADY_DONE})
# The CreateRoute / ReplaceRoute parameter that names each kind of target.
_TARGET_PARAMETERS = {
    TargetKind.IGW: "GatewayId",
    TargetKind.VPN_GATEWAY: "GatewayId",
    TargetKind.NAT: "NatGatewayId",
    TargetKind.TRANSIT_GATEWAY: "TransitGatewayId",
    TargetKind.PEERING: "VpcPeeringConnectionId",
    TargetKind.EGRESS_ONLY_IGW: "EgressOnlyInternetGatewayId",
    TargetKind.NETWORK_INTERFACE: "NetworkInterfaceId",
    TargetKind.INSTANCE: "InstanceId",
    TargetKind.VPC_ENDPOINT: "VpcEndpointId",  # a Gateway Load Balancer endpoint
    TargetKind.LOCAL_GATEWAY: "LocalGatewayId",
    TargetKind.CARRIER_GATEWAY: "CarrierGatewayId",
    TargetKind.CORE_NETWORK: "CoreNetworkArn",
}


class _Unresolved(Exception):
    pass


def _tag_list(tags: Mapping[str, str]) -> list[TagTypeDef]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _destination(destination: str) -> dict[str, Any]:
    if destination.startswith("pl-"):
        return {"DestinationPrefixListId": destination}
    if ":" in destination:
        return {"DestinationIpv6CidrBlock": destination}
    return {"DestinationCidrBlock": destination}


def _target(target_id: str) -> dict[str, Any]:
    if target_id == "local":
        return {"LocalTarget": True}
    return {_TARGET_PARAMETERS[TargetKind.from_target_id(target_id)]: target_id}


class ActionWriter:
    def __init__(self, ec2: EC2Client, *, wait: dict[str, Any] | None = None) -> None:
        self._ec2 = ec2
        self._wait = wait or DEFAULT_WAIT
        self._calls: Mapping[type[Action], Callable[[Any], str]] = {
            CreateRouteTable: self._create_route_table,
            CreateRoute: self._create_route,
            ReplaceRoute: self._replace_route,
            CopyRoute: self._copy_route,
            UpdateCopiedRoute: self._update_copied_route,
            DeleteCopiedRoute: self._delete_copied_route,
            EnableRoutePropagation: self._enable_propagation,
            DisableRoutePropagation: self._disable_propagation,
            SetEndpointRouteTable: self._endpoint_route_table,
            PlaceHold: self._place_hold,
            ReleaseHold: self._release_hold,
            AssociateRouteTable: self._associate,
            ReplaceRouteTableAssociation: self._reassociate,
            DeleteRouteTable: self._delete_route_table,
            RemoveRouteTable: self._delete_route_table,
            DisassociateRouteTable: self._disassociate,
            DeleteRoute: self._delete_route,
            DeleteDefaultVpc: self._delete_default_vpc,
            SetMapPublicIpOnLaunch: self._map_public_ip,
            SetAssignIpv6AddressOnCreation: self._assign_ipv6,
            CreateInternetGateway: self._create_internet_gateway,
            AttachInternetGateway: self._attach_internet_gateway,
            CreateDefaultVpc: self._create_default_vpc,
            TagResources: self._tag,
            TagLoadBalancerRole: self._role_tag,
            UntagLoadBalancerRole: self._role_untag,
        }
        self._created: dict[Pending, str] = {}

    def apply(
        self, actions: Iterable[Action], *, stop: Callable[[], bool] | None = None
    ) -> tuple[ActionOutcome, ...]:
        self._created = {}
        outcomes: list[ActionOutcome] = []
        # resource -> why the actions that depend on it wait for the retry: a route table one
        # of whose changes failed (no subnet moves onto it), a subnet that was not moved (it
        # gets no public addresses).
        unready: dict[str, str] = {}
        actions = tuple(actions)
        try:
            return self._apply_all(actions, outcomes, unready, stop)
        except KeyboardInterrupt:
            # A person pressed Ctrl-C: say what was made and what was not (a rerun finishes).
            raise Interrupted(tuple(outcomes), actions[len(outcomes) :]) from None

    def _apply_all(
        self,
        actions: tuple[Action, ...],
        outcomes: list[ActionOutcome],
        unready: dict[str, str],
        stop: Callable[[], bool] | None,
    ) -> tuple[ActionOutcome, ...]:
        stopped = False
        for action in actions:
            stopped = stopped or bool(stop and stop())
            table_id = self._known(action.table)
            subnet_id = action.subnet or ""
            waits_for = [r for r in (table_id if action.needs_ready_table else "", subnet_id) if r]
            blocked = next((unready[r] for r in waits_for if r in unready), None)
            if stopped:
                outcome = ActionOutcome(
                    action, ActionStatus.DEFERRED, "time is nearly up; the retry finishes it"
                )
            elif blocked is not None:
                outcome = ActionOutcome(action, ActionStatus.SKIPPED, blocked)
            else:
                outcome = self._apply_one(action)
            if outcome.status not in _SUCCEEDED:
                why = f"{action.summary}: {outcome.status}"
                if not action.needs_ready_table and table_id:
                    unready.setdefault(table_id, f"{table_id} is not ready ({why})")
                elif action.moves_subnet and subnet_id:
                    unready.setdefault(subnet_id, f"{subnet_id} was not moved ({why})")
            outcomes.append(outcome)
        return tuple(outcomes)

    def _known(self, ref: Ref | None) -> str:
        """A route table's id, when this plan knows it (a Pending one once it is created)."""
        if isinstance(ref, Pending):
            return self._created.get(ref, str(ref))
        return ref or ""

    def _call(self, action: Action) -> str:
        """One API call; if EC2 does not list yet what this plan just created (eventual
        consistency), wait for it (bounded) and make the call once more."""
        try:
            return self._calls[type(action)](action)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            just_created = [
                self._created[ref]
                for ref in action.pending
                if ref in self._created and is_waitable(self._created[ref])
            ]
            if not code.endswith(".NotFound") or not just_created:
                raise
            if wait_visible(self._ec2, just_created, self._wait):
                raise  # still not there: it really is gone
            return self._calls[type(action)](action)

    def _apply_one(self, action: Action) -> ActionOutcome:
        try:
            resource_id = self._call(action)
        except _Unresolved as missing:
            return ActionOutcome(action, ActionStatus.SKIPPED, f"{missing} was not created")
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            detail = f"{code}: {error.get('Message', '')}".strip()
            if code in ALREADY_DONE_CODES:
                return ActionOutcome(action, ActionStatus.ALREADY_DONE, detail)
            if code.endswith(".NotFound"):
                return ActionOutcome(action, ActionStatus.GONE, detail)
            return ActionOutcome(action, ActionStatus.FAILED, detail)
        if isinstance(action.resource, Pending) and resource_id:
            self._created[action.resource] = resource_id
        created = resource_id if isinstance(action.resource, Pending) else ""
        return ActionOutcome(action, ActionStatus.APPLIED, resource_id=created)

    def _id(self, ref: Ref) -> str:
        if isinstance(ref, Pending):
            if ref not in self._created:
                raise _Unresolved(str(ref))
            return self._created[ref]
        return ref

    def _create_route_table(self, action: CreateRouteTable) -> str:
        kwargs: dict[str, Any] = {
            "VpcId": action.vpc_id,
            "TagSpecifications": [{"ResourceType": "route-table", "Tags": _tag_list(action.tags)}],
        }
        if action.client_token:
            kwargs["ClientToken"] = action.client_token
        return self._ec2.create_route_table(**kwargs)["RouteTable"]["RouteTableId"]

    def _create_route(self, action: CreateRoute) -> str:
        self._ec2.create_route(
            RouteTableId=self._id(action.route_table),
            GatewayId=self._id(action.gateway),
            **_destination(action.destination),
        )
        return ""

    def _replace_route(self, action: ReplaceRoute) -> str:
        self._ec2.replace_route(
            RouteTableId=self._id(action.route_table),
            GatewayId=self._id(action.gateway),
            **_destination(action.destination),
        )
        return ""

    def _copy_route(self, action: CopyRoute) -> str:
        self._ec2.create_route(
            RouteTableId=self._id(action.route_table),
            **_destination(action.destination),
            **_target(action.target),
        )
        return ""

    def _update_copied_route(self, action: UpdateCopiedRoute) -> str:
        self._ec2.replace_route(
            RouteTableId=self._id(action.route_table),
            **_destination(action.destination),
            **_target(action.target),
        )
        return ""

    def _delete_copied_route(self, action: DeleteCopiedRoute) -> str:
        self._ec2.delete_route(
            RouteTableId=action.route_table,
            **_destination(action.destination),
        )
        return ""

    def _enable_propagation(self, action: EnableRoutePropagation) -> str:
        self._ec2.enable_vgw_route_propagation(
            RouteTableId=self._id(action.route_table), GatewayId=action.gateway
        )
        return ""

    def _disable_propagation(self, action: DisableRoutePropagation) -> str:
        self._ec2.disable_vgw_route_propagation(
            RouteTableId=action.route_table, GatewayId=action.gateway
        )
        return ""

    def _endpoint_route_table(self, action: SetEndpointRouteTable) -> str:
        change = "AddRouteTableIds" if action.associate else "RemoveRouteTableIds"
        self._ec2.modify_vpc_endpoint(
            VpcEndpointId=action.endpoint_id,
            **{change: [self._id(action.route_table)]},  # type: ignore[arg-type]
        )
        return ""

    def _place_hold(self, action: PlaceHold) -> str:
        self._ec2.create_tags(Resources=[action.resource_id], Tags=_tag_list(action.tags))
        return ""

    def _release_hold(self, action: ReleaseHold) -> str:
        self._ec2.delete_tags(Resources=[action.resource_id], Tags=[{"Key": HOLD_TAG_KEY}])
        return ""

    def _associate(self, action: AssociateRouteTable) -> str:
        self._ec2.associate_route_table(
            RouteTableId=self._id(action.route_table), SubnetId=action.subnet_id
        )
        return ""

    def _reassociate(self, action: ReplaceRouteTableAssociation) -> str:
        self._ec2.replace_route_table_association(
            AssociationId=action.association_id, RouteTableId=self._id(action.route_table)
        )
        return ""

    def _disassociate(self, action: DisassociateRouteTable) -> str:
        self._ec2.disassociate_route_table(AssociationId=action.association_id)
        return ""

    def _delete_route(self, action: DeleteRoute) -> str:
        self._ec2.delete_route(RouteTableId=action.route_table, **_destination(action.destination))
        return ""

    def _delete_default_vpc(self, action: DeleteDefaultVpc) -> str:
        for table, associations in action.route_tables:
            for association in associations:
                self._ec2.disassociate_route_table(AssociationId=association)
            self._ec2.delete_route_table(RouteTableId=table)
        for gateway in action.gateways:
            self._ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=action.vpc_id)
            self._ec2.delete_internet_gateway(InternetGatewayId=gateway)
        for subnet in action.subnets:
            self._ec2.delete_subnet(SubnetId=subnet)
        self._ec2.delete_vpc(VpcId=action.vpc_id)
        return ""

    def _delete_route_table(self, action: DeleteRouteTable) -> str:
        self._ec2.delete_route_table(RouteTableId=action.route_table)
        return ""

    def _map_public_ip(self, action: SetMapPublicIpOnLaunch) -> str:
        self._ec2.modify_subnet_attribute(
            SubnetId=action.subnet_id, MapPublicIpOnLaunch={"Value": action.enabled}
        )
        return ""

    def _assign_ipv6(self, action: SetAssignIpv6AddressOnCreation) -> str:
        self._ec2.modify_subnet_attribute(
            SubnetId=action.subnet_id, AssignIpv6AddressOnCreation={"Value": action.enabled}
        )
        return ""

    def _create_internet_gateway(self, action: CreateInternetGateway) -> str:
        response = self._ec2.create_internet_gateway(
            TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": _tag_list(action.tags)}]
        )
        return response["InternetGateway"]["InternetGatewayId"]

    def _attach_internet_gateway(self, action: AttachInternetGateway) -> str:
        self._ec2.attach_internet_gateway(
            InternetGatewayId=self._id(action.gateway), VpcId=action.vpc_id
        )
        return ""

    def _create_default_vpc(self, action: CreateDefaultVpc) -> str:
        return self._ec2.create_default_vpc()["Vpc"]["VpcId"]

    def _role_tag(self, action: TagLoadBalancerRole) -> str:
        self._ec2.create_tags(
            Resources=[action.subnet_id], Tags=[{"Key": action.key, "Value": "1"}]
        )
        return ""

    def _role_untag(self, action: UntagLoadBalancerRole) -> str:
        self._ec2.delete_tags(Resources=[action.subnet_id], Tags=[{"Key": action.key}])
        return ""

    def _tag(self, action: TagResources) -> str:
        self._ec2.create_tags(
            Resources=[self._id(r) for r in action.resource_ids], Tags=_tag_list(action.tags)
        )
        return ""
