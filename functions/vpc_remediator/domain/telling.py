"""A reconcile told to a busy person, often on a phone (issue 20): the point first, Names beside
ids, one line per fact.

- `headline`: one sentence a person can act on;
- `changes`: one line per changed resource, in plain words ("subnet "skypilot-subnet"
  (subnet-...) now routes 0.0.0.0/0 to igw-... through "vpcr-public" (rtb-...), a new table;
  public IPs on"); the remediator's own labels (its tags) are bookkeeping, never a change;
- `needs`: what needs a person;
- `readiness_lines`: one line per launcher, both modes, at most 100 characters (the JSON has
  the reasons and the advice).

Pure: made from the report alone (its actions' outcomes and the VPC as last read).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .actions import (
    Action,
    AssociateRouteTable,
    AttachInternetGateway,
    CopyRoute,
    CreateDefaultVpc,
    CreateInternetGateway,
    CreateRoute,
    CreateRouteTable,
    DeleteCopiedRoute,
    DeleteRouteTable,
    DisableRoutePropagation,
    EnableRoutePropagation,
    Pending,
    PlaceHold,
    ReleaseHold,
    ReplaceRoute,
    ReplaceRouteTableAssociation,
    SetAddressing,
    SetEndpointRouteTable,
    TagLoadBalancerRole,
    TagResources,
    UpdateCopiedRoute,
)
from .findings import finding_line
from .launchers import LAUNCHERS, Launcher, shown_entry
from .launchers.view import LaunchMode, Readiness
from .model import IPV4_DEFAULT, IPV6_DEFAULT, VpcSnapshot
from .outcomes import ActionOutcome, ActionStatus, Outcome, Report
from .plan import names_of
from .policy import Mode
from .text import shown

LINE_LIMIT = 100
_COUNTED = (ActionStatus.APPLIED, ActionStatus.WOULD_APPLY)
_CARRYING = (
    CopyRoute,
    UpdateCopiedRoute,
    DeleteCopiedRoute,
    EnableRoutePropagation,
    DisableRoutePropagation,
    SetEndpointRouteTable,
)


def bookkeeping(action: Action) -> bool:
    """The remediator's own labels: not a change to anyone's network."""
    return isinstance(action, TagResources)


def created(report: Report) -> dict[Pending, str]:
    """The resources the plan created, by the name the plan knew them by -> their ids."""
    return {
        o.action.creates: o.resource_id
        for o in report.outcomes
        if o.action.creates is not None and o.resource_id
    }


def made(report: Report) -> list[ActionOutcome]:
    """The changes made (or, in audit mode, that would be), bookkeeping left out, with the
    resources the plan created named by their ids."""
    ids = created(report)
    return [
        ActionOutcome(o.action.resolved(ids), o.status, o.detail, o.resource_id)
        for o in report.outcomes
        if o.status in _COUNTED and not bookkeeping(o.action)
    ]


def words(snapshot: VpcSnapshot | None, resource: object) -> str:
    """`"Name" (id)`, or the id alone where it has no Name."""
    rid = str(resource)
    name = _names(snapshot).get(rid, "")
    return f"{shown(name)} ({rid})" if name else rid


def _names(snapshot: VpcSnapshot | None) -> Mapping[str, str]:
    return names_of(snapshot) if snapshot is not None else {}


def vpc_words(report: Report) -> str:
    """The VPC by its Name (or id), as a subject says it."""
    snapshot = report.snapshot
    if snapshot is not None and snapshot.vpc.name:
        return shown(snapshot.vpc.name)
    return report.scope


def counts(report: Report) -> str:
    """What changed, counted: "1 subnet public", "2 subnets public, 1 private"."""
    public: set[str] = set()
    private: set[str] = set()
    other = 0
    for outcome in made(report):
        action = outcome.action
        if isinstance(action, AssociateRouteTable | ReplaceRouteTableAssociation):
            public.add(action.subnet_id)
        elif isinstance(action, SetAddressing):
            (public if action.enabled else private).add(action.subnet_id)
        elif isinstance(action, CreateRoute | ReplaceRoute):
            public |= set(_governed(report, str(action.route_table)))
        elif not isinstance(action, CreateRouteTable | PlaceHold):
            other += 1
    parts = []
    if public:
        parts.append(f"{len(public)} subnet{'s' * (len(public) != 1)} public")
    if private - public:
        parts.append(f"{len(private - public)} private")
    if other and not parts:
        parts.append(f"{other} change{'s' * (other != 1)}")
    return ", ".join(parts)


def _governed(report: Report, table_id: str) -> list[str]:
    snapshot = report.snapshot
    if snapshot is None:
        return []
    table = next((t for t in snapshot.route_tables if t.id == table_id), None)
    return [s.id for s in snapshot.subnets_governed_by(table)] if table is not None else []


def headline(report: Report) -> str:
    """One sentence a person can act on."""
    where = f"{vpc_words(report)} in {report.region}"
    if report.account:
        where += f" (account {report.account})"
    people = sum(f.needs_person for f in report.findings)
    you = f"; {people} thing{'s need' if people != 1 else ' needs'} you (below)" if people else ""
    what = counts(report)
    match report.outcome:
        case Outcome.CHANGED:
            rest = you or "; nothing for you to do"
            return f"Fixed {where}: {what}{rest}."
        case Outcome.WOULD_CHANGE:
            return f"Audit: {where} needs {what}; `vpc-remediator fix` does it{you}."
        case Outcome.FAILED:
            failed = len(report.failures) or len(report.remaining)
            return (
                f"Fixing {where} FAILED: {failed} change{'s' * (failed != 1)} not made"
                f"{'; ' + report.error if report.error else ''}; the event is retried, and the "
                "dead-letter queue keeps it."
            )
        case Outcome.IN_PROGRESS:
            done = sum(o.status is ActionStatus.APPLIED for o in report.outcomes)
            return (
                f"Fixing {where}: {done} done, {len(report.remaining)} to go; the retry carries "
                "on by itself."
            )
        case Outcome.NEEDS_ATTENTION:
            return f"{where} needs you: {people or 1} thing{'s' * (people > 1)} to look at (below)."
    return f"{where} is as it should be."


def changes(report: Report) -> list[str]:
    """One line per changed resource: each subnet with its new routing and addressing, each
    table kept in step, each gateway or VPC made."""
    snapshot = report.snapshot
    done = made(report)
    actions = [o.action for o in done]
    new_tables = {o.resource_id for o in done if isinstance(o.action, CreateRouteTable)}
    routes: dict[str, dict[str, str]] = {}
    for a in actions:
        if isinstance(a, CreateRoute | ReplaceRoute):
            routes.setdefault(str(a.route_table), {})[a.destination] = str(a.gateway)
    moved = {a.subnet_id: str(a.route_table) for a in actions if isinstance(a, AssociateRouteTable)}
    moved |= {
        a.subnet_id: str(a.route_table)
        for a in actions
        if isinstance(a, ReplaceRouteTableAssociation)
    }
    addressing: dict[str, list[str]] = {}
    for a in actions:
        if isinstance(a, SetAddressing):
            what = "public IPs" if a.attribute == "MapPublicIpOnLaunch" else "IPv6 addresses"
            addressing.setdefault(a.subnet_id, []).append(f"{what} {'on' if a.enabled else 'off'}")
    subnets = list(dict.fromkeys([*moved, *_route_subnets(report, routes), *addressing]))
    lines = []
    for subnet in subnets:
        table = moved.get(subnet) or _table_of(snapshot, subnet)
        parts = []
        if table and (subnet in moved or table in routes):
            parts.append(_routing(snapshot, table, routes.get(table, {}), table in new_tables))
        parts += addressing.get(subnet, [])
        lines.append(f"subnet {words(snapshot, subnet)} {'; '.join(parts)}")
    carried: dict[str, int] = {}
    for a in actions:
        if isinstance(a, _CARRYING):
            carried[str(a.route_table)] = carried.get(str(a.route_table), 0) + 1
    for table, n in carried.items():
        lines.append(
            f"route table {words(snapshot, table)}: {n} route{'s' * (n != 1)} kept in step "
            "with the main table"
        )
    for a in actions:
        match a:
            case CreateInternetGateway():
                lines.append("internet gateway created for the explicitly public subnets")
            case AttachInternetGateway(gateway=gateway, vpc_id=vpc):
                lines.append(f"internet gateway {gateway} attached to {words(snapshot, vpc)}")
            case CreateDefaultVpc():
                lines.append("the default VPC recreated, with its gateway and public subnets")
            case DeleteRouteTable(route_table=table):
                lines.append(f"duplicate route table {table} deleted (its subnets merged)")
            case TagLoadBalancerRole(subnet_id=subnet, key=key):
                lines.append(
                    f"subnet {words(snapshot, subnet)} tagged {key}=1 for the AWS Load "
                    "Balancer Controller"
                )
            case PlaceHold(resource_id=resource):
                lines.append(f"{words(snapshot, resource)} put on hold (see below)")
            case ReleaseHold(resource_id=resource):
                lines.append(f"{words(snapshot, resource)} released from hold")
    return lines


def _route_subnets(report: Report, routes: Mapping[str, Mapping[str, str]]) -> list[str]:
    return [s for table in routes for s in _governed(report, table)]


def _table_of(snapshot: VpcSnapshot | None, subnet: str) -> str:
    if snapshot is None:
        return ""
    table = snapshot.governing_route_table(subnet)
    return table.id if table is not None else ""


def _routing(snapshot: VpcSnapshot | None, table: str, added: Mapping[str, str], new: bool) -> str:
    """ "now routes 0.0.0.0/0 to igw-... through "vpcr-public" (rtb-...), a new table"."""
    known = dict(added)
    live = next((t for t in snapshot.route_tables if t.id == table), None) if snapshot else None
    for destination in (IPV4_DEFAULT, IPV6_DEFAULT):
        route = live.default_route(destination) if live is not None else None
        if destination not in known and route is not None:
            known[destination] = route.target_id
    through = f"through {words(snapshot, table)}{', a new table' if new else ''}"
    if not known:
        return f"now uses route table {words(snapshot, table)}"
    targets = ", ".join(f"{d} to {t}" for d, t in sorted(known.items(), key=_ipv4_first))
    return f"now routes {targets} {through}"


def _ipv4_first(item: tuple[str, str]) -> tuple[bool, str]:
    return (":" in item[0], item[0])


def needs(report: Report) -> list[str]:
    """What needs a person: failures first, then the findings that ask for one."""
    ids = created(report)
    lines = [
        f"{o.action.resolved(ids).summary} failed: {o.detail or 'see the details'}"
        for o in report.failures
    ]
    lines += [finding_line(f) for f in report.findings if f.needs_person]
    return lines


def readiness_lines(entries: Iterable[Readiness]) -> list[str]:
    """One line per launcher that matters here, public and private mode, at most LINE_LIMIT
    characters."""
    entries = tuple(entries)
    out = []
    for launcher in LAUNCHERS:
        public = shown_entry(entries, launcher, LaunchMode.PUBLIC)
        if public is None or not public.matters:
            continue
        base = launcher.label(LaunchMode.PUBLIC)
        if public.config:
            base = f"{base}, {launcher.config_label(public.config)}"
        private = launcher.label(LaunchMode.PRIVATE).removeprefix(launcher.label(LaunchMode.PUBLIC))
        public_state = _state(launcher.config_words, entries, launcher, LaunchMode.PUBLIC)
        private_state = _state(launcher.config_words, entries, launcher, LaunchMode.PRIVATE)
        out.append(_fit(f"{base}: {public_state}; {private.strip(' ()')}: {private_state}"))
    return out


def _state(
    config_words: str, entries: tuple[Readiness, ...], launcher: Launcher, mode: LaunchMode
) -> str:
    base = shown_entry(entries, launcher, mode)
    named = next(
        (
            e
            for e in entries
            if e.launcher == launcher.name and e.mode is mode and "vpc_name" in e.config and e.ready
        ),
        None,
    )
    if base is not None and base.ready:
        return "ready, but see the details" if base.warning else "ready"
    if named is not None:
        return f"ready with {config_words}: {shown(named.config['vpc_name'])}"
    return "not ready"


def _fit(line: str) -> str:
    return line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 1] + "…"


def where_words(report: Report) -> str:
    """ "skypilot-vpc (vpc-...) in eu-south-1", with the account where it is known."""
    vpc = words(report.snapshot, report.scope) if report.scope.startswith("vpc-") else report.scope
    account = f" of account {report.account}" if report.account else ""
    return f"{vpc} in {report.region}{account}"


def audit_or_applied(report: Report) -> str:
    return "Would change" if report.mode is Mode.AUDIT else "Changed"


__all__ = [
    "audit_or_applied",
    "bookkeeping",
    "changes",
    "counts",
    "created",
    "headline",
    "made",
    "needs",
    "readiness_lines",
    "vpc_words",
    "where_words",
    "words",
]
