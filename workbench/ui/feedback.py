"""Exercise mode in the requirement notebook: the note that stands where the check's proposal is hidden,
and, once the trainee has recorded a verdict (when the exercise allows feedback), the comparison of the
trainee's verdict with the check's, its reasons and findings. Whether to hide is decided once, by
`RequirementSession.answers_hidden` (workbench.case.exercise)."""

from __future__ import annotations

from typing import Any

from workbench.case.exercise import FEEDBACK_HEADING, hidden_note
from workbench.i18n import _, tr
from workbench.ui.findings import render_findings
from workbench.ui.html import badge, block, bullet_list, element, esc, heading, key_value_table, para

DOES_NOT_DECIDE = ("NEEDS_INSPECTOR", "INCONCLUSIVE")


def hidden(session: Any) -> bool:
    """The one rule, read from the session (a session without it is an inspector's)."""
    return bool(getattr(session, "answers_hidden", False))


def in_exercise(session: Any) -> bool:
    return getattr(session.case.info, "exercise", None) is not None


def hidden_text(session: Any) -> str:
    return hidden_note(session.case, recorded=session.recorded is not None)


def render_hidden(session: Any) -> str:
    exercise = session.case.info.exercise
    return block(
        heading(tr("Exercise: {title}", title=exercise.title), 4),
        element("div", para(hidden_text(session)), "note"),
        para(_("Judge from the evidence and the analysis tables above, then record your verdict below, "
               "citing the packets, files or declaration fields that prove it."), "muted"),
    )


def agreement(mine: str, proposed: str) -> str:
    if proposed in DOES_NOT_DECIDE:
        return tr("the check does not decide this one ({proposed}): compare your reading with its reasons",
                  proposed=proposed)
    if mine == proposed:
        return _("you agree")
    return _("you differ: look again at the check's reasons and findings below")


def _verdicts(session: Any) -> tuple[str, str]:
    mine = str(getattr(session.recorded.verdict, "value", session.recorded.verdict))
    proposed = str(getattr(session.result.verdict, "value", session.result.verdict))
    return mine, proposed


def render_feedback(session: Any) -> str:
    """The trainee's verdict beside the check's, whether they agree, then the check's reasons and findings."""
    mine, proposed = _verdicts(session)
    result = session.result
    rows = [
        (_("Your verdict"), badge(mine)),
        (_("The check proposes"), badge(proposed)),
        (_("Agreement"), esc(agreement(mine, proposed))),
    ]
    none = para(_("The check gave no reasons."), "muted")
    reasons = bullet_list(result.reasons) if result.reasons else none
    return block(
        heading(_(FEEDBACK_HEADING), 4), key_value_table(rows), heading(_("The check's reasons"), 4), reasons,
        render_findings(result),
    )


def feedback_text(session: Any) -> str:
    mine, proposed = _verdicts(session)
    lines = [_(FEEDBACK_HEADING), tr("Your verdict: {verdict}", verdict=mine),
             tr("The check proposes: {verdict} ({agreement})", verdict=proposed,
                agreement=agreement(mine, proposed))]
    lines += [f"- {reason}" for reason in session.result.reasons]
    for finding in session.result.findings:
        labels = "; ".join(ref.label() for ref in finding.evidence)
        lines.append(f"* {finding.summary}" + (f" [{labels}]" if labels else ""))
    return "\n".join(lines)
