"""The commands bench_capture.py times, each as a whole process (start, imports, output, exit).

Each command runs under GNU time (`/usr/bin/time -f "%U %S %M"`): CPU time and peak RSS are the
rusage of the command's process, which covers every descendant it waited for (tshark under
tshark_flows.py), peak RSS being the largest of them. Not wait4 from this process: a child
forked from a large parent reports the parent's resident size as its own peak (Linux records the
pre-exec memory in ru_maxrss), and this process holds the flow tables it compares. Wall time is
measured here from launch to exit. The 1-minute load average is read before and after each run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import flow_digest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
WORKBENCH = str(BIN / "workbench")
PAPERMILL = str(BIN / "papermill")
TIME = "/usr/bin/time"  # GNU time (Debian: package `time`)
NOTEBOOK = "COM-01"  # credentials in clear: reads the capture's credentials table


@dataclass
class Run:
    command: str
    wall: float
    cpu: float
    rss_mb: float
    load: tuple[float, float]  # 1-minute load average before, after
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        out = asdict(self)
        out.update(wall=round(self.wall, 2), cpu=round(self.cpu, 2), rss_mb=round(self.rss_mb))
        out["load"] = [round(x, 2) for x in self.load]
        return out


def timed(
    command: list[str], *, stdout: Path | None = None, env: dict | None = None, cwd: Path | None = None
) -> Run:
    """Run `command` to its end (stdout into `stdout` if given); its wall, CPU and peak RSS."""
    before = os.getloadavg()[0]
    sink = open(stdout, "wb") if stdout else open(os.devnull, "wb")  # noqa: SIM115
    with sink, tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as usage:
        start = time.perf_counter()
        done = subprocess.run(
            [TIME, "-f", "%U %S %M", "-o", usage.name, *command],
            stdout=sink,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
        )
        wall = time.perf_counter() - start
        if done.returncode:
            errors.seek(0)
            tail = errors.read()[-3000:].decode(errors="replace")
            raise SystemExit(f"exit {done.returncode}: {' '.join(command)}\n{tail}")
        user, system, rss_kb = usage.read().split()[-3:]
    shown = " ".join(command) + (f" > {stdout}" if stdout else "")
    return Run(shown, wall, float(user) + float(system), int(rss_kb) / 1024, (before, os.getloadavg()[0]))


def tshark_side(capture: Path, work: Path) -> Run:
    """tshark -T fields | pandas flow table -> Parquet; the flows' digest and tshark alone."""
    table, usage = work / f"{capture.name}.tshark-flows.parquet", work / "tshark-usage.json"
    command = [sys.executable, str(HERE / "tshark_flows.py"), str(capture), str(table)]
    run = timed([*command, "--usage", str(usage)])
    alone = json.loads(usage.read_text())
    run.extra = {
        "flows": flow_digest.from_tshark(table),
        "tshark_alone": {"cpu": round(alone["cpu"], 2), "rss_mb": round(alone["rss_kb"] / 1024)},
    }
    table.unlink()
    return run


def python_only() -> dict:
    """The environment in which the engine runs as Python, its compiled copies ignored."""
    return dict(os.environ, WORKBENCH_PURE_PYTHON="1")


def engine_build() -> dict[str, bool]:
    """Which of the engine's modules a command runs compiled (workbench/native.py)."""
    code = (
        "import json, workbench.capture.analyse; from workbench import native; "
        "print(json.dumps(native.status()))"
    )
    return json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )


def _command(tree: Path | None, env: dict | None) -> tuple[list[str], dict | None, Path | None]:
    """The `workbench` command, of this checkout or of an earlier source tree (`git archive`)."""
    if tree is None:
        return [WORKBENCH], env, None
    env = dict(env or os.environ, PYTHONPATH=str(tree))
    return [sys.executable, "-m", "workbench"], env, tree  # `-m` puts the cwd first on sys.path


def workbench_out(
    capture: Path, work: Path, *, digest: bool = True, env: dict | None = None, tree: Path | None = None
) -> Run:
    """`workbench capture analyse FILE --out DIR`: the flows' digest from DIR/flows.parquet."""
    folder = work / f"{capture.name}.out"
    workbench, env, cwd = _command(tree, env)
    run = timed([*workbench, "capture", "analyse", str(capture), "--out", str(folder)], env=env, cwd=cwd)
    meta = json.loads((folder / "meta.json").read_text())
    rows = {name: facts["rows"] for name, facts in meta["tables"].items()}
    size = sum(f.stat().st_size for f in folder.iterdir())
    run.extra = {"rows": rows, "folder_mb": round(size / 1e6, 1), "warnings": _warnings(folder)}
    if digest:
        run.extra["flows"] = flow_digest.from_result_folder(folder)
    _remove(folder)
    return run


