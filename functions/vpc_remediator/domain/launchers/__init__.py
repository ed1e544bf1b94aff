"""Will a launcher find a subnet in this region? Each by its own code's rules (one module each).

`readiness(region, policy)` gives, for SkyPilot (0.8 and later, and 0.7), Ray's cluster
launcher and dstack, in public and private mode, the entry for the launcher's defaults
(`config: {}`) and, where that is not ready and naming a VPC in the launcher's own config
would make it ready, one more entry with that `vpc_name`. `lines()` is the same, one line per
launcher and mode, for notices and the command line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from types import MappingProxyType

from ..model import RegionSnapshot
from ..policy import Policy
from ..text import yaml_string
from . import dstack, ray, skypilot
from .advice import blocked
from .view import Decision, LaunchMode, LaunchView, Readiness, listing

FAMILIES = ("skypilot", "ray", "dstack")


@dataclass(frozen=True)
class Launcher:
    name: str
    family: str  # what `--for` names
    decide: Callable[[LaunchView, LaunchMode, str | None], Decision]
    label: Callable[[LaunchMode], str]
    advise: Callable[[LaunchView, LaunchMode, Policy], str]
    snippet: Callable[[str, LaunchMode], str] | None = None  # None: no VPC setting
    config_words: str = "vpc_name"


LAUNCHERS = (
    Launcher(
        skypilot.NAME,
        "skypilot",
        skypilot.decide,
        partial(skypilot.label, skypilot.NAME),
        partial(skypilot.advise, launcher=skypilot.NAME),
        skypilot.snippet,
        "aws.vpc_name",
    ),
    Launcher(
        skypilot.NAME_07,
        "skypilot",
        partial(skypilot.decide, every_vpc=True),
        partial(skypilot.label, skypilot.NAME_07),
        partial(skypilot.advise, launcher=skypilot.NAME_07),
        skypilot.snippet,
        "aws.vpc_name",
    ),
    Launcher(ray.NAME, "ray", ray.decide, ray.label, ray.advise),
    Launcher(
        dstack.NAME,
        "dstack",
        dstack.decide,
        dstack.label,
        dstack.advise,
        dstack.snippet,
    ),
)


def readiness(
    region: RegionSnapshot, policy: Policy, planned: frozenset[str] = frozenset()
) -> tuple[Readiness, ...]:
    """`planned`: the subnets the plans beside it make public, still to apply (the advice
    then says `fix` does it, and never asks a person for it)."""
    view = replace(LaunchView.of(region), planned=planned)
    return tuple(
        e
        for launcher in LAUNCHERS
        for mode in LaunchMode
        for e in _entries(view, launcher, mode, policy)
    )


def _decide(
    view: LaunchView, launcher: Launcher, mode: LaunchMode, vpc_name: str | None
) -> Decision:
    """The launcher's own decision, but never "ready" in private mode where the subnets it
    would use get out, if at all, through a NAT gateway that has no way out itself: its test
    passes, and nothing launched there reaches the internet. Where some of them do get out,
    it is ready, with a but."""
    decision = launcher.decide(view, mode, vpc_name)
    if mode is not LaunchMode.PRIVATE or not decision.ready:
        return decision
    by_id = {s.id: s for s in view.subnets}
    chosen = [by_id[i] for i in decision.subnet_ids if i in by_id]
    stranded = [s for s in chosen if view.stranded_nat(s)]
    if not stranded:
        return decision
    why = view.stranded_nat(stranded[0])
    if any(view.has_egress(s) for s in chosen):
        if decision.warning:
            return decision
        behind = listing(tuple(s.id for s in stranded))
        return replace(decision, warning=f"instances in {behind} would not get out: {why}")
    nat = view.egress_nat(stranded[0])
    return Decision(
        False,
        f"{decision.reason}, but nothing there reaches the internet: {why}",
        advice=(
            f"route 0.0.0.0/0 of the route table of {view.nat_subnets[nat]} (NAT gateway "
            f"{nat}'s subnet) to the VPC's internet gateway"
        ),
    )


def _entries(
    view: LaunchView, launcher: Launcher, mode: LaunchMode, policy: Policy
) -> Iterator[Readiness]:
    decision = _decide(view, launcher, mode, None)
    named = None if decision.ready else _named(view, launcher, mode)
    if decision.ready:
        advice = ""
    elif decision.advice and named is None:
        advice = decision.advice
    elif named is not None and launcher.snippet is not None:
        advice = launcher.snippet(named[0], mode)
    else:
        advice = launcher.advise(view, mode, policy)
    if advice and mode is LaunchMode.PUBLIC:
        advice += blocked(view)
    yield _entry(launcher, mode, {}, decision, advice)
    if named is not None:
        yield _entry(launcher, mode, {"vpc_name": named[0]}, named[1], "")


def _entry(
    launcher: Launcher, mode: LaunchMode, config: dict[str, str], d: Decision, advice: str
) -> Readiness:
    return Readiness(
        launcher=launcher.name,
        mode=mode,
        config=MappingProxyType(config),
        ready=d.ready,
        vpc_id=d.vpc_id if d.ready else None,
        subnet_ids=d.subnet_ids if d.ready else (),
        reason=d.sentence,
        advice=advice,
        detail=d.detail,
        warning=d.warning,
    )


def _named(view: LaunchView, launcher: Launcher, mode: LaunchMode) -> tuple[str, Decision] | None:
    """The VPC name that, set in the launcher's config, makes it ready: of the names that do,
    the one whose subnets work best (reachable, then most), then by name."""
    if launcher.snippet is None:
        return None
    # A Name two VPCs share is never offered: the launcher stops on it, or picks one.
    counted = Counter(v.name for v in view.vpcs if v.name)
    names = [n for n in counted if counted[n] == 1]
    ready = [(n, d) for n in names if (d := _decide(view, launcher, mode, n)).ready]
    if not ready:
        return None
    return min(ready, key=lambda nd: (bool(nd[1].warning), -len(nd[1].subnet_ids), nd[0]))


def families(value: str) -> frozenset[str]:
    """`--for skypilot,ray,dstack`: the launchers whose lines are shown."""
    wanted = frozenset(w.strip().lower() for w in value.split(",") if w.strip())
    unknown = wanted - set(FAMILIES)
    if unknown or not wanted:
        raise ValueError(
            f"--for takes a comma-separated list of {', '.join(FAMILIES)}; "
            f"not {', '.join(sorted(unknown)) or 'an empty list'}"
        )
    return wanted


def lines(entries: Iterable[Readiness], only: frozenset[str] | None = None) -> list[str]:
    """One line per launcher and mode: ready as is, ready with a VPC named, or not (and how)."""
    entries = tuple(entries)
    out = []
    for launcher in LAUNCHERS:
        if only is not None and launcher.family not in only:
            continue
        for mode in LaunchMode:
            mine = [e for e in entries if e.launcher == launcher.name and e.mode is mode]
            if not mine:
                continue
            base = next((e for e in mine if not e.config), mine[0])
            named = next((e for e in mine if e.config), None)
            label = launcher.label(mode)
            if base.ready:
                out.append(f"{label}: ready ({_summary(base)})")
            elif named is not None:
                config = f"{launcher.config_words}: {yaml_string(named.config['vpc_name'])}"
                out.append(f"{label}: ready with {config} ({_summary(named)})")
            else:
                out.append(f"{label}: not ready: {base.reason}; to fix: {base.advice}")
    return out


def _summary(entry: Readiness) -> str:
    return f"{entry.detail}; but {entry.warning}" if entry.warning else entry.detail


__all__ = [
    "FAMILIES",
    "LAUNCHERS",
    "LaunchMode",
    "LaunchView",
    "Readiness",
    "families",
    "lines",
    "readiness",
]
