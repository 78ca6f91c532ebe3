"""The functional test units of the TS 103 701 page: the bundle's requirements as every format reads
them (workbench.export.content.read_content, which refuses a malformed record), shown within bounds.

Every value comes from a bundle a vendor may have crafted: strings are cut to a length a page can
show, counts are bounded, a link is made only to a requirement page the bundle holds under a plain
name, and control characters and bidirectional overrides are shown as escapes (`visible`), never
passed to the page raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.export.items import BundleContent, RequirementItem

MAX_TEXT = 1000  # characters of one string shown
MAX_FINDINGS = 20  # per unit shown (the rest counted)
MAX_REFS = 10  # evidence labels per finding
_PAGE = re.compile(r"notebooks/[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.html")
_ANCHOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,60}")
# C0 and C1 controls but tab, newline and carriage return; bidi marks, embeddings, overrides, isolates
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ShownFinding:
    summary: str
    severity: str
    evidence: tuple[str, ...]  # labels: "capture.pcap · packet 12"


@dataclass(frozen=True)
class Unit:
    """One requirement as a test unit of the provisions it maps to."""

    id: str
    title: str
    automation: str
    verdict: str
    source: str
    stale: bool
    provisions: tuple[str, ...]  # its EN 303 645 mappings
    ixit_sections: tuple[str, ...]  # its TS 103 701 IXIT mappings ("IXIT 7")
    reasons: tuple[str, ...]
    page: str | None  # href from formats/ to its page, when the bundle holds it
    anchor: str | None  # its row's id in index.html
    findings: tuple[ShownFinding, ...] = ()
    more_findings: int = 0


def read_units(content: BundleContent) -> list[Unit]:
    """A Unit for each requirement of the bundle (read_content: results.json's rows, typed, with the
    findings of outcomes/<ID>.json)."""
    return [_unit(req) for req in content.requirements]


def _unit(req: RequirementItem) -> Unit:
    shown = tuple(
        ShownFinding(short(f.summary), short(f.severity, 20),
                     tuple(short(ref.label(), 600) for ref in f.evidence[:MAX_REFS]))
        for f in req.findings[:MAX_FINDINGS]
    )
    return Unit(
        id=short(req.id, 80),
        title=short(req.title),
        automation=short(req.automation, 40),
        verdict=req.verdict,
        source=short(req.source, 40),
        stale=req.stale,
        provisions=_texts(req.mappings.get("etsi_en_303_645", ()), 80),
        ixit_sections=_texts(req.mappings.get("ts_103_701_ixit", ()), 40),
        reasons=_texts(req.reasons, 5, 500),
        page=f"../{req.page}" if _PAGE.fullmatch(req.page) else None,  # read_content: a page the bundle holds
        anchor=req.id if _ANCHOR.fullmatch(req.id) else None,  # index.html's row (written after formats/)
        findings=shown,
        more_findings=max(0, len(req.findings) - MAX_FINDINGS),
    )


def visible(value: Any) -> Any:
    """A string with each control character or bidi control shown as its escape (ESC as `\\x1b`,
    RIGHT-TO-LEFT OVERRIDE as `\\u202e`): a declaration cannot hide or reorder text on the page.
    Anything else (numbers, markup the template made) is returned as it is."""
    if not isinstance(value, str) or hasattr(value, "__html__"):
        return value
    return _INVISIBLE.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def short(value: Any, limit: int = MAX_TEXT) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _texts(values: tuple[str, ...], count: int, chars: int = 200) -> tuple[str, ...]:
    return tuple(short(v, chars) for v in values[:count])
