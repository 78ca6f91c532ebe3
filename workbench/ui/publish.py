"""Readable views of the published outcome (the batch reads the MIME payload beside them)."""

from __future__ import annotations

from typing import Any

from workbench.ui.html import badge, block, bullet_list, esc, heading, key_value_table


def outcome_html(payload: dict[str, Any]) -> str:
    result = payload.get("result", {})
    final = payload.get("final", {})
    stale = " " + badge("stale", "STALE") if final.get("stale") else ""
    rows = [
        ("Requirement", esc(payload.get("requirement_id", ""))),
        ("Check proposes", badge(result.get("verdict", ""))),
        ("Findings", esc(len(result.get("findings", [])))),
        ("Final verdict", badge(final.get("verdict", "")) + stale),
        ("Source", esc(final.get("source", ""))),
    ]
    return block(
        heading("Outcome", 4),
        key_value_table(rows),
        bullet_list(result.get("reasons", [])),
    )


def outcome_text(payload: dict[str, Any]) -> str:
    result = payload.get("result", {})
    final = payload.get("final", {})
    stale = ", stale" if final.get("stale") else ""
    return (
        f"{payload.get('requirement_id')}: check proposes {result.get('verdict')}; "
        f"final verdict {final.get('verdict')} ({final.get('source')}{stale})"
    )
