"""template.yaml: lint, the SAM transform offline, and the wiring between rules and handlers.

The full least-privilege proof belongs to the template issue; this checks what the core needs.
"""

from __future__ import annotations

import copy
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import decode
from samtranslator.translator.transform import transform

from tests.conftest import REGION
from vpc_remediator.domain.actions import declared_iam_actions
from vpc_remediator.domain.triggers import HANDLED_EVENTS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, errors = decode(str(TEMPLATE))
    assert not errors, errors
    assert decoded is not None
    return dict(decoded)


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def test_cfn_lint_is_clean() -> None:
    result = subprocess.run(  # noqa: S603 - our own venv's cfn-lint on our own file
        [str(Path(sys.executable).with_name("cfn-lint")), str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sam_transform_runs_offline(template: dict[str, Any]) -> None:
    packaged = copy.deepcopy(template)
    # `sam package` swaps the local CodeUri for the uploaded artifact.
    packaged["Globals"]["Function"]["CodeUri"] = "s3://bucket/vpc-remediator.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    out = transform(packaged, {}, NoManagedPolicies(), boto3.session.Session(region_name=REGION))
    kinds = {r["Type"] for r in out["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Events::Rule", "AWS::IAM::Role"} <= kinds
    rules = [r for r in out["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    assert len(rules) == len(functions(template))


def test_each_rule_names_exactly_the_events_its_handler_accepts(template: dict[str, Any]) -> None:
    covered: list[str] = []
    for name, props in functions(template).items():
        module_name, _, attr = props["Handler"].rpartition(".")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attr)), name
        (event,) = props["Events"].values()
        pattern = event["Properties"]["Pattern"]
        assert pattern["source"] == ["aws.ec2"]
        assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
        assert pattern["detail"]["errorCode"] == [{"exists": False}]
        assert set(pattern["detail"]["eventName"]) == module.EVENT_NAMES, name
        covered += pattern["detail"]["eventName"]
    assert sorted(covered) == sorted(HANDLED_EVENTS)


def test_every_declared_mutating_action_is_granted(template: dict[str, Any]) -> None:
    statements = template["Resources"]["RemediatorPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    granted: set[str] = set()
    for raw in statements:
        statement = raw["Fn::If"][1] if "Fn::If" in raw else raw
        actions = statement["Action"]
        granted |= {actions} if isinstance(actions, str) else set(actions)
    mutating = {a for a in granted if a.startswith("ec2:") and not a.startswith("ec2:Describe")}
    assert mutating == declared_iam_actions()
