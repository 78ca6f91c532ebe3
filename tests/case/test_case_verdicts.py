"""The verdict store: append-only, atomic, never overwritten; staleness when the evidence changes."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from tests_case_paths import PCAP, PCAP_GZ

from workbench import __version__
from workbench.case import Case, VerdictStore
from workbench.checks.base import EvidenceRef, Verdict
from workbench.errors import CaseError


def test_record_writes_one_complete_file(case: Case) -> None:
    capture = case.add_artefact(PCAP, "capture")
    record = case.verdicts.record(
        "COM-01",
        Verdict.FAIL,
        "HTTP Basic credentials in packet 4",
        "alice",
        evidence_refs=["capture packet 4", EvidenceRef(artefact=capture.name, packet=4)],
        artefact_hashes=case.current_hashes(),
        automatic_verdict=Verdict.FAIL,
    )
    assert record.path.parent == case.path / "verdicts" / "COM-01"
    assert record.path.name == f"{record.id}.json"
    stamp, uuid_part = record.id.split("Z-", 1)
    assert len(stamp) == len("20260101T120000.123456") and len(uuid_part) == 36
    data = json.loads(record.path.read_text())
    assert data["requirement_id"] == "COM-01" and data["verdict"] == "FAIL"
    assert data["inspector"] == "alice" and data["rationale"] == "HTTP Basic credentials in packet 4"
    assert data["evidence_refs"] == ["capture packet 4", {"artefact": capture.name, "packet": 4}]
    assert data["artefact_hashes"] == {capture.name: capture.sha256}
    assert data["automatic_verdict"] == "FAIL" and data["workbench_version"] == __version__
    assert data["supersedes"] is None and data["recorded_at"].endswith("+00:00")
    assert case.verdicts.latest("COM-01") == record
    assert list(record.path.parent.iterdir()) == [record.path]


def test_history_is_kept_and_latest_supersedes(case: Case) -> None:
    store = case.verdicts
    first = store.record("AUTH-04", "PASS", "", "alice")
    second = store.record("AUTH-04", "fail", "password change needs the vendor app", "bob")
    third = store.record("AUTH-04", "NOT_APPLICABLE", "no authentication at all", "alice")
    assert [r.id for r in store.history("AUTH-04")] == [first.id, second.id, third.id]
    assert store.latest("AUTH-04") == third
    assert (second.supersedes, third.supersedes) == (first.id, second.id)
    assert first.path.exists() and json.loads(first.path.read_text())["verdict"] == "PASS"
    store.record("COM-01", "PASS", "", "alice")
    assert set(store.all_latest()) == {"AUTH-04", "COM-01"}
    assert store.latest("DEL-01") is None and store.history("DEL-01") == []
    assert store.problems() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("COM-01", "FAIL", "  ", "alice"), "FAIL verdict needs a rationale"),
        (("COM-01", "NOT_APPLICABLE", "", "alice"), "NOT_APPLICABLE verdict needs a rationale"),
        (("COM-01", "PASS", "", " "), "needs the inspector's name"),
        (("COM-01", "NEEDS_INSPECTOR", "x", "alice"), "an inspector records one of PASS, FAIL"),
        (("COM-01", "MAYBE", "x", "alice"), "not 'MAYBE'"),
        (("../../etc", "PASS", "", "alice"), "invalid requirement id"),
        (("COM/01", "PASS", "", "alice"), "invalid requirement id"),
    ],
)
def test_invalid_verdicts_are_refused_and_nothing_is_written(case: Case, args: tuple, message: str) -> None:
    with pytest.raises(CaseError, match=message):
        case.verdicts.record(*args)
    assert list((case.path / "verdicts").rglob("*")) == []


def test_hashes_and_references_are_checked(case: Case) -> None:
    with pytest.raises(CaseError, match="not a SHA-256"):
        case.verdicts.record("COM-01", "PASS", "", "a", artefact_hashes={"x.pcap": "abc"})
    with pytest.raises(CaseError, match="evidence reference must be text or a mapping"):
        case.verdicts.record("COM-01", "PASS", "", "a", evidence_refs=[42])


def test_leftovers_and_damaged_records_are_ignored_and_reported(case: Case) -> None:
    store = case.verdicts
    kept = store.record("COM-01", "PASS", "", "alice")
    folder = kept.path.parent
    (folder / f".{kept.id}x.json.abcd.tmp").write_text('{"verdict": "FA')  # interrupted write
    (folder / "20990101T000000.000000Z-broken.json").write_text("{not json")
    wrong_place = json.loads(kept.path.read_text()) | {"requirement_id": "AUTH-01"}
    (folder / "20990101T000000.000001Z-moved.json").write_text(json.dumps(wrong_place))
    assert store.history("COM-01") == [kept]
    assert store.latest("COM-01") == kept
    problems = store.problems()
    assert len(problems) == 3
    assert any("interrupted write" in p for p in problems)
    assert any("broken.json: unreadable record" in p for p in problems)
    assert any("moved.json" in p and "does not match its place" in p for p in problems)


def test_a_record_is_never_overwritten(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    first = case.verdicts.record("COM-01", "PASS", "", "alice")
    before = first.path.read_bytes()
    import workbench.case.verdicts as verdicts_module

    class SameName:  # force the next record onto the same file name
        def __init__(self, *_: object) -> None: ...

        def __str__(self) -> str:
            return first.id.split("Z-", 1)[1]

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:
            return first.recorded_at

    monkeypatch.setattr(verdicts_module.uuid, "uuid4", SameName)
    monkeypatch.setattr(verdicts_module, "datetime", FrozenClock)
    with pytest.raises(CaseError, match="cannot record the verdict"):
        case.verdicts.record("COM-01", "FAIL", "changed my mind", "mallory")
    assert first.path.read_bytes() == before
    assert [p.name for p in first.path.parent.iterdir()] == [first.path.name]  # no temp file left


def test_a_verdict_goes_stale_when_what_it_judged_changes(case: Case, tmp_path: Path) -> None:
    capture = case.add_artefact(PCAP, "capture")
    declaration = tmp_path / "d.yaml"
    declaration.write_text("services: [httpd]\n")
    case.declare(declaration)
    record = case.verdicts.record("COM-01", "PASS", "", "alice", artefact_hashes=case.current_hashes())
    assert set(record.artefact_hashes) == {capture.name, "declaration"}
    assert not record.is_stale(case.current_hashes())
    case.add_artefact(PCAP_GZ, "capture")  # new evidence does not change what was judged
    assert not case.verdicts.latest("COM-01").is_stale(case.current_hashes())
    declaration.write_text("services: [httpd, telnetd]\n")
    case.declare(declaration)
    assert record.is_stale(case.current_hashes())
    assert record.stale_artefacts(case.current_hashes()) == ["declaration"]
    # an artefact that is gone makes it stale as well
    hashes = case.current_hashes()
    del hashes[capture.name]
    assert record.stale_artefacts(hashes) == sorted([capture.name, "declaration"])


def test_a_verdict_resting_on_nothing_is_never_stale(tmp_path: Path) -> None:
    store = VerdictStore(tmp_path / "verdicts")
    record = store.record("DEL-01", "PASS", "factory reset erases the account", "alice")
    assert not record.is_stale({}) and not record.is_stale({"x": "0" * 64})


def test_judged_hashes_follow_the_requirements_evidence_kinds(
    case: Case, jpeg_file: Path, tmp_path: Path
) -> None:
    capture = case.add_artefact(PCAP, "capture")
    photo = case.add_artefact(jpeg_file, "attachment", requirement="AUTH-04")
    other = case.add_artefact(_copy(jpeg_file, tmp_path), "attachment", requirement="X-1")
    declaration = tmp_path / "d.yaml"
    declaration.write_text("services: []\n")
    case.declare(declaration)
    assert case.judged_hashes(["capture"], "COM-01") == {capture.name: capture.sha256}
    assert case.judged_hashes(["inspector", "declaration"], "AUTH-04") == {
        photo.name: photo.sha256,
        "declaration": case.declaration_sha256(),
    }
    assert other.name not in case.judged_hashes(["capture", "firmware"], "AUTH-04")


def _copy(src: Path, folder: Path) -> Path:
    target = folder / "other-photo.jpg"
    target.write_bytes(src.read_bytes() + b"\0")
    return target


def test_store_survives_foreign_folders(tmp_path: Path) -> None:
    store = VerdictStore(tmp_path / "verdicts")
    (tmp_path / "verdicts" / ".git").mkdir(parents=True)
    store.record("COM-01", "PASS", "", "alice")
    assert list(store.all_latest()) == ["COM-01"]
    assert any(".git" in p for p in store.problems())
    os.rmdir(tmp_path / "verdicts" / ".git")
    assert store.problems() == []
