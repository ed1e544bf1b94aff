"""The changes the planner can ask for. Each is one API call and declares its IAM action.

Actions that create something name it with a `Pending` reference, so that later actions of the
same plan (a route to a gateway created a moment before) can point at it; the writer resolves
references as it goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar, Self

from .model import frozen_tags
from .policy import HOLD_TAG_KEY


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
    # Applied only once every earlier change to its `route_table` succeeded: a subnet never
    # lands on a table missing a route, and a table's record of its copies never runs ahead.
    needs_ready_table: ClassVar[bool] = False
    # Moves `subnet_id` onto `route_table`; the subnet's later actions wait for it.
    moves_subnet: ClassVar[bool] = False
    reason: str

    @property
    def summary(self) -> str:
        raise NotImplementedError

    @property
    def resource(self) -> Ref:
        """The resource the action changes (or creates), for reports and tags."""
        raise NotImplementedError

    @property
    def subnet(self) -> str | None:
        """The subnet it changes or moves, if any."""
        return None

    @property
    def table(self) -> Ref | None:
        """The route table it writes, or moves a subnet onto, if any (not one it creates)."""
        return None

    @property
    def creates(self) -> Pending | None:
        """The resource it creates, by the name later actions of the plan know it by."""
        return None

    @property
    def written(self) -> frozenset[str]:
        """The existing resources it writes: its subnet, route table, VPC, or the resources
        it tags or holds (a `Pending` one is not there yet, and is left out)."""
        return frozenset(r for r in (self.subnet, self.table) if isinstance(r, str))

    @property
    def about(self) -> tuple[object, ...]:
        """What the change is about, whatever round planned it (a table known by a `Pending`
        name in one round has its id in the next, so tables are left out)."""
        return (type(self).__name__, self.subnet or "")

    @property
    def pending(self) -> tuple[Pending, ...]:
        """The resources of this plan it refers to that are created before it."""
        return tuple(v for v in self._values().values() if isinstance(v, Pending))

    def resolved(self, created: Mapping[Pending, str]) -> Self:
        """The action with the resources this plan created named by their ids."""
        known = {
            name: created[value]
            for name, value in self._values().items()
            if isinstance(value, Pending) and value in created and value != self.creates
        }
        return replace(self, **known) if known else self

    def parameters(self) -> dict[str, object]:
        """Its fields but the reason, for the JSON documents."""
        return {k: v for k, v in self._values().items() if k != "reason"}

    def _values(self) -> dict[str, object]:
        values = vars(self)
        return {f.name: values[f.name] for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class CreateRouteTable(Action):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateRouteTable", "ec2:CreateTags")
    vpc_id: str
    ref: Pending
    tags: Mapping[str, str] = field(default_factory=frozen_tags)
    # A one-time token the service sets (never the planner: it must not be guessable, or
    # someone could create a table with it first and have AWS hand theirs back).
    client_token: str = ""

    @property
    def summary(self) -> str:
        return f"create route table {self.tags.get('Name', self.ref.name)} in {self.vpc_id}"

    @property
    def resource(self) -> Ref:
        return self.ref

    @property
    def creates(self) -> Pending | None:
        return self.ref

    @property
    def written(self) -> frozenset[str]:
        return frozenset({self.vpc_id})


@dataclass(frozen=True, kw_only=True)
class OnTable(Action):
    """An action on a route table (a new one by its `Pending` name): the resource it changes."""

    route_table: Ref

    @property
    def table(self) -> Ref | None:
        return self.route_table

    @property
    def resource(self) -> Ref:
        return self.route_table


@dataclass(frozen=True, kw_only=True)
class OnRoute(OnTable):
    """A change to one route of a table."""

    destination: str

    @property
    def about(self) -> tuple[object, ...]:
        return (*super().about, self.destination)


@dataclass(frozen=True, kw_only=True)
class OnSubnet(Action):
    """An action on a subnet: the resource it changes (before any table it names)."""

    subnet_id: str

    @property
    def subnet(self) -> str | None:
        return self.subnet_id

    @property
    def resource(self) -> Ref:
        return self.subnet_id


@dataclass(frozen=True, kw_only=True)
class OnHeld(Action):
    """Puts a resource on hold, or takes it off."""

    resource_id: str

    @property
    def resource(self) -> Ref:
        return self.resource_id

    @property
    def written(self) -> frozenset[str]:
        return frozenset({self.resource_id})

    @property
    def about(self) -> tuple[object, ...]:
        return (*super().about, self.resource_id)


@dataclass(frozen=True, kw_only=True)
class CreateRoute(OnRoute):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateRoute",)
    gateway: Ref

    @property
    def summary(self) -> str:
        return f"add route {self.destination} -> {self.gateway} to {self.route_table}"


@dataclass(frozen=True, kw_only=True)
class ReplaceRoute(OnRoute):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ReplaceRoute",)
    gateway: Ref
    previous_target: str = ""

    @property
    def summary(self) -> str:
        return (
            f"replace blackhole route {self.destination} -> {self.previous_target} "
            f"with {self.gateway} in {self.route_table}"
        )


@dataclass(frozen=True, kw_only=True)
class CopyRoute(OnRoute):
    """Adds to the managed table a route of the main table (a transit gateway, peering, ...)."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateRoute",)
    target: str
    source_table: str

    @property
    def summary(self) -> str:
        return (
            f"copy route {self.destination} -> {self.target} from {self.source_table} "
            f"to {self.route_table}"
        )


