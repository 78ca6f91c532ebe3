"""`workbench run`: every applicable notebook of a case, executed in parallel, sealed as a bundle.

Order of work: open the case and the catalogue; start the worker pool (each worker imports
papermill and nbconvert once); analyse every artefact once, in the pool, so that checks and
notebooks only read the cache; run and judge every selected requirement's check once, in the
pool (workbench.batch.judge), writing each outcome for its notebook; execute the notebooks (one
fresh kernel each), each showing the outcome it was given; build the rows from the judged states
(ERROR where a notebook failed); write index.html, results.json, a copy of the case's records,
then manifest.json and its seals, then the zip.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.batch.execute import (
    NotebookRun,
    NotebookTask,
    analyse_artefact,
    init_worker,
    render_page,
    run_notebook,
    warm_imports,
)
from workbench.batch.judge import failed_share, judge_share, outcome_path, shares
from workbench.batch.paths import NOTEBOOKS_DIR, OVERVIEW_NOTEBOOK, TEMPLATES_DIR
from workbench.batch.seal import seal_bundle
from workbench.batch.summary import CheckRow
from workbench.errors import EvidenceError, WorkbenchError
from workbench.judgement import ERROR, RequirementState, evidence_to_add, level_results

DEFAULT_TIMEOUT = 600  # seconds per cell


@dataclass
class BatchOptions:
    case_dir: Path
    out_dir: Path
    level: int | None = None
    jobs: int | None = None
    with_code: bool = False
    only: list[str] | None = None
    catalog: str | None = None
    notebooks_dir: Path = NOTEBOOKS_DIR
    templates_dir: Path = TEMPLATES_DIR
    timeout: int | None = DEFAULT_TIMEOUT
    progress: bool = True
    command: str = ""


@dataclass
class BatchResult:
    bundle_dir: Path
    zip_path: Path
    rows: list[CheckRow]
    levels: dict[int, dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    overview_error: str | None = None

    @property
    def index(self) -> Path:
        return self.bundle_dir / "index.html"

    @property
    def errors(self) -> list[CheckRow]:
        return [r for r in self.rows if r.verdict == ERROR]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def run_batch(opts: BatchOptions) -> BatchResult:
    from workbench.case import Case, source_to_load
    from workbench.catalog import load_catalog

    started = utc_now()
    case = Case.open(opts.case_dir)
    catalog_source = _catalog_source(opts.catalog)
    catalog = load_catalog(source_to_load(case.info, catalog_source))
    level = int(opts.level or case.info.level)
    if not 1 <= level <= 3:
        raise WorkbenchError(f"--level must be 1, 2 or 3, not {level}")
    requirements = _select(catalog, level, opts.only)
    notebooks_dir = Path(opts.notebooks_dir).resolve()
    overview = notebooks_dir / f"{OVERVIEW_NOTEBOOK}.ipynb"
    present = [r for r in requirements if (notebooks_dir / f"{r.id}.ipynb").is_file()]
    if not present and not overview.is_file():
        raise WorkbenchError("no notebooks for the selected requirements", path=str(notebooks_dir))

    bundle_dir = _new_bundle_dir(Path(opts.out_dir), case.path.name, started)
    (bundle_dir / "notebooks").mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="wb-batch-"))
    jobs = max(1, int(opts.jobs or os.cpu_count() or 1))
    tasks = _tasks(case, catalog, catalog_source, present, overview, bundle_dir, work, opts)
    log_path = work / "kernels.log"
    warnings: list[str] = []
    try:
        pool = _Pool(jobs, log_path, opts.progress, case, catalog_source, work, warnings)
        states, runs = pool.execute(tasks, requirements)
    finally:
        if log_path.exists() and log_path.stat().st_size:
            (bundle_dir / "logs").mkdir(exist_ok=True)
            shutil.copyfile(log_path, bundle_dir / "logs" / "kernels.log")
        shutil.rmtree(work, ignore_errors=True)

    rows = [_row(states[req.id], runs.get(req.id), notebooks_dir) for req in requirements]
    overview_run = runs.get(OVERVIEW_NOTEBOOK)
    if overview_run is None:
        warnings.append(f"no case overview notebook ({overview.name}) in {notebooks_dir}")
    levels = level_results(rows, level)
    overview_error = overview_run.error if overview_run else None
    result = BatchResult(bundle_dir, bundle_dir.with_suffix(".zip"), rows, levels, warnings, overview_error)
    seal_bundle(
        result, case=case, catalog=catalog, level=level, started=started, jobs=jobs, opts=opts,
        notebooks=[t.source for t in tasks], evidence_needed=evidence_to_add(rows),
        overview_page=f"notebooks/{OVERVIEW_NOTEBOOK}.html" if overview_run else None,
    )
    return result


def _catalog_source(catalog: str | None) -> str | None:
    """An existing path becomes absolute (notebooks run elsewhere); an edition name stays."""
    if catalog and Path(catalog).exists():
        return str(Path(catalog).resolve())
    return catalog


def _select(catalog: Any, level: int, only: list[str] | None) -> list[Any]:
    if not only:
        return list(catalog.for_level(level))
    wanted = []
    for rid in only:
        wanted.append(catalog.get(rid))  # an unknown id is a WorkbenchError naming it
    return wanted


def _new_bundle_dir(out_dir: Path, case_name: str, started: datetime) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{case_name}-{started.strftime('%Y%m%dT%H%M%SZ')}"
    candidate, n = out_dir / stem, 1
    while candidate.exists() or candidate.with_suffix(".zip").exists():
        n += 1
        candidate = out_dir / f"{stem}-{n}"
    return candidate


def _tasks(
    case: Any, catalog: Any, catalog_source: str | None, present: list[Any], overview: Path,
    bundle_dir: Path, work: Path, opts: BatchOptions,
) -> list[NotebookTask]:
    """The overview's task, then one per requirement with a notebook (its outcome file to show)."""
    params = {"case_dir": str(case.path.resolve()), "catalog": catalog_source or "", "interactive": False}
    facts = (
        ("device", f"{case.info.vendor} {case.info.model} ({case.info.device})"),
        ("firmware version", str(case.info.firmware_version)),
        ("catalogue edition", str(catalog.edition)),
        ("bundle", bundle_dir.name),
    )
    tasks: list[NotebookTask] = []
    if overview.is_file():
        tasks.append(_task(OVERVIEW_NOTEBOOK, None, overview, bundle_dir, work, params, opts,
                           f"Case overview — {case.info.vendor} {case.info.model}", facts))
    for req in present:
        own = {**params, "outcome_path": str(outcome_path(work, req.id))}
        tasks.append(_task(req.id, req.id, overview.parent / f"{req.id}.ipynb", bundle_dir, work, own,
                           opts, f"{req.id} — {req.title}", facts + (("level", "★" * req.level),)))
    return tasks


