"""Sanitise HTML from notebook outputs and Markdown before it enters an evidence page.

nbconvert's own `clean_html` allows so few tags that headings, paragraphs and table headers are
shown as escaped text; this one keeps the structure of a report (headings, tables, lists, code,
inline images as data: URLs) and escapes everything else — `<script>`, `<iframe>`, event
handlers, external images — so that it shows as text. `<style>` blocks survive only when they
cannot load anything (no url(), @import, escapes or markup), since bleach would mangle their
content. The page's Content-Security-Policy stays the second wall.
"""

from __future__ import annotations

import re
import uuid
from typing import Any


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ALLOWED_TAGS = _words(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s samp small span strong sub summary sup "
    "table tbody td tfoot th thead time tr u ul var"
)
COMMON_ATTRIBUTES = _words(
    "class id title lang dir align valign colspan rowspan scope headers start reversed open"
)
CSS_PROPERTIES = _words(
    "color background-color font-weight font-style font-size font-family text-align vertical-align "
    "text-decoration white-space border border-collapse border-color border-style border-width "
    "border-top border-bottom border-left border-right padding padding-left padding-right padding-top "
    "padding-bottom margin margin-left margin-right margin-top margin-bottom width min-width max-width "
    "height display opacity"
)
STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
UNSAFE_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|behavior|binding|javascript:|\\|<", re.IGNORECASE)
SAFE_HREF = re.compile(r"^(?:https?:|mailto:|#|[A-Za-z0-9_./-]+(?:#.*)?$)", re.IGNORECASE)
DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in COMMON_ATTRIBUTES or name == "style":
        return True
    if tag == "a" and name == "href":
        return bool(SAFE_HREF.match(value.strip())) and not value.strip().lower().startswith("//")
    if tag == "img":
        if name == "src":
            return bool(DATA_IMAGE.match(value.strip()))  # inline images only: no request, no tracker
        return name in ("alt", "width", "height")
    return tag in ("td", "th") and name in ("width", "nowrap")


def clean_html(element: Any) -> str:
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    text = element.decode() if isinstance(element, bytes) else str(element)
    token = f"wb-style-{uuid.uuid4().hex}"
    styles: list[str] = []

    def hold(match: re.Match[str]) -> str:
        css = match.group(1)
        if UNSAFE_CSS.search(css):
            return ""
        styles.append(css)
        return f"{token}-{len(styles) - 1}-"

    text = STYLE_BLOCK.sub(hold, text)
    cleaned = bleach.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols={"http", "https", "mailto", "data"},
        css_sanitizer=CSSSanitizer(allowed_css_properties=CSS_PROPERTIES),
        strip=False,  # a forbidden tag is shown as text: the evidence says what was there
        strip_comments=True,
    )
    for number, css in enumerate(styles):
        cleaned = cleaned.replace(f"{token}-{number}-", f"<style>{css}</style>", 1)
    return cleaned
