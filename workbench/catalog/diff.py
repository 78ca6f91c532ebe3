"""What changed between two catalogue editions: schemes revise their criteria every year.

A requirement's translations (its text in the catalogue's other languages) are not compared field by
field with the rest: a translation restates the criteria, it changes none. `CatalogDiff.translated`
lists, per requirement present in both editions, the languages whose translation was added, removed
or reworded; `workbench catalog diff` prints them on their own after the changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.catalog.model import Catalog, Requirement

_NESTED = ("mappings", "parameters")  # compared key by key, e.g. "parameters.min_tls_version"
_SEPARATE = ("translations",)  # reported apart: TranslationChange


@dataclass(frozen=True)
class FieldChange:
    field: str  # "level", "pass_criteria", "mappings.etsi_en_303_645", "parameters.min_tls_version"
    old: Any
    new: Any
    kind: Literal["changed", "added", "removed"] = "changed"

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "kind": self.kind, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class RequirementChange:
    id: str
    title: str  # the new title
    changes: tuple[FieldChange, ...]

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "changes": [c.to_dict() for c in self.changes]}


@dataclass(frozen=True)
class TranslationChange:
    id: str
    languages: tuple[str, ...]  # whose translation was added, removed or reworded

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "languages": list(self.languages)}


@dataclass(frozen=True)
class CatalogDiff:
    old_edition: str
    new_edition: str
    added: tuple[Requirement, ...] = ()
    removed: tuple[Requirement, ...] = ()
    changed: tuple[RequirementChange, ...] = field(default=())
    translated: tuple[TranslationChange, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """No requirement added, removed or changed (translations apart)."""
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_edition": self.old_edition,
            "new_edition": self.new_edition,
            "added": [r.model_dump(mode="json") for r in self.added],
            "removed": [r.model_dump(mode="json") for r in self.removed],
            "changed": [c.to_dict() for c in self.changed],
            "translated": [t.to_dict() for t in self.translated],
        }


def compare_requirements(old: Requirement, new: Requirement) -> list[FieldChange]:
    """Field by field, what changed from `old` to `new` (mappings and parameters key by key;
    translations not: see `translation_changes`)."""
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    changes: list[FieldChange] = []
    for name in type(new).model_fields:
        if name in _SEPARATE:
            continue
        if name in _NESTED:
            keys = list(before[name]) + [k for k in after[name] if k not in before[name]]
            for key in keys:
                label = f"{name}.{key}"
                if key not in after[name]:
                    changes.append(FieldChange(label, before[name][key], None, "removed"))
                elif key not in before[name]:
                    changes.append(FieldChange(label, None, after[name][key], "added"))
                elif before[name][key] != after[name][key]:
                    changes.append(FieldChange(label, before[name][key], after[name][key]))
        elif before[name] != after[name]:
            changes.append(FieldChange(name, before[name], after[name]))
    return changes


def translation_changes(old: Requirement, new: Requirement) -> tuple[str, ...]:
    """The languages whose translation of the requirement was added, removed or reworded."""
    languages = list(old.translations) + [lang for lang in new.translations if lang not in old.translations]
    return tuple(lang for lang in languages if old.translations.get(lang) != new.translations.get(lang))


def diff_catalogs(old: Catalog, new: Catalog) -> CatalogDiff:
    """Requirements added in `new`, removed from `old`, and field by field what changed."""
    old_ids, new_ids = set(old.ids), set(new.ids)
    changed, translated = [], []
    for requirement in new.requirements:
        if requirement.id in old_ids:
            before = old.get(requirement.id)
            changes = compare_requirements(before, requirement)
            if changes:
                changed.append(RequirementChange(requirement.id, requirement.title, tuple(changes)))
            languages = translation_changes(before, requirement)
            if languages:
                translated.append(TranslationChange(requirement.id, languages))
    return CatalogDiff(
        old_edition=old.edition,
        new_edition=new.edition,
        added=tuple(r for r in new.requirements if r.id not in old_ids),
        removed=tuple(r for r in old.requirements if r.id not in new_ids),
        changed=tuple(changed),
        translated=tuple(translated),
    )
