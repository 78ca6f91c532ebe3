"""Exercise mode: in a trainee's case, which requirements' answers (the check's proposal) stay hidden.

The one rule (docs/CONTRACTS.md, "The qualified-inspector programme"): in an exercise case, the check's
proposed verdict, reasons, findings, observed side and a final verdict whose source is the check are
hidden until the trainee has recorded a verdict on that requirement, and after it too when the
instructor allows no feedback. Judgement-free, so the overview and `case status` read it too.
"""

from __future__ import annotations

from typing import Any

from workbench.i18n import N_, _

FEEDBACK_HEADING = N_("Feedback: your verdict and the check's")  # shown through _()


def exercise_of(case: Any) -> Any | None:
    """The case's ExerciseInfo, or None for an inspector's case."""
    return getattr(case.info, "exercise", None)


_UNREAD = object()  # `recorded` not given: read the latest verdict from the case


def answers_hidden(case: Any, requirement_id: str, recorded: Any = _UNREAD) -> bool:
    """True when what the check proposes for `requirement_id` must not be shown: an exercise case
    whose trainee has recorded no verdict on it yet, or whose exercise gives no feedback.
    `recorded`: the latest verdict (or None) when the caller has it; else it is read from the case."""
    exercise = exercise_of(case)
    if exercise is None:
        return False
    if not exercise.feedback:
        return True
    if recorded is _UNREAD:
        recorded = case.verdicts.latest(requirement_id)
    return recorded is None


def hidden_note(case: Any, recorded: bool = False) -> str:
    """One sentence saying why the proposal is not shown, for this case's exercise, in the current
    language."""
    exercise = exercise_of(case)
    no_feedback = exercise is not None and not exercise.feedback
    if recorded and no_feedback:
        return _(
            "Your verdict is recorded; this exercise gives no feedback: the instructor shows the check's"
            " proposal at grading."
        )
    if no_feedback:
        return _(
            "The check's proposal is hidden until you record your verdict; this exercise gives no feedback:"
            " the instructor shows the check's proposal at grading."
        )
    return _("The check's proposal is hidden until you record your verdict.")
