"""The shipped camera exercises, end to end: `workbench exercise start` builds the trainee's case from the
key's sample device (with the exercise marker, never the key), a trainee is graded by the evidence cited,
the clean camera punishes false alarms, and `--live` probes the simulated camera into the case."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from cli_invoke import invoke_with

from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.checks.context import EvidenceContext
from workbench.demo import build_case, load_demo_case
from workbench.judgement.state import run_check
from workbench.training import grade_case, load_key

REPO = Path(__file__).resolve().parents[2]
EXERCISES = REPO / "sample_captures" / "exercises"
DEFECTS_KEY = EXERCISES / "acme-c100-defects.key.yaml"
CLEAN_KEY = EXERCISES / "acme-c100-clean.key.yaml"
COURSE_ORDER = ["acme-c100-clean", "lockly-l1", "aquaheat-r2", "acme-c100-defects", "homehub-h5",
                "paypoint-p3"]
TRAINEE = "Tess Trainee"


def run_cli(*argv: str):
    return invoke_with({}, *argv)


def start(key_file: Path, target: Path, *extra: str) -> Case:
    done = run_cli("exercise", "start", str(key_file), str(target), "--trainee", TRAINEE, *extra)
    assert done.code == 0, done.err
    return Case.open(target)


def record_key_answers(case: Case, key, *, cite: bool = True,
                       instead: dict[str, tuple[str, list[str]]] | None = None) -> None:
    """The key's verdicts; each defect cited by the label of its first place (or, with cite=False, only
    the key's own words in the rationale); `instead` gives other (verdict, refs) for some ids."""
    for rid, answer in key.answers.items():
        refs = [d.evidence[0].label() for d in answer.defects] if cite else []
        words = "; ".join(d.summary for d in answer.defects) or "judged from the evidence"
        verdict, refs = (instead or {}).get(rid, (answer.verdict, refs))
        case.verdicts.record(rid, verdict, words, TRAINEE, evidence_refs=refs)


@pytest.fixture(scope="module")
def defects_key():
    return load_key(DEFECTS_KEY)


@pytest.fixture(scope="module")
def clean_key():
    return load_key(CLEAN_KEY)


@pytest.fixture(scope="module")
def defects_case(tmp_path_factory) -> Case:
    """One started case, never answered: the tests that only read it share it."""
    return start(DEFECTS_KEY, tmp_path_factory.mktemp("read") / "tess")


@pytest.fixture
def trainee_case(tmp_path) -> Case:
    return start(DEFECTS_KEY, tmp_path / "tess")


# --- start -----------------------------------------------------------------------------------------

def test_start_builds_the_sample_device_with_the_exercise_marker(defects_case, defects_key):
    info = defects_case.info
    assert info.exercise is not None
    assert (info.exercise.id, info.exercise.title) == ("acme-c100-defects", defects_key.title)
    assert info.exercise.trainee == TRAINEE and info.exercise.feedback is True
    assert info.inspectors == [TRAINEE] and info.level == defects_key.level == 2
    assert info.catalog_edition == "2026.1"
    assert sorted(a.kind for a in defects_case.artefacts()) == ["capture", "firmware", "vuln-feed"]
    assert defects_case.declaration is not None
    assert list(defects_case.verdicts.history("COM-01")) == []


def test_start_never_replaces_a_case(trainee_case):
    trainee_case.verdicts.record("COM-01", "FAIL", "mqtt in clear", TRAINEE)
    again = run_cli("exercise", "start", str(DEFECTS_KEY), str(trainee_case.path), "--trainee", "X")
    assert again.code == 2 and "already exists" in again.err
    assert Case.open(trainee_case.path).verdicts.latest("COM-01").verdict == "FAIL"
    assert Case.open(trainee_case.path).info.exercise.trainee == TRAINEE


