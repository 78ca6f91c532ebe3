"""The sealed bundle: manifest contents, the zip, and `workbench verify` on every kind of tampering."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import invoke

from workbench.batch.manifest import parse_zip_comment


def manifest(run) -> dict:
    return json.loads((run.bundle / "manifest.json").read_text())


def test_manifest_hashes_every_output_file(batch):
    data = manifest(batch)
    listed = {e["path"]: e for e in data["outputs"]}
    on_disk = {
        p.relative_to(batch.bundle).as_posix()
        for p in batch.bundle.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", "manifest.sha256")
    }
    assert set(listed) == on_disk
    for rel, entry in listed.items():
        data_bytes = (batch.bundle / rel).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data_bytes).hexdigest() and entry["size"] == len(data_bytes)
    assert {"index.html", "results.json", "notebooks/FIX-01.html", "notebooks/FIX-01.ipynb",
            "case/case.yaml", "case/declaration.yaml", "case/artefacts.yaml"} <= on_disk
    assert any(p.startswith("case/verdicts/FIX-04/") for p in on_disk)


def test_manifest_records_inputs_versions_and_the_run(batch):
    data = manifest(batch)
    inputs = {e["path"]: e for e in data["inputs"]}
    attachment = next(e for e in data["inputs"] if e["role"] == "artefact")
    assert attachment["kind"] == "attachment"
    assert attachment["sha256"] == attachment["recorded_sha256"]
    case_dir = batch.case.path
    for rel in ("case.yaml", "declaration.yaml", "artefacts.yaml"):
        assert inputs[rel]["sha256"] == hashlib.sha256((case_dir / rel).read_bytes()).hexdigest()
    assert any(e["role"] == "verdict" for e in data["inputs"])
    sources = {e["path"] for e in data["inputs"] if e["role"] == "notebook-source"}
    assert "notebooks/FIX-01.ipynb" in sources
    versions = data["versions"]
    for lib in ("python", "workbench", "pandas", "scapy", "papermill", "nbconvert", "nbclient", "ipykernel",
                "lief", "unblob", "cryptography"):
        assert versions.get(lib), lib
    assert data["catalog"]["edition"] == "test.1" and len(data["catalog"]["sha256"]) == 64
    assert data["jobs"] == 2 and data["level"] == 2 and data["with_code"] is False
    assert data["started_at"] <= data["finished_at"]
    assert data["command"].startswith("workbench run ") and "--jobs 2" in data["command"]


def test_seals_and_zip(batch):
    raw = (batch.bundle / "manifest.json").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    assert (batch.bundle / "manifest.sha256").read_text() == f"{digest}  manifest.json\n"
    with zipfile.ZipFile(batch.zip) as archive:
        names = archive.namelist()
        assert parse_zip_comment(archive.comment) == digest
        assert all(n.startswith(batch.bundle.name + "/") for n in names)
        in_zip = {n.split("/", 1)[1] for n in names}
        on_disk = {p.relative_to(batch.bundle).as_posix() for p in batch.bundle.rglob("*") if p.is_file()}
        assert in_zip == on_disk
        for name in names:
            assert archive.read(name) == (batch.bundle / name.split("/", 1)[1]).read_bytes()


def test_verify_passes_on_zip_and_folder(batch):
    for target in (batch.zip, batch.bundle):
        result = invoke("verify", str(target))
        assert result.code == 0, result.out + result.err
        assert result.out.startswith("OK ") and "INTEGRITY OK" in result.out
        assert "SIGNATURE NOT CHECKED: the bundle is not signed" in result.out


# --- tampering ---------------------------------------------------------------------------------
def rewrite_zip(source: Path, target: Path, change) -> None:
    """Copy a zip member by member through `change(name, data) -> data | None` (None drops it)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info, data)
        dst.comment = src.comment


def flip(data: bytes, at: int | None = None) -> bytes:
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def members(run) -> list[str]:
    with zipfile.ZipFile(run.zip) as archive:
        return archive.namelist()


def test_verify_fails_after_a_one_byte_change_to_any_file_of_the_zip(batch, tmp_path):
    names = members(batch)
    assert len(names) >= 20
    undetected = []
    for name in names:
        tampered = tmp_path / "tampered.zip"
        rewrite_zip(batch.zip, tampered, lambda n, d, name=name: flip(d) if n == name else d)
        result = invoke("verify", str(tampered))
        rel = name.split("/", 1)[1]
        if result.code != 1 or rel not in result.out:
            undetected.append((rel, result.code, result.out))
    assert undetected == []


