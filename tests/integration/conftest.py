"""moto (in-process) fixtures: a region with a topic, a subscribed queue, and a call recorder."""

from __future__ import annotations

import functools
import io
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from local_aws.context import FakeContext
from local_aws.emulator import complete_default_vpc, create_memory_table, drain, subscribed_topic
from local_aws.template import Resolver, load_template
from moto import mock_aws

from tests.aws_behaviour import AwsBehaviour
from tests.conftest import ACCOUNT, REGION, fake_context, load_event
from tests.iam import authorizations, function_statements, is_allowed
from vpc_remediator.aws.clients import clients_for
from vpc_remediator.lambdas import runtime
from vpc_remediator.observability import logger

READ_PREFIXES = ("Describe", "Get", "List")
OWN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator-VpcChangesFunctionRole"


@dataclass
class CallLog:
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # (handler module, service, operation, params, tags of the resources it names at the time)
    by_function: list[tuple[str, str, str, dict[str, Any], dict[str, dict[str, str]]]] = field(
        default_factory=list
    )
    function: str | None = None
    tags_of: Any = None  # resource id -> its tags, read with a client of the test's own

    def record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        call = (model.service_model.service_name, model.name, params)
        self.calls.append(call)
        if self.function:
            named = [
                v
                for value in params.values()
                for v in (value if isinstance(value, list) else [value])
                if isinstance(v, str) and v.startswith("rtb-")
            ]
            tags = {r: self.tags_of(r) for r in named} if self.tags_of else {}
            self.by_function.append((self.function, *call, tags))

    @property
    def names(self) -> list[str]:
        return [name for _, name, _ in self.calls]

    @property
    def writes(self) -> list[str]:
        return [
            name
            for service, name, _ in self.calls
            if service == "ec2" and not name.startswith(READ_PREFIXES)
        ]

    @property
    def describes(self) -> list[str]:
        return [n for n in self.names if n.startswith("Describe")]

    def clear(self) -> None:
        self.calls.clear()


@dataclass
class Aws:
    ec2: Any  # a client of the test's own, for set-up and checks (not recorded)
    sqs: Any
    topic_arn: str
    queue_url: str
    log: CallLog
    context: FakeContext = field(default_factory=fake_context)
    logs: io.StringIO = field(default_factory=io.StringIO)  # the Powertools log lines
    last_event: dict[str, Any] = field(default_factory=dict)  # the last one invoked

    def notices(self) -> list[dict[str, Any]]:
        """Every message the subscribed queue received so far (drained)."""
        return drain(self.sqs, self.queue_url)

    def invoke(
        self, handler: Any, event_name: str, *, event_id: str | None = None, **ids: str
    ) -> dict[str, Any]:
        """The handler on a sample event: a new API call, or `event_id`'s redelivered."""
        self.log.function = handler.__name__
        self.last_event = load_event(event_name, event_id=event_id, **ids)
        try:
            result: dict[str, Any] = handler.lambda_handler(self.last_event, self.context)
        finally:
            self.log.function = None
        return result

    def skypilot_says_public(self, subnet_id: str) -> bool:
        """SkyPilot's rule, written independently of the remediator's code."""
        vpc_id = self.ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["VpcId"]
        tables = self.ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
        )["RouteTables"]
        if not tables:
            tables = self.ec2.describe_route_tables(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "association.main", "Values": ["true"]},
                ]
            )["RouteTables"]
        return any(
            (r.get("GatewayId") or "").startswith("igw-") for t in tables for r in t["Routes"]
        )

    def give_the_default_vpc_its_gateway(self) -> str:
        """What AWS's default VPC has and moto's lacks: an attached gateway and a default route."""
        vpc_id = complete_default_vpc(self.ec2)
        assert vpc_id is not None
        return vpc_id

    def like_aws(self, **settings: Any) -> AwsBehaviour:
        """Make the handlers' EC2 client see what AWS returns where moto differs
        (tests/aws_behaviour.py); `settings` set its state (owners, gone targets, ...)."""
        behaviour = AwsBehaviour(self.ec2, **settings)
        behaviour.attach(clients_for(REGION).ec2)
        return behaviour

    def maps_public_ip(self, subnet_id: str) -> bool:
        subnet = self.ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
        return bool(subnet["MapPublicIpOnLaunch"])


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    clients_for.cache_clear()
    runtime.settings.cache_clear()
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic_arn, queue_url = subscribed_topic(sns, sqs, "vpc-remediator-notices")
        memory_table = create_memory_table(boto3.client("dynamodb", region_name=REGION))
        monkeypatch.setenv("VPCR_TOPIC_ARN", topic_arn)
        monkeypatch.setenv("VPCR_MEMORY_TABLE", memory_table)
        monkeypatch.setenv("VPCR_OWN_ROLE_ARNS", OWN_ROLE)
        # Each event reconciled at once; tests/integration/test_settle.py settles.
        monkeypatch.setenv("VPCR_SETTLE_SECONDS", "0")
        own_ec2 = boto3.client("ec2", region_name=REGION)

        def tags_of(resource_id: str) -> dict[str, str]:
            found = own_ec2.describe_tags(
                Filters=[{"Name": "resource-id", "Values": [resource_id]}]
            )
            return {t["Key"]: t["Value"] for t in found["Tags"]}

        log = CallLog(tags_of=tags_of)
        # Every client the handlers' session builds records its calls: registered on the
        # session, so that no client is built before a handler asks for it.
        clients_for(REGION)._session.events.register("before-parameter-build", log.record)
        logs = io.StringIO()
        handler = logging.StreamHandler(logs)
        handler.setFormatter(logger.registered_formatter)
        logger.addHandler(handler)
        try:
            yield Aws(own_ec2, sqs, topic_arn, queue_url, log, logs=logs)
        finally:
            logging.getLogger(logger.name).removeHandler(handler)  # Powertools' own logger
        # Every call a handler made must be allowed by that function's policy in template.yaml,
        # with the template parameters this test's settings stand for.
        assert_calls_allowed(log.by_function, topic_arn)
        # Notices and logs carry no credentials (the sample events hold a fake access key id).
        published = [json.dumps(p) for _, name, p in log.calls if name == "Publish"]
        assert_no_secrets([logs.getvalue(), *published])
    clients_for.cache_clear()
    runtime.settings.cache_clear()


