"""Warm kernels (workbench.batch.warm): each notebook in a fresh kernel forked from a worker's zygote.

Everything runs in a real batch worker process (a forked ProcessPoolExecutor worker set up by the
batch's own initializer, which starts the zygote), through papermill's `workbench` engine and
the batch's run_notebook / WorkerPool.run_notebooks. A notebook proves it ran in a forked kernel
by seeing pandas imported before any cell imported it (an ordinary kernel has not).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import pytest

from workbench.batch.execute import NotebookRun, NotebookTask, init_worker, run_notebook
from workbench.batch.pool import WorkerPool

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not os.path.isdir("/proc"), reason="Linux only")

FORKED_PROBE = 'import os, sys\nprint(json.dumps({"forked": "pandas" in sys.modules, "pid": os.getpid()}))'
LEAK = (
    "import pandas, workbench.ui\n"
    "leaked_global = 42\n"
    "pandas.options.display.max_rows = 3\n"
    "workbench.ui.LEAKED_ATTRIBUTE = 'set by the first notebook'"
)
NO_LEAK = (
    "import pandas, workbench.ui\n"
    "assert 'leaked_global' not in globals(), 'a global leaked from the previous notebook'\n"
    "assert pandas.options.display.max_rows == 60, pandas.options.display.max_rows\n"
    "assert not hasattr(workbench.ui, 'LEAKED_ATTRIBUTE'), 'a module attribute leaked'\n"
    "print('clean')"
)
KILL_OWN_ZYGOTE = (  # a forked kernel has its zygote's command line: skip this kernel itself
    "import os, signal\n"
    "worker = os.getppid()\n"
    "with open(f'/proc/{worker}/task/{worker}/children') as listing:\n"
    "    children = [int(pid) for pid in listing.read().split() if int(pid) != os.getpid()]\n"
    "for pid in children:\n"
    "    with open(f'/proc/{pid}/cmdline', 'rb') as cmdline:\n"
    "        if b'workbench.batch.warm.zygote' in cmdline.read():\n"
    "            os.kill(pid, signal.SIGKILL)\n"
    "print('zygote killed')"
)


def make_notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('label = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import json\n" + FORKED_PROBE)]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, str(path))
    return path


def task_for(source: Path, out: Path, **parameters: Any) -> NotebookTask:
    cwd = out / f"{source.stem}-cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    return NotebookTask(
        key=source.stem, requirement_id=None, source=source, out_ipynb=out / f"{source.stem}.ipynb",
        out_html=out / f"{source.stem}.html", parameters={"label": source.stem, **parameters}, cwd=cwd,
        timeout=120,
    )


def probe(out_ipynb: Path) -> dict[str, Any]:
    """What the notebook's probe cell printed: whether pandas was there already, and the kernel pid."""
    nb = nbformat.read(str(out_ipynb), as_version=4)
    return json.loads("".join(nb.cells[2].outputs[0]["text"]))


def worker_children() -> list[tuple[int, str, str]]:
    """(pid, state, command) of every child of this process (run in the worker)."""
    me = os.getpid()
    tasks = os.listdir(f"/proc/{me}/task")
    pids = [pid for task in tasks for pid in _read(f"/proc/{me}/task/{task}/children").split()]
    return [
        (int(pid), _read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[0], _read(f"/proc/{pid}/cmdline"))
        for pid in pids
    ]


def _read(path: str) -> str:
    with open(path, "rb") as file:
        return file.read().replace(b"\0", b" ").decode()


def zygote_state() -> dict[str, Any]:
    from workbench.batch.warm import active_zygote

    zygote = active_zygote()
    assert zygote is not None
    pid = zygote._process.pid if zygote._process else None
    return {"restarts": zygote.restarts, "reason": zygote.reason, "pid": pid}


def kill_zygote() -> int:
    from workbench.batch.warm import active_zygote

    zygote = active_zygote()
    assert zygote is not None and zygote._process is not None
    pid = zygote._process.pid
    os.kill(pid, signal.SIGKILL)
    return pid


def execute_plain(source: str, out: str, cwd: str, parameters: dict[str, Any]) -> None:
    """The same notebook in an ordinary kernel: papermill's default engine, a kernel subprocess."""
    import papermill

    from workbench.batch.kernel import IpcKernelManager

    papermill.execute_notebook(
        source, out, parameters=parameters, kernel_name="python3", progress_bar=False, cwd=cwd,
        kernel_manager_class=IpcKernelManager,
    )


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    """One batch worker process, set up as the batch sets up its workers (zygote included)."""
    log = tmp_path_factory.mktemp("warm-log") / "kernels.log"
    context = multiprocessing.get_context("fork")
    setup = {"initializer": init_worker, "initargs": (str(log), None)}
    with ProcessPoolExecutor(1, mp_context=context, **setup) as pool:
        yield pool