@dataclass(frozen=True, kw_only=True)
class UpdateCopiedRoute(OnRoute):
    """Points a copied route where the main table now points it ("local": back to the VPC)."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ReplaceRoute",)
    target: str
    previous_target: str
    source_table: str

    @property
    def summary(self) -> str:
        return (
            f"point copied route {self.destination} at {self.target} (was {self.previous_target}) "
            f"in {self.route_table}, as in {self.source_table}"
        )


@dataclass(frozen=True, kw_only=True)
class DeleteCopiedRoute(OnRoute):
    """Removes from the managed table a copied route the main table no longer has."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DeleteRoute",)
    route_table: str
    previous_target: str
    source_table: str

    @property
    def summary(self) -> str:
        return (
            f"delete copied route {self.destination} -> {self.previous_target} from "
            f"{self.route_table}: {self.source_table} no longer has it"
        )


@dataclass(frozen=True, kw_only=True)
class EnableRoutePropagation(OnTable):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:EnableVgwRoutePropagation",)
    gateway: str
    source_table: str

    @property
    def summary(self) -> str:
        return (
            f"propagate routes from {self.gateway} to {self.route_table}, "
            f"as {self.source_table} does"
        )


@dataclass(frozen=True, kw_only=True)
class DisableRoutePropagation(OnTable):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DisableVgwRoutePropagation",)
    route_table: str
    gateway: str
    source_table: str

    @property
    def summary(self) -> str:
        return (
            f"stop propagating routes from {self.gateway} to {self.route_table}: "
            f"{self.source_table} no longer does"
        )


@dataclass(frozen=True, kw_only=True)
class SetEndpointRouteTable(OnTable):
    """Associates a gateway endpoint (S3, DynamoDB) with a table, or no longer: its prefix-list
    route exists only through that association."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ModifyVpcEndpoint",)
    endpoint_id: str
    associate: bool
    source_table: str

    @property
    def summary(self) -> str:
        if self.associate:
            return (
                f"route {self.route_table} through gateway endpoint {self.endpoint_id}, "
                f"as {self.source_table} does"
            )
        return (
            f"stop routing {self.route_table} through gateway endpoint {self.endpoint_id}: "
            f"{self.source_table} no longer does"
        )

    @property
    def about(self) -> tuple[object, ...]:
        return (*super().about, self.endpoint_id)


@dataclass(frozen=True, kw_only=True)
class PlaceHold(OnHeld):
    """Tags a resource `vpc-remediator:hold`: another principal keeps undoing what the
    remediator does there, so it stops (domain/holds.py)."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateTags",)
    note: str
    tool: str = ""  # the tool that undid it, as CloudTrail's fields named it (for the advice)

    @property
    def tags(self) -> Mapping[str, str]:
        return frozen_tags({HOLD_TAG_KEY: self.note[:256]})

    @property
    def summary(self) -> str:
        return f"put {self.resource_id} on hold: {self.note}"


