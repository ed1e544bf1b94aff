"""What AWS returns where moto differs (docs/design.md section 2), put in front of a client with
botocore hooks, so that a test proves the remediator against AWS's behaviour, not moto's.

Each piece names the AWS behaviour it stands in for:

- subnets' IPv6 CIDR block state: AWS returns `{"State": "associated"}`; moto serialises the
  whole dict as the state's string, so an unaided reader would see no IPv6 at all;
- a route whose target is gone (a deleted NAT gateway, a detached internet gateway): AWS
  reports it `blackhole`; moto keeps every route `active` (`gone`);
- a VPC shared through RAM: AWS reports the owner's account as `OwnerId` of the VPC, its
  subnets and route tables, and refuses a participant's changes to them (`owners`);
- route propagation from a virtual private gateway: AWS lists `PropagatingVgws` and the learned
  routes (origin `EnableVgwRoutePropagation`); moto does not implement the calls (`learned`);
- gateway endpoints: AWS shows a `pl-... -> vpce-...` route in every table the endpoint is
  associated with; moto adds it only to the tables named at creation;
- routes to a prefix list, a local gateway, a carrier gateway or a Cloud WAN core network:
  AWS stores and lists them; moto drops their destination or target when it lists them;
- a local route pointed at an appliance (ReplaceRoute on the VPC's CIDR) and back
  (`LocalTarget`): AWS lists the new target; moto keeps listing `local`;
- `AssociateRouteTable` for a subnet that already has an explicit association: AWS answers
  `Resource.AlreadyAssociated`; moto silently accepts it;
- VPC Block Public Access: AWS answers DescribeVpcBlockPublicAccessOptions/Exclusions; moto
  does not implement them (`block`: None leaves moto's behaviour as it is);
- SNS topic policies: AWS refuses a Publish to another account's topic whose policy does not
  allow the caller (403 `AuthorizationError`); moto publishes to any account's topic
  (`TopicPolicy`);
- network interfaces made with `InterfaceType` efa or efa-only (an EFA instance's): AWS lists
  that type, and filters by it (`interface-type`); moto lists every interface as `interface`
  (`interface_types`: interface id -> the type AWS lists);
- CloudTrail's event history: AWS answers LookupEvents (newest first, 50 a page, at most 2
  requests a second per account and region, ThrottlingException beyond); moto does not
  implement it (`EventHistory`).

Calls answered here never reach moto: a `before-call` hook returns the parsed response, as
botocore's own Stubber does.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

# CreateRoute targets and destinations moto cannot list back: emulated whole here.
_EMULATED_TARGETS = ("LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn")
_DESTINATION_KEYS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
_TARGET_KEYS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "EgressOnlyInternetGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "VpcEndpointId",
    *_EMULATED_TARGETS,
)
# Writes that name a resource, and the parameters that name it (for shared-VPC refusals).
_WRITES = {
    "CreateRouteTable": ("VpcId",),
    "CreateRoute": ("RouteTableId",),
    "ReplaceRoute": ("RouteTableId",),
    "DeleteRoute": ("RouteTableId",),
    "AssociateRouteTable": ("RouteTableId", "SubnetId"),
    "ReplaceRouteTableAssociation": ("RouteTableId",),
    "ModifySubnetAttribute": ("SubnetId",),
    "AttachInternetGateway": ("VpcId",),
    "EnableVgwRoutePropagation": ("RouteTableId",),
    "DisableVgwRoutePropagation": ("RouteTableId",),
    "CreateTags": ("Resources",),
}


def _answer(parsed: dict[str, Any], status: int = 200) -> tuple[AWSResponse, dict[str, Any]]:
    meta = {"HTTPStatusCode": status, "RequestId": "aws-behaviour", "RetryAttempts": 0}
    return AWSResponse("https://aws-behaviour", status, HTTPHeaders(), None), {
        **parsed,
        "ResponseMetadata": meta,
    }


def _error(code: str, message: str, status: int = 400) -> tuple[AWSResponse, dict[str, Any]]:
    return _answer({"Error": {"Code": code, "Message": message}}, status)


@dataclass
class TopicPolicy:
    """A topic of another account whose policy does not allow the caller's account: AWS
    answers Publish with 403 AuthorizationError; moto publishes."""

    caller: str  # the account publishing
    allows: set[str] = field(default_factory=set)  # accounts the topic's policy lets publish
    refused: list[str] = field(default_factory=list)  # the topics refused, as they were

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-parameter-build.sns.Publish", self._keep_params)
        events.register_first("before-call.sns.Publish", self._publish)

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["topic_policy_params"] = dict(params)

    def _publish(
        self, context: dict[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        topic = context["topic_policy_params"]["TopicArn"]
        owner = topic.split(":")[4]
        if owner == self.caller or self.caller in self.allows:
            return None
        self.refused.append(topic)
        return _error(
            "AuthorizationError",
            f"User: arn:aws:sts::{self.caller}:assumed-role/vpc-remediator/fn is not authorized "
            f"to perform: SNS:Publish on resource: {topic}",
            403,
        )


def _destination(params: dict[str, Any]) -> str:
    return str(next(params[k] for k in _DESTINATION_KEYS if params.get(k)))


@dataclass
class AwsBehaviour:
    backend: Any  # a client of the test's own on the same emulator, with no hooks
    gone: set[str] = field(default_factory=set)
    owners: dict[str, str] = field(default_factory=dict)
    learned: dict[str, list[str]] = field(default_factory=dict)  # vgw -> CIDRs it advertises
    propagating: dict[str, set[str]] = field(default_factory=dict)  # route table -> vgws
    block: tuple[str, dict[str, str]] | None = None  # (mode, {resource ARN: exclusion mode})
    account: str = "123456789012"
    # route table -> destination -> the route as AWS lists it (what moto cannot hold)
    emulated_routes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # route table -> local destination -> the target it is pointed at instead
    local_targets: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # network interface -> the InterfaceType AWS lists for it (moto lists "interface")
    interface_types: dict[str, str] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)  # operations answered here, in order
    refused: list[str] = field(default_factory=list)  # writes refused as a participant's

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-parameter-build.ec2", self._keep_params)
        events.register_first("before-call.ec2", self._before_call)
        for operation, handler in self._listings().items():
            events.register(f"after-call.ec2.{operation}", handler)

    # -- requests ------------------------------------------------------------------------

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["aws_behaviour_params"] = dict(params)

    def _before_call(
        self, model: Any, context: dict[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        operation = model.name
        params = context.get("aws_behaviour_params", {})
        refusal = self._shared_vpc_refusal(operation, params)
        if refusal is not None:
            self.refused.append(operation)
            return refusal
        handler: Callable[[dict[str, Any]], Any] | None = {
            "EnableVgwRoutePropagation": self._enable_propagation,
            "DisableVgwRoutePropagation": self._disable_propagation,
            "AssociateRouteTable": self._associate,
            "DescribeVpcBlockPublicAccessOptions": self._block_options,
            "DescribeVpcBlockPublicAccessExclusions": self._block_exclusions,
            "CreateRoute": self._create_route,
            "ReplaceRoute": self._replace_route,
            "DeleteRoute": self._delete_route,
            "DescribeNetworkInterfaces": self._network_interfaces,
        }.get(operation)
        if handler is None:
            return None
        answer = handler(params)
        if answer is not None:
            self.answered.append(operation)
        return answer  # type: ignore[no-any-return]  # the handlers' table is typed loosely

    def _network_interfaces(self, params: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        filters = params.get("Filters") or []
        types = next((f["Values"] for f in filters if f["Name"] == "interface-type"), None)
        others = [f for f in filters if f["Name"] != "interface-type"]
        listed = self.backend.describe_network_interfaces(Filters=others)["NetworkInterfaces"]
        found = []
        for eni in listed:
            kind = self.interface_types.get(eni["NetworkInterfaceId"], "interface")
            if types is None or kind in types:
                found.append({**eni, "InterfaceType": kind})
        return _answer({"NetworkInterfaces": found})

    def _shared_vpc_refusal(
        self, operation: str, params: dict[str, Any]
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        named: list[str] = []
        for key in _WRITES.get(operation, ()):
            value = params.get(key)
            named += value if isinstance(value, list) else [value] if value else []
        for resource_id in named:
            owner = self.owners.get(resource_id) or self.owners.get(self._vpc_of(resource_id))
            if owner and owner != self.account:
                return _error(
                    "UnauthorizedOperation",
                    f"You are not authorized to perform this operation on {resource_id}, "
                    f"which account {owner} owns.",
                )
        return None

    def _vpc_of(self, resource_id: str) -> str:
        kind = resource_id.split("-", 1)[0]
        if kind == "subnet":
            found = self.backend.describe_subnets(SubnetIds=[resource_id])["Subnets"]
        elif kind == "rtb":
            found = self.backend.describe_route_tables(RouteTableIds=[resource_id])["RouteTables"]
        else:
            return resource_id
        return str(found[0]["VpcId"]) if found else ""

    def _enable_propagation(self, params: dict[str, Any]) -> Any:
        self.propagating.setdefault(params["RouteTableId"], set()).add(params["GatewayId"])
        return _answer({})

    def _disable_propagation(self, params: dict[str, Any]) -> Any:
        self.propagating.get(params["RouteTableId"], set()).discard(params["GatewayId"])
        return _answer({})

    def _associate(self, params: dict[str, Any]) -> Any:
        subnet = params.get("SubnetId")
        if not subnet:
            return None
        tables = self.backend.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )["RouteTables"]
        for table in tables:
            for association in table["Associations"]:
                if association.get("SubnetId") == subnet:
                    return _error(
                        "Resource.AlreadyAssociated",
                        f"the specified association for route table {table['RouteTableId']} "
                        f"conflicts with an existing association "
                        f"{association['RouteTableAssociationId']}",
                    )
        return None

    def _emulated(self, params: dict[str, Any]) -> bool:
        return bool(params.get("DestinationPrefixListId")) or any(
            params.get(k) for k in _EMULATED_TARGETS
        )

    def _create_route(self, params: dict[str, Any]) -> Any:
        if not self._emulated(params):
            return None
        table, destination = params["RouteTableId"], _destination(params)
        routes = self.emulated_routes.setdefault(table, {})
        if destination in routes:
            return _error("RouteAlreadyExists", f"a route for {destination} already exists")
        routes[destination] = self._route(params)
        return _answer({"Return": True})

    def _replace_route(self, params: dict[str, Any]) -> Any:
        table, destination = params["RouteTableId"], _destination(params)
        if destination in self._local_destinations(table):
            targets = self.local_targets.setdefault(table, {})
            if params.get("LocalTarget"):
                targets.pop(destination, None)
            else:
                targets[destination] = {k: params[k] for k in _TARGET_KEYS if params.get(k)}
            return _answer({})
        if destination not in self.emulated_routes.get(table, {}):
            return None
        self.emulated_routes[table][destination] = self._route(params)
        return _answer({})

    def _local_destinations(self, table: str) -> set[str]:
        found = self.backend.describe_route_tables(RouteTableIds=[table])["RouteTables"]
        return {
            _destination(r)
            for t in found
            for r in t["Routes"]
            if r.get("GatewayId") == "local" and any(r.get(k) for k in _DESTINATION_KEYS)
        }

    def _delete_route(self, params: dict[str, Any]) -> Any:
        table, destination = params["RouteTableId"], _destination(params)
        if self.emulated_routes.get(table, {}).pop(destination, None) is None:
            return None
        return _answer({})

    def _route(self, params: dict[str, Any]) -> dict[str, Any]:
        route = {k: params[k] for k in (*_DESTINATION_KEYS, *_TARGET_KEYS) if params.get(k)}
        return {**route, "Origin": "CreateRoute", "State": "active"}

    def _block_options(self, _: dict[str, Any]) -> Any:
        if self.block is None:
            return None
        mode, _exclusions = self.block
        return _answer(
            {
                "VpcBlockPublicAccessOptions": {
                    "AwsAccountId": self.account,
                    "AwsRegion": "eu-south-1",
                    "State": "update-complete" if mode != "off" else "default-state",
                    "InternetGatewayBlockMode": mode,
                }
            }
        )

    def _block_exclusions(self, _: dict[str, Any]) -> Any:
        if self.block is None:
            return None
        _mode, exclusions = self.block
        return _answer(
            {
                "VpcBlockPublicAccessExclusions": [
                    {
                        "ExclusionId": f"exclusion-{n:017d}",
                        "ResourceArn": arn,
                        "InternetGatewayExclusionMode": exclusion_mode,
                        "State": "create-complete",
                    }
                    for n, (arn, exclusion_mode) in enumerate(sorted(exclusions.items()))
                ]
            }
        )

    # -- listings ------------------------------------------------------------------------

    def _listings(self) -> dict[str, Callable[..., None]]:
        return {
            "DescribeSubnets": self._subnets,
            "DescribeRouteTables": self._route_tables,
            "DescribeVpcs": self._owned("Vpcs", "VpcId"),
            "DescribeInternetGateways": self._owned("InternetGateways", "InternetGatewayId"),
        }

    def _owned(self, key: str, id_key: str) -> Callable[..., None]:
        def rewrite(parsed: dict[str, Any], **_: Any) -> None:
            for item in parsed.get(key) or ():
                item["OwnerId"] = self.owners.get(item[id_key], item.get("OwnerId", self.account))

        return rewrite

    def _subnets(self, parsed: dict[str, Any], **_: Any) -> None:
        for subnet in parsed.get("Subnets") or ():
            subnet["OwnerId"] = self.owners.get(subnet["SubnetId"]) or self.owners.get(
                subnet["VpcId"], subnet.get("OwnerId", self.account)
            )
            for block in subnet.get("Ipv6CidrBlockAssociationSet") or ():
                state = (block.get("Ipv6CidrBlockState") or {}).get("State")
                if isinstance(state, str) and state.startswith("{"):
                    block["Ipv6CidrBlockState"] = ast.literal_eval(state)

    def _route_tables(self, parsed: dict[str, Any], **_: Any) -> None:
        tables = parsed.get("RouteTables") or ()
        endpoints = self._gateway_endpoints() if tables else []
        for table in tables:
            table_id = table["RouteTableId"]
            table["OwnerId"] = self.owners.get(table_id) or self.owners.get(
                table["VpcId"], table.get("OwnerId", self.account)
            )
            routes = [
                r for r in table.get("Routes") or () if any(r.get(k) for k in _DESTINATION_KEYS)
            ]
            routes = [r for r in routes if not r.get("DestinationPrefixListId")]
            redirected = self.local_targets.get(table_id, {})
            routes = [
                {
                    "Origin": "CreateRouteTable",
                    "State": "active",
                    "DestinationCidrBlock": d,
                    **redirected[d],
                }
                if (d := r.get("DestinationCidrBlock")) in redirected
                and r.get("GatewayId") == "local"
                else r
                for r in routes
            ]
            routes += list(self.emulated_routes.get(table_id, {}).values())
            for endpoint in endpoints:
                if table_id in endpoint["RouteTableIds"]:
                    routes.append(
                        {
                            "DestinationPrefixListId": self._prefix_list(endpoint),
                            "GatewayId": endpoint["VpcEndpointId"],
                            "Origin": "CreateRoute",
                            "State": "active",
                        }
                    )
            vgws = sorted(self.propagating.get(table_id, ()))
            table["PropagatingVgws"] = [{"GatewayId": v} for v in vgws]
            static = {_destination(r) for r in routes}
            for vgw in vgws:
                routes += [
                    {
                        "DestinationCidrBlock": cidr,
                        "GatewayId": vgw,
                        "Origin": "EnableVgwRoutePropagation",
                        "State": "active",
                    }
                    for cidr in self.learned.get(vgw, ())
                    if cidr not in static
                ]
            for route in routes:
                if any(route.get(k) in self.gone for k in _TARGET_KEYS):
                    route["State"] = "blackhole"
            table["Routes"] = routes

    def _gateway_endpoints(self) -> list[dict[str, Any]]:
        found = self.backend.describe_vpc_endpoints(
            Filters=[{"Name": "vpc-endpoint-type", "Values": ["Gateway"]}]
        )["VpcEndpoints"]
        return [e for e in found if e.get("State", "available") == "available"]

    def _prefix_list(self, endpoint: dict[str, Any]) -> str:
        # AWS: the service's own prefix list (com.amazonaws.<region>.s3 -> pl-...).
        digest = hashlib.sha256(endpoint["ServiceName"].encode()).hexdigest()[:8]
        return f"pl-{digest}"


@dataclass
class EventHistory:
    """CloudTrail's LookupEvents, from the CloudTrail records a test says were logged."""

    clock: Callable[[], float]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # resource -> records
    calls: list[float] = field(default_factory=list)  # when each request came
    throttled: int = 0

    def logged(self, resource_id: str, event: dict[str, Any]) -> None:
        """An EventBridge sample's CloudTrail record, as the history keeps it."""
        self.records.setdefault(resource_id, []).insert(0, event["detail"])

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-parameter-build.cloudtrail.LookupEvents", self._keep_params)
        events.register("before-call.cloudtrail.LookupEvents", self._lookup)

    def _keep_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["event_history_params"] = dict(params)

    def _lookup(self, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        import json
        from datetime import UTC, datetime

        params = context["event_history_params"]
        now = self.clock()
        self.calls.append(now)
        if sum(now - t < 1.0 for t in self.calls) > 2:  # CloudTrail: 2 requests a second
            self.throttled += 1
            return _error("ThrottlingException", "Rate exceeded")
        (attribute,) = params["LookupAttributes"]
        assert attribute["AttributeKey"] == "ResourceName"
        events = [
            {
                "EventId": record["eventID"],
                "EventName": record["eventName"],
                "ReadOnly": "false",
                "EventTime": datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00"))
                if isinstance(record.get("eventTime"), str)
                else datetime.now(UTC),
                "EventSource": record.get("eventSource", "ec2.amazonaws.com"),
                "Resources": [{"ResourceName": attribute["AttributeValue"]}],
                "CloudTrailEvent": json.dumps(record),
            }
            for record in self.records.get(attribute["AttributeValue"], [])
        ]
        size = int(params.get("MaxResults", 50))
        start = int(params.get("NextToken", "0"))
        page: dict[str, Any] = {"Events": events[start : start + size]}
        if start + size < len(events):
            page["NextToken"] = str(start + size)
        return _answer(page)
