"""Training exercises: a trainee's case from the sample device, graded against the instructor's key."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
import yaml

from workbench.case import Case
from workbench.cli import main as workbench_main
from workbench.training import grade_case, load_key

EXERCISES = Path(__file__).resolve().parents[2] / "sample_captures" / "exercises"
SAMPLE_KEY = EXERCISES / "acme-c100-defects.key.yaml"
TRAINEE = "Tess Trainee"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = workbench_main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def key():
    return load_key(SAMPLE_KEY)


@pytest.fixture
def trainee_case(tmp_path) -> Case:
    code, _, err = run_cli("exercise", "start", str(SAMPLE_KEY), str(tmp_path / "tess"), "--trainee", TRAINEE)
    assert code == 0, err
    return Case.open(tmp_path / "tess")


def answer_everything(case: Case, key, *, cite: bool = True, overrides: dict[str, str] | None = None) -> None:
    for rid, answer in key.answers.items():
        verdict = (overrides or {}).get(rid, answer.verdict)
        words = " ".join(d.cite[0] for d in answer.defects) if cite else "checked"
        case.verdicts.record(rid, verdict, f"seen: {words}", TRAINEE, evidence_refs=["walk-through notebook"])


def test_start_builds_the_sample_device_for_the_trainee(trainee_case, key):
    info = trainee_case.info
    assert info.inspectors == [TRAINEE] and info.level == key.level == 2
    kinds = sorted(a.kind for a in trainee_case.artefacts())
    assert kinds == ["capture", "firmware", "vuln-feed"]
    assert trainee_case.declaration is not None
    assert all(len(a.sha256) == 64 for a in trainee_case.artefacts())


def test_start_never_replaces_a_trainees_case(trainee_case):
    trainee_case.verdicts.record("COM-01", "FAIL", "mqtt in clear", TRAINEE)
    code, _, err = run_cli("exercise", "start", str(SAMPLE_KEY), str(trainee_case.path), "--trainee", "X")
    assert code == 2 and "already exists" in err
    assert Case.open(trainee_case.path).verdicts.latest("COM-01").verdict == "FAIL"


def test_nothing_answered_is_not_passed(trainee_case, key):
    grade = grade_case(trainee_case, key)
    assert grade.points == 0 and not grade.passed
    assert grade.missed_defects == sum(1 for a in key.answers.values() if a.verdict == "FAIL")
    assert {r.outcome for r in grade.requirements} == {"unanswered"}


def test_every_verdict_right_and_every_defect_cited_scores_full_marks(trainee_case, key):
    answer_everything(trainee_case, key)
    code, out, _ = run_cli("exercise", "grade", str(trainee_case.path), str(SAMPLE_KEY), "--json")
    data = json.loads(out)
    assert code == 0 and data["passed"] is True
    assert data["points"] == data["max_points"] and data["score"] == 1.0
    assert data["trainee"] == TRAINEE and data["missed_defects"] == 0


def test_right_verdicts_without_evidence_earn_only_the_verdict_points(trainee_case, key):
    answer_everything(trainee_case, key, cite=False)
    grade = grade_case(trainee_case, key)
    assert grade.points == 2 * len(key.answers)
    assert not grade.passed  # 38 of 73 points: below the pass mark
    com01 = next(r for r in grade.requirements if r.requirement_id == "COM-01")
    assert com01.cited == () and "mqtt-login" in com01.not_cited


def test_one_missed_defect_fails_the_exercise_whatever_the_score(trainee_case, key):
    answer_everything(trainee_case, key, overrides={"ATK-03": "PASS"})
    grade = grade_case(trainee_case, key)
    assert grade.score > key.pass_mark and grade.missed_defects == 1 and not grade.passed
    atk03 = next(r for r in grade.requirements if r.requirement_id == "ATK-03")
    assert atk03.outcome == "missed" and atk03.points == 0
    code, out, _ = run_cli("exercise", "grade", str(trainee_case.path), str(SAMPLE_KEY))
    assert code == 1 and "MISSED DEFECT" in out and "NOT PASSED" in out


def test_false_alarm_and_accepted_alternatives(trainee_case, key):
    answer_everything(trainee_case, key, overrides={"VULN-01": "FAIL"})
    vuln = next(r for r in grade_case(trainee_case, key).requirements if r.requirement_id == "VULN-01")
    assert vuln.outcome == "false_alarm" and vuln.points == 0
    trainee_case.verdicts.record("VULN-01", "INCONCLUSIVE", "policy page unreachable", TRAINEE)
    vuln = next(r for r in grade_case(trainee_case, key).requirements if r.requirement_id == "VULN-01")
    assert vuln.outcome == "correct"  # the key accepts INCONCLUSIVE here


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda k: k["answers"].update({"NOPE-01": {"verdict": "FAIL"}}), "no requirement 'NOPE-01'"),
        (lambda k: k["answers"].update({"ATK-05": {"verdict": "FAIL"}}), "level-3 requirement"),
        (lambda k: k["answers"]["COM-01"].update({"verdict": "MAYBE"}), "answers.COM-01.verdict"),
        (lambda k: k.update({"pass_mark": 1.5}), "pass_mark"),
    ],
)
def test_an_invalid_key_is_one_line_naming_file_and_field(tmp_path, change, message):
    data = yaml.safe_load(SAMPLE_KEY.read_text())
    change(data)
    bad = tmp_path / "bad.key.yaml"
    bad.write_text(yaml.safe_dump(data))
    code, _, err = run_cli("exercise", "grade", str(tmp_path), str(bad))
    assert code == 2 and message in err and str(bad) in err and len(err.strip().splitlines()) == 1


def test_the_sample_key_matches_what_the_checks_find_on_the_sample_device(trainee_case, key):
    """Every planted defect of the key is named by its check on the real device: a key that
    drifts from the sample device would grade trainees on defects that are not there."""
    from workbench.checks import get_check
    from workbench.checks.context import EvidenceContext

    for rid, answer in key.answers.items():
        if not answer.defects:
            continue
        result = get_check(rid).run(EvidenceContext.for_case(trainee_case.path, rid))
        assert result.verdict.value in (answer.verdict, "NEEDS_INSPECTOR"), rid
        said = " ".join([*result.reasons, *(f.summary for f in result.findings)]).casefold()
        for defect in answer.defects:
            assert any(w.casefold() in said for w in defect.cite), f"{rid}: {defect.id} not in {said[:300]}"
