"""VPC Block Public Access: the region's setting and its exclusions, as one frozen value.

One DescribeVpcBlockPublicAccessOptions call per read; the exclusions only when the setting is
on. An endpoint that does not implement the call (an emulator: moto answers it with an HTTP
500 page, or raises in-process) reads as "off" and `known=False`, which the service logs; the
endpoint is not asked again by the same client. An adapter, it does not log by itself.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Set
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..domain.model import BlockMode, PublicAccessBlock
from .unsupported import CALL_ERRORS, lacks_operation

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

# States of an exclusion that is in force.
_IN_FORCE = frozenset({"create-complete", "update-complete", "update-in-progress"})
# Clients whose endpoint said it does not know the call: it is not asked again.
_unsupported: weakref.WeakSet[Any] = weakref.WeakSet()
_MODES = {m.value: m for m in BlockMode}


def read_public_access(
    ec2: EC2Client, vpc_ids: Set[str], subnet_ids: Set[str]
) -> PublicAccessBlock:
    """The setting, with the exclusions that name one of these VPCs or subnets."""
    if ec2 in _unsupported:
        return PublicAccessBlock(known=False)
    try:
        options = ec2.describe_vpc_block_public_access_options()["VpcBlockPublicAccessOptions"]
    except CALL_ERRORS as exc:
        if not lacks_operation(exc):
            raise
        _unsupported.add(ec2)
        return PublicAccessBlock(known=False)
    # A mode this code does not know is read as blocking, so that nothing is changed in vain.
    mode = _MODES.get(options.get("InternetGatewayBlockMode") or "off", BlockMode.BIDIRECTIONAL)
    if mode is BlockMode.OFF:
        return PublicAccessBlock()
    wanted = vpc_ids | subnet_ids
    exclusions = {}
    for exclusion in _exclusions(ec2):
        resource_id = str(exclusion.get("ResourceArn", "")).rpartition("/")[2]
        exclusion_mode = _MODES.get(exclusion.get("InternetGatewayExclusionMode", ""))
        # An exclusion mode this code does not know lets nothing through.
        if resource_id in wanted and exclusion.get("State") in _IN_FORCE and exclusion_mode:
            exclusions[resource_id] = exclusion_mode
    return PublicAccessBlock(mode, MappingProxyType(exclusions))


def _exclusions(ec2: EC2Client) -> Iterator[dict[str, Any]]:
    # botocore has no paginator for this operation, so its NextToken is followed here.
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"MaxResults": 1000}
        if token:
            kwargs["NextToken"] = token
        page = ec2.describe_vpc_block_public_access_exclusions(**kwargs)
        yield from page.get("VpcBlockPublicAccessExclusions", ())  # type: ignore[misc]
        token = page.get("NextToken")
        if not token:
            return
