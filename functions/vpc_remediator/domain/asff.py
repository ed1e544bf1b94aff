"""Findings where security teams look: Security Hub CSPM, in the AWS Security Finding Format.

With `SecurityHubFindings=true` each finding that needs a person, and each change made, is
imported (`BatchImportFindings`, the account's default product ARN):

- a finding has one stable id per resource and code (`vpc-remediator/<region>/<resource>/
  <code>`): imported when it appears or its words change, never again while it stands;
- once it is gone it is imported again with `Compliance.Status` PASSED (resolved), or with
  `RecordState` ARCHIVED where its resource is gone;
- a change is one informational finding, PASSED (the remediator fixed something), by its
  journal id.

What was imported is remembered per VPC (the memory's `securityhub` records), so that each
reconcile imports only what is new, changed, resolved or gone. Pure: `imports()` decides; the
adapter (aws/outlets.py) sends. The required attributes and limits are those of the ASFF
documentation (asff-required-attributes) and the botocore model, which validates every
finding before it is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .findings import Finding, Severity, finding_line
from .intent import Intent, IntentSource
from .outcomes import Report
from .text import ascii_line

KIND = "securityhub"  # the memory's kind: what was imported, per VPC
SCHEMA_VERSION = "2018-10-08"
GENERATOR = "vpc-remediator"
TYPES = ("Software and Configuration Checks/AWS Security Best Practices/Network Reachability",)
FINDINGS_PER_CALL = 100  # BatchImportFindings takes at most 100 findings a call
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 1024

_LABEL = {Severity.ERROR: "HIGH", Severity.WARNING: "MEDIUM", Severity.INFO: "LOW"}
_TYPE = {
    "subnet": "AwsEc2Subnet",
    "vpc": "AwsEc2Vpc",
    "rtb": "AwsEc2RouteTable",
    "igw": "AwsEc2InternetGateway",
}
_ARN_KIND = {"subnet": "subnet", "vpc": "vpc", "rtb": "route-table", "igw": "internet-gateway"}


def product_arn(region: str, account: str, partition: str = "aws") -> str:
    """The account's default product: the one a customer's own findings are imported under."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def _resource(resource: str, region: str, account: str, partition: str) -> dict[str, Any]:
    kind = resource.split("-", 1)[0]
    if kind in _ARN_KIND:
        rid = f"arn:{partition}:ec2:{region}:{account}:{_ARN_KIND[kind]}/{resource}"
        return {"Type": _TYPE[kind], "Id": rid, "Region": region, "Partition": partition}
    return {"Type": "Other", "Id": resource or region, "Region": region, "Partition": partition}


@dataclass(frozen=True)
class Imports:
    """What to import, and what to remember having imported (per VPC)."""

    findings: tuple[dict[str, Any], ...]
    remembered: Mapping[str, Mapping[str, Any]]  # vpc -> {id: {...}}


def imports(
    reports: Iterable[Report],
    changes: Iterable[Mapping[str, Any]],
    imported: Mapping[str, Mapping[str, Any]],
    *,
    account: str,
    region: str,
    now: str,
    partition: str = "aws",
    listed: frozenset[str] | None = None,
) -> Imports:
    """The findings to import for these reports and changes, given what was imported before
    (vpc -> {finding id: {"fingerprint", "created", "resource"}}). `listed`: the region's
    VPCs where all were read; what was imported for a VPC not among them is archived."""
    out: list[dict[str, Any]] = []
    remembered: dict[str, dict[str, Any]] = {}
    base = {"account": account, "region": region, "now": now, "partition": partition}
    for report in reports:
        vpc = report.scope
        if not vpc.startswith("vpc-"):
            continue
        before = dict(imported.get(vpc, {}))
        current: dict[str, Any] = {}
        for finding in report.findings:
            if not finding.needs_person:
                continue
            ident = f"vpc-remediator/{region}/{finding.resource_id or vpc}/{finding.code.value}"
            fingerprint = _fingerprint(finding)
            was = before.pop(ident, None)
            created = str(was["created"]) if was else now
            current[ident] = {
                "fingerprint": fingerprint,
                "created": created,
                "resource": finding.resource_id or vpc,
            }
            if was is None or was.get("fingerprint") != fingerprint:
                out.append(_failed(ident, finding, vpc, created, **base))
        live = _live(report)
        for ident, was in before.items():
            # Gone from the findings: resolved, or archived with its resource.
            gone = live is not None and str(was.get("resource")) not in live
            out.append(_closed(ident, was, vpc, archived=gone, **base))
        if current or imported.get(vpc):
            remembered[vpc] = current
    for vpc in sorted(set(imported) - set(listed)) if listed is not None else ():
        # The VPC is gone, and with it every resource its findings were about.
        out += [_closed(i, was, vpc, archived=True, **base) for i, was in imported[vpc].items()]
        remembered[vpc] = {}
    for change in changes:
        out.append(_change(change, **base))
    return Imports(tuple(out), remembered)


def _fingerprint(finding: Finding) -> str:
    said = f"{finding.severity}|{finding.message}"
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def _live(report: Report) -> frozenset[str] | None:
    """The VPC's resources as last read (None: not read)."""
    snap = report.snapshot
    if snap is None:
        return None
    return frozenset(
        {snap.vpc.id}
        | {s.id for s in snap.subnets}
        | {t.id for t in snap.route_tables}
        | {g.id for g in snap.internet_gateways}
    )


