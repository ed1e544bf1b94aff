"""Changes and findings where other automation and security teams look, end to end on a moto
server (issue 21): the Lambda handlers put every change and the findings that are news on an
EventBridge bus (delivered by a rule to a queue, each detail valid against its JSON Schema),
and import into Security Hub the findings that need a person and the changes made: imported,
then resolved, on the server's Security Hub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.e2e.conftest import Deployment

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
KEY = "vpc-remediator:intent"


@pytest.fixture
def outlets(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from vpc_remediator.aws.clients import clients_for
    from vpc_remediator.lambdas import runtime

    emulator = deployment.emulator
    events, sqs = emulator.client("events"), emulator.client("sqs")
    events.create_event_bus(Name="platform")
    queue = sqs.create_queue(QueueName="bus-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="all", EventBusName="platform", EventPattern=json.dumps({"source": ["vpc-remediator"]})
    )
    events.put_targets(Rule="all", EventBusName="platform", Targets=[{"Id": "q", "Arn": arn}])
    emulator.client("securityhub").enable_security_hub()
    monkeypatch.setenv("VPCR_EVENT_BUS", "platform")
    monkeypatch.setenv("VPCR_SECURITY_HUB_FINDINGS", "true")
    runtime.settings.cache_clear()
    clients_for.cache_clear()
    return {"queue": queue, "sqs": sqs, "hub": emulator.client("securityhub")}


def on_the_bus(outlets: dict[str, Any]) -> list[dict[str, Any]]:
    sqs, queue = outlets["sqs"], outlets["queue"]
    got = []
    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        got += [json.loads(m["Body"]) for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_changes_and_findings_reach_the_bus_and_security_hub(
    deployment: Deployment, outlets: dict[str, Any]
) -> None:
    from vpc_remediator.lambdas.handlers import vpc_changes

    ec2 = deployment.emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="eu-south-1a")[
        "Subnet"
    ]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
    ec2.create_tags(Resources=[subnet], Tags=[{"Key": KEY, "Value": "public"}])
    # Explicitly public, and no gateway: a finding for a person, on the bus and in the hub.
    deployment.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet)
    first = on_the_bus(outlets)
    findings = [e for e in first if e["detail-type"] == "VPC Remediator Finding"]
    assert [e["detail"]["code"] for e in findings] == ["no-internet-gateway"]
    schema = json.loads((SCHEMAS / "finding-event.json").read_text())
    for event in findings:
        jsonschema.validate(event["detail"], schema)
    hub = {f["Id"]: f for f in outlets["hub"].get_findings()["Findings"]}
    ident = f"vpc-remediator/eu-south-1/{vpc}/no-internet-gateway"
    assert hub[ident]["Compliance"]["Status"] == "FAILED"
    # A person attaches a gateway: fixed; the changes on the bus; the finding resolved.
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    then = on_the_bus(outlets)
    changes = [e for e in then if e["detail-type"] == "VPC Remediator Change"]
    schema = json.loads((SCHEMAS / "change-event.json").read_text())
    assert {e["detail"]["change"] for e in changes} >= {"subnet-moved", "addressing-set"}
    for event in changes:
        jsonschema.validate(event["detail"], schema)
    hub = {f["Id"]: f for f in outlets["hub"].get_findings()["Findings"]}
    assert hub[ident]["Compliance"]["Status"] == "PASSED"
    assert sum("/change/" in i for i in hub) == len(changes)
    deployment.notices()
