"""Readable views of the published outcome (the batch reads the MIME payload beside them)."""

from __future__ import annotations

from typing import Any

from workbench.ui.html import badge, block, bullet_list, esc, heading, key_value_table

HIDDEN = "hidden in this exercise (shown as feedback after your verdict, when the instructor allows it)"


def outcome_html(payload: dict[str, Any]) -> str:
    result = payload.get("result") or {}
    final = payload.get("final") or {}
    stale = " " + badge("stale", "STALE") if final.get("stale") else ""
    hidden = bool(payload.get("answers_hidden"))
    rows = [("Requirement", esc(payload.get("requirement_id", "")))]
    if hidden:  # a trainee's case: no proposal, no findings, no reasons
        rows.append(("The check's proposal", esc(HIDDEN)))
    else:
        rows += [("Check proposes", badge(result.get("verdict", ""))),
                 ("Findings", esc(len(result.get("findings", []))))]
    rows += [("Final verdict", badge(final.get("verdict", "")) + stale),
             ("Source", esc(final.get("source", "")))]
    reasons = "" if hidden else bullet_list(result.get("reasons", []))
    return block(heading("Outcome", 4), key_value_table(rows), reasons)


def outcome_text(payload: dict[str, Any]) -> str:
    result = payload.get("result") or {}
    final = payload.get("final") or {}
    stale = ", stale" if final.get("stale") else ""
    proposal = (f"the check's proposal is {HIDDEN}" if payload.get("answers_hidden")
                else f"check proposes {result.get('verdict')}")
    return (
        f"{payload.get('requirement_id')}: {proposal}; "
        f"final verdict {final.get('verdict')} ({final.get('source')}{stale})"
    )
