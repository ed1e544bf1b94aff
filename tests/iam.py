"""Read template.yaml's IAM grants per function, and judge recorded AWS calls against them.

A small evaluator, enough for the statements this template writes: Allow statements, action
and resource wildcards, and the condition operators used (StringEquals,
ForAllValues:StringEquals, Null). An operator it does not know fails loudly, so a new kind of
statement cannot pass unchecked.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
PARTITION = "aws"


def load_template() -> dict[str, Any]:
    decoded, errors = decode(str(TEMPLATE))
    assert not errors, errors
    assert decoded is not None
    return dict(decoded)


@dataclass
class Resolver:
    """Evaluates the intrinsic functions the template uses, for given parameter values."""

    template: dict[str, Any]
    parameters: Mapping[str, str]
    region: str
    account: str
    refs: Mapping[str, str] = field(default_factory=dict)  # resource logical id -> value

    def param(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        return str(self.template["Parameters"][name]["Default"])

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template["Conditions"][name]))

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.value(n) for n in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Fn::", "Ref", "Condition")):
            return {
                k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not _NO_VALUE
            }
        ((fn, arg),) = node.items()
        if fn == "Ref":
            return self.ref(arg)
        if fn == "Condition":
            return self.condition(arg)
        if fn == "Fn::If":
            name, yes, no = arg
            return self.value(yes if self.condition(name) else no)
        if fn == "Fn::Equals":
            left, right = (self.value(a) for a in arg)
            return str(left) == str(right)
        if fn == "Fn::Or":
            return any(self.value(a) for a in arg)
        if fn == "Fn::Not":
            return not self.value(arg[0])
        if fn == "Fn::Sub":
            return self.sub(arg)
        if fn == "Fn::GetAtt":
            logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.refs.get(f"{logical}.{attribute}", f"{logical}.{attribute}")
        if fn == "Fn::Join":
            sep, items = arg
            return sep.join(str(i) for i in self.value(items))
        raise AssertionError(f"the test evaluator does not know {fn}")

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": PARTITION,
            "AWS::StackName": "vpc-remediator",
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            return self.param(name)
        return self.refs.get(name, name)

    def sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        out = text
        for key, val in variables.items():
            out = out.replace("${" + key + "}", str(self.value(val)))
        while "${" in out:
            start = out.index("${")
            end = out.index("}", start)
            name = out[start + 2 : end]
            resolved = self.value(
                {"Fn::GetAtt": name} if "." in name and "::" not in name else {"Ref": name}
            )
            out = out[:start] + str(resolved) + out[end + 1 :]
        return out


_NO_VALUE = object()


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


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def granted_actions(statements: Iterable[dict[str, Any]]) -> set[str]:
    return {a for s in statements if s["Effect"] == "Allow" for a in _as_list(s["Action"])}


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            wanted = {str(v) for v in _as_list(expected)}
            actual = context.get(key)
            if operator == "StringEquals":
                if (
                    actual is None
                    or not set(_as_list(actual)) <= wanted
                    or len(_as_list(actual)) != 1
                ):
                    return False
            elif operator == "ForAllValues:StringEquals":
                if actual is not None and not set(_as_list(actual)) <= wanted:
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
        if not any(fnmatch.fnmatchcase(action, a) for a in _as_list(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in _as_list(statement["Resource"])):
            continue
        if _condition_holds(statement.get("Condition", {}), context or {}):
            return True
    return False


def authorizations(
    operation: str, params: Mapping[str, Any], *, region: str, account: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """The (IAM action, resource ARN, condition context) checks AWS makes for one EC2 call."""
    arn = f"arn:{PARTITION}:ec2:{region}:{account}:"
    kinds = {"subnet": "subnet", "rtb": "route-table", "igw": "internet-gateway", "vpc": "vpc"}

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
        checks = [(action, of(r), {"aws:TagKeys": keys}) for r in params["Resources"]]
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
