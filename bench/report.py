"""The report `make bench` writes: docs/bench/README.md (a section per measurement, the targets,
what the figures mean, where a target is missed) and the chart."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import platform
from pathlib import Path
from typing import Any

from .scenarios import BURST_SETTLE_SECONDS


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, moto server on 127.0.0.1"
    )


def check(ok: bool) -> str:
    return "met" if ok else "**missed**"


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    rows = results["reconcile"]
    sizes = [r["subnets"] for r in rows]
    left.plot(sizes, [r["compliant"]["describes"] for r in rows], "o-", label="Describe, compliant")
    left.plot(
        sizes,
        [r["broken"]["describes"] for r in rows],
        "s-",
        label="Describe, broken (read + verify)",
    )
    left.plot(sizes, [r["broken"]["writes"] for r in rows], "^-", label="writes, broken")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("subnets in the VPC")
    left.set_ylabel("API calls per reconcile")
    left.set_title("API calls per reconcile")
    left.legend(fontsize=8)
    sweep = results["sweep"]
    vpcs = [r["vpcs"] for r in sweep]
    right.plot(vpcs, [r["sweep"]["seconds"] for r in sweep], "o-", label="sweep (5 batched reads)")
    right.plot(vpcs, [r["audit"]["seconds"] for r in sweep], "s-", label="vpc-remediator audit")
    first = sweep[0]["sweep"]["seconds"]
    right.plot(
        vpcs,
        [first * v / vpcs[0] for v in vpcs],
        ":",
        color="grey",
        label="linear from the first point",
    )
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("VPCs in the region")
    right.set_ylabel("wall time (s, median)")
    right.set_title("Region sweep and audit")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _api_calls_per_reconcile(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## API calls per reconcile of one VPC"""
    lines += [
        "## API calls per reconcile of one VPC",
        "",
        "A broken VPC has every subnet on the main table of a VPC with an attached gateway and no "
        "route (the seed story, N times); the reconcile creates the managed table and its route, "
        "associates and maps every subnet, tags them, then reads again to verify. A compliant "
        "VPC is the same one reconciled again.",
        "",
        "| subnets | state | Describe calls | writes | writes the plan named | time (ms) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in results["reconcile"]:
        b, c = r["broken"], r["compliant"]
        lines.append(
            f"| {r['subnets']} | compliant | {c['describes']} | {c['writes']} | 0 | {c['seconds'] * 1000:.0f} |"
        )
        lines.append(
            f"| {r['subnets']} | broken | {b['describes']} | {b['writes']} | {b['planned_writes']} | "
            f"{b['seconds'] * 1000:.0f} |"
        )
    reads_ok = all(r["compliant"]["describes"] <= 7 for r in results["reconcile"]) and all(
        r["broken"]["describes"] <= 14 for r in results["reconcile"]
    )
    writes_ok = all(r["compliant"]["writes"] == 0 for r in results["reconcile"]) and all(
        r["broken"]["writes"] == r["broken"]["planned_writes"] for r in results["reconcile"]
    )
    targets.append(
        (
            "At most 7 Describe calls per read whatever the size (a broken VPC is read twice: before and to verify)",
            reads_ok,
        )
    )
    targets.append(
        ("Zero writes when compliant; exactly the writes the plan names when broken", writes_ok)
    )
    big = results["reconcile"][-1]["broken"]["by_operation"]
    lines += ["", f"Calls by operation for the largest broken VPC: `{json.dumps(big)}`.", ""]


def _one_vpc_s_reconcile(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## One VPC's reconcile in a crowded region"""
    lines += [
        "## One VPC's reconcile in a crowded region",
        "",
        "The seed's broken VPC (one subnet) among N private VPCs of one subnet each, fixed by "
        "an event's reconcile. Every read lists the region's subnets and route tables whole "
        "(the launchers look at every VPC: the readiness needs them); on AWS their pages "
        "grow with the region (DescribeRouteTables returns at most 100 a page: 1,001 tables "
        "are 11 calls a read), moto answers in one page, so the calls here do not show it; "
        "gateways stay filtered to the VPC. The readiness (4 launchers, 2 modes, every VPC name tried) is computed in-process.",
        "",
        "| other VPCs | Describe calls | writes | time (ms) | readiness (ms) | entries |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["crowded"]:
        lines.append(
            f"| {r['other_vpcs']} | {r['describes']} | {r['writes']} | {r['seconds'] * 1000:.0f} | "
            f"{r['readiness_ms']:.1f} | {r['readiness_entries']} |"
        )
    lines += [
        "",
        f"Calls by operation among the most VPCs: `{json.dumps(results['crowded'][-1]['by_operation'])}`.",
        "",
    ]


def _planning_beside_tables_that(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## Planning beside tables that claim to be the remediator's"""
    lines += [
        "## Planning beside tables that claim to be the remediator's",
        "",
        "One VPC whose N tables each route a subnet to the gateway and carry the remediator's "
        "tags: claimed (its record proves none: each is a finding, nothing is merged) or proven "
        "(its record proves all: every duplicate is merged into the lowest id). The planner "
        "alone, in-process.",
        "",
        "| tables | kind | plan (ms) | actions | findings |",
        "|---:|---|---:|---:|---:|",
    ]
    for r in results.get("claims", []):
        lines.append(
            f"| {r['tables']} | {r['kind']} | {r['seconds'] * 1000:.1f} | {r['actions']} | "
            f"{r['findings']} |"
        )
    claimed_200 = next(
        (r for r in results.get("claims", []) if r["tables"] == 200 and r["kind"] == "claimed"),
        None,
    )
    if claimed_200 is not None:
        targets.append(
            (
                "Planning beside 200 claimed duplicate tables well under a second "
                f"({claimed_200['seconds'] * 1000:.0f} ms; bound 500 ms)",
                claimed_200["seconds"] < 0.5,
            )
        )
    lines += [""]


def _region_sweep_and_vpc(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## Region sweep and `vpc-remediator audit`"""
    lines += [
        "## Region sweep and `vpc-remediator audit`",
        "",
        "A region of private VPCs with one subnet each (nothing to change), swept with the same "
        "batched reads the Lambda sweep uses, and audited by the command line (in process).",
        "",
        "| VPCs | sweep Describe calls | sweep time (s) | audit Describe calls | audit time (s) | sweep ms per VPC |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["sweep"]:
        s, a = r["sweep"], r["audit"]
        lines.append(
            f"| {r['vpcs']} | {s['describes']} | {s['seconds']:.2f} | {a['describes']} | "
            f"{a['seconds']:.2f} | {s['seconds'] / r['vpcs'] * 1000:.1f} |"
        )
    sweeps = results["sweep"]
    pages = {r["vpcs"]: r["sweep"]["by_operation"] for r in sweeps}
    lines += [
        "",
        f"Calls by operation: `{json.dumps(pages)}`. The reader asks for pages of 1,000 (100 for route tables); moto answers each call in one page whatever the size, so on AWS a sweep of 1,000 VPCs costs about nine more DescribeRouteTables pages (14 calls), still a fixed count per 100 VPCs.",
        "",
    ]
    linear = (
        all(
            later["sweep"]["seconds"] / later["vpcs"]
            <= 1.5 * earlier["sweep"]["seconds"] / earlier["vpcs"]
            for earlier, later in itertools.pairwise(sweeps)
        )
        if len(sweeps) > 1
        else True
    )
    calls_ok = all(r["sweep"]["describes"] <= 8 + r["vpcs"] // 100 for r in sweeps)
    targets.append(
        ("Sweep: at most 8 Describe calls plus pagination, whatever the number of VPCs", calls_ok)
    )
    targets.append(
        (
            "Sweep time grows no faster than linearly (time per VPC does not grow by more than half)",
            linear,
        )
    )


def _vpc_remediator_audit_organization(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## `vpc-remediator audit --organization`"""
    org_rows = results.get("organization", [])
    if org_rows:
        lines += [
            "## `vpc-remediator audit --organization`",
            "",
            "An organisation of N accounts (the management account, whose own credentials are "
            "used, and N-1 members reached by STS AssumeRole, each with the seed story in "
            "eu-south-1) audited in eu-south-1 and us-west-2, in process against the moto "
            "server. moto on loopback answers in about a millisecond; the rows at 50 ms add that "
            "wait before every call, as a network to AWS would, to show what `--max-parallel` "
            "hides.",
            "",
            "| accounts | account-regions | --max-parallel | ms a call | wall time (s) | "
            "calls | calls per account-region | Describe calls per account-region | AssumeRole |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in org_rows:
            lines.append(
                f"| {r['accounts']} | {r['pairs']} | {r['max_parallel']} | {r['round_trip_ms']} | "
                f"{r['seconds']:.2f} | {r['calls']} | {r['calls_per_pair']} | "
                f"{r['describes_per_pair']} | {r['assume_role']} |"
            )
        largest = max(r["accounts"] for r in org_rows)
        lines += [
            "",
            "Calls grow per account-region as one region's audit's do (its batched Describe "
            "calls, DescribeVpcBlockPublicAccessOptions among them, two DescribeVpcAttribute per "
            "VPC for the launchers' DNS rules, and a CloudTrail lookup of who made the seed's "
            "subnet where there is one) plus one AssumeRole per member account, "
            "whatever `--max-parallel`. Time: with moto's answers in the same Python process "
            "on 2 cores the work is CPU-bound, so pairs in flight help little at 0 ms and more "
            "than 8 only add contention; where each call waits on the network (50 ms) 8 in "
            "flight take a fraction of the serial time. The first row includes the command "
            "line's first imports and clients.",
            f"Calls by operation, {largest} accounts: "
            f"`{json.dumps(next(r for r in org_rows if r['accounts'] == largest)['by_operation'])}`.",
            "",
        ]
        single = results["sweep"][0]["audit"]["describes"]
        targets.append(
            (
                "Organisation audit: one AssumeRole per member account, and each account-region "
                f"read with the Describe calls of one region's audit ({single})",
                all(
                    r["assume_role"] == r["accounts"] - 1 and r["describes_per_pair"] == single
                    for r in org_rows
                ),
            )
        )
        slow = {
            r["max_parallel"]: r["seconds"]
            for r in org_rows
            if r["accounts"] == largest
            and r["round_trip_ms"] == max(x["round_trip_ms"] for x in org_rows)
        }
        if 1 in slow and 8 in slow:
            targets.append(
                (
                    f"Organisation audit, {largest} accounts: --max-parallel 8 at least 3 times "
                    "as fast as 1",
                    slow[1] >= 3 * slow[8],
                )
            )


def _fixing_a_vpc_under(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## Fixing a VPC under EC2's rate limit for mutating calls"""
    limited = results["rate_limit"]
    lines += [
        "## Fixing a VPC under EC2's rate limit for mutating calls",
        "",
        f"A broken VPC of {limited['subnets']} subnets (EC2's default quota per VPC is 200) "
        "fixed behind a simulated token bucket of EC2's documented size for mutating actions "
        f"({limited['bucket_size']:.0f} tokens, refilled at {limited['refill_per_second']:.0f} "
        "a second; `local_aws/throttle.py`), drained at the start as in an account whose other "
        "automation has spent it, and shared by every mutating call (EC2 keeps one per API "
        "for most actions: this is the stricter model). Real time, botocore's standard retry "
        "mode doing the waiting. The floor is what the limit itself allows: writes / refill "
        "rate.",
        "",
        "| subnets | writes | calls refused by the bucket | time (s) | floor (s) | time / floor |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {limited['subnets']} | {limited['writes']} | {limited['refused']} | "
        f"{limited['seconds']:.1f} | {limited['floor_seconds']:.1f} | "
        f"{limited['seconds'] / limited['floor_seconds']:.2f} |",
        "",
        f"The functions' timeout is {limited['timeout_seconds']:.0f} s (template.yaml); the "
        "service stops 20 s before it, reports what is done and what is in progress, and "
        "Lambda's retry carries on (tests/e2e/test_scale.py proves both on a virtual clock).",
        "",
    ]
    targets.append(
        (
            f"{limited['subnets']} subnets fixed under the rate limit within the functions' "
            f"timeout less the stop margin ({limited['timeout_seconds'] - 20:.0f} s)",
            limited["seconds"] < limited["timeout_seconds"] - 20,
        )
    )
    targets.append(
        (
            "Under the rate limit, within 1.5 x the floor the limit sets",
            limited["seconds"] <= 1.5 * limited["floor_seconds"] + 1,
        )
    )


def _bursts_of_vpc_events(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## Bursts of VPC events: per event, and settled"""
    bursts = results["bursts"]
    lines += [
        "## Bursts of VPC events: per event, and settled",
        "",
        "The events one change makes, through template.yaml's rule, the changes queue and the "
        "VpcChanges function (local_aws/bus.py plays Lambda's poller). Per event: "
        "SettleSeconds=0 and each event its own batch, so each is reconciled as it comes "
        "(what the functions did before issue 10). Settled: the VPC is reconciled once it has "
        f"been quiet for the settle time ({results.get('burst_settle_seconds', BURST_SETTLE_SECONDS)} s here, to keep the run short; "
        "deployed, 90 s: the counts do not depend on it). EC2 calls are every call the "
        "function made (reads and writes); a notice is one SNS message.",
        "",
        "| burst | mode | events | reconciles | EC2 calls | of which writes | notices |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['burst']} | {r['mode']} | {r['events']} | {r['reconciles']} | {r['ec2_calls']} | "
        f"{r['writes']} | {r['notices']} |"
        for r in bursts
    ]
    lines.append("")
    targets.append(
        (
            "A settled burst is one reconcile",
            all(r["reconciles"] == 1 for r in bursts if r["mode"] == "settled"),
        )
    )
    targets.append(
        (
            "Terraform's apply gets no write from the remediator, per event or settled",
            all(r["writes"] == 0 for r in bursts if r["burst"].startswith("Terraform")),
        )
    )


def _handler_latency_warm(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## Handler latency, warm"""
    lines += [
        "## Handler latency, warm",
        "",
        "Each event type delivered through the rule that matches it in `template.yaml` to its "
        "function, with clients reused, on a compliant VPC of 3 subnets (steady state: read, "
        "plan, nothing to write, nothing to send).",
        "",
        "| event | function | median (ms) |",
        "|---|---|---:|",
    ]
    lines += [
        f"| {r['event']} | {r['function']} | {r['seconds'] * 1000:.1f} |"
        for r in results["latency"]
    ]


def _cold_start(results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]) -> None:
    """## Cold start"""
    cold = results["cold_start"]
    lines += [
        "",
        "## Cold start",
        "",
        f"Baseline, in a fresh interpreter: `import boto3` and one EC2 client, "
        f"{cold['baseline_seconds'] * 1000:.0f} ms. Each handler module in a fresh interpreter: its "
        "import alone (what every invocation pays, a skipped or rejected event included: the "
        "event is read with the domain's own checks, no pydantic, and neither boto3, the service "
        "nor the planner is imported yet); the import plus the boto3 EC2 client its first "
        "reconcile builds (the target's measure); and, for the whole picture, that plus "
        "everything else a first reconcile imports (the service, the planner, the adapters, the "
        "notice text). The SNS client is built only when there is a notice to send.",
        "",
        "| module | `-X importtime` (ms) | import (ms) | import vs baseline "
        "| import + EC2 client (ms) | that vs baseline | + the first reconcile's imports (ms) "
        "| that vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base_ms = cold["baseline_seconds"] * 1000
    for m in cold["modules"]:
        lines.append(
            f"| `{m['module']}` | {m['importtime_ms']:.0f} | {m['import_seconds'] * 1000:.0f} | "
            f"{m['importtime_ms'] / base_ms:.2f} | {m['with_clients_seconds'] * 1000:.0f} | "
            f"{m['ratio']:.2f} | {m['first_reconcile_seconds'] * 1000:.0f} | "
            f"{m['first_reconcile_ratio']:.2f} |"
        )
    worst_import = max(m["importtime_ms"] for m in cold["modules"]) / base_ms
    worst = max(m["ratio"] for m in cold["modules"])
    targets.append(
        (
            f"Cold start: handler module import at most 1.30 x the baseline (worst: {worst_import:.2f} x)",
            worst_import <= 1.30,
        )
    )
    targets.append(
        (
            "Cold start, stricter: handler import plus the EC2 client its first reconcile "
            f"builds, at most 1.30 x the baseline (worst: {worst:.2f} x)",
            worst <= 1.30,
        )
    )


def _memory(results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]) -> None:
    """## Memory"""
    memory = results["memory"]
    lines += [
        "",
        "## Memory",
        "",
        f"Peak RSS of a fresh handler process reconciling a broken {memory['subnets']}-subnet VPC "
        f"(outcome {memory['outcome']}): **{memory['max_rss_mb']:.0f} MB** (the process, Python "
        "included).",
    ]
    targets.append(
        (
            f"Peak memory well inside a 128 MB Lambda ({memory['max_rss_mb']:.0f} MB)",
            memory["max_rss_mb"] <= 100,
        )
    )


def _deployment_package(
    results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]
) -> None:
    """## Deployment package"""
    package = results.get("package")
    if package:
        lines += [
            "",
            "## Deployment package",
            "",
            f"`functions/` plus `functions/requirements.txt` built for Lambda (arm64, Python 3.13; "
            f"boto3 comes with the runtime): {package['unzipped_mb']:.1f} MB unzipped, "
            f"{package['zipped_mb']:.1f} MB zipped (Lambda allows 250 MB unzipped).",
        ]


def _closing(results: dict[str, Any], lines: list[str], targets: list[tuple[str, bool]]) -> None:
    """## Targets, what the figures mean, and where a target is missed."""
    lines += ["", "## Targets", "", "| target | result |", "|---|---|"]
    lines += [f"| {text} | {check(ok)} |" for text, ok in targets]
    reconcile_ms = results["reconcile"][0]["compliant"]["seconds"] * 1000
    lines += [
        "",
        "## What the figures mean",
        "",
        "- **Lambda bill.** Lambda charges GB-seconds (memory x duration) plus requests. A "
        f"steady-state reconcile took about {reconcile_ms:.0f} ms here against a local emulator; "
        "on AWS the EC2 round trips dominate (tens of milliseconds each), so count roughly seven "
        "to fourteen round trips per event. At 256 MB that is well under 0.1 GB-s per event: "
        "thousands of VPC changes a month stay within a few GB-hours.",
        "- **EC2 API throttling.** EC2 throttles each API per account and region with a token "
        "bucket (for a non-mutating call such as DescribeHosts the documentation gives 100 "
        "tokens refilled at 20 per second). A reconcile spends one token from each of seven "
        "Describe buckets whatever the VPC's size, so event bursts, not account size, are what "
        "could reach the limits; a sweep spends one token per page, a page per 100 route tables "
        "or 1,000 of the others. Throttled calls are retried by botocore's standard mode "
        "(docs/RELIABILITY.md).",
        "- **Writes** are mutating calls with smaller buckets; a compliant VPC costs none, a "
        "broken one about two per subnet (associate, map public IPs) plus three.",
        "",
        "## Where a target is missed",
        "",
    ]
    missed = [text for text, ok in targets if not ok]
    for text in missed:
        lines.append(f"- {text}.")
    if not missed:
        lines.append("None in this run.")


SECTIONS = (
    _api_calls_per_reconcile,
    _one_vpc_s_reconcile,
    _planning_beside_tables_that,
    _region_sweep_and_vpc,
    _vpc_remediator_audit_organization,
    _fixing_a_vpc_under,
    _bursts_of_vpc_events,
    _handler_latency_warm,
    _cold_start,
    _memory,
    _deployment_package,
)


def write_report(results: dict[str, Any], out: Path, has_chart: bool) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']}. Each time is the median of "
        f"{results['runs']} runs (latency: of at least 5 invocations). Rerun with `make bench` "
        "(about nine minutes on 2 cores, most of it the rate-limited fix in real time and the "
        "organisation audits); the raw figures are in `results.json`.",
        "",
    ]
    if has_chart:
        lines += ["![API calls and sweep time against size](chart.png)", ""]
    targets: list[tuple[str, bool]] = []
    for section in (*SECTIONS, _closing):
        section(results, lines, targets)
    (out / "README.md").write_text("\n".join(lines) + "\n")
