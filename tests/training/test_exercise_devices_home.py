"""The home-device exercises (lockly-l1, aquaheat-r2): their generator reproduces the committed files, and
each key agrees with its device: the trainee's case builds, the checks propose what the key expects (a FAIL
answer's check FAIL or NEEDS_INSPECTOR, a PASS answer's check never FAIL), every defect's places are in
the case and the checks point at one of them, and grading by evidence gives full marks to a trainee who
cites them and takes the done-right answers' points from one who fails everything."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scapy.utils import RawPcapReader

from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.checks.context import EvidenceContext
from workbench.cli import main as workbench_main
from workbench.judgement.state import run_check
from workbench.training import grade_case, load_key
from workbench.training.start import start_exercise

SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"
EXERCISES = ("lockly-l1", "aquaheat-r2")
GENERATED = [f"{name}.{ext}" for name in EXERCISES for ext in ("pcap", "img")]
MAX_BYTES = 1_500_000
TRAINEE = "Hana Home"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = workbench_main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def missing_tools() -> list[str]:
    missing = [tool for tool in ("mksquashfs", "gcc", "strip") if shutil.which(tool) is None]
    return missing + ([] if Path("/bin/busybox").exists() else ["/bin/busybox (Debian's busybox-static)"])


def test_the_generator_writes_the_committed_files_byte_for_byte(tmp_path):
    if missing_tools():
        pytest.skip(f"gen_exercise_home.py needs {', '.join(missing_tools())}, which this machine lacks")
    done = subprocess.run(
        [sys.executable, str(SAMPLES / "gen_exercise_home.py"), str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for name in GENERATED:
        committed = (SAMPLES / name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, f"{name} differs from the committed file"
        assert len(committed) < MAX_BYTES, f"{name} is {len(committed)} bytes"


@pytest.fixture(scope="module", params=EXERCISES)
def exercise(request, tmp_path_factory) -> tuple[Any, Case]:
    key_path = SAMPLES / "exercises" / f"{request.param}.key.yaml"
    target = tmp_path_factory.mktemp(request.param) / "trainee"
    code, _, err = run_cli("exercise", "start", str(key_path), str(target), "--trainee", TRAINEE)
    assert code == 0, err
    return load_key(key_path), Case.open(target)


@pytest.fixture(scope="module")
def proposals(exercise) -> dict[str, Any]:
    """Each keyed requirement's check result on the trainee's case."""
    key, case = exercise
    catalog = load_catalog(key.catalog)
    return {rid: run_check(EvidenceContext(case=case, requirement=catalog.get(rid))) for rid in key.answers}


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
    key, case = exercise
    capture = case.artefacts("capture")[0].path
    packets = sum(1 for _ in RawPcapReader(str(capture)))
    catalog = load_catalog(key.catalog)
    ctx = EvidenceContext(case=case, requirement=catalog.get("SEC-01"))
    sizes = {row["path"]: row["size"] for row in ctx.firmware_rows("files", ("path", "size"))}
    for rid, answer in key.answers.items():
        for defect in answer.defects:
            for place in defect.evidence:
                where = f"{rid} {defect.id} {place.label()}"
                if place.kind == "capture":
                    assert place.packet <= packets, where
                elif place.kind == "firmware":
                    assert place.path in sizes, where
                    assert place.offset is None or place.offset < sizes[place.path], where
                else:
                    assert place.kind == "declaration", where
                    assert getattr(case.declaration, place.field) not in (None, [], ""), where


def _pointed_at(result: Any) -> set[tuple[str, Any]]:
    spots: set[tuple[str, Any]] = set()
    for finding in result.findings:
        for ref in finding.evidence:
            spots |= {("packet", ref.packet), ("path", ref.path), ("field", ref.note)}
    return spots


def test_the_checks_point_at_one_place_of_every_defect(exercise, proposals):
    key, _ = exercise
    for rid, answer in key.answers.items():
        spots = _pointed_at(proposals[rid])
        for defect in answer.defects:
            mine = {(p.kind == "capture" and "packet" or p.kind == "firmware" and "path" or "field",
                     p.packet or p.path or p.field) for p in defect.evidence}  # fmt: skip
            assert mine & spots, f"{rid} {defect.id}: the check's findings point at none of its places"


def test_the_instructors_validator_finds_no_error(exercise):
    validate = pytest.importorskip("workbench.training.validate", reason="H3's key validator not in the tree")
    key, case = exercise
    report = validate.validate_key(key, case)
    assert report.errors == []
    assert report.places == sum(len(d.evidence) for a in key.answers.values() for d in a.defects)
    code, out, err = run_cli("exercise", "key", "validate", str(key.path), "--case", str(case.path))
    assert code == 0 and "key valid" in out, out + err


def _cite(place: Any) -> str:
    if place.kind == "capture":
        return f"packet {place.packet}"
    return place.path if place.kind == "firmware" else f"declaration · {place.field}"


def test_grading_by_evidence(exercise, tmp_path):
    """Failing everything loses the done-right answers; the key's verdicts citing a place each, full marks
    (each attempt a case of its own: with feedback, a trainee's first verdict is the one graded)."""
    key, _ = exercise
    case = start_exercise(key, tmp_path / "blanket", TRAINEE)
    for rid in key.answers:
        case.verdicts.record(rid, "FAIL", "everything fails", TRAINEE, evidence_refs=["walk-through"])
    blanket = grade_case(case, key)
    assert not blanket.passed and blanket.points < blanket.max_points
    assert {r.outcome for r in blanket.requirements if r.expected != "FAIL"} == {"false_alarm"}
    case = start_exercise(key, tmp_path / "careful", TRAINEE)
    for rid, answer in key.answers.items():
        refs = [_cite(d.evidence[-1]) for d in answer.defects] or ["walk-through notebook"]
        case.verdicts.record(rid, answer.verdict, "as the evidence shows", TRAINEE, evidence_refs=refs)
    graded = grade_case(case, key)
    assert graded.passed and graded.points == graded.max_points and graded.missed_defects == 0
    assert all(not r.not_cited for r in graded.requirements)
