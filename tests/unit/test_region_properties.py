"""Safety over random regions: many VPCs at once, the region plan included (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes import apply_actions, public_subnets
from tests.properties import examples
from tests.unit.test_planner_properties import policies, scopes, vpcs
from vpc_remediator.domain.actions import CreateDefaultVpc
from vpc_remediator.domain.intent import Intent, resolve_intents
from vpc_remediator.domain.model import RegionSnapshot, Vpc, VpcSnapshot
from vpc_remediator.domain.planner import plan_for_vpc, plan_region
from vpc_remediator.domain.policy import AutoScope, Mode, Policy


def renamed(snapshot: VpcSnapshot, n: int) -> VpcSnapshot:
    """The same VPC under ids of its own, so that several can share a region."""
    vpc_id = f"vpc-{n:017d}"

    def rid(resource_id: str) -> str:
        kind, _, rest = resource_id.partition("-")
        return f"{kind}-{n}-{rest}"

    return VpcSnapshot(
        vpc=replace(snapshot.vpc, id=vpc_id),
        subnets=tuple(replace(s, id=rid(s.id), vpc_id=vpc_id) for s in snapshot.subnets),
        route_tables=tuple(
            replace(
                t,
                id=rid(t.id),
                vpc_id=vpc_id,
                associations=tuple((f"{a}-{n}", rid(s)) for a, s in t.associations),
            )
            for t in snapshot.route_tables
        ),
        internet_gateways=tuple(
            replace(g, id=f"{g.id}{n}", attached_vpc_ids=(vpc_id,))
            for g in snapshot.internet_gateways
        ),
        nat_gateways=snapshot.nat_gateways,
        gateway_endpoints=tuple(
            replace(e, vpc_id=vpc_id, route_table_ids=tuple(rid(t) for t in e.route_table_ids))
            for e in snapshot.gateway_endpoints
        ),
        public_access=snapshot.public_access,
        account=snapshot.account,
    )


@st.composite
def regions(draw: st.DrawFn) -> RegionSnapshot:
    snapshots = [
        renamed(s, n) for n, s in enumerate(draw(st.lists(vpcs(), min_size=1, max_size=4)))
    ]
    # At most one default VPC per region.
    defaults = [s for s in snapshots if s.vpc.is_default]
    for extra in defaults[1:]:
        index = snapshots.index(extra)
        snapshots[index] = replace(
            extra, vpc=Vpc(extra.vpc.id, False, extra.vpc.cidr, extra.vpc.tags)
        )
    return RegionSnapshot(
        "eu-south-1",
        tuple(s.vpc for s in snapshots),
        MappingProxyType({s.vpc.id: s for s in snapshots}),
    )


@settings(max_examples=examples(150), deadline=None)
@given(regions(), policies, scopes)
def test_no_plan_in_any_vpc_of_a_region_makes_a_non_public_subnet_public(
    region: RegionSnapshot, policy: Policy, auto: AutoScope
) -> None:
    for vpc_id, snapshot in region.details.items():
        intents = resolve_intents(snapshot, policy)
        plan = plan_for_vpc(region, vpc_id, policy, auto)
        after = apply_actions(snapshot, plan.actions)
        before_public = set(public_subnets(snapshot))
        for subnet_id in set(public_subnets(after)) - before_public:
            assert intents[subnet_id].intent is Intent.PUBLIC, (
                vpc_id,
                subnet_id,
                intents[subnet_id],
            )
        ignored = {s for s, i in intents.items() if i.intent is Intent.IGNORE}
        for subnet in after.subnets:
            if subnet.id in ignored:
                assert after.governing_route_table(subnet.id) == snapshot.governing_route_table(
                    subnet.id
                )
                assert subnet == next(s for s in snapshot.subnets if s.id == subnet.id)


@settings(max_examples=examples(150), deadline=None)
@given(regions(), policies)
def test_the_default_vpc_is_recreated_only_when_missing_and_allowed(region, policy) -> None:
    plan = plan_region(region, policy)
    recreates = any(isinstance(a, CreateDefaultVpc) for a in plan.actions)
    assert recreates == (region.default_vpc is None and policy.restore_default_vpc)
    audit = plan_region(region, replace(policy, mode=Mode.AUDIT))
    assert audit.writes == ()
