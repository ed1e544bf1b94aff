"""Who made a change, from CloudTrail's own fields (docs/design.md sections 2 and 4).

Auto intent finishes what a person left half done in the console or at the command line; what
infrastructure-as-code, an AWS service or other automation makes is theirs to finish, and is
changed only on explicit intent. One table of markers decides, first match wins; a sample event
for each caller is in events/ (CreateSubnet-<caller>.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .text import ident


class CallerKind(StrEnum):
    CONSOLE = "console"  # a person in the AWS Management Console
    CLI = "cli"  # a person at the AWS CLI, or an SDK session of a person (IAM user, SSO)
    IAC = "iac"  # CloudFormation (and CDK, eksctl through it), Terraform, OpenTofu, ...
    AWS_SERVICE = "aws-service"  # a service acting on its own or on someone's behalf
    AUTOMATION = "automation"  # any other program: a Lambda function, a pipeline, a script
    UNKNOWN = "unknown"  # no event, and CloudTrail's history did not say


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    tool: str = ""  # what the markers recognised: "Terraform", "AWS CLI", ...
    principal: str = ""  # the ARN CloudTrail names

    @property
    def described(self) -> str:
        who = self.tool or str(self.kind)
        return f"{who} ({ident(self.principal)})" if self.principal else who


UNKNOWN_CALLER = Caller(CallerKind.UNKNOWN)


@dataclass(frozen=True)
class CallerFields:
    """The CloudTrail fields the markers read (detail.*)."""

    user_agent: str = ""
    invoked_by: str = ""  # userIdentity.invokedBy
    identity_type: str = ""  # userIdentity.type: IAMUser, AssumedRole, AWSService, Root, ...
    principal: str = ""  # userIdentity.arn
    issuer: str = ""  # userIdentity.sessionContext.sessionIssuer.arn
    from_console: bool = False  # sessionCredentialFromConsole


# (kind, tool, field, marker): the field's value, lower-cased, contains the marker. Order
# matters: tools built on the Terraform AWS provider name it in their user agent too, so they
# come before Terraform; what CloudFormation runs is CloudFormation's, whoever started it.
# AWS services are known by the fields AWS sets (invokedBy, the identity's type, the role an
# AWS solution deploys), never by a user agent or a session name, which any caller chooses.
# A user agent still names a tool (Terraform, the console): a convenience that only decides
# whose work auto intent finishes (AutoIntentFrom), not a security boundary.
MARKERS: tuple[tuple[CallerKind, str, str, str], ...] = (
    (CallerKind.IAC, "CloudFormation", "invoked_by", "cloudformation.amazonaws.com"),
    (CallerKind.IAC, "AWS CDK", "user_agent", "aws-cdk/"),
    (CallerKind.IAC, "eksctl", "user_agent", "eksctl/"),
    (CallerKind.IAC, "AWS Controllers for Kubernetes", "user_agent", "aws-controllers-k8s"),
    (CallerKind.IAC, "Crossplane", "user_agent", "crossplane"),
    (CallerKind.IAC, "Crossplane", "user_agent", "upbound/provider-aws"),
    (CallerKind.IAC, "Pulumi", "user_agent", "pulumi"),
    (CallerKind.IAC, "OpenTofu", "user_agent", "opentofu"),
    (CallerKind.IAC, "Terraform", "user_agent", "terraform"),
    # Security tools that remediate (their runbooks call EC2 with an SDK or through SSM).
    (CallerKind.AWS_SERVICE, "Security Hub automated response", "issuer", "so0111"),
    (CallerKind.AWS_SERVICE, "Security Hub automated response", "principal", "so0111"),
    (CallerKind.AWS_SERVICE, "AWS Config remediation", "issuer", "awsconfigremediation"),
    (CallerKind.AWS_SERVICE, "AWS Config remediation", "principal", "awsconfigremediation"),
    (CallerKind.AWS_SERVICE, "AWS Config remediation", "invoked_by", "config.amazonaws.com"),
    (CallerKind.CONSOLE, "AWS Management Console", "from_console", "true"),
    (CallerKind.CONSOLE, "AWS Management Console", "user_agent", "console.ec2.amazonaws.com"),
    (CallerKind.CONSOLE, "AWS Management Console", "user_agent", "console.amazonaws.com"),
    (CallerKind.CLI, "AWS CLI", "user_agent", "aws-cli/"),
    (CallerKind.AWS_SERVICE, "AWS service", "identity_type", "awsservice"),
    (CallerKind.AWS_SERVICE, "AWS service", "invoked_by", ".amazonaws.com"),
)
# An SDK (boto3, the AWS SDKs) is a person's when the identity is one: an IAM user, the root
# user, or an IAM Identity Center (SSO) role; otherwise it is a program's.
_SDKS = ("boto3/", "botocore/", "aws-sdk-", "aws-sdk/", "aws-powershell")
_PERSON_IDENTITIES = ("iamuser", "root")
_PERSON_ROLES = ("awsreservedsso_",)
# The notice's advice on having such a resource finished (issue 10: tag intent in its code).
FINISH_ADVICE = {
    CallerKind.IAC: "tag it {key}=public in that tool's code (or finish its routing there)",
    CallerKind.AWS_SERVICE: "tag it {key}=public if it is meant to be public",
    CallerKind.AUTOMATION: "tag it {key}=public if it is meant to be public",
    CallerKind.UNKNOWN: "tag it {key}=public if it is meant to be public",
}


# What to do in a tool that undoes the remediator's changes so that it leaves a resource alone
# (by the tool's name in the markers above).
EXEMPTION = {
    "Security Hub automated response": (
        "to keep it public, exempt it in Security Hub: suppress control EC2.15's finding for "
        "this subnet, or turn off the automated response for EC2.15"
    ),
    "AWS Config remediation": (
        "to keep the route, exempt the route table in the AWS Config rule "
        "no-unrestricted-route-to-igw (its routeTableIds parameter lists the tables allowed a "
        "route to an internet gateway), or turn off the rule's automatic remediation"
    ),
}


def _role_of(arn: str) -> str:
    """An assumed role's ARN without its session name (which the caller chooses)."""
    head, sep, rest = arn.partition(":assumed-role/")
    return f"{head}{sep}{rest.split('/', 1)[0]}" if sep else arn


