"""The key's pass rules beyond the score: false alarms on a clean device, and defects proven by evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.training import grade_case, load_key
from workbench.training.start import start_exercise

EXERCISES = Path(__file__).resolve().parents[2] / "sample_captures" / "exercises"
TRAINEE = "Rui Rules"


def record(case, key, *, flip: frozenset[str] = frozenset(), cite: bool = True) -> None:
    for rid, answer in key.answers.items():
        verdict = ("PASS" if answer.verdict == "FAIL" else "FAIL") if rid in flip else answer.verdict
        refs = [d.evidence[0].label() for d in answer.defects] if cite else []
        words = "; ".join(d.summary for d in answer.defects) or "looked at the evidence"
        case.verdicts.record(rid, verdict, words, TRAINEE, evidence_refs=refs)


@pytest.fixture(scope="module")
def clean_key():
    return load_key(EXERCISES / "acme-c100-clean.key.yaml")


@pytest.fixture(scope="module")
def lock_key():
    return load_key(EXERCISES / "lockly-l1.key.yaml")


def test_one_false_fail_on_the_clean_camera_fails_the_exercise_whatever_the_score(tmp_path, clean_key):
    assert clean_key.max_false_alarms == 0
    case = start_exercise(clean_key, tmp_path / "rui", TRAINEE)
    record(case, clean_key, flip=frozenset({"COM-01"}))
    grade = grade_case(case, clean_key)
    assert grade.false_alarms == 1 and grade.score >= grade.pass_mark
    assert not grade.passed
    assert any("false alarm" in reason for reason in grade.shortfalls())


def test_the_clean_camera_judged_right_passes(tmp_path, clean_key):
    case = start_exercise(clean_key, tmp_path / "rui", TRAINEE)
    record(case, clean_key)
    grade = grade_case(case, clean_key)
    assert grade.passed and grade.false_alarms == 0 and grade.shortfalls() == []


def test_right_verdicts_without_evidence_do_not_pass_a_defects_exercise(tmp_path, lock_key):
    assert lock_key.min_defects_found == 0.5
    case = start_exercise(lock_key, tmp_path / "rui", TRAINEE)
    record(case, lock_key, cite=False)  # the defects' own summaries as the rationale, no reference
    grade = grade_case(case, lock_key)
    assert grade.defects_found == 0 and grade.defects_planted > 0
    assert not grade.passed
    assert any("proven by evidence" in reason for reason in grade.shortfalls())
    assert grade.to_dict()["shortfalls"] == grade.shortfalls()


def test_citing_each_defects_place_passes_the_lock(tmp_path, lock_key):
    case = start_exercise(lock_key, tmp_path / "rui", TRAINEE)
    record(case, lock_key)
    grade = grade_case(case, lock_key)
    assert grade.passed and grade.defects_found == grade.defects_planted


def com01(grade):
    return next(r for r in grade.requirements if r.requirement_id == "COM-01")


def test_with_feedback_the_first_verdict_is_graded_not_one_given_after_reading_the_check(tmp_path, lock_key):
    assert lock_key.feedback
    case = start_exercise(lock_key, tmp_path / "rui", TRAINEE)
    right = [d.evidence[0].label() for d in lock_key.answers["COM-01"].defects]
    case.verdicts.record("COM-01", "PASS", "a throwaway to unlock the feedback", TRAINEE)
    case.verdicts.record("COM-01", "FAIL", "now that I have seen it", TRAINEE, evidence_refs=right)
    row = com01(grade_case(case, lock_key))
    assert (row.given, row.outcome, row.points, row.revisions) == ("PASS", "missed", 0, 1)
    silent = lock_key.model_copy(update={"feedback": False})  # no feedback: nothing seen, the latest counts
    assert com01(grade_case(case, silent)).outcome == "correct"


def test_verdicts_by_anyone_but_the_trainee_the_case_names_earn_nothing(tmp_path, lock_key):
    case = start_exercise(lock_key, tmp_path / "rui", TRAINEE)
    right = [d.evidence[0].label() for d in lock_key.answers["COM-01"].defects]
    case.verdicts.record("COM-01", "FAIL", "the instructor's own", "Instructor Ian", evidence_refs=right)
    grade = grade_case(case, lock_key)
    assert com01(grade).outcome == "unanswered" and grade.trainee == TRAINEE


def test_citing_every_packet_finds_nothing_but_a_few_extra_places_are_fine(tmp_path, lock_key):
    defects = lock_key.answers["COM-01"].defects
    right = [d.evidence[0].label() for d in defects]
    dump = start_exercise(lock_key, tmp_path / "dump", TRAINEE)
    dump.verdicts.record("COM-01", "FAIL", "all of it", TRAINEE,
                         evidence_refs=[f"packet {n}" for n in range(1, 2300)])
    row = com01(grade_case(dump, lock_key))
    assert row.outcome == "correct" and row.found == {} and row.stray_refs > lock_key.max_stray_refs
    careful = start_exercise(lock_key, tmp_path / "careful", TRAINEE)
    extra = [f"packet {n}" for n in range(1, 1 + lock_key.max_stray_refs)]  # DHCP/DNS context
    careful.verdicts.record("COM-01", "FAIL", "the logins, and context", TRAINEE, evidence_refs=right + extra)
    row = com01(grade_case(careful, lock_key))
    assert set(row.found) == {d.id for d in defects} and row.stray_refs <= lock_key.max_stray_refs


@pytest.mark.parametrize("command", [
    ["case", "compare", "{case}", "{case}"],
    ["case", "renew", "{case}", "{out}/renewed", "--firmware-version", "9.9"],
    ["case", "carry", "{case}", "--all", "--inspector", TRAINEE],
])
def test_compare_renew_and_carry_refuse_a_trainees_case(tmp_path, lock_key, command, capsys):
    from workbench.cli import main as workbench_main

    case = start_exercise(lock_key, tmp_path / "rui", TRAINEE)
    argv = [part.format(case=case.path, out=tmp_path) for part in command]
    assert workbench_main(argv) == 2
    err = capsys.readouterr().err
    assert "exercise case" in err and "FAIL" not in err
    assert not (tmp_path / "renewed").exists()
