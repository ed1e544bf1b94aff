"""The managed table follows the main table: every change to the main table's routes is carried
over, on every reconcile (domain/carry.py decides the copies)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from ..carry import CarryPlan, plan_carry
from ..findings import FindingCode
from ..model import (
    RouteTable,
)
from .draft import (
    Draft,
)


def keep_in_step(b: Draft, main: RouteTable | None, managed: RouteTable | None) -> CarryPlan:
    """The managed table follows every change to the main table's routes, on every reconcile."""
    if main is None or managed is None:
        return CarryPlan()
    if b.is_held(managed.id):
        b.report_hold(managed.id)
        return CarryPlan(problems=("on hold",))
    carry = plan_carry(b.snapshot, main, managed, managed.id)
    others = b.not_public(managed)
    if (carry.actions or carry.record) and others:
        # An ignored (or private, or undecided) subnet's table is never changed.
        b.find(
            FindingCode.ROUTES_NOT_CARRIED,
            managed.id,
            f"the managed table {managed.id} is not kept in step with {main.id}: it governs "
            f"{', '.join(others)}, which are not meant to be public, so it is left as it is",
            person=True,
        )
        return replace(carry, actions=(), record=None, problems=(*carry.problems, "hands off"))
    b.carries.extend(carry.actions)
    b.carried[managed.id] = dict(carry.routes)
    if carry.record is not None:
        b.copies[managed.id] = MappingProxyType(dict(carry.record))
    if carry.problems and managed.subnet_ids:
        b.find(
            FindingCode.ROUTES_NOT_CARRIED,
            managed.id,
            f"the managed table {managed.id} is not equal to the main table {main.id}: "
            f"{'; '.join(carry.problems)}; no further subnet is moved onto it",
            person=True,
        )
    return carry
