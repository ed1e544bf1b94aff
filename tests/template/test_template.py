"""template.yaml, offline: lint, the SAM transform, rule patterns and least privilege."""

from __future__ import annotations

import copy
import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest
from deploy.stackset import NoManagedPolicies
from local_aws.template import TEMPLATE, Resolver, load_template
from moto.events.models import EventPattern
from samtranslator.translator.transform import transform

from tests.conftest import ACCOUNT, EVENTS_DIR, REGION
from tests.iam import as_list, function_statements, granted_actions, is_allowed, is_denied
from vpc_remediator.domain.actions import (
    OPTIONAL_ACTION_TYPES,
    REGION_ACTION_TYPES,
    VPC_ACTION_TYPES,
    declared_iam_actions,
)
from vpc_remediator.domain.triggers import HANDLED_EVENTS, RegionTarget, Trigger, trigger_for
from vpc_remediator.lambdas.intake import parse_api_call
from vpc_remediator.service.settings import Settings, SettingsError

POWERTOOLS_VARIABLES = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}
ALL_TRUE = {
    "CreateInternetGateway": "true",
    "RestoreDefaultVpc": "true",
    "SweepAppliesAutoIntent": "true",
}
UNSCOPED_READS = {"cloudtrail:LookupEvents"}
ALL_FALSE = {"CreateInternetGateway": "false", "RestoreDefaultVpc": "false"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def handler_module(props: dict[str, Any]) -> ModuleType:
    return importlib.import_module(props["Handler"].rpartition(".")[0])


@dataclass(frozen=True)
class Linted:
    """cfn-lint's verdict on one template, as its command line would give it."""

    returncode: int  # 0: no error, warning or informational finding
    stdout: str  # one line per finding
    stderr: str = ""


def lint(path: Path) -> Linted:
    """cfn-lint on one template, in this process: its rules and schemas load once per test
    process rather than once per template (as many seconds as the linting itself)."""
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(path, config=ManualArgs())
    return Linted(2 if matches else 0, "".join(f"{m}\n" for m in matches))


def test_the_linter_in_process_finds_what_its_command_line_would(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      VisibilityTimeout: soon\n      NoSuchProperty: 1\n"
    )
    result = lint(bad)
    assert result.returncode != 0
    assert "NoSuchProperty" in result.stdout and "soon" in result.stdout


def test_cfn_lint_reports_no_error_and_no_warning() -> None:
    result = lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("parameters", [ALL_TRUE, ALL_FALSE], ids=["allowed", "not-allowed"])
def test_the_sam_transform_runs_offline_and_its_output_lints(
    template: dict[str, Any], tmp_path: Path, parameters: dict[str, str]
) -> None:
    packaged = copy.deepcopy(template)
    # `sam package` swaps the local CodeUri for the uploaded artifact.
    packaged["Globals"]["Function"]["CodeUri"] = "s3://bucket/vpc-remediator.zip"

    out = transform(packaged, parameters, NoManagedPolicies())
    kinds = [r["Type"] for r in out["Resources"].values()]
    assert kinds.count("AWS::Lambda::Function") == 3
    # The VPC changes rule (to the queue), DeleteVpc's rule and the sweep's schedule.
    assert kinds.count("AWS::Events::Rule") == 3
    assert kinds.count("AWS::Lambda::EventInvokeConfig") == 2
    (mapping,) = [
        r for r in out["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert "AWS::Serverless::Function" not in kinds
    path = tmp_path / "transformed.json"
    path.write_text(json.dumps(out, default=str))
    result = lint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def _sample_events() -> dict[str, dict[str, Any]]:
    """The CloudTrail samples (the scheduled event is checked on its own)."""
    samples = {p.stem: json.loads(p.read_text()) for p in sorted(EVENTS_DIR.glob("*.json"))}
    return {k: v for k, v in samples.items() if v["detail-type"] == "AWS API Call via CloudTrail"}


def _rule_to_queue(template: dict[str, Any], queue: str) -> dict[str, Any]:
    """The one rule whose target is the queue."""
    (rule,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Events::Rule"
        and any(t["Arn"] == {"Fn::GetAtt": [queue, "Arn"]} for t in r["Properties"]["Targets"])
    ]
    return cast("dict[str, Any]", rule)


def _pattern_of(template: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The pattern of the rule that reaches a function: its own, or its queue's."""
    if event["Type"] == "EventBridgeRule":
        pattern: dict[str, Any] = event["Properties"]["Pattern"]
        return pattern
    assert event["Type"] == "SQS"
    queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
    queued: dict[str, Any] = _rule_to_queue(template, queue)["EventPattern"]
    return queued


def test_each_rule_matches_the_events_its_function_handles_and_no_other(
    template: dict[str, Any],
) -> None:
    samples = _sample_events()
    matched_by: dict[str, list[str]] = {name: [] for name in samples}
    for function, props in functions(template).items():
        module = handler_module(props)
        (event,) = props["Events"].values()
        if event["Type"] == "Schedule":
            continue
        pattern = EventPattern.load(json.dumps(_pattern_of(template, event)))
        for name, sample in samples.items():
            detail = sample["detail"]
            handles = detail["eventName"] in module.EVENT_NAMES and "errorCode" not in detail
            assert pattern.matches_event(cast("Any", sample)) == handles, (function, name)
            if handles:
                matched_by[name].append(function)
    assert matched_by["CreateSubnet-failed"] == []
    assert matched_by["CreateInternetGateway"] == []  # not a routing change by itself
    # Every handled event reaches exactly one function.
    for name in HANDLED_EVENTS:
        assert len(matched_by[name]) == 1, name


def _declared_for(module: ModuleType) -> frozenset[str]:
    if hasattr(module, "ACTION_TYPES"):
        return declared_iam_actions(module.ACTION_TYPES)
    types = set(VPC_ACTION_TYPES)
    for name in module.EVENT_NAMES:
        decision = trigger_for(
            parse_api_call(_sample_events()[name]),
            accepted=module.EVENT_NAMES,
            own_role_arns=frozenset(),
        )
        assert isinstance(decision, Trigger)
        if isinstance(decision.target, RegionTarget) and not decision.target.all_vpcs:
            types |= set(REGION_ACTION_TYPES)
    return declared_iam_actions(tuple(types))


def _mutating_ec2(actions: set[str]) -> set[str]:
    return {a for a in actions if a.startswith("ec2:") and not a.startswith("ec2:Describe")}


@pytest.mark.parametrize("parameters", [ALL_TRUE, ALL_FALSE], ids=["allowed", "not-allowed"])
def test_each_function_is_granted_exactly_the_mutating_actions_it_declares(
    template: dict[str, Any], parameters: dict[str, str]
) -> None:
    resolver = Resolver(template, parameters, REGION, ACCOUNT)
    optional = declared_iam_actions(OPTIONAL_ACTION_TYPES) - declared_iam_actions(
        tuple(t for t in VPC_ACTION_TYPES if t not in OPTIONAL_ACTION_TYPES)
    )
    for function, props in functions(template).items():
        declared = set(_declared_for(handler_module(props)))
        if parameters is ALL_FALSE:
            declared -= optional
        granted = _mutating_ec2(granted_actions(function_statements(resolver, function)))
        assert granted == declared, function


def test_only_the_region_level_functions_can_recreate_the_default_vpc(
    template: dict[str, Any],
) -> None:
    resolver = Resolver(template, ALL_TRUE, REGION, ACCOUNT)
    for function in functions(template):
        granted = granted_actions(function_statements(resolver, function))
        regional = function in ("DeleteVpcFunction", "SweepFunction")
        assert ("ec2:CreateDefaultVpc" in granted) == regional, function


def test_no_wildcard_action_and_no_wildcard_resource_on_a_scopable_mutation(
    template: dict[str, Any],
) -> None:
    resolver = Resolver(template, ALL_TRUE, REGION, ACCOUNT)
    unscopable = {"ec2:CreateDefaultVpc"}  # EC2 offers no resource type for it
    for function in functions(template):
        for statement in function_statements(resolver, function):
            if statement["Effect"] == "Deny":
                continue  # a Deny only ever narrows
            actions = as_list(statement["Action"])
            resources = as_list(statement["Resource"])
            assert all("*" not in a for a in actions), statement
            # Reads with no resource-level permission in their service.
            mutating = [
                a for a in actions if not a.startswith("ec2:Describe") and a not in UNSCOPED_READS
            ]
            if "*" in resources and mutating:
                assert set(mutating) <= unscopable, statement
                assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == REGION
            for resource in resources:
                if resource.startswith("arn:aws:ec2:"):
                    assert resource.startswith(f"arn:aws:ec2:{REGION}:{ACCOUNT}:"), resource
            if "ec2:CreateTags" in actions:
                assert "Condition" in statement, "CreateTags only on create or for its own tag"
            if any(a.startswith("sns:") for a in actions):
                assert resources == ["NoticeTopic"], statement


def test_every_function_has_a_log_group_an_on_failure_destination_and_powertools(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert set(variables) >= POWERTOOLS_VARIABLES
    for props in functions(template).values():
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        (event,) = props["Events"].values()
        if event["Type"] == "SQS":
            # Polled from a queue: what fails for good is redriven to the dead-letter queue,
            # and what EventBridge cannot deliver to the queue goes there too.
            source = resources[event["Properties"]["Queue"]["Fn::GetAtt"][0]]["Properties"]
            queue = source["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert source["RedrivePolicy"]["maxReceiveCount"] >= 5
            timeout = props.get("Timeout", template["Globals"]["Function"]["Timeout"])
            assert source["VisibilityTimeout"] >= 6 * timeout  # Lambda's advice for pollers
            assert source["SqsManagedSseEnabled"] is True
            assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
            rule = _rule_to_queue(template, event["Properties"]["Queue"]["Fn::GetAtt"][0])
            (target,) = rule["Targets"]
        else:
            on_failure = props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
            assert on_failure["Type"] == "SQS"
            queue = on_failure["Destination"]["Fn::GetAtt"][0]
            target = event["Properties"]
        assert resources[queue]["Properties"]["SqsManagedSseEnabled"] is True
        assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] == queue
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert "Environment" not in props or not POWERTOOLS_VARIABLES & set(
            props["Environment"]["Variables"]
        )


def test_the_dead_letter_queue_alarm_notifies_the_topic(template: dict[str, Any]) -> None:
    alarm = template["Resources"]["DeadLetterAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "NoticeTopic"}]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}
    topic = template["Resources"]["NoticeTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "NoticeKey"}


@pytest.mark.parametrize(("create", "present"), [("true", True), ("false", False)])
def test_the_trail_exists_only_when_asked_for_and_its_bucket_is_locked_down(
    template: dict[str, Any], create: str, present: bool
) -> None:
    resolver = Resolver(template, {"CreateTrail": create}, REGION, ACCOUNT)
    resources = template["Resources"]
    for name in ("Trail", "TrailBucket", "TrailBucketPolicy"):
        assert resolver.condition(resources[name]["Condition"]) is present
    bucket = resources["TrailBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["LifecycleConfiguration"]["Rules"][0]["Status"] == "Enabled"
    statements = resources["TrailBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    tls = next(s for s in statements if s["Sid"] == "TlsOnly")
    assert tls["Effect"] == "Deny" and tls["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    selectors = resources["Trail"]["Properties"]["EventSelectors"]
    assert selectors[0]["IncludeManagementEvents"] is True


def test_every_setting_is_a_parameter_with_a_description(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    for name in (
        "Mode",
        "RouteStrategy",
        "MapPublicIpOnLaunch",
        "CreateInternetGateway",
        "RestoreDefaultVpc",
        "IntentTagKey",
        "PrivateNameWords",
        "PublicNameWords",
        "AssignIpv6AddressOnCreation",
        "AutoIntentFrom",
        "IacTagKeys",
        "NotificationEmail",
        "SettleSeconds",
        "ReservedConcurrency",
        "LogRetentionDays",
        "CreateTrail",
        "CentralNoticeTopicArn",
        "CentralNoticeKeyArn",
    ):
        assert parameters[name]["Description"], name
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for variable in (
        "VPCR_MODE",
        "VPCR_ROUTE_STRATEGY",
        "VPCR_MAP_PUBLIC_IP",
        "VPCR_CREATE_INTERNET_GATEWAY",
        "VPCR_RESTORE_DEFAULT_VPC",
        "VPCR_INTENT_TAG_KEY",
        "VPCR_PRIVATE_NAME_WORDS",
        "VPCR_PUBLIC_NAME_WORDS",
        "VPCR_ASSIGN_IPV6_ON_CREATION",
        "VPCR_AUTO_INTENT_FROM",
        "VPCR_IAC_TAG_KEYS",
        "VPCR_TOPIC_ARN",
        "VPCR_OWN_ROLE_ARNS",
        "VPCR_CENTRAL_TOPIC_ARN",
    ):
        assert variable in variables, variable


@pytest.mark.usefixtures("logger_as_it_was")  # the command line quiets the service's logger
def test_every_template_parameter_is_a_flag_or_says_why_not(
    template: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """A person at the terminal can decide as the stack decides: each parameter behind a
    VPCR_* variable is a flag whose help names that variable; the others are listed, with why,
    in the command line's own list (and its --help)."""
    from vpc_remediator.cli import main as cli
    from vpc_remediator.cli.args import WITHOUT_A_FLAG

    def help_of(*argv: str) -> str:
        with pytest.raises(SystemExit):
            cli.main([*argv, "--help"])
        return " ".join(capsys.readouterr().out.split())

    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    behind = {v["Ref"]: k for k, v in variables.items() if isinstance(v, dict) and "Ref" in v}
    flat = help_of("audit")
    for name in template["Parameters"]:
        if name in WITHOUT_A_FLAG:
            continue
        assert name in behind, f"{name}: no VPCR_* variable and not in WITHOUT_A_FLAG"
        assert f"${behind[name]}" in flat, f"{name}: no flag names ${behind[name]}"
    assert set(WITHOUT_A_FLAG) <= set(template["Parameters"])  # the list holds no stale name
    top = help_of()
    assert all(name in top for name in WITHOUT_A_FLAG)


def test_outputs_name_what_an_operator_needs(template: dict[str, Any]) -> None:
    assert {"NoticeTopicArn", "DeadLetterQueueUrl", "FunctionNames", "RuleNames"} <= set(
        template["Outputs"]
    )


def test_the_memory_table_is_on_demand_encrypted_recoverable_and_forgets(
    template: dict[str, Any],
) -> None:
    table = template["Resources"]["MemoryTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["VPCR_MEMORY_TABLE"] == {"Ref": "MemoryTable"}
    # Every function's grants on DynamoDB name that table and nothing else.
    resolver = Resolver(template, ALL_TRUE, REGION, ACCOUNT)
    for function in functions(template):
        for statement in function_statements(resolver, function):
            actions = as_list(statement["Action"])
            if any(a.startswith("dynamodb:") for a in actions):
                assert statement["Resource"] == "MemoryTable.Arn", statement


def test_a_default_vpc_absent_by_policy_cannot_be_set_to_be_restored(
    template: dict[str, Any],
) -> None:
    (rule,) = template["Rules"].values()
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "DefaultVpc"}, "absent-by-policy"]}
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Equals": [{"Ref": "RestoreDefaultVpc"}, "false"]
    }


def test_the_changes_queue_takes_only_the_rule_and_the_function_settle_messages(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    statements = resources["ChangesQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["VpcChangesRule", "Arn"]}}
    }
    tls = next(s for s in statements if s["Sid"] == "TlsOnly")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # Nobody but the rule and the function itself sends: a forged console event is refused.
    policy = Resolver(template, {}, REGION, ACCOUNT).value(statements)
    queue, rule, role = "ChangesQueue.Arn", "VpcChangesRule.Arn", "VpcChangesFunctionRole.Arn"
    secure = {"aws:SecureTransport": "true"}
    senders = {
        "the rule": {"aws:SourceArn": rule},
        "the function's settle messages": {"aws:PrincipalArn": role},
        "an admin of the account": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/Admin"},
        "another rule": {"aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/other"},
        "another account": {"aws:PrincipalArn": "arn:aws:iam::999999999999:root"},
    }
    refused = {
        who
        for who, ctx in senders.items()
        if is_denied(policy, "sqs:SendMessage", queue, {**ctx, **secure})
    }
    assert refused == {"an admin of the account", "another rule", "another account"}
    # Only the VpcChanges function sends (its settle messages), to that queue alone.
    resolver = Resolver(template, ALL_TRUE, REGION, ACCOUNT)
    for function in functions(template):
        sends = [
            s
            for s in function_statements(resolver, function)
            if "sqs:SendMessage" in as_list(s["Action"])
        ]
        resources_sent_to = {s["Resource"] for s in sends}
        if function == "VpcChangesFunction":
            assert resources_sent_to == {"DeadLetterQueue.Arn", "ChangesQueue.Arn"}
        else:
            assert resources_sent_to == {"DeadLetterQueue.Arn"}, function


def test_the_settle_time_and_concurrency_reach_the_changes_function(
    template: dict[str, Any],
) -> None:
    from vpc_remediator.domain.settle import MAX_SETTLE_SECONDS
    from vpc_remediator.service.settings import DEFAULT_SETTLE_SECONDS

    settle = template["Parameters"]["SettleSeconds"]
    assert (settle["MinValue"], settle["MaxValue"]) == (0, MAX_SETTLE_SECONDS)
    assert settle["Default"] == DEFAULT_SETTLE_SECONDS == 90
    props = functions(template)["VpcChangesFunction"]
    variables = props["Environment"]["Variables"]
    assert variables["VPCR_SETTLE_SECONDS"] == {"Ref": "SettleSeconds"}
    assert variables["VPCR_SETTLE_QUEUE_URL"] == {"Ref": "ChangesQueue"}
    for parameters, reserved in (({}, 2), ({"ReservedConcurrency": "0"}, None)):
        resolver = Resolver(template, parameters, REGION, ACCOUNT)
        value = resolver.value({"x": props["ReservedConcurrentExecutions"]}).get("x")
        assert (None if value is None else int(value)) == reserved


@pytest.mark.parametrize(("applies", "granted"), [("true", True), ("false", False)])
def test_only_a_sweep_that_applies_auto_intent_reads_cloudtrail_history(
    template: dict[str, Any], applies: str, granted: bool
) -> None:
    resolver = Resolver(template, {"SweepAppliesAutoIntent": applies}, REGION, ACCOUNT)
    for function in functions(template):
        actions = granted_actions(function_statements(resolver, function))
        reads = "cloudtrail:LookupEvents" in actions
        assert reads is (granted and function == "SweepFunction"), function


CENTRAL_TOPIC = "arn:aws:sns:us-east-1:111122223333:org-vpc-remediator-notices"
CENTRAL_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("", True),
        (CENTRAL_TOPIC, True),
        ("arn:aws-us-gov:sns:us-gov-west-1:111122223333:notices", True),
        ("arn:aws:sns:us-east-1:111122223333:notices.fifo", False),  # Publish needs a group id
        ("arn:aws:sqs:us-east-1:111122223333:notices", False),
        ("org-notices", False),
    ],
)
def test_the_central_topic_parameter_takes_a_standard_topic_arn_or_nothing(
    template: dict[str, Any], value: str, allowed: bool
) -> None:
    pattern = template["Parameters"]["CentralNoticeTopicArn"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is allowed
    # The settings read by the functions agree with the template.
    env = {
        "VPCR_TOPIC_ARN": "arn:aws:sns:eu-south-1:123456789012:own",
        "VPCR_CENTRAL_TOPIC_ARN": value,
    }
    try:
        Settings.from_env(env)
    except SettingsError:
        assert not allowed
    else:
        assert allowed


@pytest.mark.parametrize(
    ("parameters", "topic", "key"),
    [
        ({}, False, False),
        ({"CentralNoticeTopicArn": CENTRAL_TOPIC}, True, False),
        ({"CentralNoticeTopicArn": CENTRAL_TOPIC, "CentralNoticeKeyArn": CENTRAL_KEY}, True, True),
        ({"CentralNoticeKeyArn": CENTRAL_KEY}, False, False),
    ],
)
def test_every_function_may_publish_to_the_central_topic_only_when_it_is_set(
    template: dict[str, Any], parameters: dict[str, str], topic: bool, key: bool
) -> None:
    resolver = Resolver(template, parameters, REGION, ACCOUNT)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["VPCR_CENTRAL_TOPIC_ARN"] == {"Ref": "CentralNoticeTopicArn"}
    for function in functions(template):
        statements = function_statements(resolver, function)
        assert is_allowed(statements, "sns:Publish", CENTRAL_TOPIC) is topic, function
        assert is_allowed(statements, "kms:GenerateDataKey", CENTRAL_KEY) is key, function
        # Never a wildcard: the stack may publish to its own topic and the central one only.
        published = {
            r
            for s in statements
            if "sns:Publish" in as_list(s["Action"])
            for r in as_list(s["Resource"])
        }
        assert published == ({"NoticeTopic", CENTRAL_TOPIC} if topic else {"NoticeTopic"})


@pytest.mark.parametrize(
    ("parameters", "bus"),
    [({}, "default"), ({"EventBusName": "platform"}, "platform"), ({"EventBusName": "none"}, None)],
)
def test_events_are_put_only_on_the_bus_named_and_not_at_all_with_none(
    template: dict[str, Any], parameters: dict[str, str], bus: str | None
) -> None:
    resolver = Resolver(template, parameters, REGION, ACCOUNT)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["VPCR_EVENT_BUS"] == {"Ref": "EventBusName"}
    for function in functions(template):
        statements = function_statements(resolver, function)
        put_on = {
            r
            for s in statements
            if "events:PutEvents" in as_list(s["Action"])
            for r in as_list(s["Resource"])
        }
        expected = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{bus}"
        assert put_on == ({expected} if bus else set()), function


@pytest.mark.parametrize("on", [True, False])
def test_findings_are_imported_into_security_hub_only_when_asked(
    template: dict[str, Any], on: bool
) -> None:
    resolver = Resolver(template, {"SecurityHubFindings": str(on).lower()}, REGION, ACCOUNT)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["VPCR_SECURITY_HUB_FINDINGS"] == {"Ref": "SecurityHubFindings"}
    product = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
    for function in functions(template):
        statements = function_statements(resolver, function)
        assert is_allowed(statements, "securityhub:BatchImportFindings", product) is on
        granted = {
            a for s in statements for a in as_list(s["Action"]) if a.startswith("securityhub:")
        }
        assert granted == ({"securityhub:BatchImportFindings"} if on else set()), function


@pytest.mark.parametrize("on", [True, False])
def test_security_hub_findings_are_suppressed_only_when_asked(
    template: dict[str, Any], on: bool
) -> None:
    parameters = {"CoordinateWithSecurityHub": str(on).lower()}
    resolver = Resolver(template, parameters, REGION, ACCOUNT)
    hub = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"
    for function in functions(template):
        statements = function_statements(resolver, function)
        for action in ("securityhub:GetFindings", "securityhub:BatchUpdateFindings"):
            assert is_allowed(statements, action, hub) is on, (function, action)


def test_the_dashboard_shows_what_the_code_counts(template: dict[str, Any]) -> None:
    """Reconciles, changes, holds, failures, notices and the dead-letter queue, each a metric
    the code emits (under the namespace the functions publish to) or the queue's own."""
    import re
    from pathlib import Path

    dashboard = template["Resources"]["Dashboard"]["Properties"]
    body, values = dashboard["DashboardBody"]["Fn::Sub"]
    namespace = template["Globals"]["Function"]["Environment"]["Variables"][
        "POWERTOOLS_METRICS_NAMESPACE"
    ]
    assert values["Namespace"] == namespace
    text = body.replace("${Namespace}", namespace)
    text = re.sub(r"\$\{[^}]+\}", "x", text)
    widgets = json.loads(text)["widgets"]
    shown = {m[1] for w in widgets for m in w["properties"]["metrics"]}
    source = "\n".join(
        p.read_text() for p in (Path(__file__).resolve().parents[2] / "functions").rglob("*.py")
    )
    emitted = set(re.findall(r'name="([A-Za-z]+)"', source)) | set(
        re.findall(r'count\("([A-Za-z]+)"\)', source)
    )
    emitted |= {f"{k}CopiesFailed" for k in ("Central", "Chat")}
    emitted |= {f"{o}Failed" for o in ("Events", "SecurityHub")}
    for needed in (
        "Reconciles",
        "ActionsApplied",
        "HoldsPlaced",
        "ReconcilesFailed",
        "NoticesSent",
    ):
        assert needed in shown, needed
    assert "ApproximateNumberOfMessagesVisible" in shown  # the dead-letter queue
    assert shown - {"ApproximateNumberOfMessagesVisible"} <= emitted, shown - emitted


def test_the_changes_function_reads_and_deletes_only_its_own_queue(
    template: dict[str, Any],
) -> None:
    """SAM adds AWSLambdaSQSQueueExecutionRole (every queue of the account) to a function with
    an SQS event; a Deny keeps it to the changes queue."""
    sam_managed = {
        "Effect": "Allow",
        "Action": [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
        ],
        "Resource": "*",
    }
    resolver = Resolver(template, {}, REGION, ACCOUNT)
    statements = [*function_statements(resolver, "VpcChangesFunction"), sam_managed]
    other = f"arn:aws:sqs:{REGION}:{ACCOUNT}:payroll-jobs"
    for action in sam_managed["Action"]:
        assert is_allowed(statements, action, "ChangesQueue.Arn"), action
        assert not is_allowed(statements, action, other), action


def test_only_the_functions_and_the_named_writers_write_the_record(
    template: dict[str, Any],
) -> None:
    """The memory table holds the record of what the remediator owns: its resource policy
    lets nobody else write it, whatever their IAM permissions."""
    table = template["Resources"]["MemoryTable"]["Properties"]
    functions_ = functions(template)
    assert {props.get("RolePath") for props in functions_.values()} == {"/vpc-remediator/"}
    admin = f"arn:aws:iam::{ACCOUNT}:role/PlatformAdmin"
    for writers, allowed in (("", set()), (f"{admin},arn:aws:iam::{ACCOUNT}:user/ops", {admin})):
        resolver = Resolver(template, {"RecordWriters": writers}, REGION, ACCOUNT)
        policy = resolver.value(table["ResourcePolicy"]["PolicyDocument"]["Statement"])
        principals = {
            f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator/vpc-remediator-SweepFunctionRole-1A",
            f"arn:aws:iam::{ACCOUNT}:role/Developer",
            f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator-lookalike",
            admin,
        }
        for action in ("dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"):
            writing = {
                p for p in principals if not is_denied(policy, action, "*", {"aws:PrincipalArn": p})
            }
            assert writing == {
                f"arn:aws:iam::{ACCOUNT}:role/vpc-remediator/vpc-remediator-SweepFunctionRole-1A",
                *allowed,
            }, (writers, action)
        # Reading is IAM's to allow: the resource policy denies no read.
        assert not is_denied(policy, "dynamodb:Query", "*", {"aws:PrincipalArn": admin})
