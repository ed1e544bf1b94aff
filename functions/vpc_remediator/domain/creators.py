"""Who made a subnet, where no event says it (docs/design.md section 4: auto intent is applied
only to what a person made in the console or with the CLI).

The sweep and the command line have no CloudTrail event at hand. For the few subnets a plan
would change on auto intent, who made them is looked up in CloudTrail's event history (an
adapter's job, remembered once known); domain/decision.py says which subnets to ask about;
here is what auto intent may do once the answers are in. A subnet whose maker is not known is
left alone by the sweep; the command line shows it in the plan and asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .actions import Action
from .model import Subnet, VpcSnapshot
from .policy import AutoScope, Policy
from .provenance import Caller, CallerKind, iac_owner

CREATOR = "creator"  # memory kind: who made a resource
CREATOR_DAYS = 400  # who made it never changes
UNKNOWN_DAYS = 7  # not in the event history (older than 90 days, or no trail): asked weekly
HISTORY_DAYS = 90  # what CloudTrail's event history keeps


def subnets_named(actions: tuple[Action, ...]) -> set[str]:
    return {r for a in actions for r in a.written if r.startswith("subnet-")}


def vouched(
    auto: AutoScope,
    subjects: frozenset[str],
    makers: Mapping[str, Caller | None],
    allowed: frozenset[CallerKind],
    *,
    ask_unknown: bool,
) -> AutoScope:
    """Auto intent for the subjects whose maker auto intent finishes for; the others are made
    by someone else (named), or by no one known (left alone, unless a person is asked)."""
    known = {
        s: maker
        for s in subjects
        if (maker := makers.get(s)) is not None and maker.kind is not CallerKind.UNKNOWN
    }
    made_by = tuple((s, known[s].described) for s in sorted(known) if known[s].kind not in allowed)
    unknown = frozenset(subjects - set(known))
    return replace(
        auto,
        made_by=auto.made_by + made_by,
        maker_unknown=auto.maker_unknown | (frozenset() if ask_unknown else unknown),
    )


def maker_value(maker: Caller | None) -> dict[str, Any]:
    """A maker as the memory keeps it."""
    if maker is None:
        return {"known": False}
    return {
        "known": True,
        "kind": str(maker.kind),
        "tool": maker.tool,
        "principal": maker.principal,
    }


def maker_of(value: Mapping[str, Any]) -> Caller | None:
    if not value.get("known"):
        return None
    return Caller(CallerKind(value["kind"]), str(value["tool"]), str(value["principal"]))


def owner(snapshot: VpcSnapshot, subnet: Subnet, policy: Policy) -> str:
    """The tool that owns the subnet (or its VPC) by its tags, or "": its resources are the
    tool's to finish (only explicit intent changes them)."""
    keys = policy.iac_tag_keys
    return iac_owner(subnet.tags, keys) or iac_owner(snapshot.vpc.tags, keys)