@dataclass(frozen=True, kw_only=True)
class ReleaseHold(OnHeld):
    """Removes the hold tag: a person's `vpc-remediator release`, never a function's."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DeleteTags",)

    @property
    def summary(self) -> str:
        return f"release {self.resource_id} from hold"


@dataclass(frozen=True, kw_only=True)
class AssociateRouteTable(OnSubnet, OnTable):
    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:AssociateRouteTable",)
    needs_ready_table: ClassVar[bool] = True
    moves_subnet: ClassVar[bool] = True

    @property
    def summary(self) -> str:
        return f"associate {self.subnet_id} with {self.route_table}"


@dataclass(frozen=True, kw_only=True)
class ReplaceRouteTableAssociation(OnSubnet, OnTable):
    """Moves a subnet between two managed public tables (merging duplicates a race made)."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ReplaceRouteTableAssociation",)
    needs_ready_table: ClassVar[bool] = True
    moves_subnet: ClassVar[bool] = True
    association_id: str

    @property
    def summary(self) -> str:
        return f"move {self.subnet_id} to {self.route_table}"


@dataclass(frozen=True, kw_only=True)
class DeleteRouteTable(OnTable):
    """Deletes a duplicate managed table the remediator itself created, once it is empty."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DeleteRouteTable",)
    route_table: str

    @property
    def summary(self) -> str:
        return f"delete duplicate managed route table {self.route_table}"


@dataclass(frozen=True, kw_only=True)
class SetAddressing(OnSubnet):
    """Public addresses on launch for a subnet's instances, on or off."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:ModifySubnetAttribute",)
    needs_ready_table: ClassVar[bool] = True
    attribute: ClassVar[str] = ""
    enabled: bool
    # Turning it on waits for the table that routes the subnet to the internet: public IPs on
    # a subnet whose route could not be made would only mislead (Ray's launcher trusts them).
    route_table: Ref | None = None

    @property
    def table(self) -> Ref | None:
        return self.route_table

    @property
    def summary(self) -> str:
        return f"set {self.attribute}={str(self.enabled).lower()} on {self.subnet_id}"

    @property
    def about(self) -> tuple[object, ...]:
        return (*super().about, str(self.enabled))


@dataclass(frozen=True, kw_only=True)
class SetMapPublicIpOnLaunch(SetAddressing):
    attribute: ClassVar[str] = "MapPublicIpOnLaunch"


@dataclass(frozen=True, kw_only=True)
class SetAssignIpv6AddressOnCreation(SetAddressing):
    attribute: ClassVar[str] = "AssignIpv6AddressOnCreation"


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

    @property
    def creates(self) -> Pending | None:
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

    @property
    def written(self) -> frozenset[str]:
        return frozenset({self.vpc_id})


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

    @property
    def written(self) -> frozenset[str]:
        return frozenset(self.resource_ids)


@dataclass(frozen=True, kw_only=True)
class TagLoadBalancerRole(OnSubnet):
    """Tags a subnet for the AWS Load Balancer Controller's discovery (TagLoadBalancerSubnets):
    `kubernetes.io/role/elb=1` on a public subnet, `kubernetes.io/role/internal-elb=1` on a
    private one."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:CreateTags",)
    key: str

    @property
    def summary(self) -> str:
        return f"tag {self.subnet_id} {self.key}=1 (the load balancer controller's discovery)"


# What a person's `vpc-remediator undo` applies with their own credentials (never the
# Lambdas': the stack is not granted them).


@dataclass(frozen=True, kw_only=True)
class DisassociateRouteTable(OnSubnet, OnTable):
    """Puts a subnet back on its VPC's main table (it was there before it was moved)."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DisassociateRouteTable",)
    association_id: str
    route_table: str

    @property
    def summary(self) -> str:
        return f"move {self.subnet_id} from {self.route_table} back to the main table"


