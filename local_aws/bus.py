"""A local EventBridge: routes an event to the function whose rule in template.yaml matches it.

Each function runs in this process with the environment template.yaml gives it (Globals and
its own variables, intrinsics resolved for the chosen parameters), exactly as EventBridge and
Lambda would: the pattern decides, not the caller.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.events.models import EventPattern

from .context import FakeContext
from .template import Resolver, load_template


@dataclass(frozen=True)
class FunctionRoute:
    name: str  # the function's logical id in template.yaml
    handler: str  # module.function
    pattern: EventPattern | None  # None: a schedule, not an event pattern
    environment: Mapping[str, str]


@dataclass(frozen=True)
class Delivery:
    function: str
    result: Any = None
    error: BaseException | None = None


@dataclass
class LocalEventBus:
    region: str
    account: str
    topic_arn: str
    dead_letter_url: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    memory_table: str = "vpc-remediator-memory"
    routes: list[FunctionRoute] = field(init=False)

    def __post_init__(self) -> None:
        template = load_template()
        functions = {
            name: r
            for name, r in template["Resources"].items()
            if r["Type"] == "AWS::Serverless::Function"
        }
        refs: dict[str, str] = {
            "NoticeTopic": self.topic_arn,
            "DeadLetterQueue": self.dead_letter_url,
            "MemoryTable": self.memory_table,
        }
        for name in functions:
            refs[f"{name}Role.Arn"] = f"arn:aws:iam::{self.account}:role/vpc-remediator-{name}Role"
        resolver = Resolver(template, self.parameters, self.region, self.account, refs, strict=True)
        shared = resolver.value(template["Globals"]["Function"]["Environment"]["Variables"])
        self.routes = []
        for name, resource in functions.items():
            props = resource["Properties"]
            own = resolver.value(props.get("Environment", {}).get("Variables", {}))
            (event,) = props["Events"].values()
            pattern = None
            if event["Type"] == "EventBridgeRule":
                pattern = EventPattern.load(
                    json.dumps(resolver.value(event["Properties"]["Pattern"]))
                )
            self.routes.append(
                FunctionRoute(
                    name,
                    props["Handler"],
                    pattern,
                    {k: str(v) for k, v in {**shared, **own}.items()},
                )
            )

    def matching(self, event: Mapping[str, Any]) -> list[FunctionRoute]:
        message = dict(event)
        return [
            r
            for r in self.routes
            if r.pattern is not None and r.pattern.matches_event(message)  # type: ignore[arg-type]
        ]

    def deliver(self, event: Mapping[str, Any]) -> list[Delivery]:
        """Invoke every function whose rule matches; an empty list when none does."""
        return [self.invoke(route, event) for route in self.matching(event)]

    def invoke(self, route: FunctionRoute, event: Mapping[str, Any]) -> Delivery:
        module_name, _, attribute = route.handler.rpartition(".")
        context = FakeContext.of(route.name, self.region, self.account)
        with _environment({**route.environment, "AWS_REGION": self.region}):
            from vpc_remediator import runtime  # the same process serves every function

            runtime.settings.cache_clear()
            handler = getattr(importlib.import_module(module_name), attribute)
            try:
                return Delivery(route.name, result=handler(dict(event), context))
            except Exception as exc:  # noqa: BLE001 - reported to the caller, as Lambda would
                return Delivery(route.name, error=exc)
            finally:
                runtime.settings.cache_clear()


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
