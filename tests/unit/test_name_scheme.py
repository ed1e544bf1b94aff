"""Names read as an engineer reads them (issue 19): concatenated and abbreviated words split, the
tiers that are private by convention, and a VPC's Names read as a scheme."""

from __future__ import annotations

import pytest

from tests.builders import subnet, vpc_snapshot
from vpc_remediator.domain.intent import Intent, resolve_intents
from vpc_remediator.domain.names import words
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import (
    DEFAULT_PRIVATE_NAME_WORDS,
    DEFAULT_PUBLIC_NAME_WORDS,
    AutoScope,
    Policy,
)
from vpc_remediator.service.settings import Settings

KNOWN = DEFAULT_PRIVATE_NAME_WORDS | DEFAULT_PUBLIC_NAME_WORDS
TOPIC = "arn:aws:sns:eu-south-1:123456789012:notices"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("privatesubnet1", "private"),
        ("PRIVATESUBNET", "private"),
        ("dbsubnet1", "db"),
        ("priv-a", "private"),
        ("k8s-priv", "private"),
        ("appsubnet-b", "app"),
        ("websubnet", "web"),
        ("PrivateSubnet1", "private"),
    ],
)
def test_concatenated_and_abbreviated_words_are_split(name: str, says: str) -> None:
    assert says in words(name, KNOWN)


@pytest.mark.parametrize("name", ["datalake", "publications", "pubsub", "webhooks", "dbt-runner"])
def test_a_run_with_anything_unknown_in_it_stays_one_word(name: str) -> None:
    found = words(name, KNOWN)
    assert not found & {"data", "pub", "public", "web", "db"}, found


def three_tiers(*names: str) -> dict[str, Intent]:
    """Untagged subnets of these Names on the main table of a VPC with an attached gateway."""
    subnets = [subnet(f"subnet-0000000000000000{n}", name=x) for n, x in enumerate(names, 1)]
    snap = vpc_snapshot(*subnets)
    intents = resolve_intents(snap, Policy())
    return {s.name: intents[s.id].intent for s in subnets}


def test_the_web_tier_is_public_the_application_and_the_database_are_not() -> None:
    assert three_tiers("web-a", "app-a", "db-a") == {
        "web-a": Intent.PUBLIC,
        "app-a": Intent.PRIVATE,
        "db-a": Intent.PRIVATE,
    }
    snap = vpc_snapshot(
        *(
            subnet(f"subnet-0000000000000000{n}", name=x)
            for n, x in enumerate(("web-a", "app-a", "db-a"), 1)
        )
    )
    moved = {a.subnet for a in plan_vpc(snap, Policy(), AutoScope.all()).actions if a.subnet}
    assert moved == {"subnet-00000000000000001"}


def test_where_some_names_say_public_one_that_says_neither_is_undecided() -> None:
    intents = three_tiers("web-a", "misc-a")
    assert intents == {"web-a": Intent.PUBLIC, "misc-a": Intent.UNDECIDED}
    snap = vpc_snapshot(
        subnet("subnet-00000000000000001", name="web-a"),
        subnet("subnet-00000000000000002", name="misc-a"),
    )
    (finding,) = [
        f
        for f in plan_vpc(snap, Policy(), AutoScope.all()).findings
        if f.resource_id == "subnet-00000000000000002"
    ]
    assert "says neither public nor private" in finding.message and "web-a" in finding.message
    # Without a sibling that says public, a subnet on the main table of a VPC with a gateway a
    # person attached is public, as before (the seed story).
    assert three_tiers("skypilot-subnet") == {"skypilot-subnet": Intent.PUBLIC}


def test_a_list_replaces_the_default_words_and_the_added_words_extend_them() -> None:
    replaced = Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_PRIVATE_NAME_WORDS": "app"})
    assert replaced.policy.private_name_words == {"app"}
    extended = Settings.from_env(
        {"VPCR_TOPIC_ARN": TOPIC, "VPCR_ADD_PRIVATE_NAME_WORDS": "tools,mgmt"}
    )
    assert extended.policy.private_name_words == DEFAULT_PRIVATE_NAME_WORDS | {"tools", "mgmt"}
    public = Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_ADD_PUBLIC_NAME_WORDS": "bastion"})
    assert public.policy.public_name_words == DEFAULT_PUBLIC_NAME_WORDS | {"bastion"}
    # With the default words replaced by `app` alone, db-a beside web-a is still not made
    # public: its Name says neither, where a sibling's says public.
    policy = replaced.policy
    snap = vpc_snapshot(
        subnet("subnet-00000000000000001", name="web-a"),
        subnet("subnet-00000000000000002", name="db-a"),
    )
    assert resolve_intents(snap, policy)["subnet-00000000000000002"].intent is Intent.UNDECIDED


def test_vpcs_that_share_a_name_are_said_and_never_offered_as_a_vpc_name() -> None:
    from dataclasses import replace as with_

    from tests.builders import region_of
    from vpc_remediator.domain.findings import FindingCode
    from vpc_remediator.domain.launchers import readiness
    from vpc_remediator.domain.model import Vpc, frozen_tags
    from vpc_remediator.domain.outcomes import NORMAL_STATES
    from vpc_remediator.domain.planner import plan_region

    one = vpc_snapshot(subnet("subnet-00000000000000001"))
    named = with_(one, vpc=with_(one.vpc, tags=frozen_tags({"Name": "dup"})))
    other = Vpc("vpc-00000000000000002", tags=frozen_tags({"Name": "dup"}), cidr="10.1.0.0/16")
    region = with_(region_of(named), vpcs=(named.vpc, other))
    (finding,) = plan_region(region, Policy()).findings[-1:]
    assert finding.code is FindingCode.DUPLICATE_VPC_NAME
    assert finding.resource_id == "vpc-00000000000000001, vpc-00000000000000002"
    assert finding.code in NORMAL_STATES and not finding.needs_person
    assert not [e for e in readiness(region, Policy()) if e.config.get("vpc_name") == "dup"]
    alone = with_(region_of(named), vpcs=(named.vpc,))
    assert FindingCode.DUPLICATE_VPC_NAME not in {
        f.code for f in plan_region(alone, Policy()).findings
    }
