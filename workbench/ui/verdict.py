"""What the check proposes, the declaration against the evidence, and the recorded verdict."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.i18n import N_, _, language, tr
from workbench.ui.feedback import (
    feedback_text,
    hidden,
    hidden_text,
    in_exercise,
    render_feedback,
    render_hidden,
)
from workbench.ui.findings import findings_text, render_findings
from workbench.ui.html import (
    badge,
    block,
    bullet_list,
    element,
    esc,
    evidence_list,
    heading,
    key_value_table,
    para,
    show,
    text_of,
)
from workbench.ui.publish import source_label
from workbench.ui.tables import frame_html, frame_text, headed

COMPARISON_CHARS = 2000  # the comparison is the point of step 5: cut late

VERDICT_MEANING = {  # in Japanese each starts with the verdict's gloss (適合, 不適合, ...)
    "PASS": N_("the evidence meets the pass criteria"),
    "FAIL": N_("the evidence shows the requirement is not met; the findings say where"),
    "NOT_APPLICABLE": N_("the requirement does not apply to this device (the reasons say why)"),
    "INCONCLUSIVE": N_("the evidence does not allow a decision; the reasons say what is missing"),
    "NEEDS_INSPECTOR": N_("the check gathered indicators; an inspector must examine them and decide"),
    "PENDING": N_("no verdict yet: an inspector must record one"),
}
ADVICE = {
    "assisted": N_("This requirement is assisted: the proposal is advice; your recorded verdict decides."),
    "manual": N_("This requirement is manual: the proposal is advice; your recorded verdict decides."),
}
COMPARISON_COLUMNS = (N_("aspect"), N_("declared"), N_("observed"))


def verdict_meaning(verdict: str) -> str:
    return _(VERDICT_MEANING[verdict]) if verdict in VERDICT_MEANING else ""


def final_line(verdict: str, source: Any, stale: bool) -> str:
    """'PASS (source: inspector)', stale or not, in the current language."""
    if stale:
        return tr("{verdict} (source: {source}, stale)", verdict=verdict, source=source_label(source))
    return tr("{verdict} (source: {source})", verdict=verdict, source=source_label(source))


def show_findings(session: Any) -> None:
    """The check's findings: summary, severity and where each can be seen in the evidence (in a
    trainee's case, only once the feedback is allowed)."""
    if hidden(session):
        show(render_hidden(session), hidden_text(session))
        return
    show(render_findings(session.result), frame_text(findings_text(session.result)))


def render_proposal(session: Any) -> str:
    result = session.result
    verdict = str(result.verdict)
    automation = str(getattr(session.requirement.automation, "value", session.requirement.automation))
    final = session.final
    final_verdict, source = (
        str(getattr(final.verdict, "value", final.verdict)),
        str(getattr(final.source, "value", final.source)),
    )
    parts = [
        para(_("The check proposes:")) + badge(verdict) + " " + esc(verdict_meaning(verdict)),
        heading(_("Reasons"), 4),
        bullet_list(result.reasons) if result.reasons else para(_("The check gave no reasons."), "muted"),
        render_findings(result),
        heading(_("Final verdict as things stand"), 4),
        para(final_line(final_verdict, source, bool(final.stale))),
    ]
    if automation != "automatic":
        advice = (
            _(ADVICE[automation])
            if automation in ADVICE
            else tr(
                "This requirement is {automation}: the proposal is advice; your recorded verdict decides.",
                automation=automation,
            )
        )
        parts.append(para(advice, "note"))
    return block(*parts)


def show_proposal(session: Any) -> None:
    """The proposed verdict with its reasons and findings, and where the final verdict stands. In a
    trainee's case: a note while the answers are hidden, then the feedback (the trainee's verdict
    beside the check's)."""
    if hidden(session):
        show(render_hidden(session), hidden_text(session))
        return
    if in_exercise(session) and session.recorded is not None:
        show(render_feedback(session), feedback_text(session))
        return
    result = session.result
    text = (
        tr("Proposed: {verdict}", verdict=result.verdict) + "\n" + "\n".join(f"- {r}" for r in result.reasons)
    )
    show(render_proposal(session), text)


