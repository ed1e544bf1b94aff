"""Will a launcher find a subnet in this region? Each by its own code's rules (one module each).

`readiness(region, policy)` gives, for SkyPilot (0.8 and later, and 0.7), Ray's cluster
launcher, dstack, Amazon EKS, AWS Batch, AWS ParallelCluster and Karpenter, in public and
private mode, the entry for the launcher's defaults (`config: {}`); where that is not ready
and naming a VPC in the launcher's own config would make it ready, one more entry with that
`vpc_name`; and one entry per configuration the region's tags point at (an EKS cluster's
name, a Karpenter selector, a multi-NIC ParallelCluster queue). `lines()` is the same, one
line per launcher and mode, for the command line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from ..model import RegionSnapshot
from ..policy import Policy
from ..presence import FAMILIES, matter
from ..presence import families as parse_families
from ..text import shown, yaml_string
from . import batch, dstack, eks, karpenter, parallelcluster, ray, reach, skypilot
from .advice import blocked
from .view import Decision, LaunchMode, LaunchView, Readiness, listing

Config = Mapping[str, str]


def _no_configs(view: LaunchView) -> tuple[dict[str, str], ...]:
    return ()


@dataclass(frozen=True)
class Launcher:
    name: str
    family: str  # what `--for` names
    decide: Callable[[LaunchView, LaunchMode, Config], Decision]
    label: Callable[[LaunchMode], str]
    advise: Callable[[LaunchView, LaunchMode, Policy], str]
    snippet: Callable[[str, LaunchMode], str] | None = None  # None: no VPC setting
    config_words: str = "vpc_name"
    # The configurations the region's tags point at, each given its own entry.
    configs: Callable[[LaunchView], tuple[dict[str, str], ...]] = _no_configs
    # How a configuration reads in a line: `cluster "prod"`.
    config_label: Callable[[Config], str] = lambda c: ", ".join(
        f"{k}: {yaml_string(v)}" for k, v in c.items()
    )


def _skypilot(every_vpc: bool = False) -> Callable[[LaunchView, LaunchMode, Config], Decision]:
    def decide(view: LaunchView, mode: LaunchMode, config: Config) -> Decision:
        names = config.get("subnet_names")
        return skypilot.decide(
            view,
            mode,
            config.get("vpc_name"),
            every_vpc=every_vpc,
            subnet_names=tuple(n for n in names.split(",") if n) if names else None,
        )

    return decide


def _ray(view: LaunchView, mode: LaunchMode, config: Config) -> Decision:
    return ray.decide(view, mode, config.get("vpc_name"))


def _dstack(view: LaunchView, mode: LaunchMode, config: Config) -> Decision:
    return dstack.decide(view, mode, config.get("vpc_name"))


def _clusters(view: LaunchView) -> tuple[dict[str, str], ...]:
    return tuple({"cluster": c} for c in eks.clusters(view))


def _selectors(view: LaunchView) -> tuple[dict[str, str], ...]:
    found = karpenter.selectors(view)
    return found if len(found) > 1 else ()


def _queues(view: LaunchView) -> tuple[dict[str, str], ...]:
    return ({"multi_nic": "true"},) if view.multi_nic else ()


LAUNCHERS = (
    Launcher(
        skypilot.NAME,
        "skypilot",
        _skypilot(),
        lambda mode: skypilot.label(skypilot.NAME, mode),
        lambda view, mode, policy: skypilot.advise(view, mode, policy, launcher=skypilot.NAME),
        skypilot.snippet,
        "aws.vpc_name",
        config_label=lambda c: f"aws.subnet_names: {yaml_string(c['subnet_names'])}",
    ),
    Launcher(
        skypilot.NAME_07,
        "skypilot",
        _skypilot(every_vpc=True),
        lambda mode: skypilot.label(skypilot.NAME_07, mode),
        lambda view, mode, policy: skypilot.advise(view, mode, policy, launcher=skypilot.NAME_07),
        skypilot.snippet,
        "aws.vpc_name",
    ),
    Launcher(ray.NAME, "ray", _ray, ray.label, ray.advise),
    Launcher(dstack.NAME, "dstack", _dstack, dstack.label, dstack.advise, dstack.snippet),
    Launcher(
        eks.NAME,
        "eks",
        eks.decide,
        eks.label,
        eks.advise,
        configs=_clusters,
        config_label=lambda c: f"cluster {shown(c['cluster'])}",
    ),
    Launcher(batch.NAME, "batch", batch.decide, batch.label, batch.advise),
    Launcher(
        parallelcluster.NAME,
        "parallelcluster",
        parallelcluster.decide,
        parallelcluster.label,
        parallelcluster.advise,
        configs=_queues,
        config_label=lambda c: "multi-NIC queue",
    ),
    Launcher(
        karpenter.NAME,
        "karpenter",
        karpenter.decide,
        karpenter.label,
        karpenter.advise,
        configs=_selectors,
        config_label=karpenter.term_words,
    ),
)


def readiness(
    region: RegionSnapshot, policy: Policy, planned: frozenset[str] = frozenset()
) -> tuple[Readiness, ...]:
    """`planned`: the subnets the plans beside it make public, still to apply (the advice
    then says `fix` does it, and never asks a person for it). Each entry says whether its
    launcher matters here (its tags are present, or the settings name it)."""
    view = LaunchView.of(region)
    view = replace(
        view,
        planned=planned,
        multi_nic=view.multi_nic | {s.id for s in view.subnets if policy.multi_nic(s)},
    )
    # Resources present count too: a subnet serving multi-NIC (EFA) instances makes the
    # multi-NIC queue's line one to say.
    wanted = matter(policy.launchers, view.subnets) | (
        {"parallelcluster"} if view.multi_nic else set()
    )
    return tuple(
        replace(e, matters=launcher.family in wanted)
        for launcher in LAUNCHERS
        for mode in LaunchMode
        for e in _entries(view, launcher, mode, policy)
    )


def _decide(view: LaunchView, launcher: Launcher, mode: LaunchMode, config: Config) -> Decision:
    """The launcher's own decision, but never "ready" in private mode where the subnets it
    would use get out, if at all, through a NAT gateway that has no way out itself: its test
    passes, and nothing launched there reaches the internet. Where some of them do get out,
    it is ready, with a but."""
    decision = launcher.decide(view, mode, config)
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
    stuck = reach.stranded(view, stranded)
    assert stuck is not None  # noqa: S101 - `stranded` is not empty
    return Decision(
        False,
        f"{decision.reason}, but nothing there reaches the internet: {why}",
        advice=stuck.advice,
    )


def _entries(
    view: LaunchView, launcher: Launcher, mode: LaunchMode, policy: Policy
) -> Iterator[Readiness]:
    decision = _decide(view, launcher, mode, {})
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
    for config in launcher.configs(view):
        d = _decide(view, launcher, mode, config)
        more = "" if d.ready else (d.advice or launcher.advise(view, mode, policy))
        if more and mode is LaunchMode.PUBLIC:
            more += blocked(view)
        yield _entry(launcher, mode, config, d, more)


def _entry(
    launcher: Launcher, mode: LaunchMode, config: Config, d: Decision, advice: str
) -> Readiness:
    return Readiness(
        launcher=launcher.name,
        mode=mode,
        config=MappingProxyType(dict(config)),
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
    ready = [(n, d) for n in names if (d := _decide(view, launcher, mode, {"vpc_name": n})).ready]
    if not ready:
        return None
    return min(ready, key=lambda nd: (bool(nd[1].warning), -len(nd[1].subnet_ids), nd[0]))


def shown_entry(
    entries: Iterable[Readiness], launcher: Launcher, mode: LaunchMode
) -> Readiness | None:
    """The entry a line speaks of: the first the region's tags point at, else the defaults'."""
    mine = [e for e in entries if e.launcher == launcher.name and e.mode is mode]
    tagged = [e for e in mine if e.config and "vpc_name" not in e.config]
    return tagged[0] if tagged else next((e for e in mine if not e.config), None)


def lines(entries: Iterable[Readiness], only: frozenset[str] | None = None) -> list[str]:
    """One line per launcher and mode: ready as is, ready with a VPC named, or not (and how).
    `only`: these families (`--for`); without it, the launchers that matter here."""
    entries = tuple(entries)
    out = []
    for launcher in LAUNCHERS:
        if only is not None and launcher.family not in only:
            continue
        for mode in LaunchMode:
            base = shown_entry(entries, launcher, mode)
            if base is None or (only is None and not base.matters):
                continue
            named = next(
                (
                    e
                    for e in entries
                    if e.launcher == launcher.name and e.mode is mode and "vpc_name" in e.config
                ),
                None,
            )
            label = launcher.label(mode)
            if base.config:
                label = f"{label}, {launcher.config_label(base.config)}"
            if base.ready:
                out.append(f"{label}: ready ({_summary(base)})")
            elif named is not None:
                config = f"{launcher.config_words}: {yaml_string(named.config['vpc_name'])}"
                out.append(f"{label}: ready with {config} ({_summary(named)})")
            else:
                out.append(
                    f"{label}: not ready: {base.reason}; to fix: {base.advice}".removesuffix(
                        "; to fix: "
                    )
                )
    return out


def _summary(entry: Readiness) -> str:
    return f"{entry.detail}; but {entry.warning}" if entry.warning else entry.detail


def families(value: str) -> frozenset[str]:
    """`--for skypilot,eks`: the launchers whose lines are shown."""
    try:
        return parse_families(value)
    except ValueError as exc:
        raise ValueError(f"--for takes {exc}") from None


__all__ = [
    "FAMILIES",
    "LAUNCHERS",
    "LaunchMode",
    "LaunchView",
    "Readiness",
    "families",
    "lines",
    "readiness",
    "shown_entry",
]
