"""The AWS Load Balancer Controller's role tags, where a VPC has none (TagLoadBalancerSubnets).

The controller discovers a load balancer's subnets by `kubernetes.io/role/elb` (internet-facing)
and `kubernetes.io/role/internal-elb` (internal); without them it falls back to a route test
that older versions lack ("unable to resolve at least one subnet"). Opt-in, this adds the tag
to the subnets whose intent is known: `elb=1` on the public ones (after this plan: enforced
now, or explicitly public), `internal-elb=1` on the private ones. It leaves alone:

- a VPC where some subnet already carries that role's tag: someone chose those subnets;
- a subnet tagged for a cluster (`kubernetes.io/cluster/*`): that cluster's tooling (eksctl,
  the EKS console) chooses its roles;
- a subnet an infrastructure-as-code tool owns (its next apply would take the tag away) unless
  its intent is explicit; a subnet on hold; a subnet a person undid.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from ..actions import TagLoadBalancerRole
from ..creators import owner
from ..intent import Intent
from ..model import IPV4_DEFAULT, RouteState, Subnet, TargetKind, VpcSnapshot
from ..policy import AutoScope
from ..presence import CLUSTER_TAG, ELB_ROLE_TAG, INTERNAL_ELB_ROLE_TAG
from .draft import Draft


def plan_role_tags(b: Draft, public: Sequence[Subnet], enforced: Set[str], auto: AutoScope) -> None:
    """`public`: the subnets meant public and reachable; `enforced`: those this plan makes
    public. A public subnet is tagged once it routes out: made so now, or already so."""
    if not b.policy.tag_load_balancer_subnets:
        return
    snapshot = b.snapshot
    routed = {s.id for s in public if s.id in enforced or _routes_out(snapshot, s)}
    for key, wanted in ((ELB_ROLE_TAG, Intent.PUBLIC), (INTERNAL_ELB_ROLE_TAG, Intent.PRIVATE)):
        if any(key in s.tags for s in snapshot.subnets):
            continue
        for subnet in sorted(snapshot.subnets, key=lambda s: s.id):
            if _eligible(b, subnet, wanted, routed, auto):
                b.labels.append(
                    TagLoadBalancerRole(
                        subnet_id=subnet.id,
                        key=key,
                        reason=(
                            f"its intent is {wanted} and no subnet of the VPC has {key} "
                            "(TagLoadBalancerSubnets)"
                        ),
                    )
                )


def _eligible(b: Draft, subnet: Subnet, wanted: Intent, public: Set[str], auto: AutoScope) -> bool:
    intent = b.intents[subnet.id]
    if intent.intent is not wanted or subnet.state != "available":
        return False
    if wanted is Intent.PUBLIC and subnet.id not in public:
        return False
    if any(k.startswith(CLUSTER_TAG) for k in subnet.tags) or b.is_held(subnet.id):
        return False
    if subnet.id in auto.undone:
        return False
    return intent.is_explicit or not owner(b.snapshot, subnet, b.policy)


def _routes_out(snapshot: VpcSnapshot, subnet: Subnet) -> bool:
    table = snapshot.governing_route_table(subnet.id)
    route = table.default_route(IPV4_DEFAULT) if table is not None else None
    return bool(
        route is not None
        and route.target_kind is TargetKind.IGW
        and route.state is RouteState.ACTIVE
    )
