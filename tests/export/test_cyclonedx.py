"""formats/sbom/ of a bundle (workbench.export.cyclonedx): the SBOM of each firmware image of a real
case, written from the case's cached scan (never a rescan), the same bytes every time, read back
and validated again for `workbench export --format cyclonedx`; a bundle without one says why."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from rootfs_builder import mksquashfs, write

import workbench.firmware
from workbench.analysis import prepare
from workbench.case import Case, CaseInfo
from workbench.errors import BundleError, EvidenceError
from workbench.export.cyclonedx import SBOM_DIR, sbom_file_name, sboms_from_bundle, write_sboms
from workbench.sealed import BundleView, open_bundle

FEED = [{
    "id": "CVE-2017-3735",
    "summary": "OpenSSL X.509 IPAddressFamily one-byte overread",
    "affected": [{
        "package": {"name": "openssl", "ecosystem": "Generic"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0.2"}, {"fixed": "1.0.2m"}]}],
    }],
    "database_specific": {"severity": "MEDIUM"},
}]


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory) -> Path:
    """A case with one firmware image (busybox, openssl) and an OSV feed, analysed as the batch does."""
    base = tmp_path_factory.mktemp("cyclonedx-case")
    root = base / "root"
    write(root, "/bin/busybox", b"\x7fELF\0\0BusyBox v1.30.1 (2019-06-01) multi-call binary.\0", 0o755)
    write(root, "/usr/lib/libssl.so.1.0.0", b"\x7fELF\0\0OpenSSL 1.0.2k  26 Jan 2017\0", 0o755)
    image = mksquashfs(root, base / "camera-fw.img")
    feed = base / "osv.json"
    feed.write_text(json.dumps(FEED))
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=2,
                    inspectors=["tester"])
    case = Case.create(base / "case", info)
    case.add_artefact(image, "firmware")
    case.add_artefact(feed, "vuln-feed")
    prepare(Case.open(case.path))
    return case.path


@pytest.fixture
def case(case_dir, tmp_path) -> Case:
    """A copy of the analysed case for one test (its cache may be removed)."""
    return Case.open(shutil.copytree(case_dir, tmp_path / "case", symlinks=True))


@pytest.fixture(scope="module")
def bundle(case_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bundle")
    warnings: list[str] = []
    write_sboms(folder, Case.open(case_dir), warnings)
    assert warnings == []
    return folder


def _view_of(folder: Path) -> dict[str, str]:
    with open_bundle(folder) as source:
        return sboms_from_bundle(BundleView(source))


def test_each_firmware_image_gets_a_valid_sbom_of_its_cached_scan(case, tmp_path, monkeypatch):
    def no_rescan(*_args, **_kwargs):
        raise AssertionError("the batch has analysed the image: the SBOM must come from the cache")

    monkeypatch.setattr(workbench.firmware, "scan_firmware", no_rescan)
    warnings: list[str] = []
    [path] = write_sboms(tmp_path / "bundle", case, warnings)
    assert warnings == []
    assert path == tmp_path / "bundle" / SBOM_DIR / "camera-fw.img.cdx.json"
    doc = json.loads(path.read_text())
    [image] = case.artefacts(kind="firmware")
    subject = doc["metadata"]["component"]
    assert (subject["name"], subject["type"], subject["version"]) == ("camera-fw.img", "firmware", "2.1")
    digest = hashlib.sha256(image.path.read_bytes()).hexdigest()
    assert subject["hashes"] == [{"alg": "SHA-256", "content": digest}] and digest == image.sha256
    assert subject["supplier"] == {"name": "Acme"}
    assert doc["metadata"]["timestamp"].startswith(image.added_at[:19])  # when the image entered the case
    components = {c["name"]: c for c in doc["components"]}
    assert {"busybox", "openssl"} <= set(components)
    [vuln] = doc["vulnerabilities"]
    assert vuln["id"] == "CVE-2017-3735"
    assert [a["ref"] for a in vuln["affects"]] == [components["openssl"]["bom-ref"]]


def test_the_same_case_gives_the_same_bytes_and_so_does_a_rescan_without_the_cache(case, bundle, tmp_path):
    [sealed] = (bundle / SBOM_DIR).iterdir()
    write_sboms(tmp_path / "again", case, [])
    assert (tmp_path / "again" / SBOM_DIR / sealed.name).read_bytes() == sealed.read_bytes()
    shutil.rmtree(case.cache_dir)
    write_sboms(tmp_path / "rescanned", case, [])  # no cache: scanned as the analysis does
    assert (tmp_path / "rescanned" / SBOM_DIR / sealed.name).read_bytes() == sealed.read_bytes()
    assert any(case.cache_dir.iterdir())  # and kept in the case's cache, as the analysis keeps it


def test_an_image_that_cannot_be_scanned_is_a_warning_not_a_lost_bundle(case, tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise EvidenceError("not a firmware image", path="camera-fw.img")

    shutil.rmtree(case.cache_dir)
    monkeypatch.setattr(workbench.firmware, "scan_firmware", broken)
    warnings: list[str] = []
    assert write_sboms(tmp_path / "bundle", case, warnings) == []
    assert warnings == [
        "no SBOM of camera-fw.img: its scan failed: EvidenceError: camera-fw.img: not a firmware image"
    ]


def test_a_case_without_firmware_writes_nothing(tmp_path):
    info = CaseInfo(device="plug", vendor="Acme", model="P1", firmware_version="1", level=1, inspectors=["t"])
    case = Case.create(tmp_path / "case", info)
    assert write_sboms(tmp_path / "bundle", case, []) == []
    assert not (tmp_path / "bundle" / SBOM_DIR).exists()


def test_the_bundle_sboms_are_read_back_validated_from_a_folder_and_a_zip(bundle, tmp_path):
    [sealed] = (bundle / SBOM_DIR).iterdir()
    assert _view_of(bundle) == {sealed.name: sealed.read_text()}
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                zipped.write(path, f"bundle-x/{path.relative_to(bundle).as_posix()}")
    assert _view_of(archive) == {sealed.name: sealed.read_text()}


def test_a_changed_sbom_in_a_bundle_is_refused(bundle, tmp_path):
    copy = shutil.copytree(bundle, tmp_path / "bundle")
    [sealed] = (copy / SBOM_DIR).iterdir()
    sealed.write_text(sealed.read_text().replace('"type": "firmware"', '"type": "gadget"'))
    with pytest.raises(BundleError, match=r"camera-fw\.img\.cdx\.json: not a valid CycloneDX 1\.6 SBOM"):
        _view_of(copy)
    sealed.write_bytes(b"\xff\xfe{}")
    with pytest.raises(BundleError, match="not UTF-8"):
        _view_of(copy)


def test_other_files_under_formats_sbom_are_not_sboms(bundle, tmp_path):
    copy = shutil.copytree(bundle, tmp_path / "bundle")
    write(copy, f"{SBOM_DIR}/notes.txt", "not an SBOM")
    write(copy, f"{SBOM_DIR}/nested/evil.cdx.json", "{}")
    assert list(_view_of(copy)) == ["camera-fw.img.cdx.json"]


def test_a_bundle_without_sbom_says_whether_it_had_firmware(case_dir, tmp_path):
    empty = tmp_path / "no-firmware"
    write(empty, "case/artefacts.yaml", "schema_version: 1\nartefacts:\n- name: a.pcap\n  kind: capture\n")
    with pytest.raises(BundleError, match="the bundle holds no firmware image: no SBOM"):
        _view_of(empty)
    write(empty, "case/artefacts.yaml", "{ not: [yaml")
    with pytest.raises(BundleError, match="the bundle holds no firmware image: no SBOM"):
        _view_of(empty)
    unwritten = tmp_path / "firmware-no-sbom"
    write(unwritten, "case/artefacts.yaml", (case_dir / "artefacts.yaml").read_text())
    with pytest.raises(BundleError, match="has a firmware image but the bundle holds no SBOM"):
        _view_of(unwritten)


@pytest.mark.parametrize(("name", "expected"), [
    ("camera.img", "camera.img.cdx.json"),
    ("../../etc/passwd", "_.._etc_passwd.cdx.json"),
    (".hidden", "hidden.cdx.json"),
    ("a b\u00e9/\\:*?.bin", "a_b______.bin.cdx.json"),
    ("", "firmware.cdx.json"),
    ("x" * 300, "x" * 120 + ".cdx.json"),
])
def test_sbom_file_names_are_safe(name, expected):
    made = sbom_file_name(name, "ab" * 32, set())
    assert made == expected
    assert "/" not in made and not made.startswith(".")


def test_sbom_file_names_are_unique():
    taken: set[str] = set()
    names = [sbom_file_name(n, "cd" * 32, taken) for n in ("a/b", "a_b", "a:b", "a b")]
    assert len(set(names)) == 4 and names[0] == "a_b.cdx.json" and names[1] == "a_b-cdcdcdcdcdcd.cdx.json"
