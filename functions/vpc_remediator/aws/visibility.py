"""Bounded waits for EC2's eventual consistency, as botocore waiters (no hand-written loops).

Right after a create, EC2 can answer `Invalid...ID.NotFound` for a while (and filtered
Describe calls leave the resource out). These waiters retry on exactly that error and succeed
as soon as the resource is listed; a resource still missing at the end of the bound is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import WaiterError
from botocore.waiter import WaiterModel, create_waiter_with_client

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

# Bound: 10 attempts 2 seconds apart; tests shorten it.
DEFAULT_WAIT = {"Delay": 2, "MaxAttempts": 10}

# resource id prefix -> (waiter name, operation, id parameter, list key, NotFound code)
_KINDS = {
    "vpc": ("VpcVisible", "DescribeVpcs", "VpcIds", "Vpcs", "InvalidVpcID.NotFound"),
    "subnet": (
        "SubnetVisible",
        "DescribeSubnets",
        "SubnetIds",
        "Subnets",
        "InvalidSubnetID.NotFound",
    ),
    "rtb": (
        "RouteTableVisible",
        "DescribeRouteTables",
        "RouteTableIds",
        "RouteTables",
        "InvalidRouteTableID.NotFound",
    ),
    "igw": (
        "InternetGatewayVisible",
        "DescribeInternetGateways",
        "InternetGatewayIds",
        "InternetGateways",
        "InvalidInternetGatewayID.NotFound",
    ),
}

_MODEL = WaiterModel(
    {
        "version": 2,
        "waiters": {
            name: {
                "operation": operation,
                "delay": DEFAULT_WAIT["Delay"],
                "maxAttempts": DEFAULT_WAIT["MaxAttempts"],
                "acceptors": [
                    {
                        "matcher": "path",
                        "argument": f"length({key}[]) > `0`",
                        "expected": True,
                        "state": "success",
                    },
                    {"matcher": "error", "expected": not_found, "state": "retry"},
                ],
            }
            for name, operation, _, key, not_found in _KINDS.values()
        },
    }
)


def is_waitable(resource_id: str) -> bool:
    return resource_id.split("-", 1)[0] in _KINDS


def wait_visible(
    ec2: EC2Client, resource_ids: Iterable[str], wait: dict[str, Any] | None = None
) -> frozenset[str]:
    """Wait (bounded) until each resource is listed; returns the ids still missing."""
    missing = set()
    for resource_id in resource_ids:
        kind = resource_id.split("-", 1)[0]
        if kind not in _KINDS:
            continue
        name, _, parameter, _, not_found = _KINDS[kind]
        waiter = create_waiter_with_client(name, _MODEL, ec2)
        try:
            waiter.wait(**{parameter: [resource_id]}, WaiterConfig=wait or DEFAULT_WAIT)
        except WaiterError as exc:
            code = (exc.last_response or {}).get("Error", {}).get("Code")
            if code not in (None, not_found):
                raise  # not a consistency delay (a permission, a throttle past retries, ...)
            missing.add(resource_id)
    return frozenset(missing)
