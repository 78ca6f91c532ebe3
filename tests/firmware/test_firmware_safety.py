"""The extraction stays bounded and inside its work folder after the speed work: a link out of
the image is recorded, never followed; the file-count limit stops the worker; a finished
extraction is reused."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

import pytest
from rootfs_builder import link, mksquashfs, write

from workbench.firmware import scan_firmware

TIME_LIMIT = 600  # seconds: a hostile image that hangs the scan fails the test, not the suite


@pytest.fixture(autouse=True)
def time_limit():
    def expired(_signum, _frame):
        raise TimeoutError(f"the scan took more than {TIME_LIMIT} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIME_LIMIT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_links_out_are_recorded_not_followed_and_limits_stop_the_worker(tmp_path):
    outside = Path("/tmp") / f"wb-escape-{uuid.uuid4().hex}"
    root = tmp_path / "root"
    write(root, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    link(root, "/etc/escape", "../../../../../../../.." + str(outside))
    for i in range(40):
        write(root, f"/usr/share/many/f{i:02d}.txt", f"file {i}\n")
    image = mksquashfs(root, tmp_path / "fw.sqfs")

    scan = scan_firmware(image, workdir=tmp_path / "work")
    assert scan.image["extraction"] == "complete"
    escape = scan.files[scan.files["path"] == "/etc/escape"].iloc[0]
    assert escape["type"] == "symlink" and escape["link_target"].endswith(outside.name)
    assert "symlink_escape" in set(scan.warnings["kind"])
    assert not outside.exists()
    assert scan.local_path("/etc/escape") is None
    work = (tmp_path / "work").resolve()
    assert all(Path(folder).resolve().is_relative_to(work) for _, folder in scan.image["mounts"])

    again = scan_firmware(image, workdir=tmp_path / "work")
    assert again.image["reused"] is True and len(again.files) == len(scan.files)
    # the worker started while the image was hashed was stopped, its folder removed
    assert not list((tmp_path / "work").glob(".*.tmp"))

    # unsquashfs is done before the watcher's first look: the limit holds all the same
    limited = scan_firmware(image, workdir=tmp_path / "limited", limits={"max_files": 10})
    assert limited.image["extraction"] == "limit"
    assert any("more than 10 files" in m for m in limited.warnings["message"])
    again = scan_firmware(image, workdir=tmp_path / "limited", limits={"max_files": 10})
    assert again.image["reused"] is True and again.image["extraction"] == "limit"