@dataclass(frozen=True, kw_only=True)
class DeleteRoute(OnRoute):
    """Removes a route the remediator added."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DeleteRoute",)
    route_table: str
    target: str

    @property
    def summary(self) -> str:
        return f"delete route {self.destination} -> {self.target} from {self.route_table}"


@dataclass(frozen=True, kw_only=True)
class RemoveRouteTable(DeleteRouteTable):
    """Deletes a route table the remediator created, once no subnet is on it."""

    @property
    def summary(self) -> str:
        return f"delete route table {self.route_table} (the remediator made it; nothing uses it)"


@dataclass(frozen=True, kw_only=True)
class DeleteDefaultVpc(Action):
    """Deletes a default VPC the remediator recreated (asked with --including-default-vpc):
    its internet gateways detached and deleted, its subnets, then the VPC. EC2 refuses while
    anything runs in it (DependencyViolation), and that is said."""

    iam_actions: ClassVar[tuple[str, ...]] = (
        "ec2:DisassociateRouteTable",
        "ec2:DeleteRouteTable",
        "ec2:DetachInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:DeleteSubnet",
        "ec2:DeleteVpc",
    )
    vpc_id: str
    gateways: tuple[str, ...] = ()
    subnets: tuple[str, ...] = ()
    # The route tables the remediator made in it, with their subnet associations.
    route_tables: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def summary(self) -> str:
        return (
            f"delete the default VPC {self.vpc_id} the remediator recreated (its "
            f"{len(self.subnets)} subnet(s), {len(self.gateways)} gateway(s) and "
            f"{len(self.route_tables)} route table(s) it made)"
        )

    @property
    def resource(self) -> Ref:
        return self.vpc_id

    @property
    def written(self) -> frozenset[str]:
        return frozenset({self.vpc_id})


@dataclass(frozen=True, kw_only=True)
class UntagLoadBalancerRole(OnSubnet):
    """Removes a load balancer role tag the remediator added."""

    iam_actions: ClassVar[tuple[str, ...]] = ("ec2:DeleteTags",)
    key: str

    @property
    def summary(self) -> str:
        return f"remove the tag {self.key} from {self.subnet_id}"


UNDO_ACTION_TYPES: tuple[type[Action], ...] = (
    DisassociateRouteTable,
    DeleteRoute,
    RemoveRouteTable,
    ReplaceRouteTableAssociation,
    SetMapPublicIpOnLaunch,
    SetAssignIpv6AddressOnCreation,
    SetEndpointRouteTable,
    DeleteDefaultVpc,
    UntagLoadBalancerRole,
)


ALL_ACTION_TYPES: tuple[type[Action], ...] = (
    CreateRouteTable,
    CreateRoute,
    ReplaceRoute,
    CopyRoute,
    UpdateCopiedRoute,
    DeleteCopiedRoute,
    EnableRoutePropagation,
    DisableRoutePropagation,
    SetEndpointRouteTable,
    PlaceHold,
    AssociateRouteTable,
    ReplaceRouteTableAssociation,
    DeleteRouteTable,
    SetMapPublicIpOnLaunch,
    SetAssignIpv6AddressOnCreation,
    CreateInternetGateway,
    AttachInternetGateway,
    CreateDefaultVpc,
    TagResources,
    TagLoadBalancerRole,
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
    TagLoadBalancerRole,
)


def declared_iam_actions(
    types: tuple[type[Action], ...] = ALL_ACTION_TYPES,
) -> frozenset[str]:
    return frozenset(a for t in types for a in t.iam_actions)
