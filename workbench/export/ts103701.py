"""formats/ts-103-701.html: the bundle as an ETSI TS 103 701 test report.

Per EN 303 645 provision the requirements map to, a test group: the conceptual test case (the
manufacturer's ICS entry and the IXIT entries naming the provision), the functional test case (the
requirements as test units, each with its verdict, its page and its findings' evidence), their
verdicts, and the provision's result as a published lab report records it (conforms, does not
conform, not applicable, not assessed). Read through workbench.export.content (as every format); rendered by
Jinja2 with autoescape (every string of a bundle is data); the page is checked to hold no script.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import workbench
from workbench.case.declaration import Declaration, parse_declaration
from workbench.case.etsi import reference
from workbench.errors import BundleError, CaseError, WorkbenchError
from workbench.export.content import read_content
from workbench.export.ts103701_groups import build_groups, unknown_mappings
from workbench.export.ts103701_units import read_units, short, visible
from workbench.fsutil import atomic_write_text
from workbench.i18n import DEFAULT_LANGUAGE, _, check_language, page_fonts, tr, translations, use_language
from workbench.sealed import BundleView, open_bundle
from workbench.sealed.names import CASE_DIR, FORMATS_DIR

REPORT_NAME = "ts-103-701.html"
TEMPLATE = "ts103701.html.j2"
TEMPLATES_DIR = Path(workbench.__file__).resolve().parent.parent / "templates"


def build_report(view: BundleView, templates_dir: Path = TEMPLATES_DIR) -> str:
    """The report page (HTML) of the bundle `view` reads, in the bundle's language (its reasons, notes
    and the provisions' wording included); BundleError when a record is malformed."""
    lang = _language(view)
    with use_language(lang):
        return _build(view, templates_dir, lang)


def _build(view: BundleView, templates_dir: Path, lang: str) -> str:
    content = read_content(view)  # typed: a malformed record is a BundleError naming it
    units = read_units(content)
    declaration, why_none = _declaration(view)
    groups = build_groups(declaration, why_none, units)
    ref = reference()
    counts = Counter(g.result for g in groups)
    case = content.case
    context: dict[str, Any] = {
        "ref": ref,
        "case": {k: short(case.get(k, ""), 200) for k in ("device", "vendor", "model", "firmware_version")},
        "bundle_name": short(content.name, 200),
        "catalog_edition": short(content.edition, 80),
        "partial": content.partial,
        "workbench_version": workbench.__version__,
        "groups": groups,
        "tested": [g for g in groups if g.tested],
        "counts": [(key, ref.result_word(key, lang), counts.get(key, 0)) for key in ref.results],
        "results": {key: ref.result_word(key, lang) for key in ref.results},
        "tc": {kind: ref.test_case(kind, lang) for kind in ref.test_cases},
        "declaration": declaration,
        "why_none": why_none,
        "unknown_mappings": unknown_mappings(units),
    }
    html = _render(context, templates_dir, lang)
    _check_no_script(html, view.label)
    return html


def write_report(bundle_dir: Path, warnings: list[str]) -> Path | None:
    """Write formats/ts-103-701.html into a bundle being sealed; a problem is a warning, not a stop."""
    try:
        with open_bundle(bundle_dir) as source:
            html = build_report(BundleView(source))
    except WorkbenchError as exc:
        warnings.append(tr("the TS 103 701 report page was not written: {problem}", problem=exc))
        return None
    out = bundle_dir / FORMATS_DIR / REPORT_NAME
    out.parent.mkdir(exist_ok=True)
    atomic_write_text(out, html)
    return out


def _declaration(view: BundleView) -> tuple[Declaration | None, str]:
    """The bundle's copy of the declaration, or None and why."""
    name = f"{view.label}:{CASE_DIR}/declaration.yaml"
    try:
        raw = view.case_record("declaration.yaml")
        if raw is None:
            return None, _("the bundle holds no declaration (case/declaration.yaml)")
        return parse_declaration(raw, name=name), ""
    except (CaseError, BundleError) as exc:
        return None, tr("the declaration could not be read: {problem}", problem=exc)


def _language(view: BundleView) -> str:
    """The bundle's language (results.json's `language`; English before issue 11): the page's texts in it,
    so that the page written at sealing and one exported later are the same."""
    try:
        return check_language(str(view.results().get("language") or ""))
    except WorkbenchError:
        return DEFAULT_LANGUAGE


def _render(context: dict[str, Any], templates_dir: Path, lang: str = DEFAULT_LANGUAGE) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every string from a bundle is data
        finalize=visible,  # ... shown as it is: control and bidi characters as visible escapes
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # as scripts/i18n.py extracts
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["page_language"] = lang
    env.globals["page_fonts"] = page_fonts(lang)
    return env.get_template(TEMPLATE).render(**context)




class _ScriptFinder(HTMLParser):
    ACTIVE = frozenset({"script", "iframe", "object", "embed", "frame", "base"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.ACTIVE:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith(("javascript:", "data:")):
                self.problems.append(f"{tag} {name}")


def _check_no_script(html: str, label: str) -> None:
    """The page holds no script, active element, event handler or script URL (whatever the bundle says)."""
    finder = _ScriptFinder()
    finder.feed(html)
    finder.close()
    if finder.problems:
        raise BundleError(f"the TS 103 701 page would hold {finder.problems[0]}; not written", path=label)