def test_the_key_never_enters_the_case(defects_case, defects_key):
    """Every file of the case is a sample device's own file, byte for byte, or holds nothing of the key:
    no defect id, summary or note, nor the key's file name."""
    device = load_demo_case("defective", cases_dir=REPO / "sample_captures" / "cases")
    originals = {p.read_bytes() for p, _ in device.artefacts} | {device.declaration.read_bytes()}
    secrets = {"acme-c100-defects.key.yaml"}
    for answer in defects_key.answers.values():
        secrets |= {d.id for d in answer.defects} | {d.summary for d in answer.defects}
        secrets |= {answer.note} - {""}
    files = [p for p in defects_case.path.rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        data = path.read_bytes()
        if data in originals:
            continue
        text = data.decode("utf-8", errors="replace")
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{path.relative_to(defects_case.path)} holds {leaked}"


def test_start_says_what_the_trainee_does_next(tmp_path):
    done = run_cli("exercise", "start", str(CLEAN_KEY), str(tmp_path / "t"), "--trainee", TRAINEE)
    assert done.code == 0, done.err
    assert "acme-c100-clean" in done.out and "(★, basics)" in done.out
    assert f"workbench lab {tmp_path / 't'}" in done.out and "workbench exercise grade" in done.out
    assert "start it with --live" in done.out  # the clean camera names a simulated live device
    assert "PASS" not in done.out  # nothing of the answers


# --- grading, on the shipped keys -------------------------------------------------------------------

def test_the_keys_verdicts_citing_the_keys_places_pass_with_full_marks(trainee_case, defects_key):
    record_key_answers(trainee_case, defects_key)
    done = run_cli("exercise", "grade", str(trainee_case.path), str(DEFECTS_KEY), "--json")
    data = json.loads(done.out)
    assert done.code == 0 and data["passed"] is True
    assert data["points"] == data["max_points"] == 2 * 19 + 35 and data["score"] == 1.0
    assert data["trainee"] == TRAINEE and data["missed_defects"] == 0
    com01 = next(r for r in data["requirements"] if r["requirement_id"] == "COM-01")
    assert com01["found"]["mqtt-login"] == "demo_defective.pcap · packet 15"


def test_the_keys_own_words_without_evidence_earn_only_the_verdict_points(trainee_case, defects_key):
    record_key_answers(trainee_case, defects_key, cite=False)  # each rationale quotes the defects' summaries
    grade = grade_case(trainee_case, defects_key)
    assert grade.points == 2 * len(defects_key.answers) and not grade.passed
    assert all(r.cited == () for r in grade.requirements)


def test_another_packet_of_the_same_flow_or_another_offset_of_the_file_finds_the_defect(trainee_case,
                                                                                        defects_key):
    record_key_answers(trainee_case, defects_key, instead={
        "COM-01": ("FAIL", ["packet 74", "#2200", "demo_defective.pcap · packet 9"]),
        "SEC-01": ("FAIL", ["/etc/config//cloud.conf"]),
    })
    rows = {r.requirement_id: r for r in grade_case(trainee_case, defects_key).requirements}
    assert set(rows["COM-01"].cited) == {"ftp-login", "telnet-login"}  # 9 is a DNS answer: no login
    assert rows["SEC-01"].cited == ("aws-keys",)


def test_one_missed_defect_fails_the_exercise_and_the_cli_says_so(trainee_case, defects_key):
    record_key_answers(trainee_case, defects_key, instead={"ATK-03": ("PASS", [])})
    grade = grade_case(trainee_case, defects_key)
    assert grade.score > defects_key.pass_mark and grade.missed_defects == 1 and not grade.passed
    done = run_cli("exercise", "grade", str(trainee_case.path), str(DEFECTS_KEY))
    assert done.code == 1 and "MISSED DEFECT" in done.out and "NOT PASSED" in done.out


def test_the_clean_camera_fails_a_trainee_who_fails_everything(tmp_path, clean_key):
    case = start(CLEAN_KEY, tmp_path / "alarmist")
    for rid in clean_key.answers:
        case.verdicts.record(rid, "FAIL", "does not look secure", TRAINEE, evidence_refs=["packet 1"])
    grade = grade_case(case, clean_key)
    assert {r.outcome for r in grade.requirements} == {"false_alarm"}
    assert grade.points == 0 and not grade.passed
    done = run_cli("exercise", "grade", str(case.path), str(CLEAN_KEY))
    assert done.code == 1 and "false alarm" in done.out


def test_the_clean_camera_passes_right_verdicts_and_honest_inconclusives(tmp_path, clean_key):
    case = start(CLEAN_KEY, tmp_path / "careful")
    for rid, answer in clean_key.answers.items():
        verdict = "INCONCLUSIVE" if "INCONCLUSIVE" in answer.accept else answer.verdict
        case.verdicts.record(rid, verdict, "judged from the evidence", TRAINEE)
    grade = grade_case(case, clean_key)
    assert grade.passed and grade.score == 1.0 and grade.missed_defects == 0
    assert run_cli("exercise", "grade", str(case.path), str(CLEAN_KEY)).code == 0


# --- the keys themselves -----------------------------------------------------------------------------

def test_format_1_keys_are_refused_with_the_contracts_message(tmp_path):
    defect = {"id": "m", "summary": "s", "cite": ["mqtt"]}
    old = {"exercise": "x", "title": "x", "schema_version": 1, "device": str(CLEAN_KEY), "level": 1,
           "answers": {"COM-01": {"verdict": "FAIL", "defects": [defect]}}}
    for data in (old, {k: v for k, v in old.items() if k != "schema_version"}):
        path = tmp_path / "old.key.yaml"
        path.write_text(yaml.safe_dump(data))
        done = run_cli("exercise", "start", str(path), str(tmp_path / "case"), "--trainee", TRAINEE)
        assert done.code == 2 and len(done.err.strip().splitlines()) == 1
        assert "answer key format 1 graded by words; format 2 grades by evidence" in done.err
        assert str(path) in done.err and not (tmp_path / "case").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda k: k["answers"].update({"NOPE-01": {"verdict": "FAIL"}}), "no requirement 'NOPE-01'"),
        (lambda k: k["answers"].update({"ATK-05": {"verdict": "FAIL"}}), "level-3 requirement"),
        (lambda k: k["answers"]["COM-01"].update({"verdict": "MAYBE"}), "answers.COM-01.verdict"),
        (lambda k: k.update({"pass_mark": 1.5}), "pass_mark"),
        (lambda k: k["answers"]["COM-01"]["defects"][0].update({"evidence": []}), "evidence"),
        (lambda k: k["answers"]["COM-01"]["defects"][0]["evidence"][0].pop("packet"), "needs 'packet'"),
        (lambda k: k["answers"]["COM-05"]["defects"][0].update({"id": "mqtt-login"}), "used twice"),
    ],
)
def test_an_invalid_key_is_one_line_naming_file_and_field(tmp_path, change, message):
    data = yaml.safe_load(DEFECTS_KEY.read_text())
    change(data)
    bad = tmp_path / "bad.key.yaml"
    bad.write_text(yaml.safe_dump(data))
    done = run_cli("exercise", "grade", str(tmp_path), str(bad))
    assert done.code == 2 and message in done.err and str(bad) in done.err
    assert len(done.err.strip().splitlines()) == 1


