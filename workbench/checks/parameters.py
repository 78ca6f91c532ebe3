"""A requirement's parameters as a check reads them: thresholds and lists come from the catalogue only.

A check names the parameters it reads (`Check.parameters`); `Parameters.get` returns the value the
case's catalogue gives. A lab's own catalogue may leave one out: then the value of the newest
bundled edition stands in, and a note says so (it becomes one of the check's reasons). No default
lives in Python, so the catalogue and the checks cannot drift apart; tests/checks/test_registry.py
checks every declared parameter against the bundled edition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from workbench.errors import CheckError
from workbench.i18n import tr

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext


@lru_cache(maxsize=256)
def _bundled(requirement_id: str) -> tuple[str, dict[str, Any]]:
    """(edition, parameters) of `requirement_id` in the newest bundled edition ({} if absent)."""
    from workbench.catalog import load_catalog
    from workbench.catalog.loader import newest_edition

    edition = newest_edition()
    catalog = load_catalog(edition)
    if requirement_id not in catalog.ids:
        return edition, {}
    return edition, dict(catalog.get(requirement_id).parameters or {})


@dataclass
class Parameters:
    """Reads a requirement's parameters; remembers where a bundled value had to stand in."""

    requirement_id: str
    values: dict[str, Any]
    declared: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, ctx: EvidenceContext, declared: Iterable[str] = ()) -> Parameters:
        return cls(ctx.requirement.id, dict(ctx.parameters), tuple(declared))

    def get(self, name: str) -> Any:
        if name not in self.declared:
            raise CheckError(
                f"reads parameter {name!r}, which its `parameters` do not declare",
                requirement=self.requirement_id,
            )
        value = self.values.get(name)
        if value is not None:
            return value
        edition, bundled = _bundled(self.requirement_id)
        if bundled.get(name) is None:
            raise CheckError(
                f"parameter {name!r} is in neither the catalogue nor the bundled edition {edition}",
                requirement=self.requirement_id,
            )
        self.notes.append(
            tr("the catalogue gives no parameter {name}; the bundled edition {edition}'s value {value}"
               " was used", name=repr(name), edition=edition, value=repr(bundled[name]))
        )
        return bundled[name]

    def strings(self, name: str) -> list[str]:
        value = self.get(name)
        items = value if isinstance(value, list | tuple) else [value]
        return [str(v) for v in items]

    def lowered(self, name: str) -> list[str]:
        return [v.lower() for v in self.strings(name)]

    def integer(self, name: str) -> int:
        return self._converted(name, int, "a whole number")

    def number(self, name: str) -> float:
        return self._converted(name, float, "a number")

    def _converted(self, name: str, convert: Any, what: str) -> Any:
        value = self.get(name)
        try:
            return convert(value)
        except (TypeError, ValueError):
            problem = f"parameter {name!r} is not {what}: {value!r}"
            raise CheckError(problem, requirement=self.requirement_id) from None

    def flag(self, name: str) -> bool:
        value = self.get(name)
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"yes", "true", "1", "on"}
