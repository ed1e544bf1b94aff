"""Read template.yaml's IAM grants per function, and judge recorded AWS calls against them.

A small evaluator, enough for the statements this template writes: Allow statements, action
and resource wildcards, and the condition operators used (StringEquals,
ForAllValues:StringEquals, Null). An operator it does not know fails loudly, so a new kind of
statement cannot pass unchecked.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from local_aws.template import PARTITION, Resolver


def function_statements(resolver: Resolver, function: str) -> list[dict[str, Any]]:
    """Every statement the function's role is given through its Policies list."""
    resources = resolver.template["Resources"]
    statements: list[dict[str, Any]] = []
    for entry in resolver.value(resources[function]["Properties"]["Policies"]):
        policy = resources[entry]
        condition = policy.get("Condition")
        if condition and not resolver.condition(condition):
            continue
        statements += resolver.value(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted_actions(statements: Iterable[dict[str, Any]]) -> set[str]:
    return {a for s in statements if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            wanted = {str(v) for v in as_list(expected)}
            actual = context.get(key)
            if operator == "StringEquals":
                if (
                    actual is None
                    or not set(as_list(actual)) <= wanted
                    or len(as_list(actual)) != 1
                ):
                    return False
            elif operator == "ForAllValues:StringEquals":
                if actual is not None and not set(as_list(actual)) <= wanted:
                    return False
            elif operator == "Null":
                is_null = actual is None
                if str(is_null).lower() not in wanted:
                    return False
            else:
                raise AssertionError(f"the test evaluator does not know the operator {operator}")
    return True


def is_allowed(
    statements: Iterable[dict[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
) -> bool:
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatch.fnmatchcase(action, a) for a in as_list(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement["Resource"])):
            continue
        if _condition_holds(statement.get("Condition", {}), context or {}):
            return True
    return False


def no_tags(_: str) -> dict[str, str]:
    return {}


def authorizations(
    operation: str,
    params: Mapping[str, Any],
    *,
    region: str,
    account: str,
    resource_tags: Any = no_tags,
) -> list[tuple[str, str, dict[str, Any]]]:
    """The (IAM action, resource ARN, condition context) checks AWS makes for one EC2 call.

    `resource_tags(id)` gives a resource's tags as `aws:ResourceTag/<key>` context keys.
    """
    arn = f"arn:{PARTITION}:ec2:{region}:{account}:"
    kinds = {
        "subnet": "subnet",
        "rtb": "route-table",
        "igw": "internet-gateway",
        "vpc": "vpc",
        "vgw": "vpn-gateway",
        "vpce": "vpc-endpoint",
    }

    def of(resource_id: str) -> str:
        return arn + f"{kinds[resource_id.split('-', 1)[0]]}/{resource_id}"

    action = f"ec2:{operation}"
    checks: list[tuple[str, str, dict[str, Any]]] = []
    if operation.startswith("Describe"):
        return [(action, "*", {})]
    if operation == "CreateRouteTable":
        checks = [(action, of(params["VpcId"]), {}), (action, arn + "route-table/*", {})]
    elif operation in ("CreateRoute", "ReplaceRoute"):
        checks = [(action, of(params["RouteTableId"]), {})]
    elif operation == "AssociateRouteTable":
        checks = [(action, of(params["RouteTableId"]), {}), (action, of(params["SubnetId"]), {})]
    elif operation == "ReplaceRouteTableAssociation":
        # The target table must be a managed public table (checked on its tags).
        checks = [(action, of(params["RouteTableId"]), dict(resource_tags(params["RouteTableId"])))]
    elif operation in ("DeleteRouteTable", "DeleteRoute"):
        checks = [(action, of(params["RouteTableId"]), dict(resource_tags(params["RouteTableId"])))]
    elif operation in ("EnableVgwRoutePropagation", "DisableVgwRoutePropagation"):
        table = params["RouteTableId"]
        checks = [
            (action, of(table), dict(resource_tags(table))),
            (action, of(params["GatewayId"]), {}),
        ]
    elif operation == "ModifyVpcEndpoint":
        tables = [*params.get("AddRouteTableIds", ()), *params.get("RemoveRouteTableIds", ())]
        checks = [(action, of(params["VpcEndpointId"]), {})]
        checks += [(action, of(t), dict(resource_tags(t))) for t in tables]
    elif operation == "ModifySubnetAttribute":
        checks = [(action, of(params["SubnetId"]), {})]
    elif operation == "CreateInternetGateway":
        checks = [(action, arn + "internet-gateway/*", {})]
    elif operation == "AttachInternetGateway":
        checks = [(action, of(params["InternetGatewayId"]), {}), (action, of(params["VpcId"]), {})]
    elif operation == "CreateDefaultVpc":
        checks = [(action, "*", {"aws:RequestedRegion": region})]
    elif operation == "CreateTags":
        keys = [t["Key"] for t in params["Tags"]]
        checks = [
            (action, of(r), {"aws:TagKeys": keys, **resource_tags(r)}) for r in params["Resources"]
        ]
    else:
        raise AssertionError(f"no authorization model for ec2:{operation}: add one here")
    for spec in params.get("TagSpecifications", []):
        resource_type = spec["ResourceType"]
        checks.append(
            (
                "ec2:CreateTags",
                arn + f"{resource_type}/*",
                {"ec2:CreateAction": operation, "aws:TagKeys": [t["Key"] for t in spec["Tags"]]},
            )
        )
    return checks
