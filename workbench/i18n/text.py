"""Laying out text in either language: terminal columns, and the font stacks of the HTML pages."""

from __future__ import annotations

import unicodedata

# CSS font stacks, Japanese first where the page is Japanese: Debian's fonts-noto-cjk
# (scripts/install-system-deps.sh); the English stack still falls back to it for Japanese names.
PAGE_FONTS = {
    "en": 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK JP", sans-serif',
    "ja": '"Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", Meiryo, system-ui, sans-serif',
}


def page_fonts(lang: str) -> str:
    """The CSS font-family of a page in `lang`."""
    return PAGE_FONTS.get(lang, PAGE_FONTS["en"])


def display_width(text: str) -> int:
    """Terminal columns `text` takes: two for a wide (CJK) character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns."""
    return text + " " * max(width - display_width(text), 0)
