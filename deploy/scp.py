"""The service control policy that keeps the `vpc-remediator:*` tags to the remediator.

The remediator never takes a tag as proof of what it owns (its record in the memory table is
that), but people read its tags, and its intent and hold tags still steer it: `intent=public`
on a subnet asks it to route that subnet to the internet. This policy, attached to the
organisation (or the OUs the remediator guards), denies creating or deleting any tag whose key
starts with `vpc-remediator:` (and the intent tag key, if another) to everyone but the
remediator's own roles (IAM path `/vpc-remediator/`, as template.yaml names them) and the
people the organisation names:

    python -m deploy.scp --writer arn:aws:iam::*:role/PlatformAdmin > tag-guard-scp.json
    aws organizations create-policy --type SERVICE_CONTROL_POLICY --name vpc-remediator-tags \\
        --description "Only vpc-remediator and the platform team write vpc-remediator tags" \\
        --content file://tag-guard-scp.json

`deploy/tag-guard-scp.json` is this with `--writer arn:aws:iam::*:role/PlatformAdmin`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

TAG_PREFIX = "vpc-remediator:"
REMEDIATOR_ROLES = "arn:*:iam::*:role/vpc-remediator/*"
EXAMPLE_WRITER = "arn:*:iam::*:role/PlatformAdmin"
SCP_LIMIT = 5120  # characters AWS Organizations accepts in one service control policy
_ARN = re.compile(r"^arn:(\*|aws[a-z-]*):iam::(\*|[0-9]{12}):(role|user)/[\w+=,.@/*-]+$")


def policy(writers: list[str], intent_tag_key: str = f"{TAG_PREFIX}intent") -> dict[str, Any]:
    for writer in writers:
        if not _ARN.match(writer):
            raise ValueError(f"{writer!r} is not an IAM role or user ARN (wildcards allowed)")
    keys = [f"{TAG_PREFIX}*"]
    if not intent_tag_key.startswith(TAG_PREFIX):
        keys.append(intent_tag_key)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyTheRemediatorAndNamedPeopleWriteItsTags",
                "Effect": "Deny",
                # Tags given at creation (TagSpecifications) are authorised as ec2:CreateTags.
                "Action": ["ec2:CreateTags", "ec2:DeleteTags"],
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringLike": {"aws:TagKeys": keys},
                    "ArnNotLike": {"aws:PrincipalArn": [REMEDIATOR_ROLES, *writers]},
                },
            }
        ],
    }


def render(writers: list[str], intent_tag_key: str = f"{TAG_PREFIX}intent") -> str:
    text = json.dumps(policy(writers, intent_tag_key), indent=2) + "\n"
    if len(text) > SCP_LIMIT:
        raise ValueError(f"the policy has {len(text)} characters; AWS takes {SCP_LIMIT} at most")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.scp", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--writer",
        action="append",
        default=[],
        help="an IAM role or user ARN (wildcards allowed) that may write the tags (repeatable)",
    )
    parser.add_argument("--intent-tag-key", default=f"{TAG_PREFIX}intent")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(render(args.writer, args.intent_tag_key))
    except ValueError as exc:
        print(f"deploy.scp: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
