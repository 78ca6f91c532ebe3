"""Plain-text, CSV and JSON views of a catalogue, a requirement and a diff, for the terminal.

The list and a requirement are shown in the current language (workbench.i18n): labels through gettext,
the requirement's text from the catalogue (`Requirement.text`), marked when only the catalogue's own
language is available. Japanese lines are wrapped by display width (a CJK character takes two columns)."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Iterable
from typing import Any

from workbench.catalog.diff import CatalogDiff, FieldChange
from workbench.catalog.model import Catalog, Requirement, RequirementText
from workbench.i18n import N_, _, display_width, pad, tr

SCHEME_LABELS = {
    "etsi_en_303_645": "ETSI EN 303 645",
    "ts_103_701_ixit": "ETSI TS 103 701",
    "nistir_8259a": "NISTIR 8259A",
    "nist_ir_8425": "NIST IR 8425",
    "uk_psti": "UK PSTI",
    "jc_star": "JC-STAR",
    "ccds": "CCDS",
}
CSV_FIELDS = ("id", "level", "category", "automation", "evidence", "title", *SCHEME_LABELS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
AUTOMATION_LABELS = {"automatic": N_("automatic"), "assisted": N_("assisted"), "manual": N_("manual")}
_NO_LINE_START = set("、。，．）」』】〕！？：；ー・")  # never starts a line (kinsoku)


class Glyphs:
    """Stars and arrows, or ASCII stand-ins where the output cannot encode them."""

    def __init__(self, unicode: bool = True) -> None:
        self.star = "★" if unicode else "*"
        self.arrow = "→" if unicode else "->"
        self.dot = "·" if unicode else "|"

    @classmethod
    def for_stream(cls, stream: Any) -> Glyphs:
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "★→·".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return cls(unicode=False)
        return cls(unicode=True)


def stars(level: int, glyphs: Glyphs) -> str:
    return glyphs.star * level




def _fit(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    if display_width(text) == len(text):
        return text[: max(width - 3, 0)] + "..."
    cut = ""
    for char in text:
        if display_width(cut + char) > width - 3:
            break
        cut += char
    return cut + "..."


def _tokens(text: str) -> list[str]:
    """Words of narrow characters (with their trailing spaces) and single wide characters."""
    tokens: list[str] = []
    for char in text:
        narrow_word = bool(tokens) and display_width(tokens[-1][-1]) == 1 and tokens[-1][-1] != " "
        if tokens and (char == " " or (narrow_word and display_width(char) == 1)):
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """textwrap.wrap for text without wide characters; else wrapped by display width."""
    if display_width(text) == len(text):
        return textwrap.wrap(
            text, width=width, initial_indent=initial_indent, subsequent_indent=subsequent_indent
        )
    lines: list[str] = []
    indent, line = initial_indent, []  # the current line's tokens
    for token in _tokens(text):
        if line and display_width(indent + "".join(line) + token.rstrip()) > width:
            carried = []  # a mark that may not start a line takes the character before it along
            if token[0] in _NO_LINE_START and len(line) > 1 and not line[-1].endswith(" "):
                carried = [line.pop()]
            lines.append((indent + "".join(line)).rstrip())
            indent, line = subsequent_indent, carried
        line.append(token)
    if line:
        lines.append((indent + "".join(line)).rstrip())
    return lines


def _titled(text: RequirementText) -> str:
    """The title, followed by the fallback mark when it is not in the language asked for."""
    return f"{text.title} {text.mark}" if text.mark else text.title


def table(
    catalog: Catalog,
    requirements: list[Requirement],
    glyphs: Glyphs,
    width: int = 100,
    lang: str | None = None,
) -> str:
    """One line per requirement: id, level as stars, automation, title (in `lang`, default: the current)."""
    id_width = max([len("ID"), *(len(r.id) for r in requirements)])
    automations = {name: _(label) for name, label in AUTOMATION_LABELS.items()}
    heads = (_("LEVEL"), _("AUTOMATION"), _("TITLE"))
    level_width = max(5, display_width(heads[0]))
    auto_width = max(10, *(display_width(h) for h in (heads[1], *automations.values())))
    head = f"{'ID':<{id_width}}  {pad(heads[0], level_width)}  {pad(heads[1], auto_width)}  {heads[2]}"
    heading = tr(
        "Catalogue {edition} {dot} {title} (published {published})",
        edition=catalog.edition,
        dot=glyphs.dot,
        title=catalog.title_in(lang),
        published=catalog.published,
    )
    lines = [heading, "", head]
    title_width = max(width - (id_width + level_width + auto_width + 6), 20)
    for r in requirements:
        title = _fit(_titled(r.text(lang)), title_width)
        level = pad(stars(r.level, glyphs), level_width)
        lines.append(f"{r.id:<{id_width}}  {level}  {pad(automations[r.automation], auto_width)}  {title}")
    counts = [sum(1 for r in requirements if r.level == n) for n in (1, 2, 3)]
    per_level = f" {glyphs.dot} ".join(
        f"{stars(n, glyphs)} {c}" for n, c in zip((1, 2, 3), counts, strict=True)
    )
    total = tr("{n} requirements ({per_level})", n=len(requirements), per_level=per_level)
    lines += ["", total]
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_text(requirements: Iterable[Requirement], lang: str | None = None) -> str:
    """One row per requirement; the title in `lang` when given (else the catalogue's own)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in requirements:
        title = _titled(r.text(lang)) if lang else r.title
        row = [r.id, str(r.level), r.category, r.automation, "; ".join(r.evidence), title]
        row += ["; ".join(getattr(r.mappings, scheme)) for scheme in SCHEME_LABELS]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def catalog_json(catalog: Catalog, requirements: list[Requirement]) -> str:
    data = catalog.model_dump(mode="json", exclude={"requirements", "declared_languages"})
    data["languages"] = catalog.languages
    data.update(
        source=catalog.source,
        sha256=catalog.sha256,
        requirements=[r.model_dump(mode="json") for r in requirements],
    )
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _paragraph(text: str, width: int, indent: str = "  ") -> list[str]:
    return wrap(" ".join(text.split()), width=width, initial_indent=indent, subsequent_indent=indent)


def _items(items: Iterable[str], width: int, numbered: bool) -> list[str]:
    lines: list[str] = []
    for n, item in enumerate(items, start=1):
        mark = f"{n}. " if numbered else "- "
        lines += wrap(
            " ".join(item.split()),
            width=width,
            initial_indent="  " + mark,
            subsequent_indent="  " + " " * len(mark),
        )
    return lines


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def show_text(
    requirement: Requirement, catalog: Catalog, glyphs: Glyphs, width: int = 100, lang: str | None = None
) -> str:
    """Everything about one requirement, its text in `lang` (default: the current language)."""
    r = requirement
    t = r.text(lang)
    lines = [
        f"{r.id}  {_titled(t)}",
        tr(
            "Level {stars} ({level}) {dot} {automation} {dot} {category} {dot} catalogue {edition}",
            stars=stars(r.level, glyphs),
            level=r.level,
            dot=glyphs.dot,
            automation=_(AUTOMATION_LABELS[r.automation]),
            category=r.category,
            edition=catalog.edition,
        ),
        tr("Evidence: {kinds}", kinds=", ".join(r.evidence)),
    ]
    sections = (
        (_("Statement"), t.statement),
        (_("Why it matters"), t.rationale),
        (_("What a failing device typically looks like"), t.typical_failure),
    )
    for heading, body in sections:
        lines += ["", heading, *_paragraph(body, width)]
    lines += ["", _("Pass criteria"), *_items(t.pass_criteria, width, numbered=False)]
    lines += ["", _("Inspection method"), *_items(t.inspection_method, width, numbered=True)]
    mapped = r.mappings.items()
    lines += ["", _("Mappings")]
    if mapped:
        lines += [f"  {SCHEME_LABELS[scheme]:<16} {', '.join(values)}" for scheme, values in mapped]
    else:
        lines.append("  " + _("(none known)"))
    if r.parameters:
        lines += ["", _("Parameters")]
        for name, value in r.parameters.items():
            lines += textwrap.wrap(
                f"{name}: {_value(value)}", width=width, initial_indent="  ", subsequent_indent="      "
            )
    return "\n".join(lines) + "\n"


def _change_lines(change: FieldChange, glyphs: Glyphs, width: int) -> list[str]:
    old, new = change.old, change.new
    if change.kind == "added":
        return [f"    {change.field}: added {_value(new)}"]
    if change.kind == "removed":
        return [f"    {change.field}: removed (was {_value(old)})"]
    if isinstance(old, list) and isinstance(new, list):
        gone = [v for v in old if v not in new]
        came = [v for v in new if v not in old]
        if not gone and not came:
            return [f"    {change.field}: reordered"]
        if all(isinstance(v, str) and len(v) < 40 for v in gone + came):
            parts = [f"+ {_value(came)}" if came else "", f"- {_value(gone)}" if gone else ""]
            return [f"    {change.field}: " + "  ".join(p for p in parts if p)]
        lines = [f"    {change.field}:"]
        for sign, values in (("-", gone), ("+", came)):
            for v in values:
                lines += textwrap.wrap(
                    _value(v), width=width, initial_indent=f"      {sign} ", subsequent_indent="        "
                )
        return lines
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > 60:
        lines = [f"    {change.field}: reworded"]
        for sign, text in (("-", old), ("+", new)):
            lines += textwrap.wrap(
                " ".join(text.split()),
                width=width,
                initial_indent=f"      {sign} ",
                subsequent_indent="        ",
            )
        return lines
    return [
        f"    {change.field}: {json.dumps(old, ensure_ascii=False)} {glyphs.arrow} "
        f"{json.dumps(new, ensure_ascii=False)}"
    ]


def diff_text(diff: CatalogDiff, glyphs: Glyphs, width: int = 100) -> str:
    lines = [
        f"Catalogue {diff.old_edition} {glyphs.arrow} {diff.new_edition}: {len(diff.added)} added, "
        f"{len(diff.removed)} removed, {len(diff.changed)} changed"
    ]
    if diff.is_empty and not diff.translated:
        return lines[0] + "\n"
    for heading, reqs, sign in (("Added", diff.added, "+"), ("Removed", diff.removed, "-")):
        if reqs:
            lines += ["", heading]
            lines += [f"  {sign} {r.id:<9} {stars(r.level, glyphs):<4} {r.title}" for r in reqs]
    if diff.changed:
        lines += ["", "Changed"]
        for change in diff.changed:
            lines.append(f"  ~ {change.id:<9} {change.title}")
            for field_change in change.changes:
                lines += _change_lines(field_change, glyphs, width)
    if diff.translated:
        lines += ["", "Translations changed (not criteria: verdicts stay current)"]
        lines += [f"  ~ {t.id:<9} {', '.join(t.languages)}" for t in diff.translated]
    return "\n".join(lines) + "\n"