def _common(
    ident: str,
    *,
    title: str,
    description: str,
    resource: str,
    vpc: str,
    created: str,
    account: str,
    region: str,
    now: str,
    partition: str,
) -> dict[str, Any]:
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": ident,
        "ProductArn": product_arn(region, account, partition),
        "GeneratorId": GENERATOR,
        "AwsAccountId": account,
        "Types": list(TYPES),
        "CreatedAt": created,
        "UpdatedAt": now,
        "Title": ascii_line(title, TITLE_LIMIT),
        "Description": ascii_line(description, DESCRIPTION_LIMIT),
        "Resources": [_resource(resource, region, account, partition)],
        "ProductFields": {"vpc-remediator/vpc": vpc, "ProviderName": "vpc-remediator"},
        "Region": region,
    }


def _severity(label: str) -> dict[str, Any]:
    return {
        "Severity": {"Label": label},
        "FindingProviderFields": {
            "Severity": {"Label": label},
            "Types": list(TYPES),
        },
    }


def _failed(ident: str, finding: Finding, vpc: str, created: str, **base: str) -> dict[str, Any]:
    label = _LABEL[finding.severity]
    title = f"vpc-remediator: {finding.code.value} on {finding.resource_id or vpc}"
    return (
        _common(
            ident,
            title=title,
            description=finding_line(finding),
            resource=finding.resource_id or vpc,
            vpc=vpc,
            created=created,
            **base,
        )
        | _severity(label)
        | {"Compliance": {"Status": "FAILED"}, "RecordState": "ACTIVE"}
    )


def _closed(
    ident: str, was: Mapping[str, Any], vpc: str, *, archived: bool, **base: str
) -> dict[str, Any]:
    resource = str(was.get("resource", vpc))
    state = "gone" if archived else "resolved"
    return (
        _common(
            ident,
            title=f"vpc-remediator: {ident.rsplit('/', 1)[-1]} on {resource} is {state}",
            description=f"{resource}: what vpc-remediator found is {state}",
            resource=resource,
            vpc=vpc,
            created=str(was.get("created", base["now"])),
            **base,
        )
        | _severity("INFORMATIONAL")
        | {
            "Compliance": {"Status": "PASSED"},
            "RecordState": "ARCHIVED" if archived else "ACTIVE",
        }
    )


def _change(change: Mapping[str, Any], **base: str) -> dict[str, Any]:
    resource = str(change.get("resource", ""))
    ident = f"vpc-remediator/{base['region']}/{resource}/change/{change.get('id')}"
    return (
        _common(
            ident,
            title=f"vpc-remediator changed {resource}: {change.get('change')}",
            description=f"{change.get('summary')} (why: {change.get('why')})",
            resource=resource,
            vpc=str(change.get("vpc_id", "")),
            created=str(change.get("at", base["now"])),
            **base,
        )
        | _severity("INFORMATIONAL")
        | {"Compliance": {"Status": "PASSED"}, "RecordState": "ACTIVE"}
    )


def batches(findings: tuple[dict[str, Any], ...]) -> list[list[dict[str, Any]]]:
    return [
        list(findings[n : n + FINDINGS_PER_CALL])
        for n in range(0, len(findings), FINDINGS_PER_CALL)
    ]


# Security Hub's own control on the subnet's mapping: "EC2 subnets should not automatically
# assign public IP addresses". Automated Security Response remediates its findings unless
# they are suppressed.
EC2_15 = "EC2.15"
SUPPRESSED_KIND = "securityhub-suppressed"  # the memory's kind: EC2.15 findings it suppressed


def tagged_public(reports: Iterable[Report]) -> dict[str, str]:
    """Subnet -> the tag that makes it public on purpose, for the reports' VPCs: the subnet's
    own tag only. A tag on the VPC speaks for many subnets at once, and is not reason enough
    to quiet a security control on each of them."""
    return {
        i.subnet_id: i.reason
        for r in reports
        for p in r.plans
        for i in p.intents
        if i.source is IntentSource.SUBNET_TAG and i.intent is Intent.PUBLIC
    }


def subnet_arn(subnet: str, region: str, account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:ec2:{region}:{account}:subnet/{subnet}"


def ec2_15_filters(arns: Iterable[str]) -> dict[str, Any]:
    """GetFindings' filters: the active EC2.15 findings of these subnets not yet suppressed."""
    return {
        "ComplianceSecurityControlId": [{"Value": EC2_15, "Comparison": "EQUALS"}],
        "ResourceId": [{"Value": a, "Comparison": "EQUALS"} for a in sorted(arns)],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "WorkflowStatus": [
            {"Value": "NEW", "Comparison": "EQUALS"},
            {"Value": "NOTIFIED", "Comparison": "EQUALS"},
        ],
    }


def suppression_note(subnet: str, why: str) -> str:
    """Why the finding is suppressed, for the security team reading it (≤ 512 characters)."""
    return ascii_line(
        f"vpc-remediator: {subnet} is public on purpose ({why}); it maps public IPs because a "
        "person said so, and vpc-remediator keeps it so. Remove the intent tag to have it "
        "private again; this suppression is then lifted by hand.",
        512,
    )
