"""The batch on a Dask LocalCluster (127.0.0.1 only, no dashboard): the two demo cases give the
results and outcomes of the local run, sealed bundles that verify; a case with a missing artefact
fails alone; a worker killed by its notebook has the notebook rerun elsewhere, or, killed every
time, an ERROR row — never a hung or crashed batch."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
import pytest

from workbench.batch.distributed import run_on_cluster
from workbench.batch.distributed.plan import plan_case
from workbench.batch.distributed.store import stored
from workbench.batch.distributed.tarball import unpack
from workbench.batch.paths import NOTEBOOKS_DIR, OVERVIEW_NOTEBOOK
from workbench.batch.runner import BatchOptions, run_batch
from workbench.batch.verify import verify_bundle
from workbench.demo import build_case, load_demo_case
from workbench.errors import EvidenceError, WorkbenchError

pytestmark = pytest.mark.slow

ONLY = ["AUTH-01", "COM-01"]  # a firmware check and a capture check, each with its notebook
RUN_LIMIT = 420  # seconds: a run that takes longer has hung


def options(out: Path, **more: Any) -> BatchOptions:
    return BatchOptions(**{"case_dir": Path("."), "out_dir": out, "only": ONLY, "progress": False, "jobs": 2,
                           **more})


def finished(call: Any) -> Any:
    """call() in a thread, its value; a failure if it does not end in RUN_LIMIT seconds (hung)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # reported below, in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(RUN_LIMIT)
    assert not thread.is_alive(), f"the cluster run did not end within {RUN_LIMIT} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def comparable(bundle: Path) -> dict[str, Any]:
    """results.json without what differs between two runs: times, durations, the bundle's name."""
    data = json.loads((bundle / "results.json").read_text())
    for key in ("bundle", "started_at", "finished_at"):
        data.pop(key)
    for row in data["checks"]:
        row.pop("seconds")
    return data


def outcomes(bundle: Path) -> dict[str, Any]:
    return {p.name: json.loads(p.read_text()) for p in sorted((bundle / "outcomes").glob("*.json"))}


def rows(bundle: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in json.loads((bundle / "results.json").read_text())["checks"]}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cases")
    built = {name: Path(build_case(load_demo_case(name), root).path) for name in ("defective", "clean")}
    broken = Path(build_case(load_demo_case("defective"), tmp_path_factory.mktemp("broken")).path)
    for pcap in (broken / "artefacts").glob("*.pcap"):
        pcap.unlink()  # recorded in artefacts.yaml, gone from the folder
    return built | {"broken": broken}


