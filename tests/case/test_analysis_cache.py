"""The analysis cache of a case: result folders keyed by the artefact's SHA-256, never trusted
when damaged or from another engine version, never left half-written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench import analysis
from workbench.capture import CaptureAnalysis
from workbench.case import Case

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_captures" / "demo_defective.pcap"


def _folder(case: Case, artefact) -> Path:
    (folder,) = (case.cache_dir / artefact.sha256).glob("capture-*")
    return folder


def test_the_cache_is_a_result_folder_read_back_the_same(case: Case) -> None:
    artefact = case.add_artefact(SAMPLE, "capture")
    fresh = analysis.capture_analysis(case, artefact)
    folder = _folder(case, artefact)
    assert fresh.folder is not None and fresh.folder.path == folder
    again = analysis.capture_analysis(case, artefact)
    assert (folder / "meta.json").stat().st_mtime_ns == (again.folder.path / "meta.json").stat().st_mtime_ns
    for name in ("flows", "tls", "credentials", "dns"):
        assert again.tables[name].equals(fresh.tables[name]), name
    assert list(again.table("flows", ["flow_id", "server_port"]).columns) == ["flow_id", "server_port"]


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "remove a table", "other version", "bad meta"])
def test_a_damaged_or_foreign_cache_is_rebuilt_never_trusted(case: Case, damage: str) -> None:
    artefact = case.add_artefact(SAMPLE, "capture")
    first = analysis.capture_analysis(case, artefact)
    flows = len(first.flows)
    folder = _folder(case, artefact)
    tls = folder / "tls.parquet"
    if damage == "flip a byte":
        data = bytearray(tls.read_bytes())
        data[len(data) // 2] ^= 0xFF
        tls.write_bytes(bytes(data))
    elif damage == "truncate":
        tls.write_bytes(tls.read_bytes()[:100])
    elif damage == "remove a table":
        tls.unlink()
    else:
        meta = json.loads((folder / "meta.json").read_text())
        meta["version"] = "0"
        (folder / "meta.json").write_text(json.dumps(meta) if damage == "other version" else "{not json")
    assert CaptureAnalysis.open(folder) is None
    rebuilt = analysis.capture_analysis(case, artefact)
    assert CaptureAnalysis.open(folder) is not None
    assert len(rebuilt.flows) == flows and len(rebuilt.tls) == len(first.tls)


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare (util-linux)")
def test_a_full_disk_gives_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    """A 24 KiB tmpfs, mounted in a mount namespace of the test's own, fills up mid-analysis."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = textwrap.dedent(
        f"""
        import os, sys
        from workbench.capture import analyse_capture
        from workbench.columnar import ResultWriteError
        try:
            analyse_capture({str(SAMPLE)!r}, out={str(disk / "result")!r})
            print("WRITTEN", sorted(os.listdir({str(disk / "result")!r})))
        except ResultWriteError as exc:
            print("ERROR", exc)
            print("LEFT", sorted(os.listdir({str(disk)!r})))
        """
    )
    mount = f"mount -t tmpfs -o size=24k tmpfs {disk} && {sys.executable} -c \"$0\""
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", mount, script],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 and "Operation not permitted" in done.stderr:
        pytest.skip("mount namespaces are not permitted here")
    assert "ERROR" in done.stdout, done.stdout + done.stderr
    assert "the disk is full" in done.stdout and "nothing was kept" in done.stdout
    assert "LEFT []" in done.stdout  # no half-written result, no temporary folder
