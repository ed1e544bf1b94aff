"""The organisation's accounts (Organizations ListAccounts) and a session in each (STS
AssumeRole, once per account, reused across its regions). The caller's own account uses the
caller's own credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ..domain.organization import AccountUnreachable, MemberAccount, partition_of, role_arn
from .clients import CLIENT_CONFIG, AwsClients, new_session, one_line

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient
    from mypy_boto3_sts import STSClient

SESSION_NAME = "vpc-remediator"
# Long enough for a run over many accounts and regions; a fix that waits for a person longer
# than this assumes the role again before it applies (`fresh`).
ROLE_SECONDS = 3600
FRESH_FOR = timedelta(minutes=15)


@dataclass
class AccountSession:
    account: str
    session: boto3.session.Session
    expires: datetime | None = None  # None: the caller's own credentials

    def fresh(self, now: datetime) -> bool:
        return self.expires is None or self.expires - now > FRESH_FOR


class Organization:
    """Reads the organisation with the caller's session; assumes a role into its members."""

    def __init__(self, session: boto3.session.Session, region: str) -> None:
        self._session = session
        self._region = region
        self._sts: STSClient = session.client("sts", region_name=region, config=CLIENT_CONFIG)
        self._identity: dict[str, Any] | None = None

    def _caller(self) -> dict[str, Any]:
        if self._identity is None:
            self._identity = dict(self._sts.get_caller_identity())
        return self._identity

    @property
    def session(self) -> boto3.session.Session:
        """The caller's own session."""
        return self._session

    @property
    def caller_account(self) -> str:
        return str(self._caller()["Account"])

    @property
    def partition(self) -> str:
        return partition_of(str(self._caller()["Arn"]))

    def accounts(self) -> list[MemberAccount]:
        """Every account of the organisation (from its management account or a delegated
        administrator), whatever its status."""
        client: OrganizationsClient = self._session.client(
            "organizations", region_name=self._region, config=CLIENT_CONFIG
        )
        return [
            MemberAccount.listed(a)
            for page in client.get_paginator("list_accounts").paginate()
            for a in page["Accounts"]
        ]

    def session_in(self, account: str, role_name: str) -> AccountSession:
        """A session in the account: the caller's own, or the role's (AssumeRole, once)."""
        if account == self.caller_account:
            return AccountSession(account, self._session)
        arn = role_arn(self.partition, account, role_name)
        try:
            credentials = self._sts.assume_role(
                RoleArn=arn, RoleSessionName=SESSION_NAME, DurationSeconds=ROLE_SECONDS
            )["Credentials"]
        except (ClientError, BotoCoreError) as exc:
            raise AccountUnreachable(f"cannot assume {arn}: {one_line(exc)}") from None
        # new_session shares the parsed service models: each session would otherwise load
        # them again (a quarter of a second for EC2's, per account).
        session = new_session(
            self._region,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        expires = credentials.get("Expiration")
        return AccountSession(account, session, expires or datetime.now(UTC) + timedelta(hours=1))

    def enabled_regions(self, account: AccountSession | None, region: str) -> list[str]:
        """The regions enabled for an account (None: the caller's), one DescribeRegions
        call."""
        session = account.session if account is not None else self._session
        ec2 = AwsClients(region, session).ec2
        return sorted(r["RegionName"] for r in ec2.describe_regions(AllRegions=False)["Regions"])
