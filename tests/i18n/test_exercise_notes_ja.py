"""Exercise mode's notes in Japanese: why the check's proposal is hidden (with and without feedback, before
and after the trainee's verdict) and the feedback heading, on real trainee cases started from an answer key
(tests/training/test_exercise_mode.py's key on the demo defective device); English as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from english import english_runs

from workbench.case.exercise import FEEDBACK_HEADING, hidden_note
from workbench.i18n import _, use_language
from workbench.training.key import load_key
from workbench.training.start import start_exercise

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))
from test_exercise_mode import DEVICE, KEY, TRAINEE  # noqa: E402


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, object]:
    root = tmp_path_factory.mktemp("exercise-notes")
    made = {}
    for feedback in (True, False):
        key = root / f"{feedback}.key.yaml"
        key.write_text(KEY.format(device=DEVICE, feedback=str(feedback).lower()))
        made[feedback] = start_exercise(load_key(key), root / str(feedback), TRAINEE)
    return made


def test_the_notes_in_english_are_as_they_were(cases) -> None:
    hidden = "The check's proposal is hidden until you record your verdict"
    silent = "this exercise gives no feedback: the instructor shows the check's proposal at grading."
    assert hidden_note(cases[True]) == hidden_note(cases[True], recorded=True) == f"{hidden}."
    assert hidden_note(cases[False]) == f"{hidden}; {silent}"
    assert hidden_note(cases[False], recorded=True) == f"Your verdict is recorded; {silent}"
    assert _(FEEDBACK_HEADING) == "Feedback: your verdict and the check's"


def test_the_notes_in_japanese(cases) -> None:
    with use_language("ja"):
        notes = {hidden_note(cases[feedback], recorded=recorded)
                 for feedback in (True, False) for recorded in (True, False)}  # fmt: skip
        heading = _(FEEDBACK_HEADING)
    assert len(notes) == 3 and all("提案判定" in n for n in notes), notes
    assert heading.startswith("フィードバック")
    assert english_runs("\n".join([*notes, heading])) == []
