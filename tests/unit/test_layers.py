"""The layers' direction, read from the source: every import, at the top of a module or inside a
function (the lazy ones the cold start relies on) or under TYPE_CHECKING, is an edge.

    domain (standard library only) <- aws (the only boto3 importers) <- service (its keepers;
    only its wiring builds adapters) <- lambdas, cli (the entry points)

`observability` (the Powertools Logger and Metrics) sits beside domain, under everything but it.
Nothing depends upward, the two entry points do not import each other, and no module imports
itself back through others (no cycle).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "vpc_remediator"
SOURCE = Path(__file__).resolve().parents[2] / "functions" / PACKAGE
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

# What each room may import from the package (besides itself).
MAY_IMPORT = {
    "domain": frozenset(),
    "observability": frozenset(),
    "aws": frozenset({"domain", "observability"}),
    "service": frozenset({"domain", "observability"}),
    "lambdas": frozenset({"domain", "observability", "service"}),
    "cli": frozenset({"domain", "observability", "service"}),
    "__main__": frozenset({"cli"}),
    "": frozenset(),  # the package's own __init__
}
# The one module of the service that builds adapters.
WIRING = f"{PACKAGE}.service.wiring"
# Third-party packages each room may import (the domain none at all).
THIRD_PARTY = {
    "domain": frozenset(),
    "observability": frozenset({"aws_lambda_powertools"}),
    "aws": frozenset({"boto3", "botocore", "aws_lambda_powertools"}),
    "service": frozenset(),
    "lambdas": frozenset({"aws_lambda_powertools"}),
    "cli": frozenset(),
    "__main__": frozenset(),
    "": frozenset(),
}


def _module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(SOURCE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SOURCE.rglob("*.py"))}


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module `module` imports (the package's resolved to modules where they are)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            named = [f"{target}.{alias.name}" for alias in node.names]
            submodules = [n for n in named if n in MODULES]
            yield from submodules or [target]
            if submodules and len(submodules) < len(named):
                yield target


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


GRAPH = {m: sorted(set(_imports(m, p))) for m, p in MODULES.items()}


def _own(target: str) -> bool:
    return target == PACKAGE or target.startswith(f"{PACKAGE}.")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_only_the_rooms_below_it(module: str) -> None:
    room = _room(module)
    allowed = MAY_IMPORT[room] | {room}
    wrong = [
        target
        for target in GRAPH[module]
        if _own(target)
        and _room(target) not in allowed
        and not (module == WIRING and _room(target) == "aws")
    ]
    assert not wrong, f"{module} ({room or 'package'}) imports upward or sideways: {wrong}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_third_party_packages_stay_in_their_rooms(module: str) -> None:
    room = _room(module)
    outside = sorted(
        {
            top
            for target in GRAPH[module]
            if not _own(target)
            and (top := target.split(".")[0]) not in STDLIB
            and top not in THIRD_PARTY[room]
            and not (room == "aws" and top.startswith("mypy_boto3_"))  # type stubs only
        }
    )
    assert not outside, f"{module} imports {outside}"


def test_only_the_wiring_of_the_service_builds_adapters() -> None:
    importers = sorted(
        m
        for m, targets in GRAPH.items()
        if _room(m) != "aws" and any(_room(t) == "aws" and _own(t) for t in targets)
    )
    assert importers == [WIRING]


def test_boto3_is_imported_only_by_the_adapters() -> None:
    importers = sorted(
        m
        for m, targets in GRAPH.items()
        if any(t.split(".")[0] in {"boto3", "botocore"} for t in targets)
    )
    assert importers and all(_room(m) == "aws" for m in importers), importers


def test_no_module_imports_itself_back_through_others() -> None:
    own = {m: [t for t in targets if t in MODULES and t != m] for m, targets in GRAPH.items()}
    # Tarjan's strongly connected components: a component of more than one module is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in own[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(own):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_the_check_sees_every_room_and_a_lazy_import() -> None:
    """The check reads what it claims to: all rooms, and imports inside functions."""
    assert {_room(m) for m in MODULES} == set(MAY_IMPORT)
    assert f"{PACKAGE}.service.wiring" in GRAPH[f"{PACKAGE}.lambdas.runtime"]  # imported lazily


@pytest.mark.parametrize("handler", ["vpc_changes", "delete_vpc", "sweep"])
def test_a_handlers_import_brings_none_of_the_planning_or_the_launchers(handler: str) -> None:
    """What every invocation pays, a skipped event included (`make bench` measures it): the
    handler module's import brings the event checks and the settings, never the planner, the
    launchers' rules or boto3 (botocore comes with Powertools). A settings module that imported the launchers package once
    added 13 modules and about 30 ms (issue 22's read)."""
    import subprocess

    code = (
        f"import sys; import {PACKAGE}.lambdas.handlers.{handler}; "
        "print('\\n'.join(sorted(sys.modules)))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SOURCE.parent), "PATH": ""},
    )
    loaded = set(done.stdout.split())
    heavy = {f"{PACKAGE}.domain.launchers", f"{PACKAGE}.domain.planner", "boto3"}
    assert loaded & heavy == set()
