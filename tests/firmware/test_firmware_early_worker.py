"""The extraction worker started by the command line before the scan's import: taken over by the
extraction of the same image, folder and limits (the same result as a worker started by it);
stopped, with nothing left behind, when it is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rootfs_builder import mksquashfs, write

from workbench.firmware.extract import StartedWorker, extract_image
from workbench.firmware.limits import ExtractionLimits


def _image(tmp_path: Path, filler: int = 0) -> Path:
    root = tmp_path / "root"
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    write(root, "/etc/banner", "hello\n")
    if filler:  # big enough for the command line to start the worker early (EARLY_FROM)
        write(root, "/usr/share/blob.bin", os.urandom(filler))
    return mksquashfs(root, tmp_path / "fw.sqfs")


def _leftovers(workdir: Path) -> list[str]:
    return sorted(p.name for p in workdir.iterdir() if p.name.endswith(".tmp"))


def _listing(extraction) -> list[tuple[str, list[str]]]:
    top = extraction.layer_dir(extraction.layers[0])
    return sorted((str(Path(d).relative_to(top)), sorted(f)) for d, _, f in os.walk(top))


def test_a_worker_started_early_is_taken_over_and_extracts_the_same(tmp_path):
    image = _image(tmp_path)
    limits = ExtractionLimits()
    started = StartedWorker(image, tmp_path / "early", limits)
    early = extract_image(image, lambda: "a" * 64, tmp_path / "early", limits, started)
    started.abandon()  # taken over: nothing to stop
    late = extract_image(image, "b" * 64, tmp_path / "late", limits)
    assert early.status == late.status == "complete"
    assert [layer["format"] for layer in early.layers] == [layer["format"] for layer in late.layers]
    assert _listing(early) == _listing(late) and ("etc", ["banner", "passwd"]) in _listing(early)
    assert _leftovers(tmp_path / "early") == []


def test_a_worker_started_for_other_limits_or_folders_is_stopped(tmp_path):
    image = _image(tmp_path)
    started = StartedWorker(image, tmp_path / "w", ExtractionLimits(max_files=10_000))
    pid = started.proc.pid
    extraction = extract_image(image, "c" * 64, tmp_path / "w", ExtractionLimits(), started)
    assert extraction.status == "complete"
    assert started.proc is None  # stopped and reaped, its folder gone
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _leftovers(tmp_path / "w") == []


def test_a_worker_started_early_is_stopped_when_the_extraction_is_kept(tmp_path):
    image = _image(tmp_path)
    limits = ExtractionLimits()
    first = extract_image(image, "d" * 64, tmp_path / "w", limits)
    started = StartedWorker(image, tmp_path / "w", limits)
    again = extract_image(image, "d" * 64, tmp_path / "w", limits, started)
    assert again.reused and again.root == first.root
    assert _leftovers(tmp_path / "w") == []


def test_the_command_leaves_no_worker_nor_folder_when_it_refuses_its_output(tmp_path):
    image = _image(tmp_path, filler=5 << 20)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("a user's own file\n")
    workdir = tmp_path / "w"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "workbench"),
            "firmware",
            "scan",
            str(image),
            "--out",
            str(out),
            "--workdir",
            str(workdir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert (out / "notes.txt").read_text() == "a user's own file\n"
    assert not workdir.exists()  # refused before any work folder is made
    workers = subprocess.run(["pgrep", "-f", f"workbench.firmware.worker {workdir}"], capture_output=True)
    assert workers.stdout == b""


def test_the_command_takes_over_its_early_worker(tmp_path):
    image = _image(tmp_path, filler=5 << 20)
    workdir = tmp_path / "w"
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "workbench"),
            "firmware",
            "scan",
            str(image),
            "--out",
            str(tmp_path / "out"),
            "--workdir",
            str(workdir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert meta["scalars"]["image"]["extraction"] == "complete"
    assert meta["tables"]["files"]["rows"] >= 4
    assert _leftovers(workdir) == [] and len([p for p in workdir.iterdir() if len(p.name) == 64]) == 1


def test_a_refused_output_or_a_workdir_that_is_a_file_is_said_before_anything_is_made(tmp_path):
    image = _image(tmp_path, filler=5 << 20)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("a user's own file\n")
    command = [str(Path(sys.executable).parent / "workbench"), "firmware", "scan", str(image)]
    refused = subprocess.run(
        [*command, "--out", str(out), "--workdir", str(tmp_path / "new" / "deep")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 2 and "not a result folder" in refused.stderr
    assert not (tmp_path / "new").exists()  # no work folder made for a scan that never ran
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    wrong = subprocess.run(
        [*command, "--out", str(tmp_path / "out"), "--workdir", str(a_file)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert wrong.returncode == 2 and "--workdir" in wrong.stderr and "not a folder" in wrong.stderr
    assert "Traceback" not in wrong.stderr and a_file.read_text() == "not a folder\n"


def test_the_sbom_command_starts_its_workers_early_too_and_leaves_nothing(tmp_path):
    image = _image(tmp_path, filler=5 << 20)
    workdir, sbom = tmp_path / "w", tmp_path / "sbom.json"
    command = [str(Path(sys.executable).parent / "workbench"), "firmware", "sbom", str(image)]
    done = subprocess.run(
        [*command, "-o", str(sbom), "--workdir", str(workdir)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(sbom.read_text())["bomFormat"] == "CycloneDX" and "components" in done.stdout
    assert _leftovers(workdir) == [] and len([p for p in workdir.iterdir() if len(p.name) == 64]) == 1
