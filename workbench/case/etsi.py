"""ETSI EN 303 645's provisions and TS 103 701's IXIT sections, as data (workbench/catalog/ts_103_701.yaml).

The declaration's ICS and IXIT are checked against it, `workbench case declare --convert` takes the
flat fields' sections from it, and the TS 103 701 report page its words. Nothing of the standards'
content lives in Python.

The page's words (clause, provision and IXIT section titles, the test cases' texts, the result words)
carry their own languages, as the requirement catalogue does: the file's `language` (English) and, per
entry, `translations: {ja: {...}}` for every other language of `languages`; the loader refuses an entry
lacking one. The accessors (`provision_title`, `clause_title`, `section_title`, `result_word`,
`test_case`) return the text in `lang`, by default the current language (workbench.i18n.language()).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.case.yamlio import describe_validation, read_yaml
from workbench.errors import CaseError
from workbench.i18n import LANGUAGES, language

DATA_FILE = Path(__file__).resolve().parent.parent / "catalog" / "ts_103_701.yaml"  # beside the catalogue
PROVISION_SYNTAX = re.compile(r"(?:5\.(?:1[0-3]|[1-9])|6)-[1-9][0-9]?")  # "5.1-1" .. "5.13-1", "6-1"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Language = Literal["en", "ja"]  # workbench.i18n.LANGUAGES


class TitleTranslation(_Data):
    title: str = Field(min_length=1)


class Titled(_Data):
    """A clause, an IXIT section or a provision: its title and the title in the other languages."""

    title: str
    translations: dict[Language, TitleTranslation] = Field(default_factory=dict)

    def title_in(self, lang: str | None = None) -> str:
        """The title in `lang` (default: the current language; the file's own when not given)."""
        found = self.translations.get(_wanted(lang))  # type: ignore[call-overload]
        return found.title if found is not None else self.title


class Provision(Titled):
    id: str = Field(pattern=PROVISION_SYNTAX.pattern)
    kind: Literal["M", "R"]

    @property
    def clause(self) -> str:
        return self.id.split("-", 1)[0]


class FieldSection(_Data):
    section: int = Field(ge=1, le=29)
    title: str
    provisions: tuple[str, ...] = ()


class CaseTextTranslation(_Data):
    name: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    units: dict[str, str] = Field(default_factory=dict)
    verdict: str = Field(min_length=1)


class CaseText(_Data):
    name: str
    purpose: str
    units: dict[str, str] = Field(default_factory=dict)
    verdict: str
    translations: dict[Language, CaseTextTranslation] = Field(default_factory=dict)

    def text_in(self, lang: str | None = None) -> CaseText:
        """This test case's texts in `lang` (default: the current language), without translations."""
        found = self.translations.get(_wanted(lang))  # type: ignore[call-overload]
        source = found if found is not None else self
        return CaseText(
            name=source.name, purpose=source.purpose, units=dict(source.units), verdict=source.verdict
        )


class WordTranslation(_Data):
    text: str = Field(min_length=1)


class Word(_Data):
    """A result word of the page ("does not conform") and its translations."""

    text: str
    translations: dict[Language, WordTranslation] = Field(default_factory=dict)

    def text_in(self, lang: str | None = None) -> str:
        found = self.translations.get(_wanted(lang))  # type: ignore[call-overload]
        return found.text if found is not None else self.text


class Reference(_Data):
    standard: str
    version: str
    assessment: str
    assessment_version: str
    language: Language = "en"
    languages: tuple[Language, ...] = ()  # default: (language,)
    clauses: dict[str, Titled]
    provisions: tuple[Provision, ...]
    ixit_sections: dict[int, Titled]
    declaration_fields: dict[str, FieldSection]
    ics_to_confirm: str
    test_cases: dict[Literal["conceptual", "functional"], CaseText]
    results: dict[Literal["conforms", "does_not_conform", "not_applicable", "not_assessed"], Word]

    @property
    def provision_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.provisions)

    def provision(self, provision_id: str) -> Provision | None:
        return next((p for p in self.provisions if p.id == provision_id), None)

    def order(self, provision_id: str) -> int:
        """Where a provision stands in the standard (unknown ones last)."""
        ids = self.provision_ids
        return ids.index(provision_id) if provision_id in ids else len(ids)

    def clause_title(self, provision_id: str, lang: str | None = None) -> str:
        """The title of the provision's clause in `lang` (default: the current language)."""
        clause = self.clauses.get(provision_id.split("-", 1)[0])
        return clause.title_in(lang) if clause is not None else ""

    def provision_title(self, provision_id: str, lang: str | None = None) -> str:
        provision = self.provision(provision_id)
        return provision.title_in(lang) if provision is not None else ""

    def section_title(self, section: int, lang: str | None = None) -> str:
        """IXIT section `section`'s title in `lang` (default: the current language); '' if unknown."""
        found = self.ixit_sections.get(section)
        return found.title_in(lang) if found is not None else ""

    def result_word(self, key: str, lang: str | None = None) -> str:
        return self.results[key].text_in(lang)  # type: ignore[index]

    def test_case(self, kind: str, lang: str | None = None) -> CaseText:
        return self.test_cases[kind].text_in(lang)  # type: ignore[index]

    def untranslated(self) -> list[str]:
        """Where a language the file declares lacks a text: "provisions[5.1-1].ja", ... (empty: complete)."""
        wanted = [lang for lang in self.languages or (self.language,) if lang != self.language]
        owners: list[tuple[str, Any]] = [
            *((f"clauses[{k}]", v) for k, v in self.clauses.items()),
            *((f"provisions[{p.id}]", p) for p in self.provisions),
            *((f"ixit_sections[{k}]", v) for k, v in self.ixit_sections.items()),
            *((f"test_cases[{k}]", v) for k, v in self.test_cases.items()),
            *((f"results[{k}]", v) for k, v in self.results.items()),
        ]
        missing = [
            f"{where}.{lang}" for lang in wanted for where, owner in owners if lang not in owner.translations
        ]
        for kind, case in self.test_cases.items():
            for lang in wanted:
                found = case.translations.get(lang)
                if found is not None and set(found.units) != set(case.units):
                    missing.append(f"test_cases[{kind}].{lang}.units")
        return missing


