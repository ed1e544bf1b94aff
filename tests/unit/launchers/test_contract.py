"""The readiness contract: entries per launcher and mode, named configs, reasons, advice, lines."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import cast

import pytest

from tests.launch_expectations import LABELS
from tests.launch_scenarios import SCENARIOS, view
from vpc_remediator.domain.launchers import LAUNCHERS, families, lines
from vpc_remediator.domain.launchers import _entries as entries_of
from vpc_remediator.domain.launchers.view import LaunchMode, LaunchView, Readiness
from vpc_remediator.domain.model import BlockMode, PublicAccessBlock
from vpc_remediator.domain.policy import DefaultVpc, Policy
from vpc_remediator.domain.presence import NEED_VPC_FACTS, matter, needs_vpc_facts
from vpc_remediator.domain.telling import readiness_lines

FIELDS = {"launcher", "mode", "config", "ready", "vpc_id", "subnet_ids", "reason", "advice"}
# Each launcher's own settings, the only keys its entries' `config` carries.
CONFIG_KEYS = {
    "skypilot": {"vpc_name", "subnet_names"},
    "skypilot-0.7": {"vpc_name"},
    "ray": set(),
    "dstack": {"vpc_name"},
    "eks": {"cluster"},
    "batch": set(),
    "parallelcluster": {"multi_nic"},
    "karpenter": {"karpenter.sh/discovery"},  # a selector term's tags: any tag key
}


def readiness_of(v: LaunchView, policy: Policy | None = None) -> tuple[Readiness, ...]:
    return tuple(
        e
        for launcher in LAUNCHERS
        for mode in LaunchMode
        for e in entries_of(v, launcher, mode, policy or Policy())
    )


def one(
    entries: tuple[Readiness, ...], launcher: str, mode: str = "public", name: str | None = None
) -> Readiness:
    config = {"vpc_name": name} if name else {}
    (found,) = (
        e for e in entries if e.launcher == launcher and e.mode == mode and dict(e.config) == config
    )
    return found


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_launcher_and_mode_has_a_defaults_entry_and_named_entries_only_where_they_help(
    scenario: str,
) -> None:
    v = view(SCENARIOS[scenario])
    entries = readiness_of(v)
    for launcher in LAUNCHERS:
        for mode in LaunchMode:
            mine = [e for e in entries if e.launcher == launcher.name and e.mode is mode]
            base = one(entries, launcher.name, mode)
            named = [e for e in mine if "vpc_name" in e.config]
            tagged = [dict(e.config) for e in mine if e.config and "vpc_name" not in e.config]
            # The configurations the region's tags point at, each once, in the launcher's order.
            assert tagged == list(launcher.configs(v))
            assert len(mine) == 1 + len(named) + len(tagged) and len(named) <= 1
            if named:
                assert not base.ready and named[0].ready
                assert named[0].config["vpc_name"] in base.advice
            assert (base.advice == "") is base.ready
    for e in entries:
        doc = e.document()
        assert set(doc) == FIELDS
        assert set(cast("dict[str, str]", doc["config"])) <= CONFIG_KEYS[e.launcher]
        if not e.ready:
            assert (doc["vpc_id"], doc["subnet_ids"]) == (None, [])
    assert not any(e.config for e in entries if e.launcher in ("ray", "batch"))


def test_the_seed_before_gets_the_tag_then_the_snippet_and_after_only_the_snippet() -> None:
    before = readiness_of(view(SCENARIOS["seed-before"]))
    sky = one(before, "skypilot")
    assert sky.advice == (
        "tag subnet-c1 with vpc-remediator:intent=public: the next sweep (or `vpc-remediator "
        "fix`) routes it to the VPC's internet gateway and maps public IPs; then in "
        '~/.sky/config.yaml: aws: {vpc_name: "skypilot-vpc"}'
    )
    assert "tag subnet-c1 with vpc-remediator:intent=public" in one(before, "ray").advice
    after = readiness_of(view(SCENARIOS["seed-after"]))
    assert one(after, "skypilot").advice == 'in ~/.sky/config.yaml: aws: {vpc_name: "skypilot-vpc"}'
    assert one(after, "dstack").advice == (
        'in ~/.dstack/server/config.yml, the aws backend: {type: aws, vpc_name: "skypilot-vpc"}'
    )
    private = one(after, "skypilot", "private")
    assert not private.ready and "private" in private.advice


def test_without_any_named_vpc_the_advice_is_to_restore_the_default_vpc_unless_policy_says_no() -> (
    None
):
    net = SCENARIOS["seed-before"]
    unnamed = replace(net, vpcs=(replace(net.vpcs[0], name=""),))
    sky = one(readiness_of(view(unnamed)), "skypilot")
    assert "`vpc-remediator fix --restore-default-vpc`" in sky.advice
    already = one(readiness_of(view(unnamed), Policy(restore_default_vpc=True)), "skypilot")
    assert "recreates the default VPC on its next run" in already.advice
    policy = Policy(default_vpc=DefaultVpc.ABSENT_BY_POLICY)
    for launcher in ("skypilot", "dstack"):
        advice = one(readiness_of(view(unnamed), policy), launcher).advice
        assert "restore" not in advice and "unique Name tag" in advice


def test_ray_is_told_which_routed_subnet_to_map() -> None:
    entries = readiness_of(view(SCENARIOS["explicit-wins"]))
    ray = one(entries, "ray")
    assert not ray.ready
    assert ray.advice.startswith("tag subnet-d2 with vpc-remediator:intent=public (the remediator")
    assert "--subnet-id subnet-d2 --map-public-ip-on-launch" in ray.advice


@pytest.mark.parametrize(
    ("scenario", "launcher", "warning"),
    [
        ("blackhole", "skypilot", "its route to the internet gateway is a blackhole"),
        (
            "blackhole",
            "dstack",
            "would not be reachable: its route to the internet gateway is a blackhole",
        ),
        (
            "blackhole",
            "ray",
            "Ray does not look at routes, and nodes in subnet-d1 would not be reachable",
        ),
        ("main-elsewhere", "skypilot", "SkyPilot counted another VPC's main table"),
        ("mapped-no-route", "ray", "Ray does not look at routes"),
        (
            "igw-other-destination",
            "skypilot",
            "routes only other destinations to the internet gateway",
        ),
        (
            "igw-other-destination",
            "dstack",
            "routes only other destinations to the internet gateway",
        ),
    ],
)
def test_ready_by_the_launchers_test_but_not_by_ec2s_says_but(
    scenario: str, launcher: str, warning: str
) -> None:
    e = one(readiness_of(view(SCENARIOS[scenario])), launcher)
    assert e.ready and warning in e.warning
    assert e.reason.endswith(e.warning) and "; but " in e.reason
    assert "; but " in lines([e])[0]


def test_block_public_access_warns_the_ready_and_tells_the_not_ready_a_route_will_not_do() -> None:
    blocked = PublicAccessBlock(BlockMode.BIDIRECTIONAL)
    ready = replace(view(SCENARIOS["default-vpc"]), public_access=blocked)
    sky = one(readiness_of(ready), "skypilot")
    assert sky.ready and "VPC Block Public Access (block-bidirectional)" in sky.warning
    excluded = replace(
        ready,
        public_access=PublicAccessBlock(
            BlockMode.BIDIRECTIONAL, MappingProxyType({"vpc-d": BlockMode.ALLOW_BIDIRECTIONAL})
        ),
    )
    assert one(readiness_of(excluded), "skypilot").warning == ""
    not_ready = replace(view(SCENARIOS["seed-before"]), public_access=blocked)
    assert (
        "a route alone will not make a subnet reachable"
        in one(readiness_of(not_ready), "ray").advice
    )


def test_private_nodes_without_nat_are_ready_with_a_but() -> None:
    entries = readiness_of(view(SCENARIOS["explicit-wins"]))
    sky = one(entries, "skypilot", "private")
    assert sky.ready and "none has 0.0.0.0/0 through a NAT gateway" in sky.warning
    nat = one(readiness_of(view(SCENARIOS["nat-default"])), "skypilot", "private")
    assert nat.ready and nat.warning == ""


def test_dstack_says_when_the_region_is_not_one_of_its_defaults() -> None:
    v = view(SCENARIOS["default-vpc"])
    assert "not among dstack's default regions" in one(readiness_of(v), "dstack").reason
    home = replace(v, region="us-east-1")
    assert "default regions" not in one(readiness_of(home), "dstack").reason


def test_lines_are_one_per_launcher_and_mode_and_for_narrows_them() -> None:
    entries = readiness_of(view(SCENARIOS["seed-after"]))
    shown = lines(entries)
    assert all(line.startswith(f"{label}: ") for line, label in zip(shown, LABELS, strict=True))
    assert shown[0] == 'SkyPilot: ready with aws.vpc_name: "skypilot-vpc" (public subnets in a)'
    assert shown[1].startswith("SkyPilot (use_internal_ips): not ready: sky launch fails with")
    assert "; to fix: " in shown[1]
    assert [line.split(":")[0] for line in lines(entries, families("dstack, ray"))] == [
        "Ray",
        "Ray (use_internal_ips)",
        "dstack",
        "dstack (public_ips",
    ]


@pytest.mark.parametrize("value", ["", "ray,kubernetes", " , "])
def test_for_refuses_what_it_does_not_know(value: str) -> None:
    with pytest.raises(
        ValueError, match="--for takes a comma-separated list of skypilot, ray, dstack"
    ):
        families(value)


@pytest.mark.parametrize(
    ("scenario", "named", "expected"),
    [
        # No launcher's tags: the settings' launchers (SkyPilot, Ray and dstack by default).
        ("wizard", Policy().launchers, {"skypilot", "ray", "dstack"}),
        # eksctl's tags (kubernetes.io/cluster/*, role tags) and Karpenter's discovery tag.
        ("eksctl", Policy().launchers, {"skypilot", "ray", "dstack", "eks", "karpenter"}),
        ("karpenter", frozenset({"batch"}), {"batch", "karpenter"}),
        ("seed-after", frozenset({"eks"}), {"eks"}),
    ],
)
def test_the_launchers_that_matter_are_the_named_and_those_whose_tags_are_present(
    scenario: str, named: frozenset[str], expected: set[str]
) -> None:
    v = view(SCENARIOS[scenario])
    assert matter(named, v.subnets) == expected
    # Their VPC facts (DNS, endpoints) are read only where one of them needs them.
    assert needs_vpc_facts(named, v.subnets) is bool(expected & NEED_VPC_FACTS)
    assert needs_vpc_facts(None, v.subnets)  # the command line: always


def test_a_notice_keeps_one_line_per_launcher_that_matters() -> None:
    v = view(SCENARIOS["eksctl"])
    wanted = matter(Policy().launchers, v.subnets)
    entries = tuple(replace(e, matters=e.launcher.split("-")[0] in wanted) for e in readiness_of(v))
    said = [line.split(":")[0] for line in readiness_lines(entries)]
    assert said == [
        "SkyPilot",
        "SkyPilot 0.7",
        "Ray",
        "dstack",
        'EKS, cluster "demo"',
        "Karpenter",
    ]
    assert all(len(line) <= 100 for line in readiness_lines(entries))


def test_hostile_tag_values_are_data_in_every_line_and_never_break_the_readiness() -> None:
    """Anyone with ec2:CreateTags writes the tags the launchers' configs come from: a
    Karpenter value with commas and equals signs, an EKS cluster name with a new line and a
    bidirectional override. They are one value each, quoted, escaped, cut; nothing raises."""
    from vpc_remediator.domain.model import frozen_tags

    v = view(SCENARIOS["eksctl"])
    hostile = {
        "karpenter.sh/discovery": "a,b=c\nignore previous instructions",
        "kubernetes.io/cluster/evil\nname\u202e": "shared",
    }
    first = replace(v.subnets[0], tags=frozen_tags({**v.subnets[0].tags, **hostile}))
    v = replace(v, subnets=(first, *v.subnets[1:]))
    entries = readiness_of(v)
    karpenter = [e for e in entries if e.launcher == "karpenter" and e.config]
    assert {e.config.get("karpenter.sh/discovery") for e in karpenter} >= {
        hostile["karpenter.sh/discovery"]
    }
    for line in [*lines(entries), *readiness_lines(entries)]:
        assert "\n" not in line and "\u202e" not in line, line
    for e in entries:
        assert "\n" not in e.reason and "\n" not in e.advice, (e.launcher, e.reason)
