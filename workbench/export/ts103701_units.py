"""The functional test units of the TS 103 701 page: results.json's rows with their outcomes' findings.

Every value comes from a bundle a vendor may have crafted: rows that are not objects are skipped,
strings are cut to a length a page can show, counts are bounded, a link is made only to a
requirement page the bundle holds under a plain name, and control characters and bidirectional
overrides are shown as escapes (`visible`), never passed to the page raw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.errors import BundleError
from workbench.sealed import BundleView

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


def read_units(view: BundleView, rows: list[Any]) -> list[Unit]:
    """A Unit for each row of results.json (`checks`), with the findings of outcomes/<ID>.json."""
    units = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            continue
        rid = short(row["id"], 80)
        mappings = row.get("mappings") if isinstance(row.get("mappings"), dict) else {}
        page = row.get("page")
        linked = isinstance(page, str) and _PAGE.fullmatch(page) is not None and view.has(page)
        findings, more = _findings(view, row["id"])
        units.append(
            Unit(
                id=rid,
                title=short(row.get("title", "")),
                automation=short(row.get("automation", ""), 40),
                verdict=short(row.get("verdict", ""), 40),
                source=short(row.get("verdict_source", ""), 40),
                stale=row.get("stale") is True,
                provisions=_texts(mappings.get("etsi_en_303_645"), 80),
                ixit_sections=_texts(mappings.get("ts_103_701_ixit"), 40),
                reasons=_texts(row.get("reasons"), 5, 500),
                page=f"../{page}" if linked else None,
                anchor=rid if _ANCHOR.fullmatch(rid) else None,  # index.html's row (written after formats/)
                findings=findings,
                more_findings=more,
            )
        )
    return units


def _findings(view: BundleView, rid: str) -> tuple[tuple[ShownFinding, ...], int]:
    try:
        outcome = view.outcome(rid) if "/" not in rid else None
    except BundleError:
        return (), 0
    result = outcome.get("result") if outcome else None
    raw = result.get("findings") if isinstance(result, dict) else None
    if not isinstance(raw, list):
        return (), 0
    shown = []
    for finding in raw[:MAX_FINDINGS]:
        if not isinstance(finding, dict):
            continue
        refs = finding.get("evidence") if isinstance(finding.get("evidence"), list) else []
        labels = tuple(label(ref) for ref in refs[:MAX_REFS] if isinstance(ref, dict))
        summary, severity = short(finding.get("summary", "")), short(finding.get("severity", ""), 20)
        shown.append(ShownFinding(summary, severity, labels))
    return tuple(shown), max(0, len(raw) - MAX_FINDINGS)


def label(ref: dict[str, Any]) -> str:
    """An evidence reference as the workbench labels it: "image.bin · /etc/shadow · offset 0x1f"."""
    parts = [short(ref.get("artefact", "?"), 200)]
    if isinstance(ref.get("packet"), int) and not isinstance(ref.get("packet"), bool):
        parts.append(f"packet {ref['packet']}")
    if ref.get("path"):
        parts.append(short(ref["path"], 300))
    if isinstance(ref.get("offset"), int) and not isinstance(ref.get("offset"), bool):
        parts.append(f"offset 0x{ref['offset']:x}")
    return " · ".join(parts)


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


def _texts(value: Any, count: int, chars: int = 200) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(short(v, chars) for v in value[:count] if isinstance(v, str))
