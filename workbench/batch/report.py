"""The bundle's summary page, index.html: Jinja2 with autoescape, from templates/bundle/, its texts in
the run's language (jinja2.ext.i18n over workbench.i18n's catalogues)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.batch.paths import TEMPLATES_DIR
from workbench.batch.summary import STARS, label
from workbench.i18n import check_language, language, page_fonts, translations


def page_environment(templates_dir: Path, lang: str | None = None) -> Any:
    """A Jinja environment for the workbench's own pages: autoescape, strict, `{% trans %}` and `_()`
    in `lang` (default: the current language); `page_language` and `page_fonts` for the page's head."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    code = check_language(lang) if lang else language()
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every string from a case, capture or image is data
        undefined=StrictUndefined,
        trim_blocks=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # as extracted (scripts/i18n.py: trimmed)
    env.install_gettext_translations(translations(code), newstyle=True)  # type: ignore[attr-defined]
    env.globals["page_language"] = code
    env.globals["page_fonts"] = page_fonts(code)
    return env


def render_index(
    context: dict[str, Any], templates_dir: Path = TEMPLATES_DIR, lang: str | None = None
) -> str:
    env = page_environment(templates_dir / "bundle", lang)
    env.globals["stars"] = lambda level: STARS.get(int(level), "?")
    env.globals["label"] = label
    return env.get_template("index.html.j2").render(**context)
