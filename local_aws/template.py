"""template.yaml read the way CloudFormation would: intrinsic functions for given parameters.

Used by the local event bus (the demo) and by the template tests; enough for the intrinsics
this template uses, and loud about any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
PARTITION = "aws"


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    decoded, errors = decode(str(path))
    if errors or decoded is None:
        raise ValueError(f"{path} does not parse: {errors}")
    return dict(decoded)


@dataclass
class Resolver:
    """Evaluates the intrinsic functions the template uses, for given parameter values."""

    template: dict[str, Any]
    parameters: Mapping[str, str]
    region: str
    account: str
    refs: Mapping[str, str] = field(default_factory=dict)  # resource logical id -> value
    # strict: a reference to a resource not in `refs` is an error, not its logical id.
    strict: bool = False

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
        if fn == "Fn::And":
            return all(self.value(a) for a in arg)
        if fn == "Fn::Not":
            return not self.value(arg[0])
        if fn == "Fn::Sub":
            return self.sub(arg)
        if fn == "Fn::GetAtt":
            logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self._resource(f"{logical}.{attribute}")
        if fn == "Fn::Join":
            sep, items = arg
            return sep.join(str(i) for i in self.value(items))
        if fn == "Fn::Split":
            sep, source = arg
            return str(self.value(source)).split(sep)
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
            if self.template["Parameters"][name]["Type"] == "CommaDelimitedList":
                return self.param(name).split(",")  # as CloudFormation: "" is [""]
            return self.param(name)
        return self._resource(name)

    def _resource(self, key: str) -> str:
        if key in self.refs:
            return self.refs[key]
        if self.strict:
            raise KeyError(f"template.yaml refers to {key}, which has no local stand-in")
        return key

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
