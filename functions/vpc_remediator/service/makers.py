"""The keeper of who made what (domain/creators.py), where no event says it: the sweep and the
command line. The memory first; CloudTrail's event history for the rest, for at most
MAX_LOOKUPS subnets a reconcile (the others wait for the next one, their maker unknown)."""

from __future__ import annotations

from typing import Protocol

from ..domain import creators
from ..domain.memory import Memory
from ..domain.model import RegionSnapshot
from ..domain.planner import plan_for_vpc
from ..domain.policy import AutoScope, Policy
from ..domain.provenance import Caller
from ..observability import logger

MAX_LOOKUPS = 20  # at 2 a second, ten seconds of a reconcile at most


class History(Protocol):
    unavailable: str  # why it cannot be read (""): then every maker is not known

    def maker(self, resource_id: str) -> Caller | None: ...


class MakerBook:
    def __init__(
        self,
        history: History,
        memory: Memory | None,
        region: str,
        policy: Policy,
        *,
        ask_unknown: bool,
    ) -> None:
        self._history = history
        self._memory = memory
        self._region = region
        self._policy = policy
        self.ask_unknown = ask_unknown  # the command line asks a person instead
        self.makers: dict[str, Caller | None] = {}  # what this reconcile learnt, for the plan
        self.lookups = 0
        self._failed = False
        self._scopes: dict[tuple[str, AutoScope], AutoScope] = {}

    def vouch(self, region: RegionSnapshot, vpc_id: str, auto: AutoScope) -> AutoScope:
        """Auto intent limited to the subnets a caller it finishes for made (once per VPC and
        scope in a reconcile: its later rounds keep the first answer)."""
        if auto.withheld or not (auto.everything or auto.subnet_ids):
            return auto
        if (vpc_id, auto) not in self._scopes:
            with_auto = plan_for_vpc(region, vpc_id, self._policy, auto)
            without = plan_for_vpc(region, vpc_id, self._policy, AutoScope.none())
            subjects = creators.auto_subjects(with_auto, without)
            makers = {s: self.maker(s) for s in sorted(subjects)}
            self._scopes[(vpc_id, auto)] = creators.vouched(
                auto,
                subjects,
                makers,
                self._policy.auto_intent_from,
                ask_unknown=self.ask_unknown,
            )
        return self._scopes[(vpc_id, auto)]

    def maker(self, resource_id: str) -> Caller | None:
        if resource_id in self.makers:
            return self.makers[resource_id]
        key = f"{self._region}:{resource_id}"
        known = self._memory.recall(creators.CREATOR, key) if self._memory else None
        if known is not None:
            found = creators.maker_of(known)
        elif self.lookups >= MAX_LOOKUPS or self._failed:
            return None  # the next reconcile asks
        else:
            self.lookups += 1
            try:
                found = self._history.maker(resource_id)
            except Exception:  # noqa: BLE001 - not knowing is an answer the rules handle
                # Denied, or throttled past the retry: asked no more in this reconcile.
                logger.warning(
                    "CloudTrail history not read; makers not known",
                    extra={"resource": resource_id},
                    exc_info=True,
                )
                self._failed = True
                return None
            if self._history.unavailable:
                logger.info(
                    "CloudTrail history unavailable", extra={"why": self._history.unavailable}
                )
                self._failed = True
                return None
            if self._memory is not None:
                days = creators.CREATOR_DAYS if found else creators.UNKNOWN_DAYS
                self._memory.remember(creators.CREATOR, key, creators.maker_value(found), days=days)
        self.makers[resource_id] = found
        return found
