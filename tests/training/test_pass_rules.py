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
