"""What the launchers beyond SkyPilot, Ray and dstack need read, through the Lambda handler.

- An Elastic Fabric Adapter interface in a subnet (an EFA instance's: ParallelCluster's or
  HyperPod's queue, Karpenter's or SkyPilot's EFA node) keeps its public-IP mapping off, with
  a finding that says why; moto lists every interface as `interface`, so the handler's client
  sees the type as AWS lists it (tests/aws_behaviour `interface_types`).
- DNS attributes and interface endpoints are read only where a launcher that matters needs
  them: its tags on a subnet, or the settings naming it (two DescribeVpcAttribute per VPC and
  one DescribeVpcEndpoints); otherwise the read is the seven calls it was.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import Aws, configure
from tests.integration.test_story import (
    delete_default_vpc,
    new_gateway,
    new_subnet,
    new_vpc,
    published_texts,
)
from tests.launch_expectations import entry
from vpc_remediator.lambdas.handlers import vpc_changes


def public_vpc(aws: Aws) -> dict[str, str]:
    """A VPC with a gateway and a subnet tagged public, no route yet."""
    delete_default_vpc(aws)
    ids = {"vpc": new_vpc(aws, "hpc")}
    ids["subnet"] = new_subnet(aws, ids["vpc"], name="hpc-queue")
    aws.ec2.create_tags(
        Resources=[ids["subnet"]], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    ids["igw"] = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["vpc"])
    return ids


def test_a_subnet_with_an_efa_interface_is_routed_but_never_maps_public_ips(aws: Aws) -> None:
    ids = public_vpc(aws)
    eni = aws.ec2.create_network_interface(SubnetId=ids["subnet"], InterfaceType="efa")
    behaviour = aws.like_aws(interface_types={eni["NetworkInterface"]["NetworkInterfaceId"]: "efa"})
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert "DescribeNetworkInterfaces" in behaviour.answered
    assert aws.skypilot_says_public(ids["subnet"])  # routed as its tag says
    assert not aws.maps_public_ip(ids["subnet"])  # never public IPs: an EFA instance's subnet
    (notice,) = aws.notices()
    document = json.loads(notice["Message"])
    assert "SetMapPublicIpOnLaunch" not in [a["type"] for a in document["actions"]]
    (finding,) = [f for f in document["findings"] if f["code"] == "multi-nic-no-public-ips"]
    assert "an Elastic Fabric Adapter interface is in it" in finding["message"]
    assert "private with NAT" in finding["message"]
    # ParallelCluster's multi-NIC queue is offered only in private mode.
    queue = entry(document["readiness"], "parallelcluster", config={"multi_nic": "true"})
    assert not queue["ready"] and "single network interface" in queue["reason"]
    # An EFA interface is a launcher's resource present: the notice says the queue's line.
    (text,) = published_texts(aws)
    assert "  ParallelCluster, multi-NIC queue: not ready; private queue: " in text


def test_the_same_subnet_without_an_efa_interface_maps_public_ips(aws: Aws) -> None:
    """The control: only the interface's type differs (an ordinary interface stays so)."""
    ids = public_vpc(aws)
    aws.ec2.create_network_interface(SubnetId=ids["subnet"])
    aws.like_aws()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert aws.maps_public_ip(ids["subnet"])


def test_vpc_facts_are_read_only_where_a_launcher_that_matters_needs_them(aws: Aws) -> None:
    ids = public_vpc(aws)
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert "DescribeVpcAttribute" not in aws.log.names
    document = json.loads(aws.notices()[0]["Message"])
    assert all(e["launcher"] != "eks" or "DNS" not in e["reason"] for e in document["readiness"])

    # An EKS cluster's tag on a subnet: its rules need the VPC's DNS and endpoints.
    aws.ec2.create_tags(
        Resources=[ids["subnet"]], Tags=[{"Key": "kubernetes.io/cluster/prod", "Value": "shared"}]
    )
    aws.log.clear()
    aws.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    attributes = [p["Attribute"] for _, n, p in aws.log.calls if n == "DescribeVpcAttribute"]
    assert sorted(attributes) == ["enableDnsHostnames", "enableDnsSupport"]
    endpoints = [p for _, n, p in aws.log.calls if n == "DescribeVpcEndpoints"]
    assert [
        f["Values"] for p in endpoints for f in p["Filters"] if f["Name"] == "vpc-endpoint-type"
    ] == [["Interface"]]


def test_the_settings_naming_a_launcher_read_its_facts(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, VPCR_LAUNCHERS="skypilot,eks")
    ids = public_vpc(aws)
    second = new_subnet(aws, ids["vpc"], "10.0.2.0/24", name="hpc-b", zone="eu-south-1b")
    aws.ec2.create_tags(
        Resources=[second], Tags=[{"Key": "vpc-remediator:intent", "Value": "public"}]
    )
    aws.log.clear()
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    # Two per read: the read that plans and the read that verifies what was applied.
    assert aws.log.names.count("DescribeVpcAttribute") == 2 * aws.log.names.count("DescribeVpcs")
    assert aws.log.names.count("DescribeVpcs") == 2
    (notice,) = aws.notices()
    (text,) = published_texts(aws)
    # The notice speaks for SkyPilot and EKS (named), not for Ray or dstack (not named here).
    assert "  EKS: " in text and "  SkyPilot: " in text
    assert "  Ray: " not in text and "AWS Batch" not in text.split("Details")[0]
    # CreateVpc leaves DNS hostnames off: EKS's nodes would never register, and it says so.
    eks = entry(json.loads(notice["Message"])["readiness"], "eks")
    assert not eks["ready"] and "DNS hostnames (enableDnsHostnames) off" in eks["reason"]
    assert "--enable-dns-hostnames" in eks["advice"]


def test_role_tags_for_the_load_balancer_controller_are_opt_in(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = public_vpc(aws)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    tags = aws.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids["subnet"]]}])
    assert "kubernetes.io/role/elb" not in {t["Key"] for t in tags["Tags"]}  # off by default
    aws.notices()

    configure(monkeypatch, VPCR_TAG_LOAD_BALANCER_SUBNETS="true")
    aws.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    tags = aws.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids["subnet"]]}])
    assert {t["Key"]: t["Value"] for t in tags["Tags"]}["kubernetes.io/role/elb"] == "1"
    (text,) = published_texts(aws)[-1:]
    assert "tagged kubernetes.io/role/elb=1 for the AWS Load Balancer Controller" in text
    # Once one subnet of the VPC has the tag, nothing more is added, and nothing is said.
    aws.log.clear()
    aws.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    assert "CreateTags" not in aws.log.names


def test_a_vpc_attribute_that_cannot_be_read_is_unknown_never_a_failed_reconcile(
    aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A VPC deleted between DescribeVpcs and DescribeVpcAttribute (AWS answers
    InvalidVpcID.NotFound), or a shared VPC's attributes: only the readiness wanted them."""
    from botocore.exceptions import ClientError

    from vpc_remediator.aws.clients import clients_for

    configure(monkeypatch, VPCR_LAUNCHERS="eks")
    ids = public_vpc(aws)

    def gone(**_: object) -> None:
        raise ClientError(
            {"Error": {"Code": "InvalidVpcID.NotFound", "Message": "gone"}}, "DescribeVpcAttribute"
        )

    clients_for("eu-south-1").ec2.meta.events.register("before-call.ec2.DescribeVpcAttribute", gone)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert aws.maps_public_ip(ids["subnet"])  # fixed all the same
    (notice,) = aws.notices()
    eks = entry(json.loads(notice["Message"])["readiness"], "eks")
    assert "DNS" not in eks["reason"]  # not read: never said to be off
