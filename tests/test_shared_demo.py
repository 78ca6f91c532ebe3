"""The test session's one shared `workbench demo`: a demo that hangs is killed with everything it
started and recorded as failed, so that no other xdist worker runs it a second time."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import shared_demo

SLEEPER = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open(sys.argv[1], "w").write(str(child.pid))
print("started", flush=True)
time.sleep(120)
"""


def _gone(pid: int) -> bool:
    """Whether the process has ended (gone, or a zombie waiting for its new parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_a_hung_demo_is_killed_with_what_it_started(tmp_path):
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()
    code, out, err = shared_demo._run([sys.executable, "-c", SLEEPER, str(pid_file)], 3)
    assert time.monotonic() - started < 60
    assert code == -1 and "started" in out and "killed after 3 s" in err
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(child), "the demo's own child was left running"


def test_a_failed_demo_is_recorded_and_never_run_again(tmp_path, monkeypatch):
    class Factory:
        def getbasetemp(self) -> Path:
            return tmp_path / "basetemp"

    (tmp_path / "basetemp").mkdir()
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    runs = []
    monkeypatch.setattr(shared_demo, "_run", lambda command, _: runs.append(command) or (-1, "", "hung"))
    for _ in range(2):
        out, done = shared_demo.demo_run(Factory())
        assert done.returncode == -1 and done.stderr == "hung"
        assert out == tmp_path / "basetemp" / "shared-demo"
    assert len(runs) == 1 and "demo" in runs[0]
    assert os.path.isfile(tmp_path / "basetemp" / "shared-demo.json")
