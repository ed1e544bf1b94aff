"""Property-based fuzzing of events through the handlers (hypothesis), against moto.

The only outcomes allowed: skipped with a reason, or one InvalidEventError; never an AWS write,
never another exception type. Run in both modes; audit mode must make no mutating call at all.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EVENTS_DIR
from tests.integration.conftest import Aws, configure
from tests.properties import examples
from vpc_remediator.domain.triggers import InvalidEventError
from vpc_remediator.lambdas.handlers import delete_vpc, sweep, vpc_changes

SAMPLES = {p.stem: json.loads(p.read_text()) for p in sorted(EVENTS_DIR.glob("*.json"))}
HANDLERS = [delete_vpc, vpc_changes, sweep]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(
        [
            "vpc-0123456789abcdef0",
            "subnet-0123456789abcdef0",
            "sg-0123456789abcdef0",
            "rtb-XYZ",
            "igw-",
            "x" * 300_000,  # a huge payload
            "eu-west-9",
            "999999999999",
        ]
    ),
)
PATHS = [
    ("detail-type",),
    ("source",),
    ("account",),
    ("region",),
    ("time",),
    ("detail",),
    ("detail", "eventName"),
    ("detail", "eventSource"),
    ("detail", "eventTime"),
    ("detail", "eventID"),
    ("detail", "awsRegion"),
    ("detail", "errorCode"),
    ("detail", "userIdentity"),
    ("detail", "userIdentity", "sessionContext"),
    ("detail", "requestParameters"),
    ("detail", "requestParameters", "vpcId"),
    ("detail", "requestParameters", "subnetId"),
    ("detail", "requestParameters", "routeTableId"),
    ("detail", "responseElements"),
    ("detail", "responseElements", "vpc"),
    ("detail", "responseElements", "subnet", "subnetId"),
    ("extra-field",),
    ("detail", "extraField"),
]
EVENT_NAMES = st.sampled_from(
    [
        "CreateVpc",
        "CreateSubnet",
        "DeleteVpc",
        "AttachInternetGateway",
        "RunInstances",
        "",
        "DeleteRoute",
    ]
)


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        node: Any = event
        for key in path[:-1]:
            if not isinstance(node, dict):
                break
            node = node.setdefault(key, {})
        if not isinstance(node, dict):
            continue
        action = draw(st.sampled_from(["drop", "junk", "name"]))
        if action == "drop":
            node.pop(path[-1], None)
        elif action == "name" and path == ("detail", "eventName"):
            node[path[-1]] = draw(EVENT_NAMES)
        else:
            node[path[-1]] = draw(JUNK)
    return event


@pytest.mark.parametrize("mode", ["remediate", "audit"])
def test_fuzzed_events_are_skipped_or_rejected_and_never_write(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    configure(monkeypatch, VPCR_MODE=mode)
    aws.give_the_default_vpc_its_gateway()  # a region as AWS has it: nothing to report
    aws.log.clear()
    outcomes = {"skipped": 0, "rejected": 0, "reconciled": 0}

    @settings(
        max_examples=examples(150),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(mutated_events(), st.sampled_from(HANDLERS))
    def run(event: dict[str, Any], handler: Any) -> None:
        try:
            result = handler.lambda_handler(event, aws.context)
        except InvalidEventError:
            outcomes["rejected"] += 1
            return
        if result["status"] == "skipped":
            assert 0 < len(result["reason"]) < 300  # whatever the event held
            outcomes["skipped"] += 1
        else:
            assert result["status"] == "done"
            outcomes["reconciled"] += 1  # names no real resource: nothing to change

    run()
    print(f"\nfuzzing ({mode}): {outcomes}, EC2 writes: {len(aws.log.writes)}")
    assert aws.log.writes == [], aws.log.writes
    assert "Publish" not in aws.log.names
    assert outcomes["rejected"] > 0 and outcomes["skipped"] > 0, outcomes