def test_every_defect_of_the_shipped_key_is_where_its_check_points(defects_case, defects_key):
    """Each defect has a place the check's own findings point at (same packet, same file), and the check
    proposes the key's verdict: a key drifting from the sample device would grade trainees on nothing."""
    catalog = load_catalog(defects_key.catalog)
    for rid, answer in defects_key.answers.items():
        result = run_check(EvidenceContext(case=defects_case, requirement=catalog.get(rid)))
        assert result.verdict.value in (answer.verdict, "NEEDS_INSPECTOR"), rid
        pointed = {(e.artefact, e.packet, e.path) for f in result.findings for e in f.evidence}
        for defect in answer.defects:
            spots = {(p.artefact, p.packet, p.path) for p in defect.evidence}
            assert spots & pointed, f"{rid} {defect.id}: none of {spots} among the check's findings"


def test_the_clean_key_agrees_with_the_checks_on_the_clean_camera(tmp_path, clean_key):
    case = start(CLEAN_KEY, tmp_path / "reader")
    catalog = load_catalog(clean_key.catalog)
    assert clean_key.level == 1 and clean_key.stage == "basics"
    assert set(clean_key.answers) == {r.id for r in catalog.requirements if r.level == 1}
    for rid, answer in clean_key.answers.items():
        assert answer.verdict in ("PASS", "NOT_APPLICABLE") and not answer.defects
        proposed = run_check(EvidenceContext(case=case, requirement=catalog.get(rid))).verdict.value
        assert proposed in (*answer.right_verdicts, "NEEDS_INSPECTOR"), (rid, proposed)


