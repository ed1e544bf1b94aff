"""Who made a change, from each sample event's own CloudTrail fields (domain/provenance.py)."""

from __future__ import annotations

import pytest

from tests.builders import subnet, vpc_snapshot
from tests.conftest import EVENT_IDS, load_event
from vpc_remediator.domain.findings import FindingCode
from vpc_remediator.domain.planner import plan_vpc
from vpc_remediator.domain.policy import AutoScope, Policy
from vpc_remediator.domain.provenance import CallerFields, CallerKind, classify, iac_owner
from vpc_remediator.domain.triggers import HANDLED_EVENTS, Trigger, trigger_for
from vpc_remediator.lambdas.intake import parse_api_call

SAMPLES = {
    "CreateSubnet": (CallerKind.CONSOLE, "AWS Management Console"),
    "CreateSubnet-cli": (CallerKind.CLI, "AWS CLI"),
    "CreateSubnet-sdk-person": (CallerKind.CLI, "an AWS SDK"),
    "CreateSubnet-terraform": (CallerKind.IAC, "Terraform"),
    "CreateSubnet-opentofu": (CallerKind.IAC, "OpenTofu"),
    "CreateSubnet-pulumi": (CallerKind.IAC, "Pulumi"),
    "CreateSubnet-crossplane": (CallerKind.IAC, "Crossplane"),
    "CreateSubnet-ack": (CallerKind.IAC, "AWS Controllers for Kubernetes"),
    "CreateSubnet-cloudformation": (CallerKind.IAC, "CloudFormation"),
    "CreateSubnet-cdk": (CallerKind.IAC, "CloudFormation"),
    "CreateSubnet-eksctl": (CallerKind.IAC, "CloudFormation"),
    "CreateSubnet-aws-service": (CallerKind.AWS_SERVICE, "AWS service"),
    "CreateSubnet-automation": (CallerKind.AUTOMATION, "an AWS SDK"),
    "ModifySubnetAttribute-securityhub": (
        CallerKind.AWS_SERVICE,
        "Security Hub automated response",
    ),
    "DeleteRoute-config": (CallerKind.AWS_SERVICE, "AWS Config remediation"),
}


@pytest.mark.parametrize(("name", "expected"), sorted(SAMPLES.items()))
def test_each_sample_event_names_its_caller(name: str, expected: tuple[CallerKind, str]) -> None:
    caller = parse_api_call(load_event(name)).caller
    assert (caller.kind, caller.tool) == expected
    assert caller.principal or caller.kind is CallerKind.AWS_SERVICE


def test_an_event_with_nothing_to_go_on_is_unknown() -> None:
    assert classify(CallerFields()).kind is CallerKind.UNKNOWN
    # Something, but no marker: a program.
    assert classify(CallerFields(user_agent="curl/8.5")).kind is CallerKind.AUTOMATION


@pytest.mark.parametrize(
    ("name", "auto"),
    [
        ("CreateSubnet", True),
        ("CreateSubnet-cli", True),
        ("CreateSubnet-terraform", False),
        ("CreateSubnet-cloudformation", False),
        ("CreateSubnet-automation", False),
    ],
)
def test_auto_intent_comes_only_with_the_callers_the_setting_names(name: str, auto: bool) -> None:
    decision = trigger_for(
        parse_api_call(load_event(name)),
        accepted=frozenset(HANDLED_EVENTS),
        own_role_arns=frozenset(),
    )
    assert isinstance(decision, Trigger)
    subnet_id = EVENT_IDS["subnet"]
    assert decision.auto.covers(subnet_id) is auto
    assert decision.auto.would_cover(subnet_id)
    assert bool(decision.auto.withheld) is not auto
    widened = trigger_for(
        parse_api_call(load_event(name)),
        accepted=frozenset(HANDLED_EVENTS),
        own_role_arns=frozenset(),
        auto_intent_from=frozenset(CallerKind),
    )
    assert isinstance(widened, Trigger) and widened.auto.covers(subnet_id)


def test_a_subnet_terraform_made_is_left_for_terraform_and_the_notice_says_how() -> None:
    decision = trigger_for(
        parse_api_call(load_event("CreateSubnet-terraform")),
        accepted=frozenset(HANDLED_EVENTS),
        own_role_arns=frozenset(),
    )
    assert isinstance(decision, Trigger)
    snap = vpc_snapshot(subnet(EVENT_IDS["subnet"]))
    plan = plan_vpc(snap, Policy(), decision.auto)
    assert plan.actions == ()
    (finding,) = plan.findings
    assert finding.code is FindingCode.OWNED_BY_TOOL and finding.needs_person
    assert "Terraform" in finding.message
    assert "vpc-remediator:intent=public in that tool's code" in finding.message


@pytest.mark.parametrize(
    ("tags", "owner"),
    [
        ({"aws:cloudformation:stack-name": "network"}, "the CloudFormation stack network"),
        ({"aws:cloudformation:logical-id": "PublicSubnet1"}, "CloudFormation"),
        ({"ManagedBy": "terraform"}, "the tool that sets the tag ManagedBy"),
        ({"Name": "web"}, ""),
    ],
)
def test_resources_a_tool_owns_by_their_tags(tags: dict[str, str], owner: str) -> None:
    assert iac_owner(tags, frozenset({"ManagedBy"})) == owner


