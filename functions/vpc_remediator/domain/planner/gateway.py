"""The VPC's internet gateway: the one attached, or one created for explicit intent (or a default
VPC the remediator has just recreated); never one a person detached."""

from __future__ import annotations

from ..actions import (
    AttachInternetGateway,
    CreateInternetGateway,
)
from ..findings import FindingCode
from ..intent import IntentSource
from ..model import (
    Subnet,
    TargetKind,
    frozen_tags,
)
from ..policy import (
    MANAGED_CREATED,
    MANAGED_TAG_KEY,
    ROLE_INTERNET_GATEWAY,
    ROLE_TAG_KEY,
)
from .draft import (
    NEW_INTERNET_GATEWAY,
    Draft,
)


def plan_gateway(b: Draft, public: list[Subnet], enforced: set[str], *, restoring: bool) -> None:
    vpc = b.snapshot.vpc
    igw = b.snapshot.attached_internet_gateway
    if igw is not None:
        b.gateway = igw.id
        return
    if not public:
        return
    # Only a subnet's own tag asks for a gateway: one tag on a VPC never builds a way out of
    # a network that has none (an air-gapped VPC).
    explicit = sorted(
        s.id for s in public if b.intent(s).source is IntentSource.SUBNET_TAG and s.id in enforced
    )
    # Routes to a gateway no longer attached: one was here, and someone detached it.
    detached = sorted(
        {
            r.target_id
            for t in b.snapshot.route_tables
            for r in t.routes
            if r.target_kind is TargetKind.IGW
        }
    )
    # A gateway is created for explicit intent when the setting allows it, or for a default
    # VPC the remediator has just recreated (AWS gives those one). A gateway that was removed
    # on purpose is not replaced on auto intent, and one a person detached never is.
    if restoring or (explicit and b.policy.create_internet_gateway and not detached):
        b.setup.append(
            CreateInternetGateway(
                ref=NEW_INTERNET_GATEWAY,
                tags=frozen_tags(
                    {
                        MANAGED_TAG_KEY: MANAGED_CREATED,
                        ROLE_TAG_KEY: ROLE_INTERNET_GATEWAY,
                        "Name": f"vpcr-igw-{vpc.id}",
                    }
                ),
                reason=f"{vpc.id} has subnets meant to be public and no internet gateway",
            )
        )
        b.setup.append(
            AttachInternetGateway(
                gateway=NEW_INTERNET_GATEWAY,
                vpc_id=vpc.id,
                reason="public subnets route through the VPC's internet gateway",
            )
        )
        b.gateway = NEW_INTERNET_GATEWAY
        return
    why = (
        f"its gateway {', '.join(detached)} was detached, and the remediator does not replace "
        "it behind anyone's back: attach one again"
        if detached
        else "attach one (or tag the subnets themselves public and allow the remediator to "
        "create it; a tag on the VPC alone never does)"
    )
    b.find(
        FindingCode.NO_INTERNET_GATEWAY,
        vpc.id,
        f"{vpc.id} has no internet gateway attached, so {', '.join(s.id for s in public)} "
        f"cannot be public; {why}",
        person=any(b.intent(s).is_explicit for s in public),
    )