def workbench_jsonl(
    capture: Path, work: Path, *, digest: bool = True, env: dict | None = None, tree: Path | None = None
) -> Run:
    """`workbench capture analyse FILE --json > FILE.jsonl`: the flows' digest from the lines."""
    lines = work / f"{capture.name}.jsonl"
    workbench, env, cwd = _command(tree, env)
    run = timed([*workbench, "capture", "analyse", str(capture), "--json"], stdout=lines, env=env, cwd=cwd)
    run.extra = {"jsonl_mb": round(lines.stat().st_size / 1e6, 1)}
    if digest:
        run.extra["flows"], run.extra["rows"] = flow_digest.from_jsonl(lines)
    else:
        run.extra["rows"] = flow_digest.count_jsonl(lines)
    lines.unlink()
    return run


def workbench_previous(capture: Path, work: Path, *, tree: Path, digest: bool = True) -> Run:
    """The previous engine's `--json` (one nested document), from a source tree made by
    `git archive <commit> workbench | tar -x -C TREE`, for a before/after in the same run."""
    document = work / f"{capture.name}.previous.json"
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, "-m", "workbench", "capture", "analyse", str(capture), "--json"]
    run = timed(command, stdout=document, env=env, cwd=tree)  # `-m` puts the cwd first on sys.path
    run.command = f"PYTHONPATH={tree} {run.command}"
    run.extra = {"json_mb": round(document.stat().st_size / 1e6, 1)}
    if digest:
        run.extra["flows"] = flow_digest.from_document(document)
        run.extra["rows"] = {"flows": run.extra["flows"][0]}
    document.unlink()
    return run


def analysis_step(capture: Path, work: Path, *, tree: Path | None = None) -> dict:
    """The batch's analysis step on a case holding `capture`: analyse + cache, then one notebook
    reading the cached tables (papermill, as the batch parameterises it). With `tree`, the same
    with the workbench and notebooks of that tree (the previous engine, its JSON cache)."""
    env = dict(os.environ, PYTHONPATH=str(tree)) if tree else None
    workbench = [sys.executable, "-m", "workbench"] if tree else [WORKBENCH]
    notebooks = (tree or REPO) / "notebooks"
    case = work / "case"
    _remove(case)
    for command in (
        ["case", "new", str(case), "--device", "IP camera", "--vendor", "Bench", "--model", "B-1"]
        + ["--firmware-version", "1.0", "--level", "3"],
        ["case", "add", str(case), str(capture), "--kind", "capture", "--by", "bench"],
    ):
        subprocess.run([*workbench, *command], check=True, capture_output=True, env=env, cwd=tree)
    prepare = (
        "import sys; from workbench.case import Case; from workbench.analysis import prepare; "
        "prepare(Case.open(sys.argv[1]))"
    )
    cold = timed([sys.executable, "-c", prepare, str(case)], env=env, cwd=tree)
    cache = _tree(case / "cache")
    warm = timed([sys.executable, "-c", prepare, str(case)], env=env, cwd=tree)
    executed = work / f"{NOTEBOOK}.ipynb"
    notebook = timed(
        [PAPERMILL, str(notebooks / f"{NOTEBOOK}.ipynb"), str(executed), "--no-progress-bar"]
        + ["-p", "case_dir", str(case), "-p", "requirement_id", NOTEBOOK, "-p", "interactive", "False"],
        env=env,
        cwd=tree,
    )
    notebook.extra = {
        "cache_untouched": _tree(case / "cache") == cache,
        "credentials": _credentials_shown(executed),
    }
    result = {
        "prepare": cold.row(),
        "prepare_cached": warm.row(),
        "notebook": notebook.row(),
        "cache_mb": round(sum(size for size, _ in cache.values()) / 1e6, 1),
        "cache_files": len(cache),
    }
    _remove(case)
    return result


def _warnings(folder: Path) -> dict[str, int]:
    """The engine's warnings table: kind -> count (a limit reached would show here)."""
    import pandas as pd

    path = folder / "warnings.parquet"
    if not path.exists():
        return {}
    table = pd.read_parquet(path, columns=["kind", "count"])
    return dict(zip(table["kind"], table["count"].astype(int).tolist(), strict=True))


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder`: (size, mtime in ns), to tell whether a run rewrote the cache."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _credentials_shown(executed: Path) -> str:
    """What the executed notebook says of the credentials table ("764 row(s)."): it read the cache."""
    for cell in json.loads(executed.read_text())["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/html", []) + data.get("text/plain", []))
            if "Credentials seen in clear" in text:
                found = re.search(r"([\d,]+ row\(s\)|No credentials[^<]*)", text)
                return found.group(1) if found else text[:200]
    return "(no credentials table in the notebook)"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