def _value(fields: CallerFields, name: str) -> str:
    value = getattr(fields, name)
    if name == "principal":
        value = _role_of(str(value))
    return ("true" if value else "") if isinstance(value, bool) else str(value).lower()


def classify(fields: CallerFields) -> Caller:
    for kind, tool, field, marker in MARKERS:
        if marker in _value(fields, field):
            return Caller(kind, tool, fields.principal)
    agent = fields.user_agent.lower()
    if any(sdk in agent for sdk in _SDKS):
        person = fields.identity_type.lower() in _PERSON_IDENTITIES or any(
            role in (fields.issuer + _role_of(fields.principal)).lower() for role in _PERSON_ROLES
        )
        kind = CallerKind.CLI if person else CallerKind.AUTOMATION
        return Caller(kind, "an AWS SDK", fields.principal)
    if not any((agent, fields.invoked_by, fields.identity_type, fields.principal)):
        return Caller(CallerKind.UNKNOWN, "", fields.principal)
    return Caller(CallerKind.AUTOMATION, "", fields.principal)


def iac_owner(tags: Mapping[str, str], extra_keys: frozenset[str]) -> str:
    """The tool that owns a resource by its tags: a CloudFormation stack (and what runs
    through it), or a tag key a setting names (a Terraform `default_tags`, say); "" if none."""
    stack = tags.get("aws:cloudformation:stack-name")
    if stack:
        return f"the CloudFormation stack {stack}"
    if any(k.startswith("aws:cloudformation:") for k in tags):
        return "CloudFormation"
    owned = sorted(k for k in tags if k in extra_keys)
    return f"the tool that sets the tag {owned[0]}" if owned else ""
