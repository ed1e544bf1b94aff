"""`make bench`: API calls, latency, cold start, memory and package size, against a moto server.

Writes docs/bench/README.md (tables, targets, how to rerun) and docs/bench/chart.png.
`--smoke` runs the smallest sizes once, without the chart or the package build: a check that
the benchmark itself works (run by the tests), not a measurement.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .report import chart, machine, write_report
from .scenarios import (
    BURST_SETTLE_SECONDS,
    ROOT,
    bench_bursts,
    bench_claims,
    bench_cold_start,
    bench_crowded,
    bench_latency,
    bench_memory,
    bench_organization,
    bench_package,
    bench_rate_limit,
    bench_reconcile,
    bench_sweep,
    emulator,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="smallest sizes, once, no chart")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bench")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    sizes, counts, runs = (
        ([1, 10], [10], 1) if args.smoke else ([1, 10, 100, 500], [10, 100, 1000], args.runs)
    )
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "runs": runs,
    }
    sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
    with emulator() as emu:
        print("measuring API calls per reconcile", file=sys.stderr)
        results["reconcile"] = bench_reconcile(emu, sizes, runs)
        print("measuring the sweep and the audit", file=sys.stderr)
        results["sweep"] = bench_sweep(emu, counts, runs)
        print("measuring one VPC's reconcile in a crowded region", file=sys.stderr)
        results["crowded"] = bench_crowded(emu, counts, runs)
        print("measuring planning beside claimed and proven duplicate tables", file=sys.stderr)
        results["claims"] = bench_claims([10, 200] if args.smoke else [10, 200, 1000], runs)
        print("measuring a fix under EC2's rate limit (real time)", file=sys.stderr)
        results["rate_limit"] = bench_rate_limit(emu, 2 if args.smoke else 200)
        print("measuring bursts of VPC events, per event and settled", file=sys.stderr)
        # The smoke run keeps the settled bursts' real wait short.
        results["bursts"] = bench_bursts(emu, 1 if args.smoke else BURST_SETTLE_SECONDS)
        results["burst_settle_seconds"] = 1 if args.smoke else BURST_SETTLE_SECONDS
        print("measuring an organisation audit", file=sys.stderr)
        results["organization"] = (
            bench_organization(emu, [1, 3], [1, 8], [0.0])
            if args.smoke
            else bench_organization(emu, [1, 10, 50], [1, 8, 32], [0.0, 0.05])
        )
        print("measuring handler latency", file=sys.stderr)
        results["latency"] = bench_latency(emu, 1 if args.smoke else max(runs * 3, 5))
        print("measuring peak memory", file=sys.stderr)
        results["memory"] = bench_memory(emu)
    print("measuring cold starts", file=sys.stderr)
    # Cold starts are the noisiest figure on a shared 2-core machine: more samples.
    results["cold_start"] = bench_cold_start(1 if args.smoke else max(7, runs))
    if not args.smoke:
        print("building the deployment package", file=sys.stderr)
        results["package"] = bench_package()
    (args.out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    has_chart = not args.smoke
    if has_chart:
        chart(results, args.out / "chart.png")
    write_report(results, args.out, has_chart)
    print(f"wrote {args.out / 'README.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
