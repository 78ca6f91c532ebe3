"""Failures the batch survives: a check that kills its worker process, an id given twice."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURE_CHECKS, FixtureCheck, invoke, run_fixture

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
