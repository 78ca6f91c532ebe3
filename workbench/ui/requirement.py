"""The requirement as the catalogue states it: statement, level, automation, mappings, criteria.

The requirement's own text is the catalogue's, in the current language when the catalogue has it
(`requirement.text(lang)`, docs/CONTRACTS.md "Languages"); otherwise its main language, marked.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from workbench.case.artefacts import kind_name
from workbench.i18n import N_, _, language, tr
from workbench.ui.html import block, bullet_list, element, esc, heading, key_value_table, para, show

MAPPING_LABELS = {
    "etsi_en_303_645": "ETSI EN 303 645",
    "ts_103_701_ixit": "ETSI TS 103 701 (ICS/IXIT)",
    "nistir_8259a": "NISTIR 8259A",
    "nist_ir_8425": "NIST IR 8425",
    "uk_psti": "UK PSTI",
    "jc_star": "JC-STAR",
    "ccds": "CCDS",
}

AUTOMATION_MEANING = {
    "automatic": N_("automatic: the check's verdict is final unless an inspector records one"),
    "assisted": N_("assisted: the check gathers indicators and proposes; the inspector decides"),
    "manual": N_("manual: a guided procedure; the inspector decides from what they examine and attach"),
}
ONLY_IN = {"en": N_("(English only)"), "ja": N_("(Japanese only)")}  # the text shown is not in the reader's
TEXT_FIELDS = ("title", "statement", "rationale", "typical_failure", "pass_criteria", "inspection_method")


def stars(level: int) -> str:
    level = max(0, min(3, int(level)))
    return "★" * level + "☆" * (3 - level)


def requirement_text(requirement: Any, lang: str | None = None) -> Any:
    """The requirement's text (title, statement, rationale, typical_failure, pass_criteria,
    inspection_method, `language`, `fallback`) in `lang` (default: the current language): the
    catalogue's `requirement.text(lang)`; a catalogue without it gives its fields, in English."""
    lang = lang or language()
    text = getattr(requirement, "text", None)
    if callable(text):
        return text(lang)
    fields = {name: getattr(requirement, name, "") for name in TEXT_FIELDS}
    main = getattr(requirement, "language", None) or "en"
    return SimpleNamespace(**fields, language=main, fallback=main != lang)


def fallback_mark(text: Any) -> str:
    """'(English only)' in the reader's language when the text shown is not in it; '' otherwise."""
    if not getattr(text, "fallback", False):
        return ""
    if isinstance(getattr(text, "mark", None), str) and text.mark:
        return text.mark  # the catalogue's own (workbench.catalog.model.RequirementText.mark)
    shown = str(getattr(text, "language", "en"))
    return _(ONLY_IN[shown]) if shown in ONLY_IN else f"({shown})"


def title_of(requirement: Any) -> str:
    """The requirement's title in the current language (with the fallback mark when it is not)."""
    text = requirement_text(requirement)
    mark = fallback_mark(text)
    return f"{text.title} {mark}" if mark else str(text.title)


def mapping_rows(requirement: Any) -> list[tuple[str, list[str]]]:
    mappings = getattr(requirement, "mappings", None)
    rows = []
    for name, label in MAPPING_LABELS.items():
        values = getattr(mappings, name, None) if mappings is not None else None
        rows.append((label, [str(v) for v in values or []]))
    return rows


def automation_meaning(automation: str) -> str:
    return _(AUTOMATION_MEANING[automation]) if automation in AUTOMATION_MEANING else automation


def render_requirement(requirement: Any) -> str:
    r = requirement
    t = requirement_text(r)
    mark = fallback_mark(t)
    automation = str(getattr(r.automation, "value", r.automation))
    facts = key_value_table(
        [
            (_("Requirement"), esc(f"{r.id} — {t.title}")),
            (_("Level"), esc(tr("{stars} ({level}; a level includes all lower ones)",
                                stars=stars(r.level), level=r.level))),
            (_("Category"), esc(getattr(r, "category", ""))),
            (_("Automation"), esc(automation_meaning(automation))),
            (_("Evidence"), esc(", ".join(kind_name(e) for e in r.evidence) or "—")),
        ]
    )
    mappings = key_value_table((label, esc(", ".join(v) or "—")) for label, v in mapping_rows(r))
    return block(
        heading(f"{r.id} — {t.title}", 3),
        para(mark, "note") if mark else "",
        element("blockquote", esc(t.statement)),
        facts,
        heading(_("Why this requirement exists"), 4),
        para(t.rationale),
        heading(_("What a typical failure looks like"), 4),
        para(t.typical_failure),
        heading(_("Where it comes from (mappings)"), 4),
        mappings,
        para(
            _("An empty mapping means the scheme has no known counterpart, or the lab has not filled it."),
            "muted",
        ),
    )


def render_criteria(requirement: Any) -> str:
    t = requirement_text(requirement)
    mark = fallback_mark(t)
    return block(
        para(mark, "note") if mark else "",
        heading(_("Pass criteria"), 4),
        bullet_list(t.pass_criteria),
        heading(_("Inspection method"), 4),
        bullet_list(t.inspection_method, ordered=True),
    )


def requirement_text_plain(requirement: Any) -> str:
    r = requirement
    t = requirement_text(r)
    mark = fallback_mark(t)
    return f"{r.id} ({stars(r.level)}) {t.title}" + (f" {mark}" if mark else "") + f"\n{t.statement}"


def show_requirement(requirement: Any) -> None:
    """The statement, level, automation, mappings, rationale and typical failure."""
    show(render_requirement(requirement), requirement_text_plain(requirement))


def show_criteria(requirement: Any) -> None:
    """The pass criteria and the inspection method, as the catalogue states them."""
    t = requirement_text(requirement)
    text = _("Pass criteria:") + "\n" + "\n".join(f"- {c}" for c in t.pass_criteria)
    text += "\n" + _("Inspection method:") + "\n" + "\n".join(
        f"{i}. {m}" for i, m in enumerate(t.inspection_method, 1)
    )
    show(render_criteria(requirement), text)
