"""The client's side of a case after each cluster step: the analysis caches into the case, the
outcome files, the pages into the bundle, the rows, and the seal, with runner's and seal's own
functions so that the bundle is the one `run_batch` would write."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

from workbench.batch.distributed.plan import CasePlan
from workbench.batch.distributed.tarball import unpack
from workbench.batch.distributed.tasks import PageOutput
from workbench.batch.execute import NotebookRun, NotebookTask, render_page
from workbench.batch.judge import outcome_path, states_path
from workbench.batch.runner import BatchResult, _keep_outcomes, _row, _stale_why, seal_case
from workbench.judgement import write_outcome, write_states


def keep_cache(plan: CasePlan, sha256: str, cache: bytes) -> None:
    """An analysis's cache folder into the case's cache/<sha256>/ (the workbench's own derived data),
    each result folder put in place by a rename."""
    incoming = plan.case.cache_dir / f".incoming-{uuid.uuid4().hex}"
    try:
        unpack(cache, incoming)
        arrived = incoming / sha256
        target = plan.case.cache_dir / sha256
        target.mkdir(parents=True, exist_ok=True)
        for entry in arrived.iterdir() if arrived.is_dir() else ():
            place = target / entry.name
            if place.exists():
                old = target / f".old-{uuid.uuid4().hex}"
                os.replace(place, old)
                shutil.rmtree(old, ignore_errors=True)
            os.replace(entry, place)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def outcome_file(plan: CasePlan, requirement_id: str) -> bytes:
    """The outcome file of one judged requirement (written in the case's work folder, as locally)."""
    return write_outcome(outcome_path(plan.work, requirement_id), plan.states[requirement_id]).read_bytes()


def requirement_pages(plan: CasePlan) -> list[NotebookTask]:
    """The requirement notebooks' tasks, each with the verdict its page shows."""
    pages = []
    for task in plan.tasks:
        if task.requirement_id:
            state = plan.states[task.requirement_id]
            pages.append(replace(task, verdict=state.verdict, stale_reasons=_stale_why(state)))
    return pages


def keep_page(
    plan: CasePlan, task: NotebookTask, output: PageOutput | None, error: str | None
) -> NotebookRun:
    """A page that came back into the bundle; one that did not is rendered here, saying why."""
    run = output.run if output is not None else NotebookRun(task.key, task.requirement_id, error=error)
    if output is not None and output.ipynb is not None:
        task.out_ipynb.write_bytes(output.ipynb)
    if output is not None and output.html is not None:
        task.out_html.write_bytes(output.html)
    else:
        render_page(task, run, None)
    plan.runs[task.key] = run
    return run


def states_file(plan: CasePlan) -> bytes:
    """The rows, from the judged states and the notebooks' runs, written for the case overview."""
    plan.rows = [_row(plan.states[r.id], plan.runs.get(r.id), plan.notebooks_dir) for r in plan.requirements]
    selected = [r.id for r in plan.requirements] if plan.opts.only else None
    path = states_path(plan.work)
    write_states(path, plan.level, selected, (row.to_json() for row in plan.rows))
    return Path(path).read_bytes()


def seal(plan: CasePlan, jobs: int) -> BatchResult:
    """run_batch's last steps: outcomes kept, pages that never came written, the seal and the zip."""
    _keep_outcomes(plan.work, plan.requirements, plan.bundle_dir)
    for task in plan.tasks:
        if not task.out_html.exists():
            missing = NotebookRun(task.key, task.requirement_id, error="the notebook did not run")
            render_page(task, plan.runs.setdefault(task.key, missing), None)
    return seal_case(plan.chosen, plan.bundle_dir, plan.tasks, plan.runs, plan.rows, plan.warnings,
                     started=plan.started, jobs=jobs, opts=plan.opts)
