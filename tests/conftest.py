"""Shared test set-up: a fake AWS identity, Powertools settings, and event loading."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from local_aws.context import FakeContext
from local_aws.events import EVENT_IDS, EVENTS_DIR, load_event

import tests.properties  # noqa: F401 - the Hypothesis profiles, registered before any test

__all__ = ["ACCOUNT", "EVENTS_DIR", "EVENT_IDS", "REGION", "fake_context", "load_event"]

# Powertools Logger and Metrics take their service and namespace when the handler module is
# imported, as they do in Lambda, where the environment is set before any import.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "vpc-remediator")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "VpcRemediatorTests")
# moto loads some thousand public AMIs into every new account-region's EC2 backend (about half
# a second each); nothing here launches an instance, and an organisation of five accounts in
# two regions makes ten backends per test.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

REGION = "eu-south-1"
ACCOUNT = "123456789012"


def fake_context() -> FakeContext:
    """A Lambda context for the test account and region."""
    return FakeContext.of("vpc-remediator-test", REGION, ACCOUNT)


@pytest.fixture(autouse=True)
def _short_consistency_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bounded wait for EC2's eventual consistency, shortened from 10 x 2 s."""
    from vpc_remediator.aws import reader, writer

    short = {"Delay": 0.01, "MaxAttempts": 4}
    monkeypatch.setattr(reader, "DEFAULT_WAIT", short)
    monkeypatch.setattr(writer, "DEFAULT_WAIT", short)


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


@pytest.fixture
def logger_as_it_was() -> Iterator[None]:
    """The CLI quietens the service's logger for the terminal; the other tests read its INFO."""
    from vpc_remediator.observability import logger

    level = logger.log_level
    handler = logger.registered_handler
    stream = getattr(handler, "stream", None)
    yield
    logger.setLevel(level)
    if handler is not None and stream is not None:
        # Not setStream: it flushes the stream the CLI chose, which capsys may have closed.
        handler.stream = stream  # type: ignore[attr-defined]  # Handler's stubs lack StreamHandler's
