"""What the VPC says before anything is planned: its holds, the intents read from its tags and
names, tables that only claim to be the remediator's, and subnets VPC Block Public Access keeps
off the internet."""

from __future__ import annotations

from ..creators import owner
from ..findings import FindingCode
from ..intent import Intent, IntentSource
from ..model import (
    Hold,
    RouteTable,
    Subnet,
    Vpc,
    VpcSnapshot,
)
from ..policy import (
    HOLD_TAG_KEY,
)
from ..text import shown
from .draft import (
    Draft,
    claimed_route_tables,
    table_words,
)


def holds_of(snapshot: VpcSnapshot) -> dict[str, Hold]:
    """The record's holds; a hold tag is honoured too, since it only ever asks for less (its
    words are shown as data, and choose nothing)."""
    tagged: list[Vpc | Subnet | RouteTable] = [
        snapshot.vpc,
        *snapshot.subnets,
        *snapshot.route_tables,
    ]
    held = {
        r.id: Hold(f"its tag {HOLD_TAG_KEY} says {shown(r.tags[HOLD_TAG_KEY])}")
        for r in tagged
        if HOLD_TAG_KEY in r.tags
    }
    return held | dict(snapshot.ownership.holds)


def report_claims(b: Draft) -> None:
    """A table that merely claims to be the remediator's (by tags anyone can write) is a
    finding, nothing more."""
    known = b.snapshot.ownership.known
    for table in claimed_route_tables(b.snapshot):
        why = (
            "the remediator's record does not say it created it"
            if known
            else "no record of the remediator's is at hand to prove it was made by it"
        )
        b.find(
            FindingCode.CLAIMED_ROUTE_TABLE,
            table.id,
            f"{table_words(table)} is tagged as the remediator's, but {why}: it is never "
            "deleted, merged, kept in step or given subnets on that claim",
            person=known,
        )


def report_intents(b: Draft) -> None:
    for intent in b.intents.values():
        if intent.invalid_tag is not None:
            b.find(FindingCode.INVALID_INTENT_TAG, intent.subnet_id, intent.reason, person=True)
        elif intent.stranded:
            made_by = owner(b.snapshot, b.snapshot.subnet(intent.subnet_id), b.policy)
            b.find(
                FindingCode.PUBLIC_WITHOUT_ROUTE,
                intent.subnet_id,
                intent.stranded
                + (f"; {made_by} owns it: it is that tool's to fix" if made_by else "")
                + "; left as it is",
                person=True,
            )
        elif intent.intent is Intent.UNDECIDED:
            b.find(
                FindingCode.UNDECIDED_SUBNET,
                intent.subnet_id,
                f"{intent.subnet_id} is left alone: {intent.reason}",
                person=False,
            )
        if intent.contradiction and intent.source is IntentSource.VPC_TAG:
            b.find(
                FindingCode.VPC_INTENT_CONTRADICTED,
                intent.subnet_id,
                intent.contradiction,
                person=True,
            )
        elif intent.contradiction:
            b.find(
                FindingCode.NAME_CONTRADICTS_INTENT,
                intent.subnet_id,
                intent.contradiction,
                person=False,
            )


def reachable(b: Draft, public: list[Subnet]) -> list[Subnet]:
    """Public subnets the internet can reach; VPC Block Public Access keeps the others out, so
    routing them or mapping public IPs would be in vain."""
    access = b.snapshot.public_access
    vpc_id = b.snapshot.vpc.id
    blocked = [s for s in public if access.blocks(vpc_id, s.id)]
    for subnet in blocked:
        b.find(
            FindingCode.BLOCKED_BY_PUBLIC_ACCESS,
            subnet.id,
            f"VPC Block Public Access ({access.mode}) keeps internet traffic from {subnet.id}, "
            "so no route or public IP is added; an allow-bidirectional exclusion for the subnet "
            f"or {vpc_id} lets it through",
            person=b.intent(subnet).is_explicit,
        )
    return [s for s in public if s not in blocked]
