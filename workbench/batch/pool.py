"""The worker pool of one batch: analyse every artefact, judge every requirement, run the notebooks.

A worker process that dies (killed, out of memory, a crash in native code) breaks a
ProcessPoolExecutor for good. What is still to do then runs in a fresh pool (`_submit`), and the
requirements whose judging was cut short are judged again one at a time, so that only the
requirement whose check kills its worker is ERROR ("the worker process died").
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from workbench.batch.execute import (
    NotebookRun,
    NotebookTask,
    analyse_artefact,
    init_worker,
    run_notebook,
    warm_imports,
)
from workbench.batch.judge import failed_share, judge_share, shares
from workbench.errors import EvidenceError
from workbench.i18n import DEFAULT_LANGUAGE, N_, _, tr
from workbench.judgement import RequirementState

KERNEL_FALLBACK = N_(
    "notebooks ran in ordinary kernels, not forked warm ones (slower, same results): {why}"
)
WORKER_DIED = N_(
    "the worker process died while judging it (killed, out of memory, or a crash in native code)"
)


def pool_context() -> Any:
    """fork on Linux: workers start at once, before any thread of ours exists, and no main module
    is re-imported (forkserver and spawn would re-run a calling script); spawn elsewhere."""
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


@dataclass
class WorkerPool:
    workers: int
    log_path: Path
    progress: bool
    case: Any
    catalog_source: str | None
    work: Path
    warnings: list[str]
    templates: str | None = None
    language: str = DEFAULT_LANGUAGE  # the bound case's run: what its workers write in
    _executor: ProcessPoolExecutor | None = field(default=None, repr=False)
    _fell_back: bool = field(default=False, repr=False)  # the kernel fallback warned (once per batch)

    def bind(self, case: Any, catalog_source: str | None, work: Path, warnings: list[str], language: str,
             progress: bool) -> None:
        """A pool of many cases (workbench.batch.cases) bound to the next one; it stays open."""
        self.case, self.catalog_source, self.work, self.warnings = case, catalog_source, work, warnings
        self.language, self.progress, self._fell_back = language, progress, False

    def __enter__(self) -> WorkerPool:
        if pool_context().get_start_method() == "fork":
            warm_imports(self.templates)  # once here, inherited by every worker
        self._executor = self._start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=pool_context(), initializer=init_worker,
            initargs=(str(self.log_path), self.templates),
        )

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        assert self._executor is not None, "use the pool in a with-block"
        try:
            return self._executor.submit(fn, *args)
        except BrokenProcessPool:  # a worker died earlier: the rest of the batch runs in a fresh pool
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            return self._executor.submit(fn, *args)

    def analyse(self) -> None:
        """Every capture and firmware image analysed once, in parallel, before anything reads the cache."""
        analysed = [
            self._submit(analyse_artefact, str(self.case.path), a.name, self.language)
            for a in self.case.artefacts()
            if a.kind in ("capture", "firmware")
        ]
        for future in analysed:
            try:
                problem = future.result()
            except BrokenProcessPool as exc:
                raise EvidenceError(tr("a worker process died while analysing the evidence: {error}",
                                       error=exc)) from None
            if problem:
                self.warnings.append(problem)

    def judge(self, requirements: list[Any]) -> dict[str, RequirementState]:
        """Each requirement's check run and judged once; its outcome written for its notebook."""
        by_id = {r.id: r for r in requirements}
        futures = {self._submit_judging(share): share for share in shares(list(by_id), self.workers)}
        states: dict[str, RequirementState] = {}
        cut_short: list[str] = []
        for future, share in futures.items():
            try:
                states.update(future.result())
            except BrokenProcessPool:  # a worker died: every share it took down is judged again below
                cut_short.extend(share)
            except Exception as exc:  # a share that fails whole is ERROR, not the batch's end
                error = judging_failed(exc)
                states.update(failed_share(self.case, [by_id[r] for r in share], self.work, error))
        for rid in cut_short:
            states.update(self._judge_alone(by_id[rid]))
        return {rid: states[rid] for rid in by_id}

    def _submit_judging(self, requirement_ids: list[str]) -> Future[dict[str, RequirementState]]:
        case_dir, work = str(self.case.path), str(self.work)
        return self._submit(judge_share, case_dir, self.catalog_source, requirement_ids, work, self.language)

    def _judge_alone(self, requirement: Any) -> dict[str, RequirementState]:
        """One requirement judged in a worker of its own: if that worker dies, its check killed it."""
        try:
            return self._submit_judging([requirement.id]).result()
        except BrokenProcessPool:
            error = _(WORKER_DIED)
        except Exception as exc:  # as in judge(): this requirement's ERROR, not the batch's end
            error = judging_failed(exc)
        return failed_share(self.case, [requirement], self.work, error)

    def run_notebooks(self, tasks: list[NotebookTask], desc: str = "notebooks") -> dict[str, NotebookRun]:
        """Every task's run. A worker that dies takes down every notebook in flight in the pool: those
        run again, one at a time in a fresh pool, so only a notebook that kills its worker again is ERROR."""
        from tqdm import tqdm

        runs: dict[str, NotebookRun] = {}
        cut_short: list[NotebookTask] = []
        futures: dict[Future[NotebookRun], NotebookTask] = {self._submit(run_notebook, t): t for t in tasks}
        with tqdm(total=len(tasks), desc=desc, unit="nb", file=sys.stderr, disable=not self.progress,
                  dynamic_ncols=True) as bar:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    run = future.result()
                except BrokenProcessPool:
                    cut_short.append(task)
                    continue
                except Exception as exc:  # a bug in the worker must not sink the batch
                    run = NotebookRun(task.key, task.requirement_id, error=f"{type(exc).__name__}: {exc}")
                self._done(runs, task, run, bar)
            for task in cut_short:
                self._done(runs, task, self._run_alone(task), bar)
        return {t.key: runs[t.key] for t in tasks}

    def _done(self, runs: dict[str, NotebookRun], task: NotebookTask, run: NotebookRun, bar: Any) -> None:
        runs[task.key] = run
        self._note_fallback(run)
        bar.set_postfix_str(f"{task.key} {'ERROR' if run.error else 'ok'}", refresh=False)
        bar.update()

    def _run_alone(self, task: NotebookTask) -> NotebookRun:
        """A notebook whose worker died while it ran (or while another ran): again, alone."""
        try:
            return self._submit(run_notebook, task).result()
        except BrokenProcessPool as exc:
            died = tr("worker process died: {error}", error=exc)
            return NotebookRun(task.key, task.requirement_id, error=died)
        except Exception as exc:  # as in run_notebooks: this notebook's ERROR, not the batch's end
            return NotebookRun(task.key, task.requirement_id, error=f"{type(exc).__name__}: {exc}")

    def _note_fallback(self, run: NotebookRun) -> None:
        """Once per batch: notebooks ran in ordinary kernels (same results, slower), and why."""
        if run.kernel_fallback and not self._fell_back:
            self._fell_back = True
            self.warnings.append(tr(KERNEL_FALLBACK, why=run.kernel_fallback))


def judging_failed(exc: BaseException) -> str:
    error = f"{type(exc).__name__}: {exc}"
    return tr("judging failed: {error}", error=error)
