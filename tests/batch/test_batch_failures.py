"""Failures the batch survives: a check that kills its worker process, an id given twice."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from conftest import CATALOG, FIXTURE_CHECKS, NOTEBOOKS, FixtureCheck, invoke, make_fixture_case, run_fixture

from workbench.batch import runner
from workbench.checks.base import CheckResult

BATCH_PROCESS = os.getpid()


class KillsItsWorker(FixtureCheck):
    """A check whose process dies (the OOM killer, a segfault in a native library...)."""

    requirement_id = "FIX-08"

    def evaluate(self, ctx) -> CheckResult:
        if os.getpid() == BATCH_PROCESS:  # never take the test run down with it
            raise RuntimeError("FIX-08's check ran in the batch's own process")
        os._exit(1)


def rows(bundle: Path) -> dict[str, dict]:
    return {row["id"]: row for row in json.loads((bundle / "results.json").read_text())["checks"]}


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch) -> Path:
    """The batch's work folders go here, so that what is left behind can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_check_that_kills_its_worker_is_one_error_row_and_the_bundle_is_sealed(tmp_path, monkeypatch):
    monkeypatch.setitem(FIXTURE_CHECKS, "FIX-08", KillsItsWorker())
    run = run_fixture(tmp_path, "--only", "FIX-01,FIX-08,FIX-04", "--jobs", "2")
    assert run.invocation.code == 0, run.invocation.err
    by_id = rows(run.bundle)
    assert (by_id["FIX-08"]["verdict"], by_id["FIX-08"]["verdict_source"]) == ("ERROR", "error")
    assert "the worker process died while judging it" in by_id["FIX-08"]["error"]
    # the requirements judged beside it are judged again and keep their own verdicts
    assert (by_id["FIX-01"]["verdict"], by_id["FIX-01"]["findings"]) == ("FAIL", 2)
    assert (by_id["FIX-04"]["verdict"], by_id["FIX-04"]["verdict_source"]) == ("PASS", "inspector")
    for page in ("FIX-01", "FIX-04", "FIX-08", "00-case-overview"):  # the notebooks ran in a fresh pool
        assert (run.bundle / "notebooks" / f"{page}.html").is_file(), page
    assert invoke("verify", str(run.zip)).code == 0


def test_an_id_given_twice_is_one_row_and_no_work_folder_is_left(tmp_path, own_tempdir):
    run = run_fixture(tmp_path, "--only", "FIX-01,FIX-01,FIX-08")
    assert run.invocation.code == 0, run.invocation.err
    assert list(rows(run.bundle)) == ["FIX-01", "FIX-08"]
    assert list(own_tempdir.glob("wb-batch-*")) == []  # (wb-ipc-UID: the kernels' sockets, kept)


def test_a_batch_that_fails_while_preparing_its_notebooks_leaves_no_work_folder(
    tmp_path, own_tempdir, monkeypatch
):
    def fails(*args, **kwargs):
        raise FileExistsError("a task folder that already exists")

    monkeypatch.setattr(runner, "_tasks", fails)
    run = run_fixture(tmp_path, "--only", "FIX-01")
    assert run.invocation.code == 3 and "FileExistsError: a task folder" in run.invocation.err  # a bug's exit
    assert list(own_tempdir.glob("wb-batch-*")) == []  # (wb-ipc-UID: the kernels' sockets, kept)


def test_a_notebook_that_kills_its_worker_is_its_own_error_row_the_others_run_again(tmp_path):
    """The worker's death takes down every notebook in flight in the pool; those run again, alone."""
    import shutil

    import nbformat

    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    killer = nbformat.v4.new_notebook()
    killer.cells = [nbformat.v4.new_code_cell(
        "import os, signal\n"
        f"if os.getppid() not in (1, {BATCH_PROCESS}):  # the batch's worker, never the test\n"
        "    os.kill(os.getppid(), signal.SIGKILL)"
    )]
    nbformat.write(killer, str(notebooks / "FIX-08.ipynb"))
    run = run_fixture(tmp_path, "--only", "FIX-01,FIX-08,FIX-04", "--jobs", "2",
                      "--notebooks", str(notebooks))
    assert run.invocation.code == 0, run.invocation.err
    by_id = rows(run.bundle)
    assert by_id["FIX-08"]["verdict"] == "ERROR" and "worker process died" in by_id["FIX-08"]["error"]
    assert (by_id["FIX-01"]["verdict"], by_id["FIX-01"]["findings"]) == ("FAIL", 2)
    assert (by_id["FIX-04"]["verdict"], by_id["FIX-04"]["verdict_source"]) == ("PASS", "inspector")
    assert invoke("verify", str(run.zip)).code == 0


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child in Path(f"/proc/{parent}/task").glob("*/children"):
            for word in child.read_text().split():
                if int(word) not in found:
                    found.add(int(word))
                    todo.append(int(word))
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_a_batch_killed_with_sigkill_leaves_no_worker_or_zygote_behind(tmp_path):
    import shutil
    import signal
    import subprocess
    import sys
    import time

    import nbformat

    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    slow = nbformat.v4.new_notebook()
    slow.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(120)")]
    nbformat.write(slow, str(notebooks / "FIX-01.ipynb"))
    case = make_fixture_case(tmp_path)
    batch = subprocess.Popen(
        [sys.executable, "-m", "workbench", "run", str(case.path), "--out", str(tmp_path / "out"),
         "--catalog", str(CATALOG), "--notebooks", str(notebooks), "--only", "FIX-01", "--jobs", "1",
         "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_descendants(batch.pid)) < 2:  # a worker and its zygote
        time.sleep(0.2)
    left = _descendants(batch.pid)
    assert len(left) >= 2, "the batch never started its worker"
    batch.send_signal(signal.SIGKILL)
    batch.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in left):
        for pid in left:  # zombies of ours are reaped by init once we are gone; look at live ones only
            stat = Path(f"/proc/{pid}/stat")
            if stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z":
                left = left - {pid}
        time.sleep(0.2)
    alive = [pid for pid in left if Path(f"/proc/{pid}").exists()]
    for pid in alive:  # never leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert alive == [], "processes of the killed batch are still running"
