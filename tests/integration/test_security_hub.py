"""Findings where security teams look (issue 21): with SecurityHubFindings=true each finding
that needs a person, and each change made, is imported into Security Hub (on moto's), with a
stable id per resource and finding; imported once while it stands, PASSED when resolved,
ARCHIVED when its resource is gone. botocore's model validates every finding as it is sent
(the ASFF shape and its required attributes); a test validates them against it directly too."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest
from botocore.validate import ParamValidator

from tests.conftest import REGION
from tests.integration.conftest import Aws, configure
from tests.integration.test_story import new_gateway, new_subnet, new_vpc, replay_story
from vpc_remediator.lambdas.handlers import vpc_changes

KEY = "vpc-remediator:intent"


@pytest.fixture
def hub(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Any:
    client = boto3.client("securityhub", region_name=REGION)
    client.enable_security_hub()
    configure(monkeypatch, VPCR_SECURITY_HUB_FINDINGS="true")

    def findings() -> dict[str, dict[str, Any]]:
        return {f["Id"]: dict(f) for f in client.get_findings()["Findings"]}

    return findings


def imports(aws: Aws) -> int:
    return sum(1 for service, name, _ in aws.log.calls if name == "BatchImportFindings")


def tagged_public_without_gateway(aws: Aws) -> tuple[str, str]:
    vpc = new_vpc(aws, "no-gateway")
    subnet = new_subnet(aws, vpc, name="web-a")
    aws.ec2.create_tags(Resources=[subnet], Tags=[{"Key": KEY, "Value": "public"}])
    return vpc, subnet


def test_the_changes_made_are_imported_as_passed_findings(aws: Aws, hub: Any) -> None:
    ids = replay_story(aws)
    found = hub()
    changes = [f for f in found.values() if "/change/" in f["Id"]]
    assert len(changes) == 4
    for finding in changes:
        assert finding["Compliance"]["Status"] == "PASSED"
        assert finding["Severity"]["Label"] == "INFORMATIONAL"
        assert finding["ProductArn"] == (
            f"arn:aws:securityhub:{REGION}:123456789012:product/123456789012/default"
        )
        assert finding["AwsAccountId"] == "123456789012"
    subnet_arn = f"arn:aws:ec2:{REGION}:123456789012:subnet/{ids['subnet']}"
    assert any(r["Id"] == subnet_arn for f in changes for r in f["Resources"])


def test_a_finding_is_imported_once_then_passed_when_resolved(aws: Aws, hub: Any) -> None:
    vpc, subnet = tagged_public_without_gateway(aws)
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet)
    (finding,) = [f for f in hub().values() if "/change/" not in f["Id"]]
    # No gateway for an explicitly public subnet: the VPC's finding, for a person.
    assert finding["Id"] == f"vpc-remediator/{REGION}/{vpc}/no-internet-gateway"
    assert finding["Compliance"]["Status"] == "FAILED" and finding["RecordState"] == "ACTIVE"
    assert finding["Severity"]["Label"] in ("MEDIUM", "HIGH")
    created = finding["CreatedAt"]
    # The same finding again: not imported again.
    aws.log.clear()
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet, event_id="again")
    assert imports(aws) == 0
    # A person attaches a gateway: the remediator finishes the subnet, and the finding passes.
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    resolved = hub()[finding["Id"]]
    assert resolved["Compliance"]["Status"] == "PASSED"
    assert resolved["RecordState"] == "ACTIVE" and resolved["CreatedAt"] == created
    aws.notices()


def test_a_finding_whose_resource_is_gone_is_archived(
    aws: Aws, hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subnet a tool made (its tag says so) is the tool's to finish: a finding on the subnet,
    for a person; the subnet deleted, the finding is archived."""
    configure(monkeypatch, VPCR_IAC_TAG_KEYS="terraform-managed")
    vpc = new_vpc(aws, "tool-vpc")
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = new_subnet(aws, vpc, name="web-a")
    other = new_subnet(aws, vpc, "10.0.2.0/24", name="db-a")
    aws.ec2.create_tags(Resources=[subnet], Tags=[{"Key": "terraform-managed", "Value": "yes"}])
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    (finding,) = [f for f in hub().values() if "/change/" not in f["Id"]]
    assert finding["Id"] == f"vpc-remediator/{REGION}/{subnet}/owned-by-tool"
    aws.ec2.delete_subnet(SubnetId=subnet)
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=other, event_id="later")
    archived = hub()[finding["Id"]]
    assert archived["RecordState"] == "ARCHIVED"
    assert archived["Compliance"]["Status"] == "PASSED"
    aws.notices()


