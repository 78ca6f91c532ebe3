"""Sizes a peer writes in decimal (an HTTP Content-Length, an FTP "(N bytes)"): a number past
2**63-1 is no size but a broken or hostile peer, so it is read as unknown and reported."""

from __future__ import annotations

import re

from workbench.tables import INT64_MAX

DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes "²", which int() refuses
WARNING_KIND = "oversized-number"


def decimal_size(digits: str | bytes) -> int | None:
    """The size that ASCII `digits` state, or None past 2**63-1 (read without converting a
    number of thousands of digits, which int() refuses)."""
    significant = digits.lstrip(b"0" if isinstance(digits, bytes) else "0")
    if len(significant) > len(str(INT64_MAX)):
        return None
    value = int(significant or 0)
    return value if value <= INT64_MAX else None


def oversized(what: str, digits: str | bytes) -> str:
    """The warning's message for a size past 2**63-1."""
    text = digits.decode("ascii") if isinstance(digits, bytes) else digits
    shown = text if len(text) <= 40 else f"{text[:40]}... ({len(text)} digits)"
    return f"{what} {shown} is past 2**63-1: not a size; left unknown"
