"""Benchmark: the full ★★★ batch of the demo case against the naive way, in the same run.

    .venv/bin/python benchmarks/bench_batch.py [--case defective] [--jobs N] [--write]

Naive: every notebook the batch runs (the case overview and one per requirement), one after the
other, with papermill's CLI (`papermill in.ipynb out.ipynb -p case_dir ... -p requirement_id ...
-p interactive False`), each followed by `jupyter nbconvert --to html` so that both sides render.
Batch: `workbench run CASE --out DIR` (parallel workers, a fresh kernel per notebook forked from
each worker's warm zygote, in-process rendering, results, manifest and zip included), also with
`--jobs 1` to separate what parallelism buys from what removing per-notebook start-ups buys; and
the peak memory of its whole process tree (PSS summed over the processes, sampled every 0.2 s).
Cluster: `workbench run defective clean --out DIR --cluster local:2` (a Dask LocalCluster of two
single-thread workers on 127.0.0.1, started and stopped by the command, both demo cases at once;
its ratio is against the naive time per notebook times the notebooks of both cases).

The case's analyses are cached once before any timing, so both sides only read the cache (as
the batch would on a second run). --write puts the figures into benchmarks/README_batch.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
README = Path(__file__).with_name("README_batch.md")
BEGIN, END = "<!-- bench_batch:begin -->", "<!-- bench_batch:end -->"


def build_case(name: str, root: Path) -> Path:
    from workbench import analysis
    from workbench.demo import build_case as build
    from workbench.demo import load_demo_case

    case = build(load_demo_case(name), root)
    analysis.prepare(case)  # warm the cache once: both sides read it
    return case.path


def notebooks_for(case_dir: Path) -> list[tuple[Path, str]]:
    from workbench.batch.paths import NOTEBOOKS_DIR, OVERVIEW_NOTEBOOK
    from workbench.case import Case
    from workbench.catalog import load_catalog

    case = Case.open(case_dir)
    catalog = load_catalog(case.info.catalog_edition)
    found = [(NOTEBOOKS_DIR / f"{OVERVIEW_NOTEBOOK}.ipynb", "")]
    found += [(NOTEBOOKS_DIR / f"{r.id}.ipynb", r.id) for r in catalog.for_level(case.info.level)]
    return [(path, rid) for path, rid in found if path.is_file()]


def run_naive(case_dir: Path, out: Path) -> tuple[float, int]:
    out.mkdir(parents=True)
    failures = 0
    started = time.perf_counter()
    for source, rid in notebooks_for(case_dir):
        executed = out / source.name
        params = ["-p", "case_dir", str(case_dir), "-p", "interactive", "False"]
        if rid:
            params += ["-p", "requirement_id", rid]
        papermill = [str(BIN / "papermill"), str(source), str(executed), *params, "--no-progress-bar"]
        pm = subprocess.run(papermill, capture_output=True, text=True)
        failures += pm.returncode != 0
        nbc = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)],
                             capture_output=True, text=True)
        failures += nbc.returncode != 0
    return time.perf_counter() - started, failures


def run_batch(case_dir: Path, out: Path, jobs: int | None) -> tuple[float, float]:
    """Wall seconds of `workbench run`, and the peak memory of its whole process tree (MB)."""
    command = [str(BIN / "workbench"), "run", str(case_dir), "--out", str(out), "--no-progress"]
    if jobs:
        command += ["--jobs", str(jobs)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, tree_memory_mb(process.pid))
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"batch failed:\n{errors.read().decode(errors='replace')}")
    return elapsed, peak


def run_cluster(case_dirs: list[Path], out: Path, workers: int) -> float:
    """Wall seconds of `workbench run CASE... --cluster local:N`, a whole process like the others."""
    command = [str(BIN / "workbench"), "run", *map(str, case_dirs), "--out", str(out), "--no-progress",
               "--cluster", f"local:{workers}"]
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"cluster batch failed:\n{done.stderr}")
    return time.perf_counter() - started


def tree_memory_mb(root: int) -> float:
    """Memory of `root` and all its descendants: the sum of their proportional set sizes (PSS, so
    the pages forked kernels share with their zygote count once), from /proc (Linux)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    return sum(_pss_kb(pid) for pid in tree) / 1024


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--case", default="defective", choices=("defective", "clean"))
    parser.add_argument("--jobs", type=int, default=None, help="batch workers (default: CPUs)")
    parser.add_argument("--skip-single", action="store_true", help="skip the --jobs 1 batch")
    parser.add_argument("--skip-cluster", action="store_true", help="skip the LocalCluster run of both cases")
    parser.add_argument("--cluster-workers", type=int, default=2, help="LocalCluster workers (default: 2)")
    parser.add_argument("--write", action="store_true", help=f"write the figures into {README.name}")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        case_dir = build_case(args.case, root / "cases")
        count = len(notebooks_for(case_dir))
        load = os.getloadavg()[0]
        batch, peak = run_batch(case_dir, root / "batch", args.jobs)
        single = None if args.skip_single else run_batch(case_dir, root / "batch1", 1)[0]
        cluster_cases = [case_dir] + [build_case(n, root / "cases") for n in ("defective", "clean")
                                      if n != args.case]
        cluster_count = sum(len(notebooks_for(c)) for c in cluster_cases)
        cluster = None
        if not args.skip_cluster:
            cluster = run_cluster(cluster_cases, root / "cluster", args.cluster_workers)
        naive, failures = run_naive(case_dir, root / "naive")
    jobs = args.jobs or os.cpu_count()
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average {load:.1f} at start; demo case `{args.case}`, "
        f"{count} notebooks (★★★ + case overview), analyses cached beforehand.",
        "",
        "| run | wall time | vs naive |",
        "|---|---|---|",
        f"| naive: papermill CLI + nbconvert CLI per notebook, sequential | {naive:.1f} s | 1.0x |",
        f"| `workbench run --jobs {jobs}` | {batch:.1f} s | **{naive / batch:.1f}x faster** |",
    ]
    if single is not None:
        lines.append(f"| `workbench run --jobs 1` | {single:.1f} s | {naive / single:.1f}x faster |")
    if cluster is not None:
        scaled = naive / count * cluster_count  # the naive way's time for the notebooks of both cases
        names = " ".join(c.name for c in cluster_cases)
        lines.append(f"| `workbench run {names} --cluster local:{args.cluster_workers}` "
                     f"({len(cluster_cases)} cases, {cluster_count} notebooks) | {cluster:.1f} s | "
                     f"{scaled / cluster:.1f}x faster (vs naive {scaled:.0f} s for those notebooks) |")
    lines += ["", f"Peak memory of `workbench run --jobs {jobs}` (whole process tree, PSS): {peak:.0f} MB."]
    if failures:
        lines += ["", f"({failures} naive papermill/nbconvert call(s) exited non-zero.)"]
    report = "\n".join(lines)
    print(report)
    if args.write:
        text = README.read_text()
        block = f"{BEGIN}\n{report}\n{END}"
        README.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), block, text, flags=re.S))
    return 0


if __name__ == "__main__":
    sys.exit(main())
