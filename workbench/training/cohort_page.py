"""The cohort's page, cohort.html (templates/cohort.html.j2), in the style of the bundle's pages.

Jinja2 with autoescape: every string from a trainee's case is data, never markup; control and bidi
characters are shown as their escapes (workbench.renewal.page.visible). Self-contained: the plots are
inline SVG, the style inline, nothing is fetched. Its own texts are in the current language
(jinja2.ext.i18n over workbench.i18n's catalogues: `{% trans %}` and `_()` in the template).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.i18n import language, page_fonts, translations
from workbench.renewal.page import TEMPLATES_DIR, visible
from workbench.training import cohort_plots

TEMPLATE = "cohort.html.j2"


def plots(data: dict[str, Any]) -> dict[str, Any]:
    """The page's three plots from the cohort's data (cohort.json)."""
    exercises = [e["id"] for e in data["course"]["exercises"]]
    names = [t["name"] for t in data["trainees"]]
    scores = [t["progress"]["scores"] for t in data["trainees"]]
    mark = data["course"]["qualification_mark"]
    return {
        "heatmap": cohort_plots.heatmap(names, exercises, scores),
        "progress": cohort_plots.progress_lines(names, exercises, scores, mark),
        "missed": cohort_plots.missed_bars(data["most_missed"]),
    }


def render_cohort(data: dict[str, Any], templates_dir: Path = TEMPLATES_DIR) -> str:
    """The page of a cohort's data, its own texts in the current language."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    code = language()
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every string from a trainee's case is data, never markup
        finalize=visible,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # as extracted (workbench.i18n.po: trimmed)
    env.install_gettext_translations(translations(code), newstyle=True)  # type: ignore[attr-defined]
    env.filters["visible"] = visible  # for values inside {% trans %} blocks, which finalize never sees
    return env.get_template(TEMPLATE).render(**data, plots=plots(data), workbench_version=__version__,
                                             page_language=code, page_fonts=page_fonts(code))
