"""Settings: parsed once, validated loudly with the variable's name."""

from __future__ import annotations

import pytest

from vpc_remediator.domain.policy import Mode, RouteStrategy
from vpc_remediator.service.settings import Settings, SettingsError

QUEUE = "https://sqs.eu-south-1.amazonaws.com/123456789012/vpc-remediator-changes"
TOPIC = "arn:aws:sns:eu-south-1:123456789012:vpc-remediator-notices"


def test_defaults_are_safe_and_remediate() -> None:
    settings = Settings.from_env({"VPCR_TOPIC_ARN": TOPIC})
    policy = settings.policy
    assert policy.mode is Mode.REMEDIATE
    assert policy.route_strategy is RouteStrategy.DEDICATED
    assert policy.map_public_ip is True
    assert policy.create_internet_gateway is False
    assert policy.restore_default_vpc is False
    assert policy.intent_tag_key == "vpc-remediator:intent"
    assert {"private", "intra", "db", "database"} <= policy.private_name_words
    assert policy.public_name_words == {"public", "pub", "dmz", "web", "edge", "ingress"}
    assert {"app", "application", "backend", "service", "worker"} <= policy.private_name_words
    assert policy.assign_ipv6_on_creation is True
    assert {str(k) for k in policy.auto_intent_from} == {"console", "cli"}
    assert policy.iac_tag_keys == frozenset()
    assert settings.topic_arn == TOPIC
    assert settings.own_role_arns == frozenset()
    assert settings.settle_seconds == 90


def test_every_setting_is_read() -> None:
    env = {
        "VPCR_MODE": "Audit",
        "VPCR_ROUTE_STRATEGY": "main",
        "VPCR_MAP_PUBLIC_IP": "false",
        "VPCR_CREATE_INTERNET_GATEWAY": "true",
        "VPCR_RESTORE_DEFAULT_VPC": "1",
        "VPCR_INTENT_TAG_KEY": "net:intent",
        "VPCR_PRIVATE_NAME_WORDS": "Backend, internal",
        "VPCR_PUBLIC_NAME_WORDS": "none",
        "VPCR_ASSIGN_IPV6_ON_CREATION": "off",
        "VPCR_AUTO_INTENT_FROM": "console, iac",
        "VPCR_IAC_TAG_KEYS": "ManagedBy, terraform:workspace",
        "VPCR_TOPIC_ARN": TOPIC,
        "VPCR_OWN_ROLE_ARNS": "arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/path/b",
        "VPCR_SETTLE_SECONDS": "30",
        "VPCR_SETTLE_QUEUE_URL": QUEUE,
        "VPCR_MEMORY_TABLE": "memory",
        "VPCR_MULTI_NIC_SUBNETS": "subnet-0123456789abcdef0, subnet-0123456789abcdef1",
        "VPCR_EVENT_BUS": "platform",
        "VPCR_SECURITY_HUB_FINDINGS": "true",
        "VPCR_COORDINATE_WITH_SECURITY_HUB": "true",
    }
    settings = Settings.from_env(env)
    assert settings.event_bus == "platform"
    assert settings.security_hub_findings and settings.coordinate_with_security_hub
    assert settings.settling() == (30, QUEUE, "memory")
    p = settings.policy
    assert (p.mode, p.route_strategy, p.map_public_ip) == (Mode.AUDIT, RouteStrategy.MAIN, False)
    assert (p.create_internet_gateway, p.restore_default_vpc) == (True, True)
    assert p.intent_tag_key == "net:intent"
    assert p.private_name_words == {"backend", "internal"}
    assert p.public_name_words == frozenset()
    assert p.assign_ipv6_on_creation is False
    assert {str(k) for k in p.auto_intent_from} == {"console", "iac"}
    assert p.iac_tag_keys == {"ManagedBy", "terraform:workspace"}
    assert p.multi_nic_subnets == {"subnet-0123456789abcdef0", "subnet-0123456789abcdef1"}
    assert settings.own_role_arns == {
        "arn:aws:iam::123456789012:role/a",
        "arn:aws:iam::123456789012:role/path/b",
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VPCR_MODE", "fix-everything"),
        ("VPCR_ROUTE_STRATEGY", "nat"),
        ("VPCR_MAP_PUBLIC_IP", "maybe"),
        ("VPCR_CREATE_INTERNET_GATEWAY", "2"),
        ("VPCR_RESTORE_DEFAULT_VPC", "yes!"),
        ("VPCR_INTENT_TAG_KEY", "aws:intent"),
        ("VPCR_PRIVATE_NAME_WORDS", "private,db-*"),
        ("VPCR_PUBLIC_NAME_WORDS", ",,"),
        ("VPCR_ASSIGN_IPV6_ON_CREATION", "perhaps"),
        ("VPCR_AUTO_INTENT_FROM", "console,robots"),
        ("VPCR_IAC_TAG_KEYS", "aws:bad key!"),
        ("VPCR_TOPIC_ARN", "arn:aws:sqs:eu-south-1:123456789012:queue"),
        ("VPCR_OWN_ROLE_ARNS", "arn:aws:iam::123456789012:user/alice"),
        ("VPCR_DEAD_LETTER_QUEUE_URL", "ftp://queue.example/123456789012/dlq"),
        ("VPCR_SWEEP_APPLIES_AUTO_INTENT", "sometimes"),
        ("VPCR_SETTLE_SECONDS", "901"),
        ("VPCR_SETTLE_SECONDS", "-1"),
        ("VPCR_SETTLE_SECONDS", "1.5"),
        ("VPCR_SETTLE_QUEUE_URL", "changes"),
        ("VPCR_CENTRAL_TOPIC_ARN", "arn:aws:sqs:us-east-1:111122223333:notices"),
        ("VPCR_CENTRAL_TOPIC_ARN", "arn:aws:sns:us-east-1:111122223333:notices.fifo"),
        ("VPCR_CENTRAL_TOPIC_ARN", TOPIC),
        ("VPCR_MULTI_NIC_SUBNETS", "subnet-1,rtb-0123456789abcdef0"),
        ("VPCR_EVENT_BUS", "aws.events"),
        ("VPCR_EVENT_BUS", "my bus"),
        ("VPCR_SECURITY_HUB_FINDINGS", "often"),
        ("VPCR_COORDINATE_WITH_SECURITY_HUB", "2"),
    ],
)
def test_bad_values_fail_with_the_variable_name(name: str, value: str) -> None:
    env = {"VPCR_TOPIC_ARN": TOPIC, name: value}
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_the_retired_name_pattern_setting_is_refused_with_what_to_set_instead() -> None:
    with pytest.raises(SettingsError, match=r"VPCR_PRIVATE_NAME_PATTERN is no longer read.*WORDS"):
        Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_PRIVATE_NAME_PATTERN": "db"})