def test_the_course_lists_the_six_exercises_in_order():
    course = yaml.safe_load((EXERCISES / "course.yaml").read_text())
    assert course["schema_version"] == 1 and course["qualification"] == {"mark": 0.8}
    files = [entry["key"] for entry in course["exercises"]]
    assert files == [f"{name}.key.yaml" for name in COURSE_ORDER]
    levels = [load_key(EXERCISES / f).level for f in files if (EXERCISES / f).is_file()]
    assert levels == sorted(levels)  # basics first


# --- --live -----------------------------------------------------------------------------------------

def test_live_without_a_simulated_device_says_so_and_exits_2(tmp_path):
    instructor = build_case(load_demo_case("clean"), tmp_path / "instructor")
    data = yaml.safe_load(CLEAN_KEY.read_text()) | {"device": str(instructor.path)}
    key_file = tmp_path / "own.key.yaml"
    key_file.write_text(yaml.safe_dump(data, allow_unicode=True))
    done = run_cli("exercise", "start", str(key_file), str(tmp_path / "t"), "--trainee", TRAINEE, "--live")
    assert done.code == 2 and "names no simulated live device" in done.err
    assert not (tmp_path / "t").exists()
    assert start(key_file, tmp_path / "t").artefacts()  # without --live the case folder is a device


def test_a_live_entry_naming_no_known_variant_is_refused(tmp_path):
    cases = tmp_path / "cases"
    shutil.copytree(REPO / "sample_captures" / "cases" / "clean", cases / "clean")
    spec = cases / "clean" / "device.yaml"
    described = yaml.safe_load(spec.read_text())
    described["artefacts"] = [{**a, "file": str((REPO / "sample_captures" / "cases" / "clean" / a["file"])
                                                  .resolve())} for a in described["artefacts"]]
    spec.write_text(yaml.safe_dump(described | {"live": {"variant": "; rm -rf /"}}))
    data = yaml.safe_load(CLEAN_KEY.read_text()) | {"device": str(spec)}
    key_file = tmp_path / "own.key.yaml"
    key_file.write_text(yaml.safe_dump(data, allow_unicode=True))
    done = run_cli("exercise", "start", str(key_file), str(tmp_path / "t"), "--trainee", TRAINEE, "--live")
    assert done.code == 2 and "live.variant: unknown variant" in done.err and str(spec) in done.err
    assert not (tmp_path / "t").exists()


def test_live_where_no_private_namespace_can_be_made_skips_the_probe(tmp_path, monkeypatch):
    from workbench.simdevice import netns

    monkeypatch.setattr(netns, "netns_problem", lambda: "no namespaces in this test")
    done = run_cli("exercise", "start", str(CLEAN_KEY), str(tmp_path / "t"), "--trainee", TRAINEE, "--live")
    assert done.code == 0, done.err
    assert "live probe skipped: no namespaces in this test" in done.out
    assert not [a for a in Case.open(tmp_path / "t").artefacts() if a.origin == "probe"]


def _live_problem() -> str | None:
    from workbench.simdevice.netns import netns_problem

    if os.geteuid() != 0:
        return "a private network namespace needs root (CI runs as root)"
    for tool in ("unshare", "ip", "tcpdump", "nmap", "busybox", "mosquitto", "dropbear", "openssl"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed (make setup installs it)"
    return netns_problem()


@pytest.mark.slow
def test_live_probes_the_simulated_clean_camera_into_the_case_and_the_key_still_grades(tmp_path, clean_key):
    """The simulated camera runs only inside the private namespace the probe machinery makes."""
    problem = _live_problem()
    if problem:
        pytest.skip(problem)
    done = run_cli("exercise", "start", str(CLEAN_KEY), str(tmp_path / "t"), "--trainee", TRAINEE, "--live")
    assert done.code == 0, done.err
    assert "live probe of the simulated clean device" in done.out and "added to the case" in done.out
    case = Case.open(tmp_path / "t")
    assert sorted(a.kind for a in case.artefacts() if a.origin == "probe") == ["capture", "probe"]
    assert case.info.exercise.id == "acme-c100-clean"
    catalog = load_catalog(clean_key.catalog)
    for rid in ("AUTH-05", "AUTH-06"):  # the live probe settles what the capture alone cannot
        assert run_check(EvidenceContext(case=case, requirement=catalog.get(rid))).verdict.value == "PASS"
    for rid, answer in clean_key.answers.items():
        case.verdicts.record(rid, answer.verdict, "judged from the evidence", TRAINEE)
    assert grade_case(case, clean_key).passed
