"""Escaping and display primitives every helper in workbench.ui goes through.

Every string that reaches HTML passes through `esc`: hostnames, banners, file paths and user
names come from captures and firmware images and are hostile. HTML is only ever assembled from
literal tags written here and escaped values, never from formatted values.

Texts are in the current language (workbench.i18n); what comes from the device stays as it is and is
marked so a reader (and the bundle's language test) can tell it apart: a table of evidence has the
class `wb-evidence` (`EVIDENCE_CLASS`), a single value is inside `<code>`, evidence references are
in `<ul class="evidence">`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from workbench.i18n import tr

STYLE = """<style>
.wb {font-family: system-ui, sans-serif; line-height: 1.4; max-width: 70em}
.wb table {border-collapse: collapse; margin: 0.4em 0; font-size: 0.9em}
.wb th, .wb td {border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top}
.wb th {background: #f3f3f3}
.wb .muted {color: #666}
.wb .note {background: #f6f8fa; border-left: 4px solid #999; padding: 0.4em 0.8em; margin: 0.4em 0}
.wb .badge {display: inline-block; padding: 0.1em 0.6em; border-radius: 0.3em; color: #fff;
  font-weight: bold; background: #666}
.wb .PASS {background: #2e7d32} .wb .FAIL {background: #c62828}
.wb .NOT_APPLICABLE {background: #607d8b} .wb .INCONCLUSIVE {background: #ef6c00}
.wb .NEEDS_INSPECTOR {background: #1565c0} .wb .PENDING {background: #8e24aa}
.wb .ERROR {background: #000} .wb .stale {background: #6a1b9a}
.wb code {background: #f3f3f3; padding: 0 0.2em}
.wb ul.evidence {margin: 0; padding-left: 1.1em}
.wb details.evidence-more summary {cursor: pointer; color: #1565c0}
</style>"""

EVIDENCE_CLASS = "wb-evidence"  # a table whose cells are evidence (device data, file names): never translated
MAX_CELL_CHARS = 300
EVIDENCE_SHOWN = 5  # evidence references listed before the rest fold away (all stay in the page)


def esc(value: Any) -> str:
    """The text of any value, escaped for HTML element content and quoted attributes."""
    return html.escape(text_of(value), quote=True)


def text_of(value: Any, limit: int = MAX_CELL_CHARS) -> str:
    """A value as the short text shown in a table cell (lists joined, cut after `limit` characters)."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, dict):
        text = "; ".join(f"{k}: {text_of(v)}" for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        text = ", ".join(text_of(v) for v in value)
    elif hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays
        return text_of(value.tolist(), limit)
    else:
        text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def element(tag: str, content: str = "", cls: str = "") -> str:
    """`<tag class="cls">content</tag>`; content must already be HTML (escaped)."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<{tag}{attr}>{content}</{tag}>"


def para(text: Any, cls: str = "") -> str:
    return element("p", esc(text), cls)


def heading(text: Any, level: int = 3) -> str:
    return element(f"h{level}", esc(text))


def bullet_list(items: Iterable[Any], ordered: bool = False) -> str:
    rows = "".join(element("li", esc(item)) for item in items)
    return element("ol" if ordered else "ul", rows)


def evidence_list(labels: Sequence[Any], shown: int = EVIDENCE_SHOWN) -> str:
    """Every evidence reference: the first `shown` listed, the rest folded into a <details> element
    (opened by the browser itself: no script, so it works in a bundle page too)."""
    if not labels:
        return esc("—")
    items = [element("li", esc(label)) for label in labels]
    listed = element("ul", "".join(items[:shown]), "evidence")
    if len(items) <= shown:
        return listed
    summary = element("summary", esc(tr("{more} more (all {total} references)", more=len(items) - shown,
                                        total=len(items))))
    rest = element("ul", "".join(items[shown:]), "evidence")
    return listed + f'<details class="evidence-more">{summary}{rest}</details>'


def code(text: Any) -> str:
    return element("code", esc(text))


def badge(verdict: Any, label: str | None = None) -> str:
    name = text_of(verdict)
    css = name if name.isidentifier() else ""
    return element("span", esc(label or name), f"badge {css}")


def key_value_table(rows: Iterable[tuple[Any, str]], cls: str = "") -> str:
    """Two columns: an escaped label, and a value that is already HTML."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return element("table", body, cls)


def block(*parts: str) -> str:
    """The parts inside one styled container: the unit a helper displays."""
    return STYLE + '<div class="wb">' + "".join(parts) + "</div>"


def show(html_text: str, plain: str) -> None:
    """Display one output with an HTML view and a plain-text fallback."""
    from IPython.display import display

    display({"text/html": html_text, "text/plain": plain}, raw=True)
