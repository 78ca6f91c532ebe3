"""Exercise mode: in a trainee's case, which requirements' answers (the check's proposal) stay hidden.

The one rule (docs/CONTRACTS.md, "The qualified-inspector programme"): in an exercise case, the check's
proposed verdict, reasons, findings, observed side and a final verdict whose source is the check are
hidden until the trainee has recorded a verdict on that requirement, and after it too when the
instructor allows no feedback. Judgement-free, so the overview and `case status` read it too.
"""

from __future__ import annotations

from typing import Any

HIDDEN_NOTE = "the check's proposal is hidden until you record your verdict"
NO_FEEDBACK_NOTE = "this exercise gives no feedback: the instructor shows the check's proposal at grading"
FEEDBACK_HEADING = "Feedback: your verdict and the check's"


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
    """One sentence saying why the proposal is not shown, for this case's exercise."""
    exercise = exercise_of(case)
    no_feedback = exercise is not None and not exercise.feedback
    if recorded and no_feedback:
        return f"Your verdict is recorded; {NO_FEEDBACK_NOTE}."
    first = HIDDEN_NOTE[0].upper() + HIDDEN_NOTE[1:]
    return f"{first}; {NO_FEEDBACK_NOTE}." if no_feedback else f"{first}."
