"""The comparison's HTML page (templates/case_compare.html.j2), in the bundle pages' style.

Jinja2 with autoescape: every string from either case is data, never markup; control and bidi
characters are shown as their escapes, so a case cannot hide or reorder text on the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import workbench
from workbench.i18n import language, page_fonts, translations

TEMPLATES_DIR = Path(workbench.__file__).resolve().parent.parent / "templates"
TEMPLATE = "case_compare.html.j2"
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(value: Any) -> Any:
    """A string with each control or bidi character shown as its escape; anything else as it is."""
    if not isinstance(value, str) or hasattr(value, "__html__"):
        return value
    return _INVISIBLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                          else f"\\u{ord(m.group()):04x}", value)


def render_comparison(data: dict[str, Any], templates_dir: Path = TEMPLATES_DIR) -> str:
    """The page of a comparison's JSON (CaseComparison.to_json())."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every string from a case is data, never markup
        finalize=visible,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],  # the page's own texts in the current language
    )
    env.policies["ext.i18n.trimmed"] = True  # as scripts/i18n.py extracts
    env.install_gettext_translations(translations(), newstyle=True)  # type: ignore[attr-defined]
    env.globals["page_language"] = language()
    env.globals["page_fonts"] = page_fonts(language())
    return env.get_template(TEMPLATE).render(**data)


