"""Shared test set-up: a fake AWS identity, Powertools settings, and event loading."""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Powertools Logger and Metrics take their service and namespace when the handler module is
# imported, as they do in Lambda, where the environment is set before any import.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "vpc-remediator")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "VpcRemediatorTests")

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"
REGION = "eu-south-1"
ACCOUNT = "123456789012"

# The ids written in events/*.json; tests swap them for the ids moto hands out.
EVENT_IDS = {
    "vpc": "vpc-0a1b2c3d4e5f60718",
    "subnet": "subnet-0a1b2c3d4e5f60718",
    "igw": "igw-0a1b2c3d4e5f60718",
    "rtb": "rtb-0a1b2c3d4e5f60718",
    "assoc": "rtbassoc-0a1b2c3d4e5f60718",
}


def load_event(name: str, **ids: str) -> dict[str, Any]:
    """events/<name>.json, with its placeholder ids replaced (vpc=..., subnet=..., ...)."""
    text = (EVENTS_DIR / f"{name}.json").read_text()
    for kind, real in ids.items():
        text = text.replace(EVENT_IDS[kind], real)
    return copy.deepcopy(json.loads(text))


@dataclass
class FakeLambdaContext:
    function_name: str = "vpc-remediator-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:vpc-remediator-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real account: fake credentials, one region, Powertools quiet."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "vpc-remediator")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "VpcRemediatorTests")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
