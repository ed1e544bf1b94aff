"""boto3 clients, built lazily on first use and reused while the Lambda stays warm.

botocore's standard retry mode does the waiting on throttling and transient errors.
`AWS_ENDPOINT_URL` (read by botocore itself) points every client at an emulator.
"""

from __future__ import annotations

import os
import threading
from functools import cache, cached_property
from typing import TYPE_CHECKING

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_securityhub import SecurityHubClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="vpc-remediator",
)


@cache
def _models() -> botocore.loaders.Loader:
    """botocore's service models, loaded and parsed once per process: every session shares
    them (each would otherwise parse EC2's again, a tenth of a second or more)."""
    return botocore.loaders.create_loader()


def new_session(region: str | None = None, **credentials: str) -> boto3.session.Session:
    """A boto3 session (the standard credential chain, or the credentials given) that shares
    the process's parsed service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _models())
    return boto3.session.Session(region_name=region, botocore_session=core, **credentials)


# boto3 sessions are not thread-safe: an organisation run builds its clients in many threads.
_BUILDING = threading.Lock()


class AwsClients:
    def __init__(self, region: str, session: boto3.session.Session | None = None) -> None:
        self.region = region
        self._session = session or new_session(region)
        self._elsewhere: dict[str, AwsClients] = {}

    def in_region(self, region: str) -> AwsClients:
        """Clients with the same credentials in another region (a central topic's, say),
        kept for reuse like these."""
        if region == self.region:
            return self
        if region not in self._elsewhere:
            self._elsewhere[region] = AwsClients(region, self._session)
        return self._elsewhere[region]

    @cached_property
    def ec2(self) -> EC2Client:
        with _BUILDING:
            return self._session.client("ec2", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def sns(self) -> SNSClient:
        with _BUILDING:
            return self._session.client("sns", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def sqs(self) -> SQSClient:
        with _BUILDING:
            return self._session.client("sqs", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        with _BUILDING:
            return self._session.client("dynamodb", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def cloudtrail(self) -> CloudTrailClient:
        # One retry: the calls are paced within LookupEvents' rate, and a maker not found now
        # is asked again by the next reconcile.
        config = CLIENT_CONFIG.merge(Config(retries={"mode": "standard", "max_attempts": 2}))
        with _BUILDING:
            return self._session.client("cloudtrail", region_name=self.region, config=config)

    @cached_property
    def cloudformation(self) -> CloudFormationClient:
        with _BUILDING:
            return self._session.client(
                "cloudformation", region_name=self.region, config=CLIENT_CONFIG
            )

    @cached_property
    def events(self) -> EventBridgeClient:
        with _BUILDING:
            return self._session.client("events", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def securityhub(self) -> SecurityHubClient:
        with _BUILDING:
            return self._session.client(
                "securityhub", region_name=self.region, config=CLIENT_CONFIG
            )

    @cached_property
    def sts(self) -> STSClient:
        with _BUILDING:
            return self._session.client("sts", region_name=self.region, config=CLIENT_CONFIG)

    @cached_property
    def account(self) -> str:
        """The caller's account (GetCallerIdentity needs no permission). The Lambdas take it
        from their context instead, so only the command line pays for this call."""
        return self.sts.get_caller_identity()["Account"]

    def caller_arn(self) -> str:
        """Who the caller is (the command line's journal says who made a change)."""
        return self.sts.get_caller_identity()["Arn"]


@cache
def clients_for(region: str) -> AwsClients:
    """One set of clients per region for the life of the process (warm invocations reuse it)."""
    return AwsClients(region)


def default_region() -> str:
    """The region of the standard chain (AWS_REGION, AWS_DEFAULT_REGION, the profile)."""
    region = os.environ.get("AWS_REGION") or new_session().region_name
    if not region:
        raise ValueError("no region: pass --region or set AWS_REGION")
    return region


def check_profile(profile: str) -> None:
    """ValueError unless the AWS profile exists."""
    from botocore.exceptions import ProfileNotFound

    try:
        boto3.session.Session(profile_name=profile)
    except ProfileNotFound:
        raise ValueError(
            f"no AWS profile {profile!r} (see `aws configure list-profiles`)"
        ) from None


@cache
def known_regions() -> frozenset[str]:
    """Regions botocore knows for EC2, without a network call."""
    session = new_session()
    return frozenset(
        r
        for partition in session.get_available_partitions()
        for r in session.get_available_regions("ec2", partition_name=partition)
    )


def enabled_regions(region: str) -> list[str]:
    """Every region enabled for the account (one DescribeRegions call)."""
    response = clients_for(region).ec2.describe_regions(AllRegions=False)
    return sorted(r["RegionName"] for r in response["Regions"])


def one_line(exc: BaseException) -> str:
    """An AWS error as one line a person can act on."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        message = str(error.get("Message") or "").strip().splitlines()
        said = f"{error.get('Code')}: {message[0] if message else ''}".rstrip(": ")
        return f"AWS refused {exc.operation_name}: {said}"
    if isinstance(exc, BotoCoreError):
        return f"AWS call failed: {exc}".splitlines()[0]
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def person_message(exc: BaseException) -> str | None:
    """A one-line message for the AWS errors a person at a terminal can act on (None: not an
    AWS error)."""
    from botocore.exceptions import NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found (set AWS_PROFILE or run `aws configure`)"
    if isinstance(exc, ClientError | BotoCoreError):
        return one_line(exc)
    return None


RECORD_OUTPUT = "MemoryTableName"  # template.yaml's output naming the memory table


def record_table_of(clients: AwsClients, stack: str) -> str:
    """The memory table of a vpc-remediator stack in this region, from its outputs."""
    stacks = clients.cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stacks[0].get("Outputs", [])}
    if not outputs.get(RECORD_OUTPUT):
        raise ValueError(
            f"the stack {stack} in {clients.region} has no {RECORD_OUTPUT} output: "
            "is it vpc-remediator's (of this version or later)?"
        )
    return outputs[RECORD_OUTPUT]
