"""boto3 clients, built lazily on first use and reused while the Lambda stays warm.

botocore's standard retry mode does the waiting on throttling and transient errors.
`AWS_ENDPOINT_URL` (read by botocore itself) points every client at an emulator.
"""

from __future__ import annotations

import os
from functools import cache, cached_property
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="vpc-remediator",
)


class AwsClients:
    def __init__(self, region: str, session: boto3.session.Session | None = None) -> None:
        self.region = region
        self._session = session or boto3.session.Session(region_name=region)

    @cached_property
    def ec2(self) -> EC2Client:
        return self._session.client("ec2", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def sns(self) -> SNSClient:
        return self._session.client("sns", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def sqs(self) -> SQSClient:
        return self._session.client("sqs", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        return self._session.client("dynamodb", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def cloudtrail(self) -> CloudTrailClient:
        # One retry: the calls are paced within LookupEvents' rate, and a maker not found now
        # is asked again by the next reconcile.
        config = CLIENT_CONFIG.merge(Config(retries={"mode": "standard", "max_attempts": 2}))
        return self._session.client("cloudtrail", region_name=self.region, config=config)

    @cached_property
    def sts(self) -> STSClient:
        return self._session.client("sts", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def account(self) -> str:
        """The caller's account (GetCallerIdentity needs no permission). The Lambdas take it
        from their context instead, so only the command line pays for this call."""
        return self.sts.get_caller_identity()["Account"]


@cache
def clients_for(region: str) -> AwsClients:
    """One set of clients per region for the life of the process (warm invocations reuse it)."""
    return AwsClients(region)


def default_region() -> str:
    """The region of the standard chain (AWS_REGION, AWS_DEFAULT_REGION, the profile)."""
    region = os.environ.get("AWS_REGION") or boto3.session.Session().region_name
    if not region:
        raise ValueError("no region: pass --region or set AWS_REGION")
    return region


@cache
def known_regions() -> frozenset[str]:
    """Regions botocore knows for EC2, without a network call."""
    session = boto3.session.Session()
    return frozenset(
        r
        for partition in session.get_available_partitions()
        for r in session.get_available_regions("ec2", partition_name=partition)
    )


def enabled_regions(region: str) -> list[str]:
    """Every region enabled for the account (one DescribeRegions call)."""
    response = clients_for(region).ec2.describe_regions(AllRegions=False)
    return sorted(r["RegionName"] for r in response["Regions"])