# --- declaration vs observation ------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _split_indicators(indicators: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    declared: dict[str, Any] = {}
    observed: dict[str, Any] = {}
    for key, value in indicators.items():
        if key == "declared" and isinstance(value, dict):
            declared.update(value)
        elif key == "observed" and isinstance(value, dict):
            observed.update(value)
        elif key.startswith("declared_"):
            declared[key.removeprefix("declared_")] = value
        elif key.startswith("observed_"):
            observed[key.removeprefix("observed_")] = value
        else:
            observed[key] = value
    return declared, observed


def comparison_frame(session: Any, fields: list[str] | None = None) -> pd.DataFrame:
    """Rows of (aspect, declared, observed) from the declaration fields and the check's indicators;
    while a trainee's answers are hidden, (aspect, declared) from the declaration alone."""
    declaration = session.case.declaration
    if hidden(session):
        rows = [
            {"aspect": aspect_label(aspect), "declared": _declared_value(declaration, aspect)}
            for aspect in dict.fromkeys(fields or [])
        ]
        return pd.DataFrame(rows, columns=["aspect", "declared"])
    declared_ind, observed_ind = _split_indicators(dict(session.result.indicators or {}))
    # The check's own declared side, when it gives one, supersedes the raw declaration fields.
    from_declaration = [] if declared_ind else list(fields or [])
    aspects = list(dict.fromkeys([*from_declaration, *declared_ind, *observed_ind]))
    rows = []
    for aspect in aspects:
        if aspect in declared_ind:
            declared = text_of(_plain(declared_ind[aspect]), COMPARISON_CHARS)
        elif aspect not in from_declaration:
            declared = "—"
        else:
            declared = _declared_value(declaration, aspect)
        observed = text_of(_plain(observed_ind[aspect]), COMPARISON_CHARS) if aspect in observed_ind else "—"
        rows.append({"aspect": aspect_label(aspect), "declared": declared, "observed": observed})
    return pd.DataFrame(rows, columns=["aspect", "declared", "observed"])


def aspect_label(aspect: str) -> str:
    """A declaration field or indicator name: words in English, the identifier itself otherwise."""
    return aspect.replace("_", " ") if language() == "en" else aspect


def _declared_value(declaration: Any, aspect: str) -> str:
    if declaration is None:
        return _("(no declaration in the case)")
    value = _plain(getattr(declaration, aspect, None))
    return text_of(value, COMPARISON_CHARS) if value not in (None, [], {}, "") else _("(not declared)")


OBSERVED_IS_YOURS = N_(
    "Exercise: only the declared side is shown; what the evidence shows is for you to find "
    "in the analysis above."
)


def render_comparison(session: Any, fields: list[str] | None = None) -> str:
    """The comparison table; its cells are the declaration's and the evidence's values (class
    `wb-evidence`), its headings in the current language."""
    frame = headed(comparison_frame(session, fields), COMPARISON_COLUMNS)
    if hidden(session):
        body = (
            frame_html(frame, limit=COMPARISON_CHARS, evidence=True)
            if not frame.empty
            else para(_("The declaration has nothing to compare here."), "muted")
        )
        return block(body, para(_(OBSERVED_IS_YOURS), "note"))
    if frame.empty:
        return block(para(_("Neither the declaration nor the check has anything to compare here."), "muted"))
    return block(frame_html(frame, limit=COMPARISON_CHARS, evidence=True))


def show_declared_vs_observed(session: Any, fields: list[str] | None = None) -> None:
    """Two columns: what the manufacturer declared, and what the evidence shows."""
    text = frame_text(headed(comparison_frame(session, fields), COMPARISON_COLUMNS), limit=COMPARISON_CHARS)
    show(render_comparison(session, fields), text + ("\n" + _(OBSERVED_IS_YOURS) if hidden(session) else ""))