def test_a_resource_tagged_by_a_stack_changes_only_on_explicit_intent() -> None:
    stack = {"aws:cloudformation:stack-name": "network"}
    snap = vpc_snapshot(subnet("subnet-00000000000000001", tags=stack))
    plan = plan_vpc(snap, Policy(), AutoScope.all())
    assert plan.actions == ()
    assert [f.code for f in plan.findings] == [FindingCode.OWNED_BY_TOOL]
    assert "the CloudFormation stack network" in plan.findings[0].message
    tagged = vpc_snapshot(
        subnet("subnet-00000000000000001", tags={**stack, "vpc-remediator:intent": "public"})
    )
    assert plan_vpc(tagged, Policy(), AutoScope.none()).actions != ()
    # The VPC's tags count too, and so do the tag keys a setting names.
    in_stack = vpc_snapshot(subnet("subnet-00000000000000001"), vpc_tags=stack)
    assert plan_vpc(in_stack, Policy(), AutoScope.all()).actions == ()
    terraform = vpc_snapshot(subnet("subnet-00000000000000001", tags={"ManagedBy": "tf"}))
    policy = Policy(iac_tag_keys=frozenset({"ManagedBy"}))
    assert plan_vpc(terraform, policy, AutoScope.all()).actions == ()
    assert plan_vpc(terraform, Policy(), AutoScope.all()).actions != ()


def test_no_subnet_is_moved_off_the_main_table_while_iac_builds_the_vpc() -> None:
    """Explicitly public, still on the main table, and the trigger is Terraform's: moving it
    would make Terraform's own association fail (Resource.AlreadyAssociated)."""
    from tests.builders import subnet, vpc_snapshot
    from vpc_remediator.domain.actions import AssociateRouteTable
    from vpc_remediator.domain.findings import FindingCode
    from vpc_remediator.domain.planner import plan_vpc
    from vpc_remediator.domain.policy import AutoScope, Policy
    from vpc_remediator.domain.settle import merged_scope

    snap = vpc_snapshot(
        subnet("subnet-00000000000000001", tags={"vpc-remediator:intent": "public"})
    )
    building = AutoScope(iac_building="Terraform (arn:aws:sts::1:assumed-role/tf/run)")
    held_back = plan_vpc(snap, Policy(), building)
    assert not any(isinstance(a, AssociateRouteTable) for a in held_back.actions)
    (finding,) = [f for f in held_back.findings if f.code is FindingCode.LEFT_TO_IAC]
    assert "while Terraform" in finding.message and not finding.needs_person
    # The sweep (no trigger) and a person's event do move it.
    assert any(
        isinstance(a, AssociateRouteTable)
        for a in plan_vpc(snap, Policy(), AutoScope.none()).actions
    )
    # A burst with one IaC event is still the tool's build.
    assert merged_scope([AutoScope.all(), building]).iac_building == building.iac_building


@pytest.mark.parametrize(
    ("fields", "not_tool"),
    [
        # A session name is the caller's to choose: it never names Security Hub's solution.
        (
            CallerFields(
                user_agent="Boto3/1.34.34 Botocore/1.34.34",
                identity_type="AssumedRole",
                principal="arn:aws:sts::123456789012:assumed-role/Developer/SO0111-remediation",
                issuer="arn:aws:iam::123456789012:role/Developer",
            ),
            "Security Hub automated response",
        ),
        (
            CallerFields(
                user_agent="aws-cli/2.15.0",
                identity_type="AssumedRole",
                principal="arn:aws:sts::123456789012:assumed-role/Dev/AWSConfigRemediation",
                issuer="arn:aws:iam::123456789012:role/Dev",
            ),
            "AWS Config remediation",
        ),
        # A user agent is the caller's too: only invokedBy (set by AWS) says CloudFormation.
        (
            CallerFields(
                user_agent="cloudformation.amazonaws.com",
                identity_type="AssumedRole",
                principal="arn:aws:sts::123456789012:assumed-role/Dev/s",
            ),
            "CloudFormation",
        ),
        (
            CallerFields(
                user_agent="config.amazonaws.com",
                identity_type="IAMUser",
                principal="arn:aws:iam::123456789012:user/mallory",
            ),
            "AWS Config remediation",
        ),
        # An SSO role's name makes a person of an SDK caller; a session name does not.
        (
            CallerFields(
                user_agent="Boto3/1.34.34",
                identity_type="AssumedRole",
                principal="arn:aws:sts::123456789012:assumed-role/ci-bot/AWSReservedSSO_x",
                issuer="arn:aws:iam::123456789012:role/ci-bot",
            ),
            "a person",
        ),
    ],
)
def test_text_a_caller_chooses_never_names_an_aws_service_or_a_person(
    fields: CallerFields, not_tool: str
) -> None:
    caller = classify(fields)
    assert caller.tool != not_tool
    assert caller.kind is not CallerKind.AWS_SERVICE
    if not_tool == "a person":
        assert caller.kind is CallerKind.AUTOMATION