SECRETS = re.compile(
    r"(AKIA|ASIA)[A-Z0-9]{16}|secret_?access_?key|session_?token|x-amz-security-token",
    re.IGNORECASE,
)


def assert_no_secrets(outputs: list[str]) -> None:
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    for text in outputs:
        found = SECRETS.search(text)
        assert found is None, (
            f"a credential in the output: ...{text[max(found.start() - 60, 0) : found.end() + 20]}..."
        )
        assert not secret or f'"{secret}"' not in text


@functools.cache
def _template() -> dict[str, Any]:
    """template.yaml, parsed once per process (read, never changed, by the checks below)."""
    return load_template()


def assert_calls_allowed(
    calls: list[tuple[str, str, str, dict[str, Any], dict[str, dict[str, str]]]], topic_arn: str
) -> None:
    template = _template()
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    parameters = {
        value["Ref"]: os.environ[name]
        for name, value in variables.items()
        if isinstance(value, dict) and "Ref" in value and name in os.environ
    }
    resolver = Resolver(template, parameters, REGION, ACCOUNT, refs={"NoticeTopic": topic_arn})
    by_module = {
        r["Properties"]["Handler"].rpartition(".")[0]: name
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }
    refused = []
    checks: list[tuple[str, str, dict[str, str]]]
    for module, service, operation, params, tags in calls:
        statements = function_statements(resolver, by_module[module])
        if service == "sns":
            checks = [(f"sns:{operation}", params["TopicArn"], {})]
        elif service == "dynamodb":
            checks = [(f"dynamodb:{operation}", "MemoryTable.Arn", {})]
        elif service == "cloudtrail":
            checks = [(f"cloudtrail:{operation}", "*", {})]
        elif service == "securityhub":
            product = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
            hub = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"
            on = product if operation == "BatchImportFindings" else hub
            checks = [(f"securityhub:{operation}", on, {})]
        elif service == "events":
            checks = [
                (
                    f"events:{operation}",
                    f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{e['EventBusName']}",
                    {},
                )
                for e in params["Entries"]
            ]
        elif service == "sqs":
            queue = "ChangesQueue" if "changes" in params["QueueUrl"] else "DeadLetterQueue"
            checks = [(f"sqs:{operation}", f"{queue}.Arn", {})]
        else:

            def resource_tags(
                resource_id: str, tags: dict[str, dict[str, str]] = tags
            ) -> dict[str, str]:
                return {f"aws:ResourceTag/{k}": v for k, v in tags.get(resource_id, {}).items()}

            checks = authorizations(
                operation, params, region=REGION, account=ACCOUNT, resource_tags=resource_tags
            )
        refused += [
            (by_module[module], *check) for check in checks if not is_allowed(statements, *check)
        ]
    assert not refused, f"calls template.yaml does not allow: {refused}"


def configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """Change settings for one test (the handlers read them once per process)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runtime.settings.cache_clear()