@cache
def reference() -> Reference:
    """The bundled data (read once); CaseError naming the file if it is broken."""
    data = read_yaml(DATA_FILE, name=str(DATA_FILE))
    try:
        ref = Reference.model_validate(data)
    except ValidationError as exc:
        raise CaseError(describe_validation(exc), path=str(DATA_FILE)) from None
    unknown = {p for f in ref.declaration_fields.values() for p in f.provisions} - set(ref.provision_ids)
    if unknown or set(ref.ixit_sections) != set(range(1, 30)):
        raise CaseError("provisions or IXIT sections do not match the standard's", path=str(DATA_FILE))
    missing = ref.untranslated()
    if missing:
        raise CaseError(f"no translation for {', '.join(missing[:5])}", path=str(DATA_FILE))
    return ref


def _wanted(lang: str | None) -> str:
    """`lang` ("ja", "ja_JP"), or the current language when None or ''."""
    if not lang:
        return language()
    code = str(lang).strip().lower()[:2]
    return code if code in LANGUAGES else str(lang)


def provision_problem(value: object) -> str | None:
    """Why `value` is not an EN 303 645 provision id (None when it is one)."""
    if not isinstance(value, str):
        return f"a provision id is text like '5.1-1', not {type(value).__name__}"
    if not PROVISION_SYNTAX.fullmatch(value):
        shown = repr(value[:40]) + ("..." if len(value) > 40 else "")
        return f"{shown} is not an EN 303 645 provision id (like '5.1-1' or '6-2')"
    ref = reference()
    if value not in ref.provision_ids:
        return f"{value!r} is not a provision of {ref.standard} v{ref.version}"
    return None