def test_a_forked_kernel_gives_the_outputs_of_an_ordinary_one(worker, tmp_path):
    """A shipped requirement notebook (plots, tables, the check's outcome) on a demo case built here."""
    from workbench import analysis
    from workbench.batch.paths import NOTEBOOKS_DIR
    from workbench.demo import build_case, load_demo_case

    case = build_case(load_demo_case("defective"), tmp_path / "cases")
    analysis.prepare(case)
    source = NOTEBOOKS_DIR / "COM-01.ipynb"
    params = {"case_dir": str(case.path), "requirement_id": "COM-01", "interactive": False}
    task = task_for(source, tmp_path / "warm", **params)
    run: NotebookRun = worker.submit(run_notebook, task).result()
    assert run.error is None and run.kernel_fallback is None
    plain = tmp_path / "plain.ipynb"
    execute_plain(str(source), str(plain), str(task.cwd), params)

    warm_nb = nbformat.read(str(task.out_ipynb), as_version=4)
    plain_nb = nbformat.read(str(plain), as_version=4)
    assert [c.source for c in warm_nb.cells] == [c.source for c in plain_nb.cells]
    warm_outputs = [c.get("outputs") for c in warm_nb.cells]
    assert warm_outputs == [c.get("outputs") for c in plain_nb.cells]
    kinds = {key for outputs in warm_outputs for o in outputs or () for key in o.get("data", {})}
    assert {"image/png", "text/html", "application/vnd.workbench.check+json"} <= kinds
    assert task.out_html.read_text().count("<img") >= 1


def test_no_state_passes_from_one_notebook_to_the_next(worker, tmp_path):
    first = task_for(make_notebook(tmp_path / "first.ipynb", LEAK), tmp_path / "out")
    second = task_for(make_notebook(tmp_path / "second.ipynb", NO_LEAK), tmp_path / "out")
    runs = [worker.submit(run_notebook, task).result() for task in (first, second)]
    assert [run.error for run in runs] == [None, None]
    probes = [probe(task.out_ipynb) for task in (first, second)]
    assert all(p["forked"] for p in probes), probes  # both in kernels forked from the zygote
    assert probes[0]["pid"] != probes[1]["pid"]
    assert "clean" in "".join(nbformat.read(str(second.out_ipynb), as_version=4).cells[3].outputs[0]["text"])


def test_a_kernel_that_dies_is_that_notebooks_error_and_the_next_runs(worker, tmp_path):
    crash = task_for(make_notebook(tmp_path / "crash.ipynb", "import os\nos._exit(3)"), tmp_path / "out")
    after = task_for(make_notebook(tmp_path / "after.ipynb", "print('still here')"), tmp_path / "out")
    crashed = worker.submit(run_notebook, crash).result()
    assert crashed.error and "DeadKernelError" in crashed.error
    assert crash.out_html.is_file() and crash.out_ipynb.is_file()  # its partial notebook and its page
    following = worker.submit(run_notebook, after).result()
    assert following.error is None and probe(after.out_ipynb)["forked"]
    assert [c for c in worker.submit(worker_children).result() if "zygote" not in c[2]] == []


def test_a_killed_zygote_is_started_again(worker, tmp_path):
    before = worker.submit(zygote_state).result()
    killed = worker.submit(kill_zygote).result()
    later = make_notebook(tmp_path / "later.ipynb", "print('after the zygote died')")
    task = task_for(later, tmp_path / "out")
    run = worker.submit(run_notebook, task).result()
    after = worker.submit(zygote_state).result()
    assert run.error is None and run.kernel_fallback is None and probe(task.out_ipynb)["forked"]
    assert after["restarts"] == before["restarts"] + 1 and after["pid"] not in (None, killed)
    children = worker.submit(worker_children).result()
    assert [(pid, state) for pid, state, cmd in children] == [(after["pid"], "S")], children  # reaped


def test_a_batch_whose_zygote_is_killed_midway_completes_without_leftovers(tmp_path):
    """The pool of a batch: the second notebook kills its worker's zygote; the rest still run forked;
    then no kernel, zygote or zombie is left."""
    sources = [
        make_notebook(tmp_path / "one.ipynb", "print(1)"),
        make_notebook(tmp_path / "two.ipynb", KILL_OWN_ZYGOTE),
        make_notebook(tmp_path / "three.ipynb", "print(3)"),
        make_notebook(tmp_path / "four.ipynb", "print(4)"),
    ]
    tasks = [task_for(source, tmp_path / "out") for source in sources]
    warnings: list[str] = []
    pool = WorkerPool(1, tmp_path / "kernels.log", False, None, None, tmp_path, warnings)
    with pool:
        runs = pool.run_notebooks(tasks)
        zygote = pool._submit(zygote_state).result()
        leftovers = pool._submit(worker_children).result()
    assert {key: run.error for key, run in runs.items()} == dict.fromkeys(runs)
    assert all(probe(task.out_ipynb)["forked"] for task in tasks)
    assert zygote["restarts"] == 1 and warnings == []
    assert [(pid, state) for pid, state, _ in leftovers] == [(zygote["pid"], "S")]
    pids = [probe(task.out_ipynb)["pid"] for task in tasks] + [zygote["pid"]]
    assert [pid for pid in pids if _alive(pid)] == []  # the pool is gone, and with it every kernel


def _alive(pid: int) -> bool:
    """Whether the process exists, in any state (a zombie is a leftover too)."""
    return os.path.exists(f"/proc/{pid}")


def test_without_a_zygote_the_engine_starts_ordinary_kernels(tmp_path):
    """This test process started no zygote: the `workbench` engine still runs the notebook, in an
    ordinary kernel (pandas not preloaded), and run_notebook says why, for the batch's warning."""
    from workbench.batch.warm import active_zygote

    assert active_zygote() is None
    task = task_for(make_notebook(tmp_path / "plain.ipynb", "print('ordinary')"), tmp_path / "out")
    run = run_notebook(task)
    assert run.error is None and run.kernel_fallback == "no kernel zygote in this process"
    assert probe(task.out_ipynb)["forked"] is False
