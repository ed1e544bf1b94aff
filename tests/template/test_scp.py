"""deploy/tag-guard-scp.json: valid as a service control policy, and it denies what it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deploy import scp

from tests.iam import is_denied

SHIPPED = Path(scp.__file__).with_name("tag-guard-scp.json")
ACCOUNT = "123456789012"
SUBNET = f"arn:aws:ec2:eu-south-1:{ACCOUNT}:subnet/subnet-0123456789abcdef0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator/vpc-remediator-SweepFunctionRole-1AB2"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/PlatformAdmin"
ATTACKER = f"arn:aws:iam::{ACCOUNT}:role/Developer"


def test_the_shipped_policy_is_the_generators_and_fits_an_scp() -> None:
    text = SHIPPED.read_text()
    assert text == scp.render([scp.EXAMPLE_WRITER])
    document = json.loads(text)
    assert len(text) <= scp.SCP_LIMIT
    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        # A service control policy grants nothing: every statement denies, with a Sid.
        assert statement["Effect"] == "Deny" and statement["Sid"].isalnum()
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}
        assert all(a.startswith("ec2:") for a in statement["Action"])


@pytest.mark.parametrize(
    ("who", "action", "keys", "denied"),
    [
        # Someone who holds ec2:CreateTags cannot claim a table, an intent or a hold.
        (ATTACKER, "ec2:CreateTags", ["vpc-remediator:role"], True),
        (ATTACKER, "ec2:CreateTags", ["Name", "vpc-remediator:intent"], True),
        (ATTACKER, "ec2:DeleteTags", ["vpc-remediator:hold"], True),
        (
            f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator-lookalike",
            "ec2:CreateTags",
            ["vpc-remediator:managed"],
            True,
        ),
        # Their own tags are theirs.
        (ATTACKER, "ec2:CreateTags", ["Name", "team"], False),
        # The remediator's roles and the people named write them.
        (ROLE, "ec2:CreateTags", ["vpc-remediator:hold"], False),
        (ADMIN, "ec2:CreateTags", ["vpc-remediator:intent"], False),
        (ADMIN, "ec2:DeleteTags", ["vpc-remediator:hold"], False),
    ],
)
def test_only_the_remediator_and_the_named_people_write_its_tags(
    who: str, action: str, keys: list[str], denied: bool
) -> None:
    statements = json.loads(SHIPPED.read_text())["Statement"]
    context = {"aws:PrincipalArn": who, "aws:TagKeys": keys}
    assert is_denied(statements, action, SUBNET, context) is denied


def test_an_intent_tag_key_of_another_name_is_kept_too() -> None:
    statements = scp.policy([], "platform/subnet-intent")["Statement"]
    context = {"aws:PrincipalArn": ATTACKER, "aws:TagKeys": ["platform/subnet-intent"]}
    assert is_denied(statements, "ec2:CreateTags", SUBNET, context)


def test_a_writer_that_is_not_an_iam_arn_is_refused() -> None:
    with pytest.raises(ValueError, match="not an IAM role or user ARN"):
        scp.policy(["PlatformAdmin"])
    assert scp.main(["--writer", "*"]) == 2