def test_every_finding_sent_is_valid_against_the_service_model(
    aws: Aws, hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.lambdas.handlers import sweep

    sent: list[dict[str, Any]] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        sent.extend(params["Findings"])

    clients_for(REGION).securityhub.meta.events.register(
        "before-parameter-build.securityhub.BatchImportFindings", keep
    )
    vpc, subnet = tagged_public_without_gateway(aws)
    replay_story(aws)
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet, event_id="again")
    aws.invoke(sweep, "ScheduledEvent")
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    assert shape is not None and sent
    report = ParamValidator().validate({"Findings": sent}, shape)
    assert not report.has_errors(), report.generate_report()
    assert all(len(f["Title"]) <= 256 and len(f["Description"]) <= 1024 for f in sent)
    aws.notices()


class Ec2_15:
    """Security Hub's EC2.15 findings as AWS keeps them, where moto cannot: GetFindings honours
    its filters (ResourceId, ComplianceSecurityControlId, WorkflowStatus, RecordState; moto's
    ignores them) and BatchUpdateFindings sets the workflow and the note (moto has none). Each
    hook answers the call as AWS would."""

    def __init__(self, *subnets: str) -> None:
        product = f"arn:aws:securityhub:{REGION}:123456789012:product/aws/securityhub"
        self.findings: dict[str, dict[str, Any]] = {
            f"ec2.15/{s}": {
                "Id": f"ec2.15/{s}",
                "ProductArn": product,
                "Compliance": {"SecurityControlId": "EC2.15", "Status": "FAILED"},
                "Resources": [{"Id": f"arn:aws:ec2:{REGION}:123456789012:subnet/{s}"}],
                "Workflow": {"Status": "NEW"},
                "RecordState": "ACTIVE",
            }
            for s in subnets
        }
        self.updates = 0

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.securityhub.GetFindings", self.get)
        client.meta.events.register("before-call.securityhub.BatchUpdateFindings", self.update)

    def get(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        import json

        from tests.aws_behaviour import _answer

        filters = json.loads(params["body"])["Filters"]

        def matches(finding: dict[str, Any]) -> bool:
            resources = {f["Value"] for f in filters["ResourceId"]}
            statuses = {f["Value"] for f in filters["WorkflowStatus"]}
            return (
                finding["Compliance"]["SecurityControlId"]
                == filters["ComplianceSecurityControlId"][0]["Value"]
                and any(r["Id"] in resources for r in finding["Resources"])
                and finding["Workflow"]["Status"] in statuses
                and finding["RecordState"] == filters["RecordState"][0]["Value"]
            )

        return _answer({"Findings": [f for f in self.findings.values() if matches(f)]})

    def update(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        import json

        from tests.aws_behaviour import _answer

        body = json.loads(params["body"])
        for ident in body["FindingIdentifiers"]:
            finding = self.findings[ident["Id"]]
            finding["Workflow"] = body["Workflow"]
            finding["Note"] = body["Note"]
        self.updates += 1
        return _answer({"ProcessedFindings": body["FindingIdentifiers"], "UnprocessedFindings": []})


def test_the_ec2_15_finding_of_a_subnet_public_on_purpose_is_suppressed_with_why(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpc_remediator.aws.clients import clients_for

    configure(monkeypatch, VPCR_COORDINATE_WITH_SECURITY_HUB="true")
    vpc = new_vpc(aws, "coordinated")
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    tagged = new_subnet(aws, vpc, name="web-a")
    untagged = new_subnet(aws, vpc, "10.0.2.0/24", name="web-b")
    aws.ec2.create_tags(Resources=[tagged], Tags=[{"Key": KEY, "Value": "public"}])
    # A VPC's tag speaks for many subnets: not reason enough to quiet a security control.
    by_vpc = new_vpc(aws, "tagged-vpc")
    aws.ec2.create_tags(Resources=[by_vpc], Tags=[{"Key": KEY, "Value": "public"}])
    vpc_igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=vpc_igw, VpcId=by_vpc)
    vpc_tagged = new_subnet(aws, by_vpc, name="any-a")
    hub = Ec2_15(tagged, untagged, vpc_tagged)
    hub.attach(clients_for(REGION).securityhub)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    suppressed = hub.findings[f"ec2.15/{tagged}"]
    assert suppressed["Workflow"] == {"Status": "SUPPRESSED"}
    assert f"{KEY}=public" in suppressed["Note"]["Text"] and tagged in suppressed["Note"]["Text"]
    assert suppressed["Note"]["UpdatedBy"] == "vpc-remediator"
    # Auto intent is not a person's say: its finding is Security Hub's to judge.
    assert hub.findings[f"ec2.15/{untagged}"]["Workflow"] == {"Status": "NEW"}
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=by_vpc, igw=vpc_igw, event_id="vpc")
    assert aws.maps_public_ip(vpc_tagged)  # made public, on the VPC's say
    assert hub.findings[f"ec2.15/{vpc_tagged}"]["Workflow"] == {"Status": "NEW"}
    # Suppressed once.
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=tagged, event_id="again")
    assert hub.updates == 1
    aws.notices()
