"""An AWS Organization on a moto server (in this process's thread), for the tests and the bench.

Member accounts are reached the way the command line reaches them: STS AssumeRole into a role
of the account (moto binds the credentials to the account in the role's ARN). moto issues
credentials for any role; AWS refuses AssumeRole with AccessDenied when the role does not exist
or its trust policy does not allow the caller. `RoleTrust` stands in for that refusal, on the
server side, so that a command line in another process sees it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from moto.core.exceptions import ServiceException

MANAGEMENT = "123456789012"  # moto's default account: the caller, and the management account
SEED_ROLE = "seed-admin"  # the tests' own way in (not the one the command line assumes)


class AccessDenied(ServiceException):
    code = "AccessDenied"


@dataclass
class Organization:
    url: str
    members: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _loader: Any = None

    def session(self, account: str, region: str = "eu-south-1") -> boto3.session.Session:
        """A session in the account (the caller's own for the management account), sharing
        one loader of the service models."""
        if self._loader is None:
            self._loader = botocore.session.get_session().get_component("data_loader")
        core = botocore.session.get_session()
        core.register_component("data_loader", self._loader)
        keys: dict[str, Any] = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        if account != MANAGEMENT:
            sts = boto3.client("sts", region_name=region, endpoint_url=self.url, **keys)
            credentials = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{SEED_ROLE}", RoleSessionName="seed"
            )["Credentials"]
            keys = {
                "aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"],
            }
        return boto3.session.Session(region_name=region, botocore_session=core, **keys)

    def ec2(self, account: str, region: str = "eu-south-1") -> Any:
        """A client of the account in the region (kept: its credentials do not expire here)."""
        if (account, region) not in self._clients:
            session = self.session(account, region)
            self._clients[(account, region)] = session.client("ec2", endpoint_url=self.url)
        return self._clients[(account, region)]


def build_organization(url: str, members: int, suspended: int = 0) -> Organization:
    """An organisation of the management account, `members` ACTIVE accounts and `suspended`
    closed ones (Organizations lists them SUSPENDED)."""
    client = boto3.client(
        "organizations",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_organization(FeatureSet="ALL")
    org = Organization(url)
    for n in range(members + suspended):
        created = client.create_account(Email=f"member-{n}@example.com", AccountName=f"member-{n}")
        account = created["CreateAccountStatus"]["AccountId"]
        if n < members:
            org.members.append(account)
        else:
            client.close_account(AccountId=account)
            org.suspended.append(account)
    return org


def seed_story(ec2: Any, zone: str = "eu-south-1a", name: str = "") -> dict[str, str]:
    """The seed's half-done VPC: a subnet, an attached gateway, no route."""
    tags = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}] if name else []
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tags)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=zone)["Subnet"][
        "SubnetId"
    ]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return {"vpc": vpc, "subnet": subnet, "igw": igw}


@contextmanager
def calls_made(round_trip: float = 0.0) -> Iterator[list[tuple[str, str, str, str]]]:
    """Every AWS call this process makes: (service, operation, region, access key id), each
    first waiting `round_trip` seconds (a network's latency, which moto on loopback lacks)."""
    import time

    import botocore.client

    made: list[tuple[str, str, str, str]] = []
    original = getattr(botocore.client.BaseClient, "_make_api_call")  # noqa: B009 - private

    def counted(self: Any, operation: str, params: Any) -> Any:
        key = self._request_signer._credentials.access_key
        made.append((self.meta.service_model.service_name, operation, self.meta.region_name, key))
        if round_trip:
            time.sleep(round_trip)
        return original(self, operation, params)

    setattr(botocore.client.BaseClient, "_make_api_call", counted)  # noqa: B010 - private
    try:
        yield made
    finally:
        setattr(botocore.client.BaseClient, "_make_api_call", original)  # noqa: B010


@contextmanager
def role_trust(refused_accounts: set[str], role_name: str) -> Iterator[list[str]]:
    """AWS: AssumeRole into a role that does not exist, or whose trust policy does not name the
    caller, answers AccessDenied ("User: ... is not authorized to perform: sts:AssumeRole on
    resource: ..."). moto assumes any role; here the server refuses `role_name` in the
    accounts given. Yields the role ARNs refused, as they are refused."""
    from moto.sts.models import STSBackend

    original = STSBackend.assume_role
    refused: list[str] = []

    def assume_role(self: STSBackend, **kwargs: Any) -> Any:
        arn = kwargs["role_arn"]
        account = arn.split(":")[4]
        if account in refused_accounts and arn.endswith(f":role/{role_name}"):
            refused.append(arn)
            raise AccessDenied(
                f"User: arn:aws:iam::{MANAGEMENT}:user/platform is not authorized to perform: "
                f"sts:AssumeRole on resource: {arn}"
            )
        return original(self, **kwargs)

    # moto's backends are patched in place, as moto's own tests do; its types do not allow it.
    STSBackend.assume_role = assume_role  # type: ignore[method-assign,assignment]
    try:
        yield refused
    finally:
        STSBackend.assume_role = original  # type: ignore[method-assign]  # as above


@contextmanager
def organizations_like_aws() -> Iterator[None]:
    """AWS: ListAccounts from an account that is in no organisation answers
    AWSOrganizationsNotInUseException; moto answers an empty list."""
    from moto.organizations.exceptions import AWSOrganizationsNotInUseException
    from moto.organizations.models import OrganizationsBackend

    original = OrganizationsBackend.list_accounts

    def list_accounts(self: OrganizationsBackend, *args: Any, **kwargs: Any) -> Any:
        if self.org is None:
            raise AWSOrganizationsNotInUseException
        return original(self, *args, **kwargs)

    # As above: the organisation's accounts as the test wants them.
    OrganizationsBackend.list_accounts = list_accounts  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        OrganizationsBackend.list_accounts = original  # type: ignore[method-assign]  # as above


# A stack with the record the command line finds by --stack (its MemoryTableName output).
RECORD_STACK = {
    "Resources": {
        "MemoryTable": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
            },
        }
    },
    "Outputs": {"MemoryTableName": {"Value": {"Ref": "MemoryTable"}}},
}
