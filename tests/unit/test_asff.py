"""What Security Hub is told (domain/asff.py), as a table: a finding that needs a person is
imported when it appears or its words change, never again while it stands; once gone it is
PASSED, or ARCHIVED with its resource or its VPC; a change is an informational PASSED finding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.builders import VPC, subnet, vpc_snapshot
from vpc_remediator.domain import asff
from vpc_remediator.domain.findings import Finding, FindingCode, Severity
from vpc_remediator.domain.outcomes import Report
from vpc_remediator.domain.plan import Plan
from vpc_remediator.domain.policy import Mode

S1 = "subnet-00000000000000001"
NOW = "2026-12-03T10:00:00.000Z"
ID = f"vpc-remediator/eu-south-1/{S1}/owned-by-tool"


def report(*findings: Finding, subnets: tuple[str, ...] = (S1,)) -> Report:
    return Report(
        "eu-south-1",
        Mode.REMEDIATE,
        VPC,
        (Plan(Mode.REMEDIATE, VPC, findings=findings),),
        account="123456789012",
        snapshot=vpc_snapshot(*(subnet(s) for s in subnets)),
    )


def owned(message: str = "owned by a stack") -> Finding:
    return Finding(FindingCode.OWNED_BY_TOOL, S1, message, Severity.WARNING, needs_person=True)


def told(
    *reports: Report, before: Mapping[str, Mapping[str, Any]] | None = None, **kw: Any
) -> asff.Imports:
    return asff.imports(
        reports, [], before or {}, account="123456789012", region="eu-south-1", now=NOW, **kw
    )


def test_a_new_finding_is_imported_failed_with_what_asff_requires() -> None:
    (finding,) = told(report(owned())).findings
    required = {
        "AwsAccountId",
        "CreatedAt",
        "Description",
        "GeneratorId",
        "Id",
        "ProductArn",
        "Resources",
        "SchemaVersion",
        "Severity",
        "Title",
        "Types",
        "UpdatedAt",
    }
    assert required <= set(finding)
    assert finding["Id"] == ID and finding["Compliance"] == {"Status": "FAILED"}
    assert finding["Severity"] == {"Label": "MEDIUM"}
    assert finding["FindingProviderFields"]["Severity"] == {"Label": "MEDIUM"}
    assert finding["Resources"][0] == {
        "Type": "AwsEc2Subnet",
        "Id": f"arn:aws:ec2:eu-south-1:123456789012:subnet/{S1}",
        "Region": "eu-south-1",
        "Partition": "aws",
    }


def test_a_finding_that_stands_is_not_imported_again_and_one_whose_words_change_is() -> None:
    first = told(report(owned()))
    assert told(report(owned()), before=first.remembered).findings == ()
    (again,) = told(report(owned("owned by another stack")), before=first.remembered).findings
    assert again["CreatedAt"] == NOW and again["Id"] == ID


def test_a_finding_gone_is_passed_or_archived_with_its_resource_or_its_vpc() -> None:
    first = told(report(owned()))
    (resolved,) = told(report(), before=first.remembered).findings
    assert resolved["Compliance"] == {"Status": "PASSED"} and resolved["RecordState"] == "ACTIVE"
    (gone,) = told(report(subnets=()), before=first.remembered).findings
    assert gone["RecordState"] == "ARCHIVED"
    (vpc_gone,) = told(before=first.remembered, listed=frozenset({"vpc-other"})).findings
    assert vpc_gone["Id"] == ID and vpc_gone["RecordState"] == "ARCHIVED"
    assert told(before=first.remembered, listed=frozenset({"vpc-other"})).remembered == {VPC: {}}


def test_findings_that_need_no_person_are_not_security_hubs_business() -> None:
    quiet = Finding(FindingCode.UNDECIDED_SUBNET, S1, "left alone", Severity.INFO)
    assert told(report(quiet)).findings == ()
