"""Faults between the remediator and a moto server: throttling, eventual consistency, a denied
action, a failing SNS. Figures from these tests are quoted in docs/RELIABILITY.md."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Deployment
from tests.e2e.test_cli import seed_story
from tests.faults import always, every, first
from vpc_remediator.lambdas.handlers import vpc_changes
from vpc_remediator.service.remediator import NotificationFailed, RemediationIncomplete


def skypilot_public(deployment: Deployment, subnet_id: str) -> bool:
    ec2 = deployment.emulator.client("ec2")
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    return any((r.get("GatewayId") or "").startswith("igw-") for t in tables for r in t["Routes"])


def maps_public_ip(deployment: Deployment, subnet_id: str) -> bool:
    ec2 = deployment.emulator.client("ec2")
    return bool(ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["MapPublicIpOnLaunch"])


def deliver_story(deployment: Deployment, ids: dict[str, str]) -> None:
    deployment.invoke(vpc_changes, "CreateVpc", vpc=ids["vpc"])
    deployment.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])


def test_throttling_on_a_share_of_calls_still_converges(deployment: Deployment) -> None:
    ids = seed_story(deployment.emulator)
    injector = deployment.injector
    injector.fail(every(3, 503, "RequestLimitExceeded", service="ec2"))
    injector.fail(every(5, 503, "", service="ec2"))  # a bare HTTP 503
    injector.fail(first(1, 400, "Throttling", service="sns", operation="Publish"))
    deliver_story(deployment, ids)
    assert skypilot_public(deployment, ids["subnet"]) and maps_public_ip(deployment, ids["subnet"])
    (notice,) = deployment.notices()
    assert json.loads(notice["Message"])["outcome"] == "changed"
    assert injector.injected["RequestLimitExceeded"] >= 5
    assert injector.injected["503"] >= 2
    assert injector.injected["Throttling"] == 1
    # Every injected fault was retried by botocore's standard mode, none by our code.
    assert len(deployment.retries) == sum(injector.injected.values())
    calls = sum(injector.seen.values())
    print(
        f"\nthrottling: {sum(injector.injected.values())} of {calls} requests failed "
        f"({dict(injector.injected)}), all retried by botocore; converged"
    )


def test_an_event_that_outruns_ec2s_listing_waits_then_succeeds(deployment: Deployment) -> None:
    ids = seed_story(deployment.emulator)
    deployment.injector.hide(ids["subnet"], times=3)
    deployment.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    assert skypilot_public(deployment, ids["subnet"]) and maps_public_ip(deployment, ids["subnet"])
    assert deployment.injector.injected["hidden from a listing"] >= 1
    assert deployment.injector.injected["InvalidSubnetID.NotFound"] >= 1
    assert len(deployment.notices()) == 1


def test_a_table_just_created_and_not_yet_found_is_waited_for(deployment: Deployment) -> None:
    ids = seed_story(deployment.emulator)
    deployment.injector.fail(
        first(1, 400, "InvalidRouteTableID.NotFound", service="ec2", operation="CreateRoute")
    )
    deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert deployment.injector.injected["InvalidRouteTableID.NotFound"] == 1
    assert skypilot_public(deployment, ids["subnet"])
    (notice,) = deployment.notices()
    statuses = [a["status"] for a in json.loads(notice["Message"])["actions"]]
    assert set(statuses) == {"applied"}


def test_a_resource_that_really_is_gone_ends_quietly(deployment: Deployment) -> None:
    ids = seed_story(deployment.emulator)
    deployment.emulator.client("ec2").delete_subnet(SubnetId=ids["subnet"])
    result = deployment.invoke(vpc_changes, "CreateSubnet", vpc=ids["vpc"], subnet=ids["subnet"])
    assert result["status"] == "done"
    assert deployment.notices() == []


def test_one_denied_action_the_rest_applied_the_notice_names_it_the_invocation_fails(
    deployment: Deployment,
) -> None:
    ids = seed_story(deployment.emulator)
    deployment.injector.fail(
        always(403, "UnauthorizedOperation", service="ec2", operation="ModifySubnetAttribute")
    )
    with pytest.raises(RemediationIncomplete):
        deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert skypilot_public(deployment, ids["subnet"])  # the route and association went through
    assert not maps_public_ip(deployment, ids["subnet"])
    (notice,) = deployment.notices()
    document = json.loads(notice["Message"])
    assert document["outcome"] == "failed" and document["severity"] == "error"
    failed = [a for a in document["actions"] if a["status"] == "failed"]
    assert failed and all(a["type"] == "SetMapPublicIpOnLaunch" for a in failed)
    assert "UnauthorizedOperation" in failed[0]["detail"]
    assert [a["type"] for a in document["remaining"]] == ["SetMapPublicIpOnLaunch"]


def test_sns_failing_the_change_is_made_the_notice_parked_the_invocation_fails(
    deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_story(deployment.emulator)
    deployment.injector.fail(always(403, "AuthorizationError", service="sns", operation="Publish"))
    capsys.readouterr()
    with pytest.raises(NotificationFailed):
        deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert skypilot_public(deployment, ids["subnet"])
    assert deployment.notices() == []
    (parked,) = deployment.parked()
    assert parked["kind"] == "unsent-notice"
    assert parked["subject"].endswith("(123456789012): 1 subnet public")
    assert parked["document"]["outcome"] == "changed"
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[-1]["NoticesFailed"] == [1.0]
    assert emf[-1]["ActionsApplied"] == [5.0]


def test_a_write_that_failed_and_then_succeeded_is_not_a_failure(deployment: Deployment) -> None:
    """The first ModifySubnetAttribute is refused (an error botocore does not retry); the next
    round of the same invocation makes it: the notice says what happened, and the outcome is
    changed, not failed."""
    ids = seed_story(deployment.emulator)
    deployment.injector.fail(
        first(1, 400, "IncorrectState", service="ec2", operation="ModifySubnetAttribute")
    )
    result = deployment.invoke(vpc_changes, "AttachInternetGateway", vpc=ids["vpc"], igw=ids["igw"])
    assert result["reports"][0]["outcome"] == "changed"
    assert maps_public_ip(deployment, ids["subnet"]) and skypilot_public(deployment, ids["subnet"])
    (notice,) = deployment.notices()
    document = json.loads(notice["Message"])
    assert document["outcome"] == "changed" and document["compliant"]
    statuses = [a["status"] for a in document["actions"] if a["type"] == "SetMapPublicIpOnLaunch"]
    assert statuses == ["failed", "applied"]