def _task(
    key: str, rid: str | None, source: Path, bundle_dir: Path, work: Path, params: dict[str, Any],
    opts: BatchOptions, heading: str, facts: tuple[tuple[str, str], ...],
) -> NotebookTask:
    cwd = work / key
    cwd.mkdir()
    return NotebookTask(
        key=key,
        requirement_id=rid,
        source=source,
        out_ipynb=bundle_dir / "notebooks" / f"{key}.ipynb",
        out_html=bundle_dir / "notebooks" / f"{key}.html",
        parameters={**params, "requirement_id": rid or ""},
        cwd=cwd,
        with_code=opts.with_code,
        timeout=opts.timeout,
        heading=heading,
        facts=facts,
        templates_dir=Path(opts.templates_dir),
    )


def _pool_context() -> Any:
    """fork on Linux: workers start at once, before any thread of ours exists, and no main module
    is re-imported (forkserver and spawn would re-run a calling script); spawn elsewhere."""
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


@dataclass
class _Pool:
    """The worker pool of one batch: analyse every artefact, judge every requirement, run the notebooks."""

    jobs: int
    log_path: Path
    progress: bool
    case: Any
    catalog_source: str | None
    work: Path
    warnings: list[str]

    def execute(
        self, tasks: list[NotebookTask], requirements: list[Any]
    ) -> tuple[dict[str, RequirementState], dict[str, NotebookRun]]:
        context = _pool_context()
        templates = str(tasks[0].templates_dir) if tasks else None
        if context.get_start_method() == "fork":
            warm_imports(templates)  # once here, inherited by every worker
        workers = min(self.jobs, max(1, len(tasks), len(requirements)))
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=init_worker,
            initargs=(str(self.log_path), templates),
        ) as pool:
            self._analyse(pool)
            states = self._judge(pool, requirements)
            tasks = [replace(t, verdict=states[t.requirement_id].verdict) if t.requirement_id else t
                     for t in tasks]
            runs = self._run_notebooks(pool, tasks)
        for task in tasks:  # a crashed worker may leave a page unwritten: write a page that says so
            if not task.out_html.exists():
                render_page(task, runs[task.key], None)
        return states, runs

    def _analyse(self, pool: ProcessPoolExecutor) -> None:
        """Every capture and firmware image analysed once, in parallel, before anything reads the cache."""
        analysed = [
            pool.submit(analyse_artefact, str(self.case.path), a.name)
            for a in self.case.artefacts()
            if a.kind in ("capture", "firmware")
        ]
        for future in analysed:
            try:
                problem = future.result()
            except BrokenProcessPool as exc:
                raise EvidenceError(f"a worker process died while analysing the evidence: {exc}") from None
            if problem:
                self.warnings.append(problem)

    def _judge(self, pool: ProcessPoolExecutor, requirements: list[Any]) -> dict[str, RequirementState]:
        """Each requirement's check run and judged once; its outcome written for its notebook."""
        by_id = {r.id: r for r in requirements}
        futures = {
            pool.submit(judge_share, str(self.case.path), self.catalog_source, share, str(self.work)): share
            for share in shares(list(by_id), self.jobs)
        }
        states: dict[str, RequirementState] = {}
        for future, share in futures.items():
            try:
                states.update(future.result())
            except Exception as exc:  # a share that fails whole (a dead worker) is ERROR, not the batch's end
                error = f"judging failed: {type(exc).__name__}: {exc}"
                states.update(failed_share(self.case, [by_id[r] for r in share], self.work, error))
        return states

    def _run_notebooks(self, pool: ProcessPoolExecutor, tasks: list[NotebookTask]) -> dict[str, NotebookRun]:
        from tqdm import tqdm

        runs: dict[str, NotebookRun] = {}
        futures: dict[Future[NotebookRun], NotebookTask] = {pool.submit(run_notebook, t): t for t in tasks}
        with tqdm(total=len(tasks), desc="notebooks", unit="nb", file=sys.stderr, disable=not self.progress,
                  dynamic_ncols=True) as bar:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    run = future.result()
                except BrokenProcessPool as exc:
                    run = NotebookRun(task.key, task.requirement_id, error=f"worker process died: {exc}")
                except Exception as exc:  # a bug in the worker must not sink the batch
                    run = NotebookRun(task.key, task.requirement_id, error=f"{type(exc).__name__}: {exc}")
                runs[task.key] = run
                bar.set_postfix_str(f"{task.key} {'ERROR' if run.error else 'ok'}", refresh=False)
                bar.update()
        return runs