# --- the recorded verdict ------------------------------------------------------------------------
def attr(record: Any, *names: str) -> Any:
    for name in names:
        value = getattr(record, name, None)
        if value is not None:
            return value
    return None


def _when(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")
    return text_of(value)


def recorded_summary(record: Any) -> dict[str, Any]:
    return {
        "verdict": str(getattr(attr(record, "verdict"), "value", attr(record, "verdict"))),
        "inspector": attr(record, "inspector") or "",
        "at": _when(attr(record, "recorded_at", "timestamp", "at", "created_at")),
        "rationale": attr(record, "rationale") or "",
        "evidence_refs": list(attr(record, "evidence_refs") or []),
        "catalog_edition": attr(record, "catalog_edition"),
        "carried_from": attr(record, "carried_from"),
    }


def carried_text(source: dict[str, Any]) -> str:
    """Where a carried verdict came from: the old case's device, its inspector and date, its record."""
    return tr(
        "{case}: {verdict} by {inspector} on {date} (record {record}); confirmed by the inspector above",
        case=source.get("case_device") or source.get("case"),
        verdict=source.get("verdict"),
        inspector=source.get("inspector"),
        date=str(source.get("recorded_at") or "")[:10],
        record=source.get("record"),
    )


def render_recorded(session: Any) -> str:
    record = session.recorded
    if record is None and hidden(session):
        return block(
            heading(_("Your verdict"), 4), para(_("No verdict recorded yet.")), para(hidden_text(session))
        )
    if record is None:
        final = session.final
        verdict = str(getattr(final.verdict, "value", final.verdict))
        source = str(getattr(final.source, "value", final.source))
        return block(
            heading(_("Inspector's verdict"), 4),
            para(_("No inspector verdict recorded yet.")),
            para(
                tr(
                    "Final verdict now: {verdict} (source: {source}).",
                    verdict=verdict,
                    source=source_label(source),
                )
            ),
        )
    info = recorded_summary(record)
    stale = session.is_stale()
    rows = [
        (_("Verdict"), badge(info["verdict"]) + (" " + badge("stale", "STALE") if stale else "")),
        (_("Recorded by"), esc(info["inspector"])),
        (_("Recorded at"), esc(info["at"])),
        (_("Rationale"), esc(info["rationale"])),
        (_("Evidence"), evidence_list(info["evidence_refs"])),
        (_("Judged against"), esc(_judged_against(info["catalog_edition"]))),
    ]
    if info["carried_from"]:
        rows.append((_("Carried over from"), esc(carried_text(info["carried_from"]))))
    parts = [heading(_("Inspector's verdict (from the case's verdict store)"), 4), key_value_table(rows)]
    if stale:
        why = para(
            _(
                "Stale: the evidence or the requirement changed since this verdict was recorded. "
                "Re-examine it and record again:"
            )
        )
        parts.append(element("div", why + bullet_list(session.stale_reasons()), "note"))
    return block(*parts)


def _judged_against(edition: Any) -> str:
    if not edition:
        return _("— (recorded before verdicts named their catalogue edition)")
    return tr("catalogue {edition}", edition=edition)


def recorded_text(session: Any) -> str:
    record = session.recorded
    if record is None:
        return _("No inspector verdict recorded yet.")
    info = recorded_summary(record)
    reasons = session.stale_reasons()
    if reasons:
        return tr(
            "Recorded verdict: {verdict} by {inspector} at {at} (STALE: {reasons})",
            verdict=info["verdict"],
            inspector=info["inspector"],
            at=info["at"],
            reasons="; ".join(reasons),
        )
    return tr(
        "Recorded verdict: {verdict} by {inspector} at {at}",
        verdict=info["verdict"],
        inspector=info["inspector"],
        at=info["at"],
    )


def show_recorded(session: Any) -> None:
    """The latest inspector verdict from the case's store: who, when, why, and whether it is stale."""
    show(render_recorded(session), recorded_text(session))
