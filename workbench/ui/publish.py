"""Readable views of the published outcome (the batch reads the MIME payload beside them)."""

from __future__ import annotations

from typing import Any

from workbench.i18n import N_, _, tr
from workbench.ui.html import badge, block, bullet_list, esc, heading, key_value_table

HIDDEN = N_("hidden in this exercise (shown as feedback after your verdict, when the instructor allows it)")


def outcome_html(payload: dict[str, Any]) -> str:
    result = payload.get("result") or {}
    final = payload.get("final") or {}
    stale = " " + badge("stale", "STALE") if final.get("stale") else ""
    hidden = bool(payload.get("answers_hidden"))
    rows = [(_("Requirement"), esc(payload.get("requirement_id", "")))]
    if hidden:  # a trainee's case: no proposal, no findings, no reasons
        rows.append((_("The check's proposal"), esc(_(HIDDEN))))
    else:
        rows += [(_("Check proposes"), badge(result.get("verdict", ""))),
                 (_("Findings"), esc(len(result.get("findings", []))))]
    rows += [(_("Final verdict"), badge(final.get("verdict", "")) + stale),
             (_("Source"), esc(source_label(final.get("source", ""))))]
    reasons = "" if hidden else bullet_list(result.get("reasons", []))
    return block(heading(_("Outcome"), 4), key_value_table(rows), reasons)


SOURCES = {"inspector": N_("inspector"), "automatic": N_("automatic"), "pending": N_("pending")}


def source_label(source: object) -> str:
    """Where a final verdict comes from (inspector, automatic, pending) in the current language."""
    name = str(getattr(source, "value", source) or "")
    return _(SOURCES[name]) if name in SOURCES else name


def outcome_text(payload: dict[str, Any]) -> str:
    result = payload.get("result") or {}
    final = payload.get("final") or {}
    rid, verdict, source = payload.get("requirement_id"), final.get("verdict"), final.get("source")
    if payload.get("answers_hidden"):
        if final.get("stale"):
            return tr("{id}: the check's proposal is hidden in this exercise (shown as feedback after your "
                      "verdict, when the instructor allows it); final verdict {verdict} ({source}, stale)",
                      id=rid, verdict=verdict, source=source_label(source))
        return tr("{id}: the check's proposal is hidden in this exercise (shown as feedback after your "
                  "verdict, when the instructor allows it); final verdict {verdict} ({source})",
                  id=rid, verdict=verdict, source=source_label(source))
    if final.get("stale"):
        return tr("{id}: check proposes {proposed}; final verdict {verdict} ({source}, stale)",
                  id=rid, proposed=result.get("verdict"), verdict=verdict, source=source_label(source))
    return tr("{id}: check proposes {proposed}; final verdict {verdict} ({source})",
              id=rid, proposed=result.get("verdict"), verdict=verdict, source=source_label(source))