@pytest.fixture(scope="module")
def local(cases: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("local")
    return {name: run_batch(replace(options(out), case_dir=cases[name])).bundle_dir
            for name in ("defective", "clean")}


@pytest.fixture(scope="module")
def cluster_run(
    cases: dict[str, Path], local: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> list:
    out = tmp_path_factory.mktemp("cluster")
    shutil.rmtree(cases["clean"] / "cache")  # analysed afresh on the cluster (defective's cache is shipped)
    (cases["clean"] / "cache").mkdir()
    dirs = [cases["defective"], cases["broken"], cases["clean"]]
    return finished(lambda: run_on_cluster(dirs, options(out), "local:2"))


def test_cluster_results_equal_the_local_run_and_the_bundles_verify(cluster_run, local, cases):
    by_case = {o.case_dir: o for o in cluster_run}
    for name in ("defective", "clean"):
        outcome = by_case[cases[name]]
        assert outcome.error is None and outcome.result is not None, outcome.error
        bundle = outcome.result.bundle_dir
        assert comparable(bundle) == comparable(local[name])
        assert outcomes(bundle) == outcomes(local[name])
        assert sorted(p.name for p in (bundle / "notebooks").iterdir()) == sorted(
            p.name for p in (local[name] / "notebooks").iterdir())
        assert verify_bundle(bundle).ok and verify_bundle(outcome.result.zip_path).ok
    assert rows(by_case[cases["defective"]].result.bundle_dir)["AUTH-01"]["verdict"] == "FAIL"


def test_a_case_whose_artefact_is_missing_fails_alone(cluster_run, cases):
    by_case = {o.case_dir: o for o in cluster_run}
    broken = by_case[cases["broken"]]
    assert broken.result is None and "missing" in (broken.error or "") and ".pcap" in broken.error
    assert [o.case_dir for o in cluster_run] == [cases["defective"], cases["broken"], cases["clean"]]
    assert all(by_case[cases[n]].result is not None for n in ("defective", "clean"))


def test_the_analysis_caches_came_back_into_the_cases(cluster_run, cases):
    """The clean case's cache, emptied before the cluster run, holds the analyses the workers made."""
    for name in ("defective", "clean"):
        case_cache = cases[name] / "cache"
        folders = {p.name.split("-")[0] for p in case_cache.glob("*/*-*") if p.is_dir()}
        assert folders == {"capture", "firmware"}, sorted(case_cache.rglob("*"))[:5]


def test_cases_sharing_an_artefact_share_its_analysis(cases, tmp_path):
    twin = Path(build_case(load_demo_case("defective"), tmp_path).path)
    plans = [plan_case(replace(options(tmp_path / "out"), case_dir=d)) for d in (cases["defective"], twin)]
    try:
        assert plans[0].analyses == plans[1].analyses and len(plans[0].analyses) == 2
    finally:
        for plan in plans:
            shutil.rmtree(plan.work, ignore_errors=True)


KILL_CELL = '''
import os, pathlib, signal
import psutil
_marker = pathlib.Path({marker!r})
if {always!r} or not _marker.exists():
    _marker.write_text("killed")
    _worker = next(p for p in psutil.Process().parents() if p.ppid() == {test_pid!r})
    os.kill(_worker.pid, signal.SIGKILL)
'''


def killing_notebooks(folder: Path, kills: dict[str, tuple[Path, bool]]) -> Path:
    """A copy of the notebooks whose named ones first kill their Dask worker process (the test's
    LocalCluster starts workers as its children): once (a marker file remembers) or always."""
    folder.mkdir()
    for name in [*ONLY, OVERVIEW_NOTEBOOK]:
        shutil.copyfile(NOTEBOOKS_DIR / f"{name}.ipynb", folder / f"{name}.ipynb")
    for rid, (marker, always) in kills.items():
        nb = nbformat.read(str(folder / f"{rid}.ipynb"), as_version=4)
        code = KILL_CELL.format(marker=str(marker), always=always, test_pid=os.getpid())
        nb.cells.insert(0, nbformat.v4.new_code_cell(code))
        nbformat.write(nb, str(folder / f"{rid}.ipynb"))
    return folder


def killed_run(tmp_path: Path, cases: dict[str, Path], only: list[str], kills: dict[str, Path],
               always: bool) -> Any:
    notebooks = killing_notebooks(tmp_path / "notebooks", {rid: (m, always) for rid, m in kills.items()})
    opts = options(tmp_path / "out", notebooks_dir=notebooks, only=only)
    [outcome] = finished(lambda: run_on_cluster([cases["defective"]], opts, "local:2"))
    assert outcome.error is None, outcome.error
    assert all(marker.read_text() == "killed" for marker in kills.values())  # the kill did happen
    assert verify_bundle(outcome.result.bundle_dir).ok
    return rows(outcome.result.bundle_dir)


def same_row(got: dict[str, Any], want: dict[str, Any]) -> bool:
    def timeless(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k != "seconds"}

    return timeless(got) == timeless(want)


def test_a_notebook_whose_worker_is_killed_runs_again_elsewhere(cases, local, tmp_path):
    """AUTH-01's notebook kills its worker on the first attempt: it runs again, its row as locally."""
    got = killed_run(tmp_path, cases, ["AUTH-01"], {"AUTH-01": tmp_path / "killed"}, always=False)
    assert same_row(got["AUTH-01"], rows(local["defective"])["AUTH-01"])


def test_a_notebook_that_kills_every_worker_it_runs_on_is_an_error_row(cases, local, tmp_path):
    """COM-01's notebook kills its worker on every attempt: ERROR, saying so; AUTH-01 as locally."""
    got = killed_run(tmp_path, cases, ONLY, {"COM-01": tmp_path / "killed"}, always=True)
    assert got["COM-01"]["verdict"] == "ERROR" and "worker process died" in got["COM-01"]["error"]
    assert same_row(got["AUTH-01"], rows(local["defective"])["AUTH-01"])


def test_an_address_that_is_neither_local_nor_tcp_is_refused(cases, tmp_path):
    with pytest.raises(WorkbenchError, match="local:N or tcp://HOST:PORT"):
        run_on_cluster([cases["clean"]], options(tmp_path), "http://127.0.0.1:8786")


def test_the_content_store_refuses_bytes_that_do_not_match_their_hash(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_WORKER_DIR", str(tmp_path))
    from workbench.batch.distributed import store

    store.worker_root.cache_clear()
    try:
        with pytest.raises(EvidenceError, match="do not have the SHA-256"):
            stored("0" * 64, b"not the content of that hash")
        good = stored(store.sha256_of(b"evidence"), b"evidence")
        assert good.read_bytes() == b"evidence" and good.parent == tmp_path / "store"
    finally:
        store.worker_root.cache_clear()


def test_unpacking_leaves_out_members_that_escape(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind, link in (("ok.txt", tarfile.REGTYPE, ""), ("../evil.txt", tarfile.REGTYPE, ""),
                                 ("out", tarfile.SYMTYPE, "/etc/passwd"), ("in", tarfile.SYMTYPE, "ok.txt")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            archive.addfile(info, io.BytesIO(b""))
    refused = unpack(buffer.getvalue(), tmp_path / "dest")
    assert sorted(refused) == ["../evil.txt", "out"]
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["in", "ok.txt"]
    assert not (tmp_path / "evil.txt").exists()


def test_the_local_cluster_listens_on_127_0_0_1_only_and_serves_no_dashboard():
    import psutil

    from workbench.batch.distributed.cluster import cluster_client

    def listening() -> set[Any]:
        me = psutil.Process()
        return {(p.pid, c.laddr) for p in [me, *me.children(recursive=True)]
                for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}

    before = listening()
    with cluster_client("local:1") as client:
        assert len(client.nthreads()) == 1
        opened = listening() - before
    assert opened and all(address.ip == "127.0.0.1" for _, address in opened), opened
    assert 8787 not in {address.port for _, address in opened}