def test_a_topic_is_required_for_the_lambdas_but_not_for_a_dry_run() -> None:
    with pytest.raises(SettingsError, match="VPCR_TOPIC_ARN is not set"):
        Settings.from_env({})
    assert Settings.from_env({}, require_topic=False).topic_arn is None


def test_a_settle_time_needs_its_queue_and_table_and_zero_needs_neither() -> None:
    settings = Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_SETTLE_QUEUE_URL": QUEUE})
    with pytest.raises(SettingsError, match=r"VPCR_SETTLE_SECONDS=90 needs .*VPCR_MEMORY_TABLE"):
        settings.settling()
    assert (
        Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_SETTLE_SECONDS": "0"}).settling() is None
    )


def test_a_central_topic_is_a_copy_of_the_own_topic_in_any_account_and_region() -> None:
    central = "arn:aws:sns:us-east-1:111122223333:org-notices"
    settings = Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_CENTRAL_TOPIC_ARN": central})
    assert settings.central_topic_arn == central
    # The template passes an empty parameter as an empty string: no central copy.
    assert (
        Settings.from_env({"VPCR_TOPIC_ARN": TOPIC, "VPCR_CENTRAL_TOPIC_ARN": ""}).central_topic_arn
        is None
    )
    with pytest.raises(SettingsError, match="VPCR_CENTRAL_TOPIC_ARN is set without VPCR_TOPIC_ARN"):
        Settings.from_env({"VPCR_CENTRAL_TOPIC_ARN": central}, require_topic=False)
