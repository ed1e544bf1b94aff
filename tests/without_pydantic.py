"""Imported first, it makes this process one without pydantic, as the Lambda package is
(functions/requirements.txt installs Powertools without its parser): any import of pydantic
fails, so a run that passes proves the handlers never need it."""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

BLOCKED = ("pydantic", "pydantic_core")


class _NotInThePackage(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.split(".", maxsplit=1)[0] in BLOCKED:
            raise ImportError(f"{fullname} is not in the Lambda package")
        return None


if any(name.split(".")[0] in BLOCKED for name in sys.modules):
    raise RuntimeError("pydantic was imported before tests.without_pydantic")
sys.meta_path.insert(0, _NotInThePackage())