def _row(state: RequirementState, run: NotebookRun | None, notebooks_dir: Path) -> CheckRow:
    """The batch's row: the judgement's state, ERROR when the notebook that shows it failed."""
    req, result, recorded = state.requirement, state.result, state.recorded
    row = CheckRow(
        id=state.id, title=req.title, level=state.level, automation=state.automation,
        verdict=state.verdict, verdict_source=state.source, stale=state.stale, proposed=state.proposed,
        findings=len(result.findings) if result is not None else 0, reasons=state.reasons,
        missing_evidence=state.missing_evidence, error=state.error,
        mappings={k: list(v) for k, v in req.mappings.model_dump().items()},
        page=f"notebooks/{req.id}.html", notebook=f"notebooks/{req.id}.ipynb",
    )
    if recorded is not None:
        row.inspector = {
            "inspector": recorded.inspector,
            "recorded_at": recorded.recorded_at.isoformat(timespec="seconds"),
            "verdict": str(recorded.verdict),
            "rationale": recorded.rationale,
        }
    if run is None:
        row.page = row.notebook = ""
        notebook_error: str | None = f"no notebook {req.id}.ipynb in {notebooks_dir}"
    else:
        row.seconds, row.warnings = round(run.seconds, 2), list(run.warnings)
        notebook_error = run.error
    if notebook_error:
        row.verdict, row.verdict_source, row.stale = ERROR, "error", False
        row.error = state.error or notebook_error
        if recorded is not None:
            row.reasons = [f"inspector verdict on record: {recorded.verdict}", *row.reasons]
    return row
