"""The changes the planner can ask for. Each is one API call and declares its IAM action.

Actions that create something name it with a `Pending` reference, so that later actions of the
same plan (a route to a gateway created a moment before) can point at it; the writer resolves
references as it goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from .model import frozen_tags


@dataclass(frozen=True)
class Pending:
    """A resource this plan creates; its id is known only once the writer has created it."""

    name: str

    def __str__(self) -> str:
        return f"<new {self.name}>"


Ref = str | Pending


@dataclass(frozen=True, kw_only=True)
class Action:
    # The IAM actions the call needs; a template test checks the grants against these.
    iam_actions: ClassVar[tuple[str, ...]] = ()
    reason: str

    @property
    def summary(self) -> str:
        raise NotImplementedError

    @property
    def resource(self) -> Ref:
        """The resource the action changes (or creates), for reports and tags."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class CreateRouteTable(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateRouteTable", "ec2:CreateTags")
    vpc_id: str
    ref: Pending
    tags: Mapping[str, str] = field(default_factory=frozen_tags)
    client_token: str = ""

    @property
    def summary(self) -> str:
        return f"create route table {self.tags.get('Name', self.ref.name)} in {self.vpc_id}"

    @property
    def resource(self) -> Ref:
        return self.ref


@dataclass(frozen=True, kw_only=True)
class CreateRoute(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateRoute",)
    route_table: Ref
    destination: str
    gateway: Ref

    @property
    def summary(self) -> str:
        return f"add route {self.destination} -> {self.gateway} to {self.route_table}"

    @property
    def resource(self) -> Ref:
        return self.route_table


@dataclass(frozen=True, kw_only=True)
class ReplaceRoute(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ReplaceRoute",)
    route_table: Ref
    destination: str
    gateway: Ref
    previous_target: str = ""

    @property
    def summary(self) -> str:
        return (
            f"replace blackhole route {self.destination} -> {self.previous_target} "
            f"with {self.gateway} in {self.route_table}"
        )

    @property
    def resource(self) -> Ref:
        return self.route_table


@dataclass(frozen=True, kw_only=True)
class AssociateRouteTable(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:AssociateRouteTable",)
    route_table: Ref
    subnet_id: str

    @property
    def summary(self) -> str:
        return f"associate {self.subnet_id} with {self.route_table}"

    @property
    def resource(self) -> Ref:
        return self.subnet_id


@dataclass(frozen=True, kw_only=True)
class ReplaceRouteTableAssociation(Action):
    """Moves a subnet between two managed public tables (merging duplicates a race made)."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ReplaceRouteTableAssociation",)
    association_id: str
    route_table: Ref
    subnet_id: str

    @property
    def summary(self) -> str:
        return f"move {self.subnet_id} to {self.route_table}"

    @property
    def resource(self) -> Ref:
        return self.subnet_id


@dataclass(frozen=True, kw_only=True)
class DeleteRouteTable(Action):
    """Deletes a duplicate managed table the remediator itself created, once it is empty."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DeleteRouteTable",)
    route_table: str

    @property
    def summary(self) -> str:
        return f"delete duplicate managed route table {self.route_table}"

    @property
    def resource(self) -> Ref:
        return self.route_table


@dataclass(frozen=True, kw_only=True)
class SetMapPublicIpOnLaunch(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ModifySubnetAttribute",)
    subnet_id: str
    enabled: bool

    @property
    def summary(self) -> str:
        return f"set MapPublicIpOnLaunch={str(self.enabled).lower()} on {self.subnet_id}"

    @property
    def resource(self) -> Ref:
        return self.subnet_id


@dataclass(frozen=True, kw_only=True)
class CreateInternetGateway(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateInternetGateway", "ec2:CreateTags")
    ref: Pending
    tags: Mapping[str, str] = field(default_factory=frozen_tags)

    @property
    def summary(self) -> str:
        return "create internet gateway"

    @property
    def resource(self) -> Ref:
        return self.ref


@dataclass(frozen=True, kw_only=True)
class AttachInternetGateway(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:AttachInternetGateway",)
    gateway: Ref
    vpc_id: str

    @property
    def summary(self) -> str:
        return f"attach {self.gateway} to {self.vpc_id}"

    @property
    def resource(self) -> Ref:
        return self.gateway


@dataclass(frozen=True, kw_only=True)
class CreateDefaultVpc(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateDefaultVpc",)

    @property
    def summary(self) -> str:
        return "recreate the default VPC"

    @property
    def resource(self) -> Ref:
        return Pending("default VPC")


@dataclass(frozen=True, kw_only=True)
class TagResources(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateTags",)
    resource_ids: tuple[str, ...]
    tags: Mapping[str, str] = field(default_factory=frozen_tags)

    @property
    def summary(self) -> str:
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items()))
        return f"tag {', '.join(self.resource_ids)} with {pairs}"

    @property
    def resource(self) -> Ref:
        return self.resource_ids[0]


ALL_ACTION_TYPES: tuple[type[Action], ...] = (
    CreateRouteTable,
    CreateRoute,
    ReplaceRoute,
    AssociateRouteTable,
    ReplaceRouteTableAssociation,
    DeleteRouteTable,
    SetMapPublicIpOnLaunch,
    CreateInternetGateway,
    AttachInternetGateway,
    CreateDefaultVpc,
    TagResources,
)


# What each kind of reconcile can apply: a VPC reconcile never creates a default VPC; the
# region reconcile (after DeleteVpc) may, and then finishes that VPC's network.
VPC_ACTION_TYPES: tuple[type[Action], ...] = tuple(
    t for t in ALL_ACTION_TYPES if t is not CreateDefaultVpc
)
REGION_ACTION_TYPES: tuple[type[Action], ...] = ALL_ACTION_TYPES
# Granted only when a template parameter allows them.
OPTIONAL_ACTION_TYPES: tuple[type[Action], ...] = (
    CreateInternetGateway,
    AttachInternetGateway,
    CreateDefaultVpc,
)


def declared_iam_actions(
    types: tuple[type[Action], ...] = ALL_ACTION_TYPES,
) -> frozenset[str]:
    return frozenset(a for t in types for a in t.iam_actions)
