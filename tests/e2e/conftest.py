"""A moto server on 127.0.0.1 (a free port), started once per module and reset between tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Emulator:
    url: str

    def client(self, service: str, region: str = "eu-south-1") -> Any:
        return boto3.client(service, region_name=region, endpoint_url=self.url)

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our own loopback server
            pass

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "VPCR_")) and k != "PYTHONPATH"
        }
        env.update(
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION="eu-south-1",
            AWS_ENDPOINT_URL=self.url,
            PYTHONPATH=str(ROOT / "functions"),
        )
        env.update(extra)
        # An empty value means: leave the variable out altogether.
        return {k: v for k, v in env.items() if v != ""}

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
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield Emulator(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def emulator(emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    emulator_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator_server.url)
    return emulator_server
