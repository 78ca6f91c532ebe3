"""A device's file system need not name its files in UTF-8: such a name is listed (as Python shows
its bytes, `\\xff`) with its findings, in every output, and the scan does not fail on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rootfs_builder import mksquashfs, write


def test_a_file_named_in_bytes_that_are_not_utf8_is_scanned(tmp_path):
    root = tmp_path / "root"
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    odd = root / "etc" / b"cloud\xff\xfe.conf".decode("utf-8", "surrogateescape")
    odd.write_text("api_token=9f8e7d6c5b4a3928aa\n")
    image = mksquashfs(root, tmp_path / "fw.sqfs")
    command = [str(Path(sys.executable).parent / "workbench"), "firmware", "scan", str(image)]
    work = ["--workdir", str(tmp_path / "w")]
    folder = subprocess.run(
        [*command, "--out", str(tmp_path / "out"), *work], capture_output=True, timeout=300
    )
    assert folder.returncode == 0, folder.stderr.decode(errors="replace")
    lines = subprocess.run([*command, "--json", *work], capture_output=True, timeout=300)
    assert lines.returncode == 0, lines.stderr.decode(errors="replace")
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    shown = "/etc/cloud\\xff\\xfe.conf"
    assert any(r["table"] == "files" and r["path"] == shown for r in rows)
    assert any(r["table"] == "secrets" and r["path"] == shown for r in rows)  # its finding, same name
    terminal = subprocess.run([*command, *work], capture_output=True, timeout=300)
    assert terminal.returncode == 0 and shown.encode() in terminal.stdout
