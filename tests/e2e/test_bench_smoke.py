"""`make bench`'s program runs (smallest sizes, once): a check of the benchmark, not a measurement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, subprocess_env


def test_the_benchmark_runs_and_its_figures_hold_at_the_smallest_sizes(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - this interpreter running our own module
        [sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=subprocess_env(),
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    for row in results["reconcile"]:
        # Six reads: moto does not implement Block Public Access, and a fresh client asks once.
        assert (row["compliant"]["describes"], row["compliant"]["writes"]) == (7, 0)
        assert row["broken"]["writes"] == row["broken"]["planned_writes"] > 0
    assert results["sweep"][0]["sweep"]["describes"] == 7
    # Beside tables that only claim to be the remediator's, it plans nothing and says so.
    claimed = [r for r in results["claims"] if r["kind"] == "claimed"]
    assert claimed and all(r["actions"] == 0 and r["findings"] > r["tables"] for r in claimed)
    limited = results["rate_limit"]
    assert limited["refused"] > 0 and limited["seconds"] >= limited["floor_seconds"]
    assert results["memory"]["max_rss_mb"] < 128
    # The cold start is measured three ways: the import, with the EC2 client, and with all a
    # first reconcile imports (more than the import alone: the service is imported lazily).
    for module in results["cold_start"]["modules"]:
        assert module["first_reconcile_seconds"] > module["import_seconds"] > 0
    bursts = {(r["burst"].split()[0], r["mode"]): r for r in results["bursts"]}
    assert bursts[("console:", "per event")]["reconciles"] == 3  # CreateInternetGateway: no rule
    # Settled, a burst takes fewer reconciles; how few depends on real time here (a loaded
    # machine delivers a burst more slowly than the smoke run's 1 s settle time), so that one
    # reconcile per burst is proved on a virtual clock (tests/integration/test_settle.py) and
    # measured by `make bench`, not asserted by this smoke run.
    for tool in ("console:", "Terraform"):
        settled, each = bursts[(tool, "settled")], bursts[(tool, "per event")]
        assert 1 <= settled["reconciles"] <= each["reconciles"]
    assert all(r["writes"] == 0 for (tool, _), r in bursts.items() if tool == "Terraform")
    organization = results["organization"]
    assert {(r["accounts"], r["max_parallel"]) for r in organization} == {
        (1, 1),
        (3, 1),
        (3, 8),
    }
    for row in organization:
        assert row["assume_role"] == row["accounts"] - 1
        assert row["describes_per_pair"] == results["sweep"][0]["audit"]["describes"]
    report = (tmp_path / "README.md").read_text()
    assert "## `vpc-remediator audit --organization`" in report
    assert "## Targets" in report and "## Cold start" in report
    assert "## Fixing a VPC under EC2's rate limit for mutating calls" in report
    assert "## Bursts of VPC events: per event, and settled" in report
