"""Clients: built lazily, standard retries, and pointed at an emulator by AWS_ENDPOINT_URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vpc_remediator.aws.clients import AwsClients, clients_for


def test_clients_honour_aws_endpoint_url_and_use_standard_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    clients = AwsClients("eu-south-1")
    assert clients.ec2.meta.endpoint_url == "http://127.0.0.1:5999"
    assert clients.sns.meta.endpoint_url == "http://127.0.0.1:5999"
    # botocore's Config keeps its options as attributes its stubs do not declare.
    retries = clients.ec2.meta.config.retries  # type: ignore[attr-defined]
    assert retries["mode"] == "standard"
    assert clients.ec2.meta.region_name == "eu-south-1"


def test_clients_are_reused_per_region() -> None:
    clients_for.cache_clear()
    assert clients_for("eu-south-1") is clients_for("eu-south-1")
    assert clients_for("eu-south-1") is not clients_for("us-east-1")
    clients_for.cache_clear()


def test_importing_a_handler_creates_no_client_and_does_not_import_boto3() -> None:
    code = "import sys; import vpc_remediator.lambdas.handlers.vpc_changes; print('boto3' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "functions")}
    result = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == "False"


def test_a_skipped_event_never_imports_boto3() -> None:
    """The remediator's own calls come back as events after every fix: skipping them is cheap."""
    code = (
        "import sys; from local_aws.events import load_event; "
        "from local_aws.context import FakeContext; "
        "from vpc_remediator.lambdas.handlers import vpc_changes; "
        "r = vpc_changes.lambda_handler(load_event('CreateRoute-by-remediator'), "
        "FakeContext.of('f', 'eu-south-1', '123456789012')); "
        "print(r['status'], 'boto3' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("VPCR_", "AWS_"))},
        "PYTHONPATH": f"{root}:{root / 'functions'}",
        "AWS_REGION": "eu-south-1",
        "POWERTOOLS_METRICS_NAMESPACE": "Test",
        "VPCR_TOPIC_ARN": "arn:aws:sns:eu-south-1:123456789012:notices",
        "VPCR_MEMORY_TABLE": "vpc-remediator-memory",
        "VPCR_SETTLE_SECONDS": "0",
        "VPCR_OWN_ROLE_ARNS": "arn:aws:iam::123456789012:role/vpc-remediator-VpcChangesFunctionRole",
    }
    result = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip().splitlines()[-1] == "skipped False"
