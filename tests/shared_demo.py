"""One `workbench demo` run for the whole test session, shared by the pytest-xdist workers.

The demo probes both simulated cameras live and runs four batches (5 minutes on two busy cores). The
demo's own tests read its bundles, the probe's end-to-end tests its probed cases: the first worker to ask
runs it under a lock in the session's shared temporary folder, the others wait for it and read what it
made. Its output is read, never changed, by the tests that share it.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.fsutil import remove_tree

TIMEOUT_S = 1800  # a demo still running then has hung: recorded as failed, never run a second time


def _run(command: list[str], timeout: float) -> tuple[int, str, str]:
    """The command's exit code and output; past `timeout`, its whole process group is killed (the
    demo's simulated cameras and workers with it) and the run is a failure that says so."""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as running:
        try:
            stdout, stderr = running.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(running.pid, signal.SIGKILL)
            stdout, stderr = running.communicate()
            return -1, stdout, f"{stderr}\n(killed after {timeout:g} s: the demo hung)"
        except BaseException:
            os.killpg(running.pid, signal.SIGKILL)
            raise
    return running.returncode, stdout, stderr


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's temporary folder, the same for every xdist worker (each has its own below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The folder `workbench demo --out` wrote, and how the command ended (its code, stdout, stderr)."""
    root = _shared_root(tmp_path_factory)
    out, record = root / "shared-demo", root / "shared-demo.json"
    with open(root / "shared-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this worker dies
        if not record.is_file():
            if out.exists():  # a run cut short by a killed worker
                remove_tree(out)
            command = [sys.executable, "-m", "workbench", "demo", "--out", str(out), "--jobs", "2"]
            code, stdout, stderr = _run([*command, "--no-progress"], TIMEOUT_S)
            partial = record.with_suffix(".tmp")
            partial.write_text(json.dumps({"code": code, "out": stdout, "err": stderr}))
            os.replace(partial, record)
    got = json.loads(record.read_text())
    return out, subprocess.CompletedProcess(["workbench", "demo"], got["code"], got["out"], got["err"])
