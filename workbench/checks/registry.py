"""Checks registered by requirement id; every module in workbench.checks registers itself."""

from __future__ import annotations

import importlib
import pkgutil

from workbench.checks.base import Check
from workbench.errors import WorkbenchError

_REGISTRY: dict[str, type[Check]] = {}
_NOT_CHECK_MODULES = {"base", "registry", "context", "common"}


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: make a check findable by its requirement id."""
    rid = cls.requirement_id
    if rid in _REGISTRY and _REGISTRY[rid] is not cls:
        raise RuntimeError(f"two checks registered for {rid}: {_REGISTRY[rid].__name__}, {cls.__name__}")
    _REGISTRY[rid] = cls
    return cls


def _load_all() -> None:
    import workbench.checks as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in _NOT_CHECK_MODULES and not info.name.startswith("_"):
            importlib.import_module(f"workbench.checks.{info.name}")


def all_checks() -> dict[str, type[Check]]:
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def get_check(requirement_id: str) -> Check:
    checks = all_checks()
    try:
        return checks[requirement_id]()
    except KeyError:
        raise WorkbenchError(f"unknown check id {requirement_id!r}") from None
