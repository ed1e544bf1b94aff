"""Creation-time auto intent applies once per subnet (issue 10): EventBridge delivers at least
once, and a failed invocation is retried minutes later; neither redoes what a person undid
since. A redelivered event is recognised by its CloudTrail event id (Powertools Idempotency);
a retried one finds the subnet already finished once (the memory of what was applied)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import REGION
from tests.integration.conftest import Aws
from tests.integration.test_story import new_gateway, new_subnet, new_vpc
from vpc_remediator.aws.clients import clients_for
from vpc_remediator.lambdas.handlers import vpc_changes
from vpc_remediator.service.remediator import NotificationFailed


def vpc_with_gateway(aws: Aws) -> dict[str, str]:
    vpc = new_vpc(aws)
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return {"vpc": vpc, "igw": igw, "subnet": new_subnet(aws, vpc)}


def a_person_takes_it_off_the_internet(aws: Aws, subnet: str) -> None:
    aws.ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})


def test_a_redelivered_create_subnet_after_a_persons_change_writes_nothing(aws: Aws) -> None:
    ids = vpc_with_gateway(aws)
    aws.invoke(vpc_changes, "CreateSubnet", **ids)
    assert aws.maps_public_ip(ids["subnet"])
    first = aws.last_event["detail"]["eventID"]
    a_person_takes_it_off_the_internet(aws, ids["subnet"])
    aws.notices()
    aws.log.clear()
    aws.invoke(vpc_changes, "CreateSubnet", event_id=first, **ids)  # EventBridge, again
    assert aws.log.writes == []
    assert not aws.maps_public_ip(ids["subnet"]) and aws.notices() == []


def test_a_create_subnet_retried_after_a_failed_invocation_writes_nothing_more(
    aws: Aws,
) -> None:
    ids = vpc_with_gateway(aws)
    sns = clients_for(REGION).sns

    def sns_down(**_: Any) -> None:
        raise ConnectionError("SNS is unreachable")

    sns.meta.events.register_first("before-call.sns.Publish", sns_down)
    try:
        with pytest.raises(NotificationFailed):
            aws.invoke(vpc_changes, "CreateSubnet", **ids)
    finally:
        sns.meta.events.unregister("before-call.sns.Publish", sns_down)
    assert aws.maps_public_ip(ids["subnet"])  # the work was done; only the notice failed
    first = aws.last_event["detail"]["eventID"]
    a_person_takes_it_off_the_internet(aws, ids["subnet"])  # in the minutes before the retry
    aws.log.clear()
    # Lambda retries the failed invocation: the event is known (noted once), its note is still
    # there (the reconcile did not finish), and the subnet was finished once already.
    aws.invoke(vpc_changes, "CreateSubnet", event_id=first, **ids)
    assert aws.log.writes == []
    assert not aws.maps_public_ip(ids["subnet"])


def test_a_new_creation_event_for_the_same_subnet_is_not_applied_twice_either(
    aws: Aws,
) -> None:
    """Beyond the idempotency window (or a second call CloudTrail logged for it), the memory of
    what was applied still says the subnet was finished once."""
    ids = vpc_with_gateway(aws)
    aws.invoke(vpc_changes, "CreateSubnet", **ids)
    a_person_takes_it_off_the_internet(aws, ids["subnet"])
    aws.log.clear()
    result = aws.invoke(vpc_changes, "CreateSubnet", **ids)  # a new event id
    assert aws.log.writes == []
    (report,) = result["reports"]
    assert report["findings"] == ["auto-intent-not-enforced"]


def test_a_subnet_auto_intent_never_finished_is_still_finished_later(aws: Aws) -> None:
    """Once means once applied: a subnet made before the gateway was attached is finished when
    it is (the console's order)."""
    vpc = new_vpc(aws)
    subnet = new_subnet(aws, vpc)
    aws.invoke(vpc_changes, "CreateSubnet", vpc=vpc, subnet=subnet)  # no gateway yet: nothing
    igw = new_gateway(aws)
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    aws.invoke(vpc_changes, "AttachInternetGateway", vpc=vpc, igw=igw)
    assert aws.skypilot_says_public(subnet) and aws.maps_public_ip(subnet)
