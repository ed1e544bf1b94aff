"""The StackSet template deployed to an organisation through moto's CloudFormation StackSets
(service-managed, targets by OU, a parameter override for an audit-only OU), and what each
member account and region then has.

moto differs from CloudFormation in two ways that matter here, both named where they are
handled:
- `!If [cond, x, !Ref AWS::NoValue]` inside a list: CloudFormation drops the element; moto
  leaves a null in the list, and its IAM then refuses the policy ("Syntax errors in policy").
  The test makes moto's template parser drop it, as CloudFormation does.
- Resource types moto's CloudFormation cannot create are skipped with a warning; the test
  names them (MOTO_CANNOT_CREATE), so that a new moto that creates them shows up here.
Automatic deployment to accounts that join an OU later is not emulated by moto (it creates
instances only on CreateStackInstances); it is AWS's behaviour, documented, not tested here.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import moto.cloudformation.parsing as cfn_parsing
import pytest
from deploy import stackset
from local_aws.template import load_template
from moto import mock_aws

from tests.template.test_stackset import artifact  # noqa: F401 - the fixture
from tests.template.test_template import lint

REGIONS = ["eu-south-1", "us-west-2"]
CENTRAL = "arn:aws:sns:us-east-1:123456789012:org-vpc-remediator-notices"
MOTO_CANNOT_CREATE = {
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::Lambda::EventInvokeConfig",
}


@pytest.fixture
def no_value_dropped_from_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """CloudFormation: AWS::NoValue in a list removes the element; moto leaves None."""
    original = cfn_parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        cleaned = original(resource_json, resources_map)
        if isinstance(resource_json, list):
            return [v for v in cleaned if v is not None]
        return cleaned

    monkeypatch.setattr(cfn_parsing, "clean_json", clean_json)


@pytest.fixture
def organization(
    artifact: Path,  # noqa: F811 - the fixture
    tmp_path: Path,
    no_value_dropped_from_lists: None,
) -> Iterator[dict[str, Any]]:
    with mock_aws():
        for region in REGIONS:
            boto3.client("s3", region_name=region).create_bucket(
                Bucket=f"org-artifacts-{region}",
                CreateBucketConfiguration={"LocationConstraint": region},
            )
        assert (
            stackset.main(
                [
                    "--bucket",
                    "org-artifacts-${AWS::Region}",
                    "--regions",
                    *REGIONS,
                    "--artifact",
                    str(artifact),
                    "--out",
                    str(tmp_path / "stackset"),
                ]
            )
            == 0
        )
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ous: dict[str, list[str]] = {}
        for ou_name, members in (("workloads", 2), ("sandbox", 1)):
            ou = org.create_organizational_unit(ParentId=root, Name=ou_name)["OrganizationalUnit"]
            ous[ou["Id"]] = []
            for n in range(members):
                account = org.create_account(
                    Email=f"{ou_name}-{n}@example.com", AccountName=f"{ou_name}-{n}"
                )["CreateAccountStatus"]["AccountId"]
                org.move_account(
                    AccountId=account, SourceParentId=root, DestinationParentId=ou["Id"]
                )
                ous[ou["Id"]].append(account)
        workloads, sandbox = list(ous)
        template = (tmp_path / "stackset" / "template.yaml").read_text()
        yield {
            "template": json.loads(template),
            "body": template,
            "workloads": (workloads, ous[workloads]),
            "sandbox": (sandbox, ous[sandbox]),
        }


def member(account: str, service: str, region: str) -> Any:
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/AWSCloudFormationStackSetExecutionRole",
        RoleSessionName="check",
    )["Credentials"]
    # boto3-stubs types a client by its service's literal name; this helper takes any name.
    return boto3.client(  # type: ignore[call-overload]
        service,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_a_service_managed_stackset_gives_every_account_and_region_the_remediator(
    organization: dict[str, Any],
) -> None:
    cfn = boto3.client("cloudformation", region_name="eu-south-1")
    cfn.create_stack_set(
        StackSetName="vpc-remediator",
        TemplateBody=organization["body"],
        PermissionModel="SERVICE_MANAGED",
        AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": "CentralNoticeTopicArn", "ParameterValue": CENTRAL}],
    )
    workloads, watched = organization["workloads"], organization["sandbox"]
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        cfn.create_stack_instances(
            StackSetName="vpc-remediator",
            DeploymentTargets={"OrganizationalUnitIds": [workloads[0]]},
            Regions=REGIONS,
        )
        cfn.create_stack_instances(
            StackSetName="vpc-remediator",
            DeploymentTargets={"OrganizationalUnitIds": [watched[0]]},
            Regions=REGIONS,
            ParameterOverrides=[
                {"ParameterKey": "CentralNoticeTopicArn", "ParameterValue": CENTRAL},
                {"ParameterKey": "Mode", "ParameterValue": "audit"},
            ],
        )
    instances = cfn.list_stack_instances(StackSetName="vpc-remediator")["Summaries"]
    accounts = workloads[1] + watched[1]
    assert sorted((i["Account"], i["Region"]) for i in instances) == sorted(
        (a, r) for a in accounts for r in REGIONS
    )

    # What moto cannot create, named: everything else in the template is created.
    skipped = {
        str(w.message).split("Tried to parse ")[1].split(" but")[0]
        for w in said
        if "Tried to parse" in str(w.message)
    }
    assert skipped == MOTO_CANNOT_CREATE
    wanted = {r["Type"] for r in organization["template"]["Resources"].values()}
    assert wanted >= MOTO_CANNOT_CREATE

    for account in accounts:
        mode = "audit" if account in watched[1] else "remediate"
        for region in REGIONS:
            functions = member(account, "lambda", region).list_functions()["Functions"]
            assert len(functions) == 3, (account, region)
            for function in functions:
                variables = function["Environment"]["Variables"]
                assert variables["VPCR_MODE"] == mode
                assert variables["VPCR_CENTRAL_TOPIC_ARN"] == CENTRAL
                assert f":{account}:" in variables["VPCR_TOPIC_ARN"]
                assert f":{region}:" in variables["VPCR_TOPIC_ARN"]
            rules = member(account, "events", region).list_rules()["Rules"]
            assert len(rules) >= 3, (account, region)
            queues = member(account, "sqs", region).list_queues()["QueueUrls"]
            assert len(queues) == 2
            assert member(account, "dynamodb", region).list_tables()["TableNames"]
            # Each account's policy lets its functions copy notices to the central topic.
            iam = member(account, "iam", region)
            documents = [
                iam.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])[
                    "PolicyVersion"
                ]["Document"]
                for p in iam.list_policies(Scope="Local")["Policies"]
            ]
            text = json.dumps(documents)
            assert CENTRAL in text
            assert "null" not in text


CENTRAL_TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "central-topic.yaml"


def test_the_central_topic_template_lints_deploys_and_feeds_the_stackset_parameter() -> None:
    assert lint(CENTRAL_TEMPLATE).returncode == 0
    template = load_template(CENTRAL_TEMPLATE)
    statements = template["Resources"]["NoticeTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    publish = next(s for s in statements if s["Sid"] == "OrganisationPublishes")
    assert publish["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}
    }
    key_statements = template["Resources"]["NoticeKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= set(
        next(s for s in key_statements if s["Sid"] == "OrganisationEncryptsNotices")["Action"]
    )
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # moto cannot create the topic policy (named above)
            cfn.create_stack(
                StackName="vpc-remediator-central",
                TemplateBody=CENTRAL_TEMPLATE.read_text(),
                Parameters=[{"ParameterKey": "OrganizationId", "ParameterValue": "o-exampleorgid"}],
            )
        outputs = {
            o["OutputKey"]: o["OutputValue"]
            for o in cfn.describe_stacks(StackName="vpc-remediator-central")["Stacks"][0]["Outputs"]
        }
    stackset_parameters = load_template()["Parameters"]
    for name in ("CentralNoticeTopicArn", "CentralNoticeKeyArn"):
        assert re.fullmatch(stackset_parameters[name]["AllowedPattern"], outputs[name]), name
