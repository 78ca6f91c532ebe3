"""The requirement as the catalogue states it: statement, level, automation, mappings, criteria."""

from __future__ import annotations

from typing import Any

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
    "automatic": "automatic: the check's verdict is final unless an inspector records one",
    "assisted": "assisted: the check gathers indicators and proposes; the inspector decides",
    "manual": "manual: a guided procedure; the inspector decides from what they examine and attach",
}


def stars(level: int) -> str:
    level = max(0, min(3, int(level)))
    return "★" * level + "☆" * (3 - level)


def mapping_rows(requirement: Any) -> list[tuple[str, list[str]]]:
    mappings = getattr(requirement, "mappings", None)
    rows = []
    for name, label in MAPPING_LABELS.items():
        values = getattr(mappings, name, None) if mappings is not None else None
        rows.append((label, [str(v) for v in values or []]))
    return rows


def render_requirement(requirement: Any) -> str:
    r = requirement
    automation = str(getattr(r.automation, "value", r.automation))
    facts = key_value_table(
        [
            ("Requirement", esc(f"{r.id} — {r.title}")),
            ("Level", f"{esc(stars(r.level))} ({esc(r.level)}; a level includes all lower ones)"),
            ("Category", esc(getattr(r, "category", ""))),
            ("Automation", esc(AUTOMATION_MEANING.get(automation, automation))),
            ("Evidence", esc(", ".join(str(getattr(e, "value", e)) for e in r.evidence) or "—")),
        ]
    )
    mappings = key_value_table((label, esc(", ".join(v) or "—")) for label, v in mapping_rows(r))
    return block(
        heading(f"{r.id} — {r.title}", 3),
        element("blockquote", esc(r.statement)),
        facts,
        heading("Why this requirement exists", 4),
        para(r.rationale),
        heading("What a typical failure looks like", 4),
        para(r.typical_failure),
        heading("Where it comes from (mappings)", 4),
        mappings,
        para(
            "An empty mapping means the scheme has no known counterpart, or the lab has not filled it.",
            "muted",
        ),
    )


def render_criteria(requirement: Any) -> str:
    r = requirement
    return block(
        heading("Pass criteria", 4),
        bullet_list(r.pass_criteria),
        heading("Inspection method", 4),
        bullet_list(r.inspection_method, ordered=True),
    )


def requirement_text(requirement: Any) -> str:
    r = requirement
    return f"{r.id} ({stars(r.level)}) {r.title}\n{r.statement}"


def show_requirement(requirement: Any) -> None:
    """The statement, level, automation, mappings, rationale and typical failure."""
    show(render_requirement(requirement), requirement_text(requirement))


def show_criteria(requirement: Any) -> None:
    """The pass criteria and the inspection method, as the catalogue states them."""
    text = "Pass criteria:\n" + "\n".join(f"- {c}" for c in requirement.pass_criteria)
    text += "\nInspection method:\n" + "\n".join(
        f"{i}. {m}" for i, m in enumerate(requirement.inspection_method, 1)
    )
    show(render_criteria(requirement), text)
