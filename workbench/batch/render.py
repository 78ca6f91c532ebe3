"""Render an executed notebook to a self-contained HTML page with the evidence template."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.batch.paths import TEMPLATES_DIR
from workbench.i18n import DEFAULT_LANGUAGE, check_language, translations

TEMPLATE_NAME = "evidence"


@lru_cache(maxsize=8)
def _exporter(with_code: bool, templates_dir: str, language: str = DEFAULT_LANGUAGE) -> Any:
    """nbconvert's HTML exporter with the evidence template, its texts in `language` (jinja2.ext.i18n)."""
    from nbconvert import HTMLExporter

    from workbench.batch.sanitize import clean_html

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[templates_dir],
        sanitize_html=True,  # strips <script> and event handlers from HTML outputs and Markdown
        embed_images=True,
    )
    exporter.register_filter("clean_html", clean_html)  # keeps headings and tables, unlike nbconvert's
    if not with_code:
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    environment = exporter.environment  # after the traits above: changing one builds a new environment
    environment.add_extension("jinja2.ext.i18n")
    environment.policies["ext.i18n.trimmed"] = True  # as extracted (scripts/i18n.py: trimmed)
    environment.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    environment.globals["page_language"] = language
    return exporter


def render_html(
    nb: Any,
    *,
    with_code: bool = False,
    title: str = "",
    header: dict[str, Any] | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """HTML of `nb`; `header` fills the page banner (heading, facts, verdict, error); the page's own
    texts in `language`."""
    exporter = _exporter(with_code, str(templates_dir), check_language(language))
    resources = {"metadata": {"name": title}, "workbench": header or {}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body
