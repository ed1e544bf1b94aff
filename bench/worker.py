"""One measurement in a fresh interpreter, printed as JSON (run by bench/__main__.py).

python -m bench.worker baseline            import boto3 + an EC2 client
python -m bench.worker import MODULE       import a handler module, then the clients its
                                           first reconcile builds
python -m bench.worker reconcile EVENT.json  one handler invocation; peak memory
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any


def _baseline() -> dict[str, float]:
    started = time.perf_counter()
    import boto3

    boto3.session.Session(region_name="eu-south-1").client("ec2")
    return {"seconds": time.perf_counter() - started}


def _import(module: str) -> dict[str, float]:
    import importlib

    started = time.perf_counter()
    importlib.import_module(module)
    imported = time.perf_counter()
    # What the first reconcile adds: boto3 and the EC2 client (SNS only when it has news).
    from vpc_remediator.aws.clients import AwsClients

    assert AwsClients("eu-south-1").ec2 is not None  # noqa: S101 - force the lazy client
    ready = time.perf_counter()
    # And everything else a first reconcile imports (the service, the planner, the adapters,
    # the notice): the handler's import leaves them out so that a skipped event never pays.
    importlib.import_module("vpc_remediator.service.wiring")
    importlib.import_module("vpc_remediator.domain.notice")
    reconciling = time.perf_counter()
    return {
        "import": imported - started,
        "with_clients": ready - started,
        "first_reconcile": reconciling - started,
    }


def _reconcile(event_path: str) -> dict[str, Any]:
    from local_aws.context import FakeContext

    from vpc_remediator.lambdas.handlers import vpc_changes

    with open(event_path) as f:
        event = json.load(f)
    started = time.perf_counter()
    result = vpc_changes.lambda_handler(
        event, FakeContext.of("bench", "eu-south-1", "123456789012")
    )
    return {
        "seconds": time.perf_counter() - started,
        "max_rss_mb": _peak_rss_mb(),
        "outcome": [r["outcome"] for r in result.get("reports", [])],
    }


def _peak_rss_mb() -> float:
    """This process's high-water mark. Linux's VmHWM: ru_maxrss of a forked child can report
    the parent's peak (here the benchmark with its emulator), not its own."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "baseline":
        out: dict[str, Any] = _baseline()
    elif kind == "import":
        out = _import(argv[1])
    elif kind == "reconcile":
        out = _reconcile(argv[1])
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
