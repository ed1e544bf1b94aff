"""NAT gateways with no way out: a public NAT gateway reaches the internet only through its own
subnet's route to the internet gateway, so where that route is missing (and this plan does not
add it) nothing behind the NAT gets out. A finding for a person, naming what is behind it."""

from __future__ import annotations

from ..actions import AssociateRouteTable
from ..creators import owner
from ..findings import FindingCode
from ..intent import stranded_nat
from ..model import IPV4_DEFAULT
from .draft import Draft, table_words


def report_stranded_nats(b: Draft) -> None:
    snapshot = b.snapshot
    moved = {a.subnet_id for a in b.associations if isinstance(a, AssociateRouteTable)}
    for nat in snapshot.nat_gateways:
        subnet = next((s for s in snapshot.subnets if s.id == nat.subnet_id), None)
        if subnet is None or not nat.public or not stranded_nat(snapshot, subnet):
            continue
        table = snapshot.governing_route_table(subnet.id)
        if subnet.id in moved or (table is not None and (table.id, IPV4_DEFAULT) in b.routes):
            continue  # this plan gives it its way out
        behind = [
            s.id
            for t in snapshot.route_tables
            if (route := t.default_route(IPV4_DEFAULT)) is not None and route.target_id == nat.id
            for s in snapshot.subnets_governed_by(t)
        ]
        where = table_words(table) if table is not None else "no route table"
        made_by = owner(snapshot, subnet, b.policy)
        b.find(
            FindingCode.NAT_WITHOUT_ROUTE,
            nat.id,
            f"NAT gateway {nat.id} has no way out: its subnet {subnet.id} is on {where}, which "
            "has no 0.0.0.0/0 route to the internet gateway"
            + (
                f", so nothing behind it ({', '.join(behind)}) reaches the internet"
                if behind
                else ""
            )
            + (f"; {made_by} owns it: it is that tool's to fix" if made_by else ""),
            person=True,
        )
