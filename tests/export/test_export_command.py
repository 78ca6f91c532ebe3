"""`workbench export`: verifies first, gives the bytes the bundle sealed, writes where it is told."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from export_fixtures import CATALOG, invoke, make_case, run_bundle
from rootfs_builder import mksquashfs, write

SEALED = {"oscal": "assessment-results.oscal.json", "junit": "results.junit.xml", "sarif": "findings.sarif"}


@pytest.mark.parametrize("fmt", sorted(SEALED))
def test_the_same_bundle_gives_the_same_bytes(failing_bundle, fmt):
    sealed = (failing_bundle / "formats" / SEALED[fmt]).read_text("utf-8")
    from_folder = invoke("export", str(failing_bundle), "--format", fmt)
    from_zip = invoke("export", str(failing_bundle.with_suffix(".zip")), "--format", fmt)
    assert from_folder.code == 0 and from_zip.code == 0, from_folder.err + from_zip.err
    assert from_folder.out == sealed == from_zip.out  # written at sealing, exported later: identical


def test_out_writes_a_file_or_into_a_folder(failing_bundle, tmp_path):
    target = tmp_path / "reports" / "scan.sarif"
    run = invoke("export", str(failing_bundle), "--format", "sarif", "--out", str(target))
    assert run.code == 0 and run.out == "" and f"wrote {target}" in run.err
    assert target.read_bytes() == (failing_bundle / "formats" / "findings.sarif").read_bytes()
    folder = tmp_path / "ci"
    folder.mkdir()
    assert invoke("export", str(failing_bundle), "--format", "junit", "--out", str(folder)).code == 0
    assert [p.name for p in folder.iterdir()] == ["results.junit.xml"]
    assert not list(tmp_path.rglob(".*.tmp"))  # atomic writes leave nothing behind


def test_a_tampered_bundle_is_refused_naming_what_changed(failing_bundle, tmp_path):
    copy = tmp_path / failing_bundle.name
    shutil.copytree(failing_bundle, copy)
    results = copy / "results.json"
    data = json.loads(results.read_text())
    data["checks"][0]["verdict"] = "PASS"  # a FAIL turned into a PASS
    results.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    run = invoke("export", str(copy), "--format", "junit")
    assert run.code == 2 and run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "refused: the bundle fails verification: CHANGED results.json" in lines[0]
    (copy / "results.json").unlink()
    shutil.copyfile(failing_bundle / "results.json", copy / "results.json")
    (copy / "formats" / "extra.sarif").write_text("{}")
    run = invoke("export", str(copy), "--format", "sarif")
    assert run.code == 2 and "ADDED formats/extra.sarif" in run.err


def test_not_a_bundle_and_missing_formats_are_clear_errors(failing_bundle, tmp_path):
    run = invoke("export", str(tmp_path / "nothing"), "--format", "oscal")
    assert run.code == 2 and "no such bundle" in run.err
    empty = tmp_path / "empty"
    empty.mkdir()
    run = invoke("export", str(empty), "--format", "oscal")
    assert run.code == 2 and "not a workbench evidence bundle" in run.err
    run = invoke("export", str(failing_bundle), "--format", "cyclonedx")  # the case has no firmware image
    assert run.code == 2 and "SBOM" in run.err and run.out == ""
    run = invoke("export", str(failing_bundle), "--format", "pdf")
    assert run.code == 2 and "invalid choice" in run.err


def test_the_ts_103_701_page_is_exported_too(failing_bundle):
    run = invoke("export", str(failing_bundle), "--format", "ts103701")
    assert run.code == 0, run.err
    assert "103 701" in run.out and "<script>alert" not in run.out


def test_several_files_need_a_folder_and_names_stay_inside_it(tmp_path):
    from workbench.commands.export import write_files
    from workbench.errors import WorkbenchError

    sboms = {"a.cdx.json": "{}", "b.cdx.json": "[]"}
    with pytest.raises(WorkbenchError, match="gives 2 cyclonedx files: name a folder with --out"):
        write_files(sboms, None, "cyclonedx")
    taken = tmp_path / "taken"
    taken.write_text("a user's file")
    with pytest.raises(WorkbenchError, match="need a folder, and this is a file"):
        write_files(sboms, str(taken), "cyclonedx")
    assert taken.read_text() == "a user's file"
    written = write_files(sboms, str(tmp_path / "sboms"), "cyclonedx")
    assert [p.name for p in written] == ["a.cdx.json", "b.cdx.json"]
    for hostile in ("../escape.json", ".hidden", "a/b.json", ""):
        with pytest.raises(WorkbenchError, match="refused to write a file named"):
            write_files({hostile: "x"}, str(tmp_path / "out"), "cyclonedx")
    assert not (tmp_path / "escape.json").exists() and not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def firmware_bundle(tmp_path_factory) -> Path:
    """A real bundle of a case with one firmware image: one SBOM in formats/sbom/."""
    root = tmp_path_factory.mktemp("one-sbom")
    files = root / "rootfs"
    write(files, "/bin/busybox", b"\x7fELF\0\0BusyBox v1.30.1 (2019-06-01) multi-call binary.\0", 0o755)
    case = make_case(root, "export.1", "Acme", level=1)
    case.add_artefact(mksquashfs(files, root / "camera-fw.img"), "firmware")
    return run_bundle(root, case, CATALOG, ["EXP-02"])


def test_one_sbom_goes_into_an_existing_folder_or_a_path_ending_with_a_slash(firmware_bundle, tmp_path):
    [sealed] = (firmware_bundle / "formats" / "sbom").iterdir()
    folder = tmp_path / "sboms"
    folder.mkdir()
    run = invoke("export", str(firmware_bundle), "--format", "cyclonedx", "--out", str(folder))
    assert run.code == 0, run.err
    assert [p.name for p in folder.iterdir()] == [sealed.name] == ["camera-fw.img.cdx.json"]
    assert (folder / sealed.name).read_bytes() == sealed.read_bytes() and "note:" not in run.err
    fresh = tmp_path / "new" / "sboms"
    run = invoke("export", str(firmware_bundle), "--format", "cyclonedx", "--out", f"{fresh}/")
    assert run.code == 0, run.err
    assert [p.name for p in fresh.iterdir()] == [sealed.name] and "note:" not in run.err


def test_one_sbom_to_a_new_path_is_that_file_and_the_user_is_told(firmware_bundle, tmp_path):
    [sealed] = (firmware_bundle / "formats" / "sbom").iterdir()
    target = tmp_path / "sboms"
    run = invoke("export", str(firmware_bundle), "--format", "cyclonedx", "--out", str(target))
    assert run.code == 0, run.err
    assert target.is_file() and target.read_bytes() == sealed.read_bytes()  # as before: PATH is the file
    assert (f"note: the {sealed.name} was written as the file {target}; to write it into a folder, give an "
            "existing folder or end --out with /") in run.err
    named = tmp_path / "camera.cdx.json"
    run = invoke("export", str(firmware_bundle), "--format", "cyclonedx", "--out", str(named))
    assert run.code == 0 and named.read_bytes() == sealed.read_bytes() and "note:" not in run.err


def test_out_never_replaces_a_link_a_fifo_or_a_device(failing_bundle, tmp_path):
    import os

    target = tmp_path / "target.xml"
    target.write_text("kept")
    link = tmp_path / "link.xml"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.xml"
    os.mkfifo(fifo)
    for path in (link, fifo, Path("/dev/null")):
        result = invoke("export", str(failing_bundle), "--format", "junit", "--out", str(path))
        assert result.code == 2 and "not a regular file" in result.err, (path, result.err)
    assert link.is_symlink() and target.read_text() == "kept" and fifo.is_fifo()
    assert Path("/dev/null").is_char_device()
    written = tmp_path / "results.xml"
    assert invoke("export", str(failing_bundle), "--format", "junit", "--out", str(written)).code == 0
    assert written.stat().st_mode & 0o777 == 0o644 & ~_current_umask()


def _current_umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
