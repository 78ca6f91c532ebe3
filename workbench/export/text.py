"""Strings from a bundle made safe for the formats: every one may come from a vendor's device.

JSON escapes anything, but OSCAL titles and property values are single lines, XML 1.0 cannot hold
most control characters at all, and a registry cell that starts with `=` is a formula in a
spreadsheet. Nothing here drops meaning silently: what cannot be kept becomes U+FFFD or a space.
"""

from __future__ import annotations

import re
from urllib.parse import quote

REPLACEMENT = "\ufffd"
# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def one_line(value: object, fallback: str = "-") -> str:
    """`value` as one line: every run of whitespace or control characters becomes one space."""
    text = _SPACES.sub(" ", str(value)).strip()
    return text or fallback


def xml_text(value: object) -> str:
    """`value` with the characters XML 1.0 cannot carry replaced by U+FFFD (newlines kept)."""
    return _NOT_XML.sub(REPLACEMENT, str(value))


def csv_cell(value: object) -> str:
    """A spreadsheet-safe, one-line cell: a leading formula character is quoted with `'`."""
    text = one_line(value, fallback="") if value is not None else ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def uri_path(path: str) -> str:
    """A file path as a URI path (percent-encoded; `/` kept)."""
    return quote(path, safe="/!@$&'()*+,;=:~-._")
