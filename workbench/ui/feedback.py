"""Exercise mode in the requirement notebook: the note that stands where the check's proposal is hidden,
and, once the trainee has recorded a verdict (when the exercise allows feedback), the comparison of the
trainee's verdict with the check's, its reasons and findings. Whether to hide is decided once, by
`RequirementSession.answers_hidden` (workbench.case.exercise)."""

from __future__ import annotations

from typing import Any

from workbench.case.exercise import FEEDBACK_HEADING, hidden_note
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
        heading(f"Exercise: {exercise.title}", 4),
        element("div", para(hidden_text(session)), "note"),
        para("Judge from the evidence and the analysis tables above, then record your verdict below, "
             "citing the packets, files or declaration fields that prove it.", "muted"),
    )


def agreement(mine: str, proposed: str) -> str:
    if proposed in DOES_NOT_DECIDE:
        return f"the check does not decide this one ({proposed}): compare your reading with its reasons"
    if mine == proposed:
        return "you agree"
    return "you differ: look again at the check's reasons and findings below"


def _verdicts(session: Any) -> tuple[str, str]:
    mine = str(getattr(session.recorded.verdict, "value", session.recorded.verdict))
    proposed = str(getattr(session.result.verdict, "value", session.result.verdict))
    return mine, proposed


def render_feedback(session: Any) -> str:
    """The trainee's verdict beside the check's, whether they agree, then the check's reasons and findings."""
    mine, proposed = _verdicts(session)
    result = session.result
    rows = [
        ("Your verdict", badge(mine)),
        ("The check proposes", badge(proposed)),
        ("Agreement", esc(agreement(mine, proposed))),
    ]
    reasons = bullet_list(result.reasons) if result.reasons else para("The check gave no reasons.", "muted")
    return block(
        heading(FEEDBACK_HEADING, 4), key_value_table(rows), heading("The check's reasons", 4), reasons,
        render_findings(result),
    )


def feedback_text(session: Any) -> str:
    mine, proposed = _verdicts(session)
    lines = [FEEDBACK_HEADING, f"Your verdict: {mine}",
             f"The check proposes: {proposed} ({agreement(mine, proposed)})"]
    lines += [f"- {reason}" for reason in session.result.reasons]
    for finding in session.result.findings:
        labels = "; ".join(ref.label() for ref in finding.evidence)
        lines.append(f"* {finding.summary}" + (f" [{labels}]" if labels else ""))
    return "\n".join(lines)
