"""Cross-check: ParallelCluster's own subnet validators against the remediator's.

`make crosscheck` runs this in a virtual environment with aws-parallelcluster installed (never
a dependency of the product or of `make test`):

    python -m tests.crosscheck parallelcluster [--random N] [--seed S]

On moto (in process), for every layout of tests/launch_scenarios.py and N random layouts
(random DNS hostnames too), it asks two questions:

1. **The validators.** For head-node and queue subnets drawn from the layout (every subnet as
   the head node with the queue the readiness would choose, and random draws: across VPCs, two
   in one zone, a subnet named twice, subnets that map public IPs), with single- and multi-NIC
   queues, ParallelCluster's `SubnetsValidator`, `QueueSubnetsValidator` and
   `MultiNetworkInterfacesInstancesValidator` (pcluster/validators, called as
   pcluster/config/cluster_config.py registers them) and
   `domain/launchers/parallelcluster.validate` must find the same kinds of error. Where the
   subnets span VPCs, both say so; which VPC's DNS ParallelCluster then checks depends on the
   order of a Python set (`compute_subnet_ids`), so DNS is compared only within one VPC.
2. **The readiness.** Where the readiness says ready, ParallelCluster's validators pass on the
   subnets it names.
"""

from __future__ import annotations

import os
import random
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import boto3
from moto import mock_aws

from tests.launch_scenarios import REGION, SCENARIOS, Net, build_on, keys
from vpc_remediator.aws.reader import SnapshotReader
from vpc_remediator.domain.launchers import parallelcluster as ours
from vpc_remediator.domain.launchers.view import LaunchMode, LaunchView

KINDS = {
    "is not in VPC": "vpc",
    "DNS Support is not enabled": "dns-support",
    "DNS Hostnames not enabled": "dns-hostnames",
    "specified multiple times": "duplicate",  # theirs
    "more than once": "duplicate",  # ours
    "same Availability Zone": "zone",
    "automatically assign public IPs": "multi-nic",
}


def kinds(messages: list[str], *, one_vpc: bool) -> list[str]:
    """The kinds of error; a message of no known kind (an AWS error) is kept whole, so that it
    is a disagreement, never dropped."""
    found = {kind for m in messages for text, kind in KINDS.items() if text in m}
    found |= {f"other: {m}" for m in messages if not any(text in m for text in KINDS)}
    if not one_vpc:
        found -= {"dns-support", "dns-hostnames"}
    return sorted(found)


def theirs(head: str, queue: list[str], multi_nic: bool) -> list[str]:
    from pcluster.aws.aws_api import AWSApi
    from pcluster.aws.common import Cache
    from pcluster.validators.cluster_validators import MultiNetworkInterfacesInstancesValidator
    from pcluster.validators.networking_validators import QueueSubnetsValidator, SubnetsValidator

    # Its caches are per process; moto gives the same ids to each layout's resources.
    AWSApi.reset()
    Cache.clear_all()
    api = AWSApi.instance()
    compute = list(set(queue))
    mapping: dict[str, set[str]] = {}
    for subnet_id in queue:
        mapping.setdefault(api.ec2.get_subnet_avail_zone(subnet_id), set()).add(subnet_id)
    failures = SubnetsValidator().execute(subnet_ids=[*compute, head])
    failures += QueueSubnetsValidator().execute(
        queue_name="q", subnet_ids=queue, az_subnet_ids_mapping=mapping
    )
    queue_config = SimpleNamespace(
        name="q",
        compute_resources=[SimpleNamespace(max_network_cards=2 if multi_nic else 1)],
        networking=SimpleNamespace(subnet_ids=queue, assign_public_ip=False),
    )
    failures += MultiNetworkInterfacesInstancesValidator().execute(queues=[queue_config])
    return [f.message for f in failures]


def draws(view: LaunchView, rng: random.Random) -> list[tuple[str, list[str]]]:
    """(head, queue) pairs: each subnet as head with its VPC's subnets one per zone, and random
    draws over the whole region."""
    subnets = [s.id for s in view.subnets]
    out: list[tuple[str, list[str]]] = []
    for s in view.subnets:
        same = [x.id for x in view.subnets_of(s.vpc_id)]
        out.append((s.id, same[:3]))
    for _ in range(6 if subnets else 0):
        queue = [rng.choice(subnets) for _ in range(rng.randint(1, 3))]
        out.append((rng.choice(subnets), queue))
    return out


def random_dns(net: Net, rng: random.Random) -> Net:
    return replace(
        net, vpcs=tuple(replace(v, dns=rng.choice([None, True, False])) for v in net.vpcs)
    )


def check(label: str, net: Net, rng: random.Random) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        ids = build_on(ec2, net)
        region = SnapshotReader(ec2, REGION, "123456789012", launchers=None).read(None)
        view = LaunchView.of(region)
        by_id = {s.id: s for s in view.subnets}
        for head, queue in draws(view, rng):
            for multi_nic in (False, True):
                one_vpc = len({by_id[x].vpc_id for x in [head, *queue]}) == 1
                a = kinds(theirs(head, queue, multi_nic), one_vpc=one_vpc)
                b = kinds(
                    list(ours.validate(view, head, queue, multi_nic=multi_nic)), one_vpc=one_vpc
                )
                results.append(
                    {
                        "layout": label,
                        "kind": "validators",
                        "head": keys(ids, head),
                        "queue": [keys(ids, q) for q in queue],
                        "multi_nic": multi_nic,
                        "theirs": a,
                        "ours": b,
                        "agree": a == b,
                    }
                )
        for mode in LaunchMode:
            for multi_nic in (False, True):
                config = {"multi_nic": "true"} if multi_nic else {}
                d = ours.decide(view, mode, config)
                if not d.ready:
                    continue
                head, *rest = d.subnet_ids
                queue = list(d.subnet_ids) if mode is LaunchMode.PUBLIC else rest
                found = theirs(head, queue, multi_nic)
                results.append(
                    {
                        "layout": label,
                        "kind": "ready",
                        "mode": str(mode),
                        "multi_nic": multi_nic,
                        "head": keys(ids, head),
                        "queue": [keys(ids, q) for q in queue],
                        "theirs": found,
                        "ours": [],
                        "agree": found == [],
                    }
                )
    return results


def run(random_layouts: int, seed: int) -> list[dict[str, Any]]:
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    rng = random.Random(seed)
    from tests.crosscheck.__main__ import random_net

    results: list[dict[str, Any]] = []
    for label, net in SCENARIOS.items():
        results += check(label, net, rng)
    for n in range(random_layouts):
        results += check(f"random-{n}", random_dns(random_net(rng), rng), rng)
    return results
