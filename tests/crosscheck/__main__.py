"""Cross-check: the remediator's readiness against each launcher's own installed code.

`make crosscheck` runs this once per launcher, each in its own virtual environment with that
launcher installed (the launchers are never dependencies of the product or of `make test`):

    python -m tests.crosscheck skypilot|skypilot-0.7|ray|dstack [--random N] [--seed S]

On moto (in-process), for every layout of tests/launch_scenarios.py and N random layouts,
for both modes and for no VPC named and every VPC name of the layout, it asks the launcher's
own function what it would launch into, and asks domain/launchers the same from the
remediator's own read of the region. They must agree on `ready`, the VPC and the subnets (as a
set). The rows of tests/launch_expectations.py are checked against the launcher too.

What moto cannot make is shown as AWS has it, to both sides alike: a route to a deleted
gateway in state `blackhole`, a subnet in state `pending` (botocore's responses rewritten).
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.client
from moto import mock_aws

from tests.launch_expectations import ROWS
from tests.launch_scenarios import REGION, SCENARIOS, Net, S, T, V, build_on, keys
from vpc_remediator.aws.reader import SnapshotReader
from vpc_remediator.domain.launchers import LAUNCHERS
from vpc_remediator.domain.launchers.view import LaunchMode, LaunchView

ZONES = [f"{REGION}{z}" for z in "abc"]
Outcome = tuple[bool, str | None, frozenset[str]]


class NotLaunched(Exception):
    pass


# --- the launchers' own code -----------------------------------------------------------------


def skypilot(
    mode: LaunchMode, vpc_name: str | None, subnet_names: str | None = None
) -> tuple[str | None, list[str]]:
    from sky.provision.aws import config

    cache = getattr(config._get_route_tables, "cache_clear", None)
    if cache is not None:  # an lru_cache keyed by the resource and region (0.8)
        cache()
    ec2 = boto3.resource("ec2", region_name=REGION)
    extra: dict[str, Any] = {}
    if "subnet_names" in inspect.signature(config._get_subnet_and_vpc_id).parameters:
        # 0.10 and later: `aws.subnet_names`, a list in ~/.sky/config.yaml
        extra["subnet_names"] = subnet_names.split(",") if subnet_names else None
    elif subnet_names:
        raise NotLaunched("this version has no aws.subnet_names")
    try:
        subnets, vpc_id = config._get_subnet_and_vpc_id(
            ec2,
            None,
            REGION,
            availability_zone=",".join(ZONES),  # a single node: every zone asked at once
            use_internal_ips=mode is LaunchMode.PRIVATE,
            vpc_name=vpc_name,
            **extra,
        )
    except RuntimeError as exc:  # SKYPILOT_ERROR_NO_NODES_LAUNCHED: ...
        raise NotLaunched(str(exc)) from None
    return vpc_id, [s.subnet_id for s in subnets]


def ray(
    mode: LaunchMode, vpc_name: str | None, subnet_names: str | None = None
) -> tuple[str | None, list[str]]:
    from ray.autoscaler._private.aws import config

    assert vpc_name is None and subnet_names is None
    cluster = {
        "cluster_name": "crosscheck",
        "provider": {
            "type": "aws",
            "region": REGION,
            "use_internal_ips": mode is LaunchMode.PRIVATE,
        },
        "available_node_types": {"head": {"node_config": {}}},
    }
    try:
        done = config._configure_subnet(cluster)
    except SystemExit as exc:  # cli_logger.abort
        raise NotLaunched(str(exc)) from None
    except Exception as exc:
        if "No usable subnets" in str(exc):
            raise NotLaunched(str(exc)) from None
        raise
    subnet_ids = done["available_node_types"]["head"]["node_config"]["SubnetIds"]
    ec2 = boto3.client("ec2", region_name=REGION)
    vpcs = {s["VpcId"] for s in ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]}
    assert len(vpcs) == 1
    return vpcs.pop(), subnet_ids


def dstack(
    mode: LaunchMode, vpc_name: str | None, subnet_names: str | None = None
) -> tuple[str | None, list[str]]:
    from dstack._internal.core.backends.aws.compute import get_vpc_id_subnets_ids_or_error
    from dstack._internal.core.errors import ComputeError

    backend = SimpleNamespace(vpc_ids=None, use_default_vpcs=True, vpc_name=vpc_name)
    try:
        found: tuple[str | None, list[str]] = get_vpc_id_subnets_ids_or_error(
            boto3.client("ec2", region_name=REGION),
            backend,  # the AWSConfig fields it reads
            REGION,
            allocate_public_ip=mode is LaunchMode.PUBLIC,
        )
    except ComputeError as exc:
        raise NotLaunched(str(exc)) from None
    return found


THEIRS: dict[str, Callable[..., tuple[str | None, list[str]]]] = {
    "skypilot": skypilot,
    "skypilot-0.7": skypilot,
    "ray": ray,
    "dstack": dstack,
}


# --- what moto cannot make, as AWS shows it ---------------------------------------------------


@contextmanager
def as_aws_shows(net: Net, ids: dict[str, str]) -> Iterator[None]:
    blackholed = {
        ids[f"main-{t.vpc}"] if t.main else ids[t.key]
        for t in net.tables
        if "igw-blackhole" in t.routes
    }
    pending = {ids[s.key] for s in net.subnets if s.pending}
    # A private method botocore's stubs leave out: every launcher's calls go through it.
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        result = original(self, operation, params)
        if operation == "DescribeRouteTables":
            for table in result.get("RouteTables", []):
                if table["RouteTableId"] in blackholed:
                    for route in table["Routes"]:
                        if route.get("GatewayId", "").startswith("igw-"):
                            route["State"] = "blackhole"
        if operation == "DescribeSubnets":
            for subnet in result.get("Subnets", []):
                if subnet["SubnetId"] in pending:
                    subnet["State"] = "pending"
        return result

    botocore.client.BaseClient._make_api_call = call  # type: ignore[attr-defined]
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


# --- the comparison ---------------------------------------------------------------------------


def random_net(rng: random.Random) -> Net:
    vpcs = []
    names = ["alpha", "beta", "alpha", ""]
    for i in range(rng.randint(1, 3)):
        vpcs.append(V(f"v{i}", default=(i == 0 and rng.random() < 0.5), name=rng.choice(names)))
    subnets = []
    tables = []
    for v in vpcs:
        mine = [
            S(
                f"{v.key}s{j}",
                v.key,
                rng.choice("abc"),
                mapped=rng.random() < 0.4,
                pending=rng.random() < 0.1,
            )
            for j in range(rng.randint(0, 3))
        ]
        subnets += mine
        main_routes = rng.choice([(), ("igw",), ("nat",), ("igw-blackhole",), ("igw-10",)])
        if main_routes == ("nat",) and not mine:
            main_routes = ()
        tables.append(T(v.key, v.key, main_routes, main=True))
        if mine and rng.random() < 0.6:
            chosen = tuple(s.key for s in mine if rng.random() < 0.5)
            routes = rng.choice([(), ("igw",), ("nat",)])
            tables.append(T(f"{v.key}t", v.key, routes, subnets=chosen))
    return Net(tuple(vpcs), tuple(subnets), tuple(tables))


Config = tuple[LaunchMode, str | None, str | None]  # mode, vpc_name, subnet_names


def theirs(name: str, config: Config, ids: dict[str, str]) -> Outcome:
    mode, vpc_name, subnet_names = config
    try:
        vpc_id, subnet_ids = THEIRS[name](mode, vpc_name, subnet_names)
    except NotLaunched:
        return False, None, frozenset()
    return True, keys(ids, vpc_id), keys(ids, subnet_ids)


def ours(name: str, config: Config, ids: dict[str, str]) -> Outcome:
    mode, vpc_name, subnet_names = config
    ec2 = boto3.client("ec2", region_name=REGION)
    region = SnapshotReader(ec2, REGION, "123456789012").read(None)
    launcher = next(x for x in LAUNCHERS if x.name == name)
    settings = {"vpc_name": vpc_name} if vpc_name else {}
    if subnet_names:
        settings["subnet_names"] = subnet_names
    d = launcher.decide(LaunchView.of(region), mode, settings)
    return d.ready, keys(ids, d.vpc_id), keys(ids, d.subnet_ids)


def check(name: str, label: str, net: Net, configs: list[Config]) -> list[dict[str, Any]]:
    results = []
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        ids = build_on(ec2, net)
        with as_aws_shows(net, ids):
            for config in configs:
                mode, vpc_name, subnet_names = config
                a = theirs(name, config, ids)
                b = ours(name, config, ids)
                results.append(
                    {
                        "layout": label,
                        "mode": str(mode),
                        "vpc_name": vpc_name,
                        "subnet_names": subnet_names,
                        "theirs": [a[0], a[1], sorted(a[2])],
                        "ours": [b[0], b[1], sorted(b[2])],
                        "agree": a == b,
                    }
                )
    return results


def configs_for(name: str, net: Net, label: str = "") -> list[Config]:
    names: list[str | None] = [None]
    if name != "ray":
        names += sorted({v.name for v in net.vpcs if v.name})
    configs: list[Config] = [(mode, n, None) for mode in LaunchMode for n in names]
    if name == "skypilot" and _has_subnet_names():
        # Each subnet Name alone, and all of them: SkyPilot's aws.subnet_names.
        subnet_names = sorted({v for s in net.subnets for k, v in s.tags if k == "Name"})
        lists = [*subnet_names, ",".join(subnet_names)] if subnet_names else []
        # And each list an expectation row names (tests/launch_expectations).
        lists += [
            r.config["subnet_names"]
            for r in ROWS
            if r.scenario == label and r.launcher == name and "subnet_names" in r.config
        ]
        lists = list(dict.fromkeys(lists))
        configs += [(mode, None, listed) for mode in LaunchMode for listed in lists]
    return configs


def _has_subnet_names() -> bool:
    from sky.provision.aws import config

    return "subnet_names" in inspect.signature(config._get_subnet_and_vpc_id).parameters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.crosscheck")
    parser.add_argument("launcher", choices=sorted([*THEIRS, "parallelcluster"]))
    parser.add_argument("--random", type=int, default=100, help="random layouts besides the fixed")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", help="write every comparison here (JSON)")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the launchers log every refusal
    name = args.launcher
    if name == "parallelcluster":
        return parallelcluster_main(args.random, args.seed, args.out)
    results = []
    for label, net in SCENARIOS.items():
        results += check(name, label, net, configs_for(name, net, label))
    rng = random.Random(args.seed)
    for n in range(args.random):
        net = random_net(rng)
        results += check(name, f"random-{n}", net, configs_for(name, net))
    # The expectation rows, against the launcher's code itself.
    # Rows with aws.subnet_names only where this version has it (0.10 and later).
    names_too = name == "skypilot" and _has_subnet_names()
    rows = [r for r in ROWS if r.launcher == name and ("subnet_names" not in r.config or names_too)]
    row_failures = []
    for r in rows:
        (got,) = (
            x
            for x in results
            if x["layout"] == r.scenario
            and x["mode"] == r.mode
            and x["vpc_name"] == r.vpc_name
            and x["subnet_names"] == r.config.get("subnet_names")
        )
        want = [r.ready, r.vpc, sorted(r.subnets)]
        if got["theirs"] != want:
            row_failures.append({"row": r.id, "theirs": got["theirs"], "expected": want})
    disagree = [x for x in results if not x["agree"]]
    summary = {
        "launcher": name,
        "version": _version(name),
        "comparisons": len(results),
        "ready_by_launcher": sum(x["theirs"][0] for x in results),
        "disagreements": disagree,
        "rows": len(rows),
        "rows_wrong": row_failures,
    }
    if args.out:
        with open(args.out, "w") as out:
            json.dump({**summary, "results": results}, out, indent=1)
    print(
        f"crosscheck {name} {summary['version']}: {len(results)} comparisons "
        f"({summary['ready_by_launcher']} ready by the launcher's code) over "
        f"{len(SCENARIOS)} layouts and {args.random} random ones (seed {args.seed}): "
        f"{len(disagree)} disagreements; {len(rows)} expectation rows, {len(row_failures)} wrong"
    )
    for item in disagree[:10] + row_failures[:10]:
        print(f"  {json.dumps(item)}")
    return 1 if disagree or row_failures else 0


def parallelcluster_main(random_layouts: int, seed: int, out: str | None) -> int:
    from tests.crosscheck.parallelcluster import run

    results = run(random_layouts, seed)
    disagree = [x for x in results if not x["agree"]]
    validators = [x for x in results if x["kind"] == "validators"]
    ready = [x for x in results if x["kind"] == "ready"]
    summary = {
        "launcher": "parallelcluster",
        "version": _version("parallelcluster"),
        "comparisons": len(results),
        "validator_comparisons": len(validators),
        "refused_by_launcher": sum(bool(x["theirs"]) for x in validators),
        "ready_checked": len(ready),
        "disagreements": disagree,
    }
    if out:
        with open(out, "w") as handle:
            json.dump({**summary, "results": results}, handle, indent=1)
    print(
        f"crosscheck parallelcluster {summary['version']}: {len(results)} comparisons "
        f"({len(validators)} of the validators, {summary['refused_by_launcher']} refused by "
        f"them; {len(ready)} ready entries validated) over {len(SCENARIOS)} layouts and "
        f"{random_layouts} random ones (seed {seed}): {len(disagree)} disagreements"
    )
    for item in disagree[:10]:
        print(f"  {json.dumps(item)}")
    return 1 if disagree else 0


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(
        {
            "skypilot": "skypilot",
            "skypilot-0.7": "skypilot",
            "ray": "ray",
            "dstack": "dstack",
            "parallelcluster": "aws-parallelcluster",
        }[name]
    )


if __name__ == "__main__":
    sys.exit(main())
