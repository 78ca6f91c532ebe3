"""The home-device exercises (lockly-l1, aquaheat-r2): their generator reproduces the committed files, and
each key agrees with its device: the trainee's case builds, the checks propose what the key expects (a FAIL
answer's check FAIL or NEEDS_INSPECTOR, a PASS answer's check never FAIL), every defect's places are in
the case and the checks point at one of them, and grading by evidence gives full marks to a trainee who
cites them and takes the done-right answers' points from one who fails everything."""

from __future__ import annotations

import exercise_devices as devices
import pytest

EXERCISES = ("lockly-l1", "aquaheat-r2")
GENERATED = [f"{name}.{ext}" for name in EXERCISES for ext in ("pcap", "img")]
TRAINEE = "Hana Home"


def test_the_generator_writes_the_committed_files_byte_for_byte(tmp_path):
    devices.run_generator("gen_exercise_home.py", tmp_path)
    for name in GENERATED:
        committed = (devices.SAMPLES / name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, f"{name} differs from the committed file"
        assert len(committed) < devices.MAX_BYTES, f"{name} is {len(committed)} bytes"


exercise, proposals = devices.exercise_fixtures(EXERCISES, TRAINEE)


def test_the_trainees_case_is_the_exercise_device(exercise):
    key, case = exercise
    info = case.info
    assert info.exercise.id == key.exercise and info.exercise.trainee == TRAINEE
    assert info.level == key.level and info.inspectors == [TRAINEE] and key.stage == "basics"
    kinds = sorted(a.kind for a in case.artefacts())
    assert kinds == (["capture", "firmware", "vuln-feed"] if key.level > 1 else ["capture", "firmware"])
    assert case.declaration is not None
    assert all(ip.startswith("192.168.1.") for ip in info.device_ips)


def test_every_answer_agrees_with_the_checks_proposal(exercise, proposals):
    key, _ = exercise
    right = [rid for rid, a in key.answers.items() if a.verdict in ("PASS", "NOT_APPLICABLE")]
    assert len([rid for rid in right if key.answers[rid].verdict == "PASS"]) >= 2
    for rid, answer in key.answers.items():
        proposed = str(proposals[rid].verdict)
        if answer.verdict == "FAIL":
            assert answer.defects, f"{rid}: a FAIL answer without a defect"
            assert proposed in ("FAIL", "NEEDS_INSPECTOR"), f"{rid}: the check proposes {proposed}"
        else:
            assert proposed != "FAIL", f"{rid}: the key says {answer.verdict}, the check FAIL"
            assert proposed in answer.right_verdicts or proposed in ("NEEDS_INSPECTOR", "INCONCLUSIVE")


def test_every_defect_place_is_in_the_case(exercise):
    devices.assert_every_defect_place_is_in_the_case(*exercise)


def test_the_checks_point_at_one_place_of_every_defect(exercise, proposals):
    key, _ = exercise
    for rid, answer in key.answers.items():
        spots = devices.pointed_at(proposals[rid], notes=True)
        for defect in answer.defects:
            mine = {(p.kind == "capture" and "packet" or p.kind == "firmware" and "path" or "field",
                     p.packet or p.path or p.field) for p in defect.evidence}  # fmt: skip
            assert mine & spots, f"{rid} {defect.id}: the check's findings point at none of its places"


def test_the_instructors_validator_finds_no_error(exercise):
    validate = pytest.importorskip("workbench.training.validate", reason="H3's key validator not in the tree")
    devices.assert_the_validator_finds_no_error(validate.validate_key, *exercise)


def test_grading_by_evidence(exercise, tmp_path):
    """Failing everything loses the done-right answers; the key's verdicts citing a place each, full marks
    (each attempt a case of its own: with feedback, a trainee's first verdict is the one graded)."""
    key, _ = exercise
    blanket, graded = devices.grade_blanket_and_careful(key, tmp_path, TRAINEE)
    assert not blanket.passed and blanket.points < blanket.max_points
    assert {r.outcome for r in blanket.requirements if r.expected != "FAIL"} == {"false_alarm"}
    assert graded.passed and graded.points == graded.max_points and graded.missed_defects == 0
    assert all(not r.not_cited for r in graded.requirements)
