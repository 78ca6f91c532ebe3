"""The ★★★ practice exercises (homehub-h5, paypoint-p3): their generator reproduces the committed files, and
each key agrees with its device: the trainee's case builds as the key says, no FAIL answer's check proposes
PASS and no PASS answer's check proposes FAIL, every defect's places are in the case, the checks point at a
place of every defect but the few the key says the trainee must find in the tables, the instructor's
validator finds no error, and grading by evidence pays for cited places, not for the check's words."""

from __future__ import annotations

import exercise_devices as devices
import pytest

from workbench.firmware import scan_firmware
from workbench.training import grade_case
from workbench.training.start import start_exercise

EXERCISES = {"homehub-h5": True, "paypoint-p3": False}  # exercise -> feedback (the last is exam-like)
GENERATED = [f"{name}.{ext}" for name in EXERCISES for ext in ("pcap", "img")]
TRAINEE = "Pat Practice"
# FAIL answers whose check cannot decide: TLS 1.3 hides the hub's certificates, the defect is in the image
UNDECIDED = {("homehub-h5", "COM-03"): "INCONCLUSIVE"}
# defects the checks raise no finding for: the trainee finds them in the tables (each summary says so)
IN_THE_TABLES = {"development-signing-key", "curl-insecure", "ttyd-port-undeclared", "card-data-telemetry",
                 "log-in-ram-only"}  # fmt: skip


def test_the_generator_writes_the_committed_files_byte_for_byte(tmp_path):
    devices.run_generator("gen_exercise_practice.py", tmp_path, timeout=300)
    for name in GENERATED:
        committed = (devices.SAMPLES / name).read_bytes()
        assert len(committed) < devices.MAX_BYTES, f"{name} is {len(committed)} bytes"
        if name.endswith(".img") and (tmp_path / name).read_bytes() != committed:
            # /etc/build-info names the toolchain: an image is reproducible with the same one only
            info = [scan_firmware(path, workdir=tmp_path / f"scan-{i}").read_file("/etc/build-info")
                    for i, path in enumerate((devices.SAMPLES / name, tmp_path / name))]  # fmt: skip
            if info[0] != info[1]:
                pytest.skip(f"{name} was built with another toolchain: {info[0]!r}")
        assert (tmp_path / name).read_bytes() == committed, f"{name} differs from the committed file"


exercise, proposals = devices.exercise_fixtures(EXERCISES, TRAINEE)


def test_the_trainees_case_is_the_exercise_device(exercise):
    key, case = exercise
    info = case.info
    assert (key.stage, key.level, key.feedback) == ("practice", 3, EXERCISES[key.exercise])
    assert info.exercise.id == key.exercise and info.exercise.trainee == TRAINEE
    assert info.exercise.feedback is key.feedback and info.level == 3 and info.inspectors == [TRAINEE]
    kinds = sorted(a.kind for a in case.artefacts())
    assert kinds[:2] == ["capture", "firmware"] and case.declaration is not None
    assert info.device_ips == [{"homehub-h5": "192.168.1.60", "paypoint-p3": "192.168.1.70"}[key.exercise]]


def test_every_answer_agrees_with_the_checks_proposal(exercise, proposals):
    key, _ = exercise
    for rid, answer in key.answers.items():
        proposed = str(proposals[rid].verdict)
        if answer.verdict == "FAIL":
            assert answer.defects, f"{rid}: a FAIL answer without a defect"
            allowed = ("FAIL", "NEEDS_INSPECTOR", UNDECIDED.get((key.exercise, rid), "FAIL"))
            assert proposed in allowed, f"{rid}: the check proposes {proposed}"
        else:
            assert proposed != "FAIL", f"{rid}: the key says {answer.verdict}, the check FAIL"
    fails = [a for a in key.answers.values() if a.verdict == "FAIL"]
    kinds = {place.kind for a in fails for d in a.defects for place in d.evidence}
    assert len(fails) >= 6 and kinds >= {"capture", "firmware"}
    clean = [a for a in key.answers.values() if a.verdict in ("PASS", "NOT_APPLICABLE")]
    assert any(a.verdict == "NOT_APPLICABLE" for a in clean)
    assert any("false FAIL" in a.note for a in clean if a.verdict == "PASS"), "no trap for a hurried trainee"


def test_every_defect_place_is_in_the_case(exercise):
    devices.assert_every_defect_place_is_in_the_case(*exercise)


def test_the_checks_point_at_a_place_of_every_defect_the_tables_do_not_hide(exercise, proposals):
    key, _ = exercise
    for rid, answer in key.answers.items():
        spots = devices.pointed_at(proposals[rid])
        for defect in answer.defects:
            mine = {("packet", p.packet) if p.kind == "capture" else ("path", p.path)
                    for p in defect.evidence}  # fmt: skip
            if defect.id in IN_THE_TABLES:
                assert "finding" in defect.summary or "not flagged" in defect.summary, defect.id
            else:
                assert mine & spots, f"{rid} {defect.id}: the check's findings point at none of its places"


def test_the_instructors_validator_finds_no_error(exercise):
    from workbench.training.validate import validate_key

    devices.assert_the_validator_finds_no_error(validate_key, *exercise)


def test_grading_by_evidence(exercise, proposals, tmp_path):
    """The check's words earn no defect; failing everything loses the done-right answers; the key's
    verdicts citing a place of each defect earn full marks (each attempt a case of its own: with
    feedback, a trainee's first verdict is the one graded)."""
    key, _ = exercise
    case = start_exercise(key, tmp_path / "parrot", TRAINEE)
    for rid, answer in key.answers.items():
        words = " ".join([*proposals[rid].reasons, *(f.summary for f in proposals[rid].findings)])
        case.verdicts.record(rid, answer.verdict, words or "as the check says", TRAINEE, evidence_refs=[])
    parroted = grade_case(case, key)
    assert all(not r.cited for r in parroted.requirements) and parroted.points < parroted.max_points
    blanket, graded = devices.grade_blanket_and_careful(key, tmp_path, TRAINEE)
    assert not blanket.passed
    assert {r.outcome for r in blanket.requirements if r.expected != "FAIL"} == {"false_alarm"}
    assert graded.passed and graded.points == graded.max_points and graded.missed_defects == 0
