"""Images that attack the scan's own machinery: a tree deeper than Python's recursion limit, and a
file whose parsing kills the worker inspecting it (a native crash in lief, stood in for by abort)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from rootfs_builder import mksquashfs

ROOT = Path(__file__).resolve().parents[2]

CRASH = """
import os
try:
    import lief
    parse = lief.ELF.parse
    def crashing(path, *args, **kwargs):
        if str(path).endswith("crashme"):
            os.abort()  # stands for a native crash in lief on a hostile ELF
        return parse(path, *args, **kwargs)
    lief.ELF.parse = crashing
except ImportError:
    pass
"""


def _scan(image: Path, out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "firmware", "scan", str(image), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def _rows(out: Path) -> dict[str, int]:
    return {
        name: facts["rows"] for name, facts in json.loads((out / "meta.json").read_text())["tables"].items()
    }


def test_a_tree_deeper_than_the_recursion_limit_is_scanned_whole(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    nest = "for i in $(seq 1200); do mkdir a && cd a || exit 1; done; echo password=hunter2 > bottom.conf"
    subprocess.run(["sh", "-c", f"cd {root} && {nest}"], check=True)  # deeper than the recursion limit
    image = mksquashfs(root, tmp_path / "deep.sqfs")
    subprocess.run(["rm", "-rf", str(root)], check=True)  # shutil.rmtree recurses per level on 3.11
    done = _scan(image, tmp_path / "out")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = _rows(tmp_path / "out")
    assert rows["files"] >= 1203 and rows["accounts"] >= 1
    files = pq.read_table(tmp_path / "out" / "files.parquet", columns=["path"]).column("path").to_pylist()
    assert any(p.endswith("/a/bottom.conf") for p in files)


def test_a_file_that_kills_its_worker_is_named_and_the_rest_inspected(tmp_path):
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "d").mkdir()
    shutil.copy("/bin/true", root / "bin" / "crashme")
    shutil.copy("/bin/true", root / "bin" / "fine")
    for i in range(2100):  # enough entries for the worker processes
        (root / "d" / f"f{i}").write_text(f"option value_{i}\n")
    image = mksquashfs(root, tmp_path / "many.sqfs")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(CRASH)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hooks), str(ROOT)])}
    done = _scan(image, tmp_path / "out", env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _rows(tmp_path / "out")["files"] >= 2103
    warnings = pq.read_table(tmp_path / "out" / "warnings.parquet").to_pylist()
    crashed = [w for w in warnings if w["path"] == "/bin/crashme"]
    assert crashed and "stopped its worker" in crashed[0]["message"]
    binaries = (
        pq.read_table(tmp_path / "out" / "binaries.parquet", columns=["path"]).column("path").to_pylist()
    )
    assert "/bin/fine" in binaries and "/bin/crashme" not in binaries


def test_a_listed_file_swapped_for_a_fifo_is_not_waited_on(tmp_path):
    """A reused work folder where a listed file became a FIFO: read without blocking, left unhashed."""
    from workbench.firmware import filework
    from workbench.firmware.inventory import FileRecord

    fifo = tmp_path / "swapped"
    os.mkfifo(fifo)
    record = FileRecord("/etc/swapped", fifo, "file", 10, 0o644, 0, 0, "file")
    assert filework._read(record) == b"" and record.sha256 is None
