"""A moto server on 127.0.0.1 (a free port), started once per module and reset between tests."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from local_aws.emulator import create_memory_table, drain, moto_server, subscribed_topic

ROOT = Path(__file__).resolve().parents[2]


def subprocess_env(**extra: str) -> dict[str, str]:
    """This machine's environment without AWS, remediator or Powertools settings, plus `extra`;
    the project's code on the path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "VPCR_", "POWERTOOLS_")) and k != "PYTHONPATH"
    }
    env["PYTHONPATH"] = f"{ROOT}:{ROOT / 'functions'}"
    env.update(extra)
    # An empty value means: leave the variable out altogether.
    return {k: v for k, v in env.items() if v != ""}


@dataclass
class Emulator:
    url: str

    def client(self, service: str, region: str = "eu-south-1") -> Any:
        # boto3-stubs types a client by its service's literal name; this helper takes any name.
        return boto3.client(service, region_name=region, endpoint_url=self.url)  # type: ignore[call-overload]

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own loopback server
            pass

    def env(self, **extra: str) -> dict[str, str]:
        defaults = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "eu-south-1",
            "AWS_ENDPOINT_URL": self.url,
        }
        return subprocess_env(**{**defaults, **extra})

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """The command line in this process, with the environment `cli` would give it: what
        a subprocess proves besides (the console script, `python -m`) is proved by `cli`."""
        import contextlib
        import io
        import traceback

        from vpc_remediator.aws.clients import clients_for
        from vpc_remediator.cli import main as cli
        from vpc_remediator.observability import logger

        wanted = self.env(**env)
        saved = dict(os.environ)
        # The command line quiets the service's logger for its terminal; put it back after,
        # as a process would leave it, for the tests that read its INFO lines.
        level = logger.log_level
        handler = logger.registered_handler
        stream = getattr(handler, "stream", None)
        out, err = io.StringIO(), io.StringIO()
        try:
            os.environ.clear()
            os.environ.update(wanted)
            clients_for.cache_clear()
            # argparse prints --help and --version to sys.stdout: the same stream as `out`.
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                try:
                    code = cli.main(list(args), out=out, stdin=io.StringIO(""))
                except SystemExit as exit_:  # argparse's usage errors
                    code = exit_.code if isinstance(exit_.code, int) else 2
                except Exception:  # noqa: BLE001 - as a process would end: a traceback, exit 1
                    traceback.print_exc(file=err)
                    code = 1
        finally:
            os.environ.clear()
            os.environ.update(saved)
            clients_for.cache_clear()
            logger.setLevel(level)
            if handler is not None and stream is not None:
                handler.stream = stream  # type: ignore[attr-defined]  # a StreamHandler's
        return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - this interpreter running our own package
            [sys.executable, "-m", "vpc_remediator", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=self.env(**env),
        )


@pytest.fixture(scope="module")
def emulator_server() -> Iterator[Emulator]:
    with moto_server() as url:
        yield Emulator(url)


@pytest.fixture
def emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    emulator_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator_server.url)
    return emulator_server


@dataclass
class Deployment:
    """The remediator as Lambda would run it, pointed at the moto server, with faults between."""

    emulator: Emulator
    injector: Any
    topic_arn: str
    queue_url: str
    dead_letter_url: str
    retries: list[float]
    # botocore's own backoff (the fixture shortens the waits): what a wait would have been.
    backoff: Any = None

    def notices(self) -> list[dict[str, Any]]:
        return drain(self.emulator.client("sqs"), self.queue_url)

    def parked(self) -> list[dict[str, Any]]:
        return drain(self.emulator.client("sqs"), self.dead_letter_url)

    def invoke(self, handler: Any, event_name: str, **ids: str) -> dict[str, Any]:
        from tests.conftest import fake_context, load_event

        result: dict[str, Any] = handler.lambda_handler(
            load_event(event_name, **ids), fake_context()
        )
        return result


@pytest.fixture
def deployment(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    from botocore.retries import standard

    from tests.faults import FaultInjector
    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.lambdas import runtime

    sns, sqs = emulator.client("sns"), emulator.client("sqs")
    topic, queue = subscribed_topic(sns, sqs, "notices")
    dead_letter = sqs.create_queue(QueueName="dead-letter")["QueueUrl"]
    monkeypatch.setenv("VPCR_TOPIC_ARN", topic)
    monkeypatch.setenv("VPCR_DEAD_LETTER_QUEUE_URL", dead_letter)
    monkeypatch.setenv("VPCR_SETTLE_SECONDS", "0")
    # The stack's memory table: said once, holds, and the record of what the remediator owns.
    monkeypatch.setenv("VPCR_MEMORY_TABLE", create_memory_table(emulator.client("dynamodb")))
    monkeypatch.setenv(
        "VPCR_OWN_ROLE_ARNS",
        "arn:aws:iam::123456789012:role/vpc-remediator-VpcChangesFunctionRole",
    )
    # botocore's standard retry mode does the waiting; the test only shortens each wait.
    retries: list[float] = []
    original = standard.ExponentialBackoff.delay_amount

    def short_delay(self: Any, context: Any) -> float:
        retries.append(original(self, context))
        return 0.01

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", short_delay)
    clients_for.cache_clear()
    runtime.settings.cache_clear()
    injector = FaultInjector()
    clients = clients_for("eu-south-1")
    for client in (clients.ec2, clients.sns, clients.sqs):
        injector.attach(client)
    yield Deployment(emulator, injector, topic, queue, dead_letter, retries, original)
    clients_for.cache_clear()
    runtime.settings.cache_clear()
