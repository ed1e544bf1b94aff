"""Read template.yaml's IAM grants per function, and judge recorded AWS calls against them.

A small evaluator, enough for the statements this template (and deploy/'s service control
policy) writes: Allow and Deny, NotResource and NotAction, action and resource wildcards, and
the condition operators used. An operator it does not know fails loudly, so a new kind of
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


def _values(value: Any) -> list[str]:
    return [str(v) for v in as_list(value)]


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """IAM's evaluation of a statement's Condition block: every operator, every key must hold.
    A negated operator holds where the key is absent from the request, as in IAM."""
    for operator, tests in condition.items():
        for key, expected in tests.items():
            wanted = _values(expected)
            actual = context.get(key)
            present = _values(actual) if actual is not None else []
            if operator in ("StringEquals", "ArnEquals"):
                if len(present) != 1 or present[0] not in wanted:
                    return False
            elif operator in ("StringLike", "ArnLike"):
                if len(present) != 1 or not any(fnmatch.fnmatchcase(present[0], w) for w in wanted):
                    return False
            elif operator == "ArnNotEquals":
                if present and present[0] in wanted:
                    return False
            elif operator in ("ArnNotLike", "StringNotLike"):
                if present and any(fnmatch.fnmatchcase(present[0], w) for w in wanted):
                    return False
            elif operator == "ForAllValues:StringEquals":
                if actual is not None and not set(present) <= set(wanted):
                    return False
            elif operator == "ForAnyValue:StringLike":
                if not any(fnmatch.fnmatchcase(v, w) for v in present for w in wanted):
                    return False
            elif operator == "Bool":
                if not present or present[0].lower() not in {w.lower() for w in wanted}:
                    return False
            elif operator == "Null":
                is_null = actual is None
                if str(is_null).lower() not in wanted:
                    return False
            else:
                raise AssertionError(f"the test evaluator does not know the operator {operator}")
    return True


def _applies(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    if "NotAction" in statement:
        if any(fnmatch.fnmatchcase(action, a) for a in as_list(statement["NotAction"])):
            return False
    elif not any(fnmatch.fnmatchcase(action, a) for a in as_list(statement["Action"])):
        return False
    if "NotResource" in statement:
        return not any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement["NotResource"]))
    return any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement.get("Resource", "*")))


def _any_applies(
    statements: Iterable[Mapping[str, Any]],
    effect: str,
    action: str,
    resource: str,
    context: Mapping[str, Any] | None,
) -> bool:
    return any(
        s["Effect"] == effect
        and _applies(s, action, resource)
        and _condition_holds(s.get("Condition", {}), context or {})
        for s in statements
    )


def is_denied(
    statements: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
) -> bool:
    """An explicit Deny that applies: it wins over any Allow."""
    return _any_applies(statements, "Deny", action, resource, context)


def is_allowed(
    statements: Iterable[dict[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
) -> bool:
    statements = list(statements)
    return not is_denied(statements, action, resource, context) and _any_applies(
        statements, "Allow", action, resource, context
    )


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