@pytest.mark.parametrize("position", ["first", "last"])
def test_verify_fails_after_a_one_byte_change_to_any_file_of_the_folder(batch, tmp_path, position):
    copy = tmp_path / batch.bundle.name
    shutil.copytree(batch.bundle, copy)
    files = sorted(p for p in copy.rglob("*") if p.is_file())
    undetected = []
    for path in files:
        original = path.read_bytes()
        path.write_bytes(flip(original, 0 if position == "first" else len(original) - 1))
        result = invoke("verify", str(copy))
        path.write_bytes(original)
        rel = path.relative_to(copy).as_posix()
        if result.code != 1 or rel not in result.out:
            undetected.append((rel, result.code, result.out))
    assert undetected == []
    assert invoke("verify", str(copy)).code == 0  # restored: passes again


def test_verify_names_added_and_missing_files_in_a_zip(batch, tmp_path):
    prefix = batch.bundle.name + "/"
    added = tmp_path / "added.zip"
    shutil.copyfile(batch.zip, added)
    with zipfile.ZipFile(added, "a") as archive:
        archive.writestr(prefix + "notebooks/EXTRA.html", "<p>slipped in</p>")
    result = invoke("verify", str(added))
    assert result.code == 1 and "ADDED    notebooks/EXTRA.html" in result.out

    missing = tmp_path / "missing.zip"
    rewrite_zip(batch.zip, missing, lambda n, d: None if n == prefix + "results.json" else d)
    result = invoke("verify", str(missing))
    assert result.code == 1 and "MISSING  results.json" in result.out


def test_verify_names_added_and_missing_files_in_a_folder(batch, tmp_path):
    copy = tmp_path / batch.bundle.name
    shutil.copytree(batch.bundle, copy)
    (copy / "notebooks" / "FIX-01.html").unlink()
    (copy / "notes.txt").write_text("added later")
    result = invoke("verify", str(copy))
    assert result.code == 1
    assert "MISSING  notebooks/FIX-01.html" in result.out and "ADDED    notes.txt" in result.out


def test_verify_detects_a_rewritten_manifest_with_a_stale_zip_comment(batch, tmp_path):
    # an attacker edits a page, re-hashes it in the manifest and in manifest.sha256: the zip comment differs
    prefix = batch.bundle.name + "/"
    with zipfile.ZipFile(batch.zip) as archive:
        data = json.loads(archive.read(prefix + "manifest.json"))
        page = archive.read(prefix + "index.html").replace(b"Evidence bundle", b"Evidence bundlE")
    for entry in data["outputs"]:
        if entry["path"] == "index.html":
            entry["sha256"] = hashlib.sha256(page).hexdigest()
    forged = json.dumps(data).encode()
    seal = f"{hashlib.sha256(forged).hexdigest()}  manifest.json\n".encode()
    replacements = {
        prefix + "index.html": page, prefix + "manifest.json": forged, prefix + "manifest.sha256": seal
    }
    tampered = tmp_path / "forged.zip"
    rewrite_zip(batch.zip, tampered, lambda n, d: replacements.get(n, d))
    result = invoke("verify", str(tampered))
    assert result.code == 1 and "zip comment" in result.out


def test_verify_refuses_unsafe_member_names_without_extracting(batch, tmp_path):
    evil = tmp_path / "evil.zip"
    shutil.copyfile(batch.zip, evil)
    with zipfile.ZipFile(evil, "a") as archive:
        archive.writestr("../escaped.txt", "x")
        archive.writestr("/etc/absolute.txt", "x")
    result = invoke("verify", str(evil))
    assert result.code == 1
    assert "unsafe member name refused: '../escaped.txt'" in result.out
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_verify_rejects_what_is_not_a_bundle(tmp_path):
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert invoke("verify", str(tmp_path / "junk.zip")).code == 2
    assert invoke("verify", str(tmp_path / "absent.zip")).code == 2
    empty = tmp_path / "folder"
    empty.mkdir()
    result = invoke("verify", str(empty))
    assert result.code == 2 and "manifest.json" in result.err


def test_verify_with_case_checks_the_inputs_still_match(batch, tmp_path):
    case_copy = tmp_path / "case"
    shutil.copytree(batch.case.path, case_copy)
    result = invoke("verify", str(batch.zip), "--case", str(case_copy))
    assert result.code == 0 and "still holds the evidence" in result.out
    declaration = case_copy / "declaration.yaml"
    declaration.chmod(0o644)
    declaration.write_text(declaration.read_text() + "# edited after the batch\n")
    result = invoke("verify", str(batch.zip), "--case", str(case_copy))
    assert result.code == 1 and "INPUT CHANGED  declaration.yaml" in result.out


def test_partial_runs_say_so(audit_batch):
    assert json.loads((audit_batch.bundle / "results.json").read_text())["partial"] is True
    assert "Partial run (--only)" in audit_batch.index.read_text()
