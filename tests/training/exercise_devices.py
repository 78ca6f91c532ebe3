"""What the exercise-device tests share (test_exercise_devices_home.py, test_exercise_devices_practice.py):
the CLI run in-process, the generators' tools, a trainee's case of each exercise, the checks' proposals,
the defects' places checked against the case, and a verdict's citation of a place."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from cli_invoke import invoke_with
from scapy.utils import RawPcapReader

from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.checks.context import EvidenceContext
from workbench.judgement.state import run_check
from workbench.training import grade_case, load_key
from workbench.training.start import start_exercise

SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"
MAX_BYTES = 1_500_000


def run_cli(*argv: str) -> tuple[int, str, str]:
    done = invoke_with({}, *argv)
    return done.code, done.out, done.err


def missing_tools() -> list[str]:
    missing = [tool for tool in ("mksquashfs", "gcc", "strip") if shutil.which(tool) is None]
    return missing + ([] if Path("/bin/busybox").exists() else ["/bin/busybox (Debian's busybox-static)"])


def run_generator(script: str, out: Path, **options: Any) -> None:
    """sample_captures/`script` writing into `out` (skipped when this machine lacks its tools)."""
    if missing_tools():
        pytest.skip(f"{script} needs {', '.join(missing_tools())}, which this machine lacks")
    done = subprocess.run([sys.executable, str(SAMPLES / script), str(out)], capture_output=True, text=True,
                          **options)  # fmt: skip
    assert done.returncode == 0, done.stderr


def start_trainee_case(
    exercise: str, trainee: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Case]:
    """The shipped key of `exercise` and the case `workbench exercise start` builds for `trainee`."""
    key_path = SAMPLES / "exercises" / f"{exercise}.key.yaml"
    target = tmp_path_factory.mktemp(exercise) / "trainee"
    code, _, err = run_cli("exercise", "start", str(key_path), str(target), "--trainee", trainee)
    assert code == 0, err
    return load_key(key_path), Case.open(target)


def check_proposals(key: Any, case: Case) -> dict[str, Any]:
    """Each keyed requirement's check result on the trainee's case."""
    catalog = load_catalog(key.catalog)
    return {rid: run_check(EvidenceContext(case=case, requirement=catalog.get(rid))) for rid in key.answers}


def exercise_fixtures(exercises: Iterable[str], trainee: str) -> tuple[Any, Any]:
    """The module-scoped fixtures `exercise` (the key and `trainee`'s case, one per exercise) and
    `proposals` (the checks' results on that case): `exercise, proposals = exercise_fixtures(...)`."""

    @pytest.fixture(scope="module", params=list(exercises))
    def exercise(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> tuple[Any, Case]:
        return start_trainee_case(request.param, trainee, tmp_path_factory)

    @pytest.fixture(scope="module")
    def proposals(exercise: tuple[Any, Case]) -> dict[str, Any]:
        return check_proposals(*exercise)

    return exercise, proposals


def assert_every_defect_place_is_in_the_case(key: Any, case: Case) -> None:
    packets = sum(1 for _ in RawPcapReader(str(case.artefacts("capture")[0].path)))
    ctx = EvidenceContext(case=case, requirement=load_catalog(key.catalog).get("SEC-01"))
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


def cite(place: Any) -> str:
    """How a trainee's verdict names `place` in its evidence references."""
    if place.kind == "capture":
        return f"packet {place.packet}"
    return place.path if place.kind == "firmware" else f"declaration · {place.field}"


def grade_blanket_and_careful(key: Any, folder: Path, trainee: str) -> tuple[Any, Any]:
    """Two attempts, each a case of its own (with feedback, a trainee's first verdict is the one graded):
    one failing everything, one giving the key's verdicts citing the last place of every defect; graded."""
    blanket = start_exercise(key, folder / "blanket", trainee)
    for rid in key.answers:
        blanket.verdicts.record(rid, "FAIL", "everything fails", trainee, evidence_refs=["walk-through"])
    careful = start_exercise(key, folder / "careful", trainee)
    for rid, answer in key.answers.items():
        refs = [cite(d.evidence[-1]) for d in answer.defects] or ["walk-through notebook"]
        careful.verdicts.record(rid, answer.verdict, "as the evidence shows", trainee, evidence_refs=refs)
    return grade_case(blanket, key), grade_case(careful, key)


def pointed_at(result: Any, *, notes: bool = False) -> set[tuple[str, Any]]:
    """The packets and paths (and with `notes`, the notes) a check result's findings point at."""
    spots: set[tuple[str, Any]] = set()
    for finding in result.findings:
        for ref in finding.evidence:
            spots |= {("packet", ref.packet), ("path", ref.path)}
            if notes:
                spots.add(("field", ref.note))
    return spots


def assert_the_validator_finds_no_error(validate_key: Any, key: Any, case: Case) -> None:
    """The instructor's validator (`validate_key`, and `workbench exercise key validate`) accepts the key."""
    report = validate_key(key, case)
    assert report.errors == []
    assert report.places == sum(len(d.evidence) for a in key.answers.values() for d in a.defects)
    code, out, err = run_cli("exercise", "key", "validate", str(key.path), "--case", str(case.path))
    assert code == 0 and "key valid" in out, out + err
