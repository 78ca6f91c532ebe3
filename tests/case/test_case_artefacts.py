"""Adding evidence: copied while hashed, read-only, recorded; the wrong kind refused; never replaced."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest
import yaml
from tests_case_paths import PCAP, PCAP_GZ, PCAPNG

from workbench.case import Case
from workbench.case.sniff import capture_problem, describe
from workbench.errors import CaseError


def snapshot(case: Case) -> dict[str, bytes]:
    """Every file of the case (but the lock and cache) with its bytes: to prove nothing changed."""
    files = {}
    for path in sorted(case.path.rglob("*")):
        if path.is_file() and path.name != ".case.lock":
            files[str(path.relative_to(case.path))] = path.read_bytes()
    return files


@pytest.mark.parametrize("source", [PCAP, PCAP_GZ, PCAPNG], ids=["pcap", "pcap.gz", "pcapng"])
def test_real_capture_is_copied_hashed_read_only_and_recorded(case: Case, source: Path) -> None:
    artefact = case.add_artefact(source, "capture")
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    assert artefact.sha256 == expected
    assert artefact.size == source.stat().st_size
    assert artefact.name == source.name and artefact.kind == "capture"
    assert artefact.path == case.path / "artefacts" / source.name and artefact.path.is_absolute()
    assert artefact.path.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(artefact.path.stat().st_mode) == 0o444
    record = yaml.safe_load((case.path / "artefacts.yaml").read_text())["artefacts"]
    assert record == [
        {
            "name": source.name,
            "kind": "capture",
            "sha256": expected,
            "size": source.stat().st_size,
            "added_at": artefact.added_at,
            "original_name": source.name,
            "added_by": artefact.added_by,
        }
    ]
    assert artefact.added_at.endswith("+00:00") and artefact.added_by
    assert Case.open(case.path).artefacts("capture") == [artefact]
    assert case.artefacts("firmware") == []
    assert case.current_hashes() == {source.name: expected}
    assert list((case.path / "artefacts").iterdir()) == [artefact.path]  # no temporary copy left


def test_added_by_comes_from_the_caller_or_user(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "bob")
    assert case.add_artefact(PCAP, "capture").added_by == "bob"
    assert case.add_artefact(PCAP_GZ, "capture", added_by="carol").added_by == "carol"


def test_jpeg_added_as_capture_is_refused_and_the_case_is_unchanged(case: Case, jpeg_file: Path) -> None:
    case.add_artefact(PCAP, "capture")
    before = snapshot(case)
    with pytest.raises(CaseError) as err:
        case.add_artefact(jpeg_file, "capture")
    message = str(err.value)
    assert message == f"{jpeg_file}: this looks like a JPEG image, not a packet capture (pcap or pcapng)"
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("fixture", "what"),
    [("png_file", "a PNG image"), ("elf_file", "an ELF executable")],
)
def test_other_files_added_as_capture_are_named(
    case: Case, fixture: str, what: str, request: pytest.FixtureRequest
) -> None:
    path = request.getfixturevalue(fixture)
    with pytest.raises(CaseError, match=f"this looks like {what}, not a packet capture"):
        case.add_artefact(path, "capture")


def test_gzip_is_looked_into(case: Case, tmp_path: Path, jpeg_file: Path) -> None:
    wrapped = tmp_path / "photo.pcap.gz"
    wrapped.write_bytes(gzip.compress(jpeg_file.read_bytes()))
    with pytest.raises(CaseError, match="gzip-compressed a JPEG image, not a packet capture"):
        case.add_artefact(wrapped, "capture")
    recompressed = tmp_path / "http.pcap.gz"
    recompressed.write_bytes(gzip.compress(PCAP.read_bytes()))
    assert case.add_artefact(recompressed, "capture").name == "http.pcap.gz"


@pytest.mark.parametrize(
    "magic",
    [b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1"],
    ids=["pcap-be", "pcap-le", "pcap-ns-be", "pcap-ns-le"],
)
def test_every_pcap_byte_order_and_precision_is_a_capture(magic: bytes) -> None:
    endian = ">" if magic[0] == 0xA1 else "<"
    header = magic + struct.pack(endian + "HHiIII", 2, 4, 0, 0, 65535, 1)
    assert capture_problem(header) is None
    assert "truncated" in (capture_problem(header[:10]) or "")


def test_sniffing_names_common_formats() -> None:
    assert describe(b"%PDF-1.7\n") == "a PDF document"
    assert describe(b"PK\x03\x04rest") == "a ZIP archive"
    assert describe(b"hello, world\n") == "text"
    assert describe(b'  {"id": "OSV-1"}') == "JSON text"
    assert describe(bytes(range(256)) * 2) == "unrecognised binary data"
    assert capture_problem(PCAPNG.read_bytes()[:64]) is None


def test_empty_files_are_refused(case: Case, tmp_path: Path) -> None:
    empty = tmp_path / "fw.bin"
    empty.touch()
    for kind in ("firmware", "capture", "attachment"):
        with pytest.raises(CaseError, match=f"empty file; an empty {kind} is not evidence"):
            case.add_artefact(empty, kind)
    assert case.artefacts() == []
    assert list((case.path / "artefacts").iterdir()) == []


def test_firmware_is_an_opaque_image(case: Case, elf_file: Path, jpeg_file: Path) -> None:
    assert case.add_artefact(elf_file, "firmware", name="fw.elf").kind == "firmware"
    assert case.add_artefact(jpeg_file, "firmware", name="odd.bin").sha256


def test_same_content_twice_is_not_duplicated(case: Case, tmp_path: Path) -> None:
    first, new = case.import_artefact(PCAP, "capture")
    assert new
    copy = tmp_path / "again.pcap"
    copy.write_bytes(PCAP.read_bytes())
    second, new = case.import_artefact(copy, "capture", name="other-name.pcap")
    assert not new and second == first
    assert len(case.artefacts()) == 1
    assert sorted(p.name for p in (case.path / "artefacts").iterdir()) == [PCAP.name]


def test_a_name_clash_with_different_content_is_refused(case: Case, tmp_path: Path) -> None:
    original = case.add_artefact(PCAP, "capture", name="capture.pcap")
    before = snapshot(case)
    with pytest.raises(CaseError, match="already holds a different artefact named 'capture.pcap'"):
        case.add_artefact(PCAPNG, "capture", name="capture.pcap")
    assert snapshot(case) == before
    assert original.path.read_bytes() == PCAP.read_bytes()


@pytest.mark.parametrize("name", ["../escape.pcap", ".hidden", "a/b", "artefacts.yaml", "declaration", ""])
def test_unsafe_names_are_refused(case: Case, name: str) -> None:
    with pytest.raises(CaseError, match="invalid artefact name"):
        case.add_artefact(PCAP, "capture", name=name)


def test_source_names_are_made_safe(case: Case, tmp_path: Path) -> None:
    odd = tmp_path / ".. <img src=x onerror=alert(1)>\x1b[31m.pcap"
    odd.write_bytes(PCAP.read_bytes())
    artefact = case.add_artefact(odd, "capture")
    assert artefact.name == "img_src_x_onerror_alert_1_31m.pcap"
    assert artefact.original_name == odd.name


def test_missing_file_folder_and_unknown_kind(case: Case, tmp_path: Path) -> None:
    with pytest.raises(CaseError, match=r"nope\.pcap: no such file"):
        case.add_artefact(tmp_path / "nope.pcap", "capture")
    with pytest.raises(CaseError, match="is a folder"):
        case.add_artefact(tmp_path, "capture")
    with pytest.raises(CaseError, match="not a regular file"):
        case.add_artefact("/dev/zero", "firmware")
    with pytest.raises(CaseError, match="unknown kind 'photo'"):
        case.add_artefact(PCAP, "photo")


def test_vuln_feed_is_json_or_a_zip_of_json(case: Case, tmp_path: Path, jpeg_file: Path) -> None:
    record = {"id": "OSV-2024-1", "affected": [{"package": {"name": "busybox"}}]}
    feed = tmp_path / "osv.json"
    feed.write_text(json.dumps([record]))
    assert case.add_artefact(feed, "vuln-feed").kind == "vuln-feed"
    bundle = tmp_path / "osv.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("OSV-2024-2.json", json.dumps(record | {"id": "OSV-2024-2"}))
    assert case.add_artefact(bundle, "vuln-feed").name == "osv.zip"
    no_json = tmp_path / "docs.zip"
    with zipfile.ZipFile(no_json, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(CaseError, match="ZIP archive without any .json file"):
        case.add_artefact(no_json, "vuln-feed")
    renamed = tmp_path / "feed.json"
    renamed.write_bytes(jpeg_file.read_bytes())
    with pytest.raises(CaseError, match=r"a JPEG image \(named .json\), not an OSV vulnerability feed"):
        case.add_artefact(renamed, "vuln-feed")


def test_attachment_for_a_requirement(case: Case, jpeg_file: Path) -> None:
    artefact = case.add_artefact(jpeg_file, "attachment", requirement="AUTH-04", note="  reset\n screen ")
    assert (artefact.requirement, artefact.note) == ("AUTH-04", "reset screen")
    assert Case.open(case.path).artefact(artefact.name) == artefact
    with pytest.raises(CaseError, match="attachments only"):
        case.add_artefact(PCAP, "capture", requirement="COM-01")
    with pytest.raises(CaseError, match="invalid requirement id"):
        case.add_artefact(jpeg_file, "attachment", name="x.jpg", requirement="../../etc")


def test_verify_reports_changed_missing_and_unrecorded_artefacts(case: Case) -> None:
    changed = case.add_artefact(PCAP, "capture")
    gone = case.add_artefact(PCAP_GZ, "capture")
    assert case.verify_artefacts().ok
    os.chmod(changed.path, 0o644)
    with open(changed.path, "r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 1]))
    gone.path.unlink()
    (case.path / "artefacts" / "stray.bin").write_bytes(b"x")
    report = case.verify_artefacts()
    assert not report.ok
    assert {i.name: i.status for i in report.items} == {changed.name: "changed", gone.name: "missing"}
    problems = report.problems()
    assert any(changed.name in p and "changed since it entered the case" in p for p in problems)
    assert any(gone.name in p and "missing" in p for p in problems)
    assert any("stray.bin" in p and "not recorded" in p for p in problems)
    assert case.current_hashes(recompute=True) == {changed.name: report.items[0].actual_sha256}


def test_a_file_squatting_an_artefact_name_is_not_replaced(case: Case) -> None:
    squatter = case.path / "artefacts" / PCAP.name
    squatter.write_bytes(b"not evidence")
    with pytest.raises(CaseError, match="exists but is not recorded"):
        case.add_artefact(PCAP, "capture")
    assert squatter.read_bytes() == b"not evidence" and case.artefacts() == []
