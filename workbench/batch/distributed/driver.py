"""`run_on_cluster`: the batch of many cases as Dask tasks, driven from the client.

Order of work per case, each step submitted as soon as what it needs is in: the artefacts'
analyses (one per distinct content and analysis, across all cases, bytes sent once per
SHA-256), then the judging (shares of the requirements, as the local pool deals them), then one
task per requirement notebook, then the case overview, then the seal, on the client. A task whose
worker dies runs once more elsewhere (the scheduler's allowed failures; `retries=1` for a task
that raises); one that still fails is its requirement's ERROR row, or, for an analysis, its case's error,
as locally. A case that cannot run is its own outcome's error; the others go on.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from workbench.batch.distributed import finish, tasks
from workbench.batch.distributed.cluster import cluster_client
from workbench.batch.distributed.dispatch import Dispatcher, Job
from workbench.batch.distributed.plan import AnalysisKey, CasePlan, plan_case
from workbench.batch.distributed.shipping import Shipped, ship
from workbench.batch.judge import failed_share, shares
from workbench.batch.pool import WORKER_DIED, judging_failed
from workbench.batch.runner import BatchOptions
from workbench.errors import WorkbenchError
from workbench.i18n import _, tr, use_language


def run_on_cluster(case_dirs: Sequence[str | Path], opts_template: BatchOptions, address: str) -> list[Any]:
    """One workbench.batch.cases.CaseOutcome per distinct case, in the order given."""
    from workbench.batch.cases import CaseOutcome, case_options
    from workbench.batch.cases import plan_case as check_case

    outcomes = {d: CaseOutcome(d) for d in dict.fromkeys(Path(c) for c in case_dirs)}
    runnable = [d for d in outcomes if _guarded(outcomes[d], lambda d=d: check_case(d, opts_template))]
    if not runnable:
        return list(outcomes.values())
    plans: dict[Path, CasePlan] = {}
    try:
        with cluster_client(address) as client:
            for d in runnable:
                opts = case_options(opts_template, d)
                _guarded(outcomes[d], lambda d=d, opts=opts: plans.__setitem__(d, plan_case(opts)))
            try:
                if plans:
                    ClusterRun(client, plans, outcomes, opts_template.progress).run()
            except Exception as exc:  # the cluster failed under us: the cases not sealed yet say so
                for d in plans:
                    if outcomes[d].result is None and outcomes[d].error is None:
                        outcomes[d].error = f"the cluster run failed: {type(exc).__name__}: {exc}"
    finally:
        for plan in plans.values():
            shutil.rmtree(plan.work, ignore_errors=True)
    for outcome in outcomes.values():
        if outcome.result is None and outcome.error is None:
            outcome.error = "the cluster run ended before this case was sealed"
    return list(outcomes.values())


def _guarded(outcome: Any, step: Callable[[], Any]) -> bool:
    """Run one case's step; False (and the outcome's error) if it failed."""
    try:
        step()
    except WorkbenchError as exc:
        outcome.error = str(exc)
    except Exception as exc:  # a crafted case must not stop the others: its row says what broke
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome.error is None


class ClusterRun:
    def __init__(self, client: Any, plans: dict[Path, CasePlan], outcomes: dict[Path, Any], progress: bool):
        self.client, self.plans, self.outcomes, self.progress = client, plans, outcomes, progress
        self.jobs = max(1, sum(client.nthreads().values()))
        self.dispatch = Dispatcher(client)
        self.left: dict[str, int] = {}  # per case: analyses, shares or pages still out
        self.bar: Any = None

    def run(self) -> None:
        from tqdm import tqdm

        plans = [p for d, p in self.plans.items() if self.outcomes[d].error is None]
        with tqdm(total=sum(len(p.tasks) for p in plans), unit="nb", file=sys.stderr,
                  disable=not self.progress, dynamic_ncols=True) as self.bar:
            self.shipped: Shipped = ship(self.client, plans)
            self._analyse(plans)
            for job, future in self.dispatch.done():
                if job.owner is None:
                    job.handler(future)
                elif not self._failed(job.owner):
                    self._step(job.owner, lambda h=job.handler, f=future: h(f))

    # --- bookkeeping --------------------------------------------------------------------------------
    def _submit(self, plan: CasePlan, handler: Callable[[Any], None], fn: Callable[..., Any], *args: Any,
                name: str) -> None:
        self.dispatch.submit(Job(handler, fn, args, name, plan))

    def _step(self, plan: CasePlan, step: Callable[[], Any]) -> None:
        """One step of a case, its texts (errors, warnings, pages) in the case's run's language."""
        with use_language(plan.language):
            ok = _guarded(self.outcomes[plan.opts.case_dir], step)
        if not ok:
            self.bar.update(len(plan.tasks) - len(plan.runs))

    def _failed(self, plan: CasePlan) -> bool:
        return self.outcomes[plan.opts.case_dir].error is not None

    def _fail(self, plan: CasePlan, error: str) -> None:
        self.outcomes[plan.opts.case_dir].error = error
        self.bar.update(len(plan.tasks) - len(plan.runs))

    def _common(self, plan: CasePlan) -> tuple[Any, dict[str, Any], list[Any], dict[str, Any]]:
        """A case's package, artefact bytes, analysis outputs and shipped folders, as futures."""
        blobs = {sha: self.shipped.blobs[sha] for sha in plan.paths}
        caches = [self.shipped.analyses[k] for k in plan.analyses if k in self.shipped.analyses]
        return self.shipped.packages[plan.key], blobs, caches, self.shipped.trees

    # --- the steps ----------------------------------------------------------------------------------
    def _analyse(self, plans: list[CasePlan]) -> None:
        groups: dict[AnalysisKey, list[tuple[CasePlan, str]]] = {}
        for plan in plans:
            for key, name in plan.analyses.items():
                groups.setdefault(key, []).append((plan, name))
            self.left[plan.key] = len(plan.analyses)
        for key, members in groups.items():
            first, name = members[0]
            sha = key[0]
            needed = {sha, *(first.package.artefacts[a.name] for a in first.case.artefacts(kind="vuln-feed"))}
            blobs = {s: self.shipped.blobs[s] for s in needed if s in self.shipped.blobs}
            args = (self.shipped.packages[first.key], name, sha, blobs, self.shipped.cached.get(sha),
                    first.language)
            handler = partial(self._analysed, key, members)
            self.dispatch.submit(Job(handler, tasks.analyse, args, f"analyse-{name}"))
        for plan in plans:
            if not plan.analyses:
                self._step(plan, lambda plan=plan: self._judge(plan, [r.id for r in plan.requirements]))

    def _analysed(self, key: AnalysisKey, members: list[tuple[CasePlan, str]], future: Any) -> None:
        try:
            output = future.result()
        except Exception as exc:  # the worker died twice, or the cluster failed: the cases fail, as locally
            for plan, _name in members:
                if not self._failed(plan):
                    why = f"{type(exc).__name__}: {exc}"
                    with use_language(plan.language):
                        self._fail(plan, tr("a worker process died while analysing the evidence: {error}",
                                            error=why))
            return
        self.shipped.analyses[key] = future
        first_name = members[0][1]
        for plan, name in members:
            if self._failed(plan):
                continue
            if output.problem:
                plan.warnings.append(output.problem.replace(first_name, name, 1))
            if output.cache is not None:
                self._step(plan, lambda plan=plan: finish.keep_cache(plan, key[0], output.cache))
            self.left[plan.key] -= 1
            if self.left[plan.key] == 0 and not self._failed(plan):
                self._step(plan, lambda plan=plan: self._judge(plan, [r.id for r in plan.requirements]))

    def _judge(self, plan: CasePlan, ids: list[str], alone: bool = False) -> None:
        package, blobs, caches, trees = self._common(plan)
        dealt = [[rid] for rid in ids] if alone else shares(ids, self.jobs)
        self.left[plan.key] += len(dealt)
        for share in dealt:
            self._submit(plan, lambda f, share=share: self._judged(plan, share, alone, f), tasks.judge,
                         package, blobs, caches, trees, share, plan.language, name=f"judge-{plan.name}")
        if not dealt:
            self._pages(plan)

    def _judged(self, plan: CasePlan, share: list[str], alone: bool, future: Any) -> None:
        self.left[plan.key] -= 1
        try:
            plan.states.update(future.result())
        except Exception as exc:  # judged again one by one; one that fails alone is its ERROR row
            if not alone:
                self._judge(plan, share, alone=True)
            else:
                error = _(WORKER_DIED) if _worker_died(exc) else judging_failed(exc)
                by_id = {r.id: r for r in plan.requirements}
                plan.states.update(failed_share(plan.case, [by_id[r] for r in share], plan.work, error))
        if self.left[plan.key] == 0:
            self._pages(plan)

    def _pages(self, plan: CasePlan) -> None:
        package, blobs, caches, trees = self._common(plan)
        pages = finish.requirement_pages(plan)
        self.left[plan.key] = len(pages)
        for task in pages:
            given = finish.outcome_file(plan, task.requirement_id or "")
            self._submit(plan, lambda f, task=task: self._paged(plan, task, f), tasks.notebook, package,
                         blobs, caches, trees, task, given, self.shipped.folders,
                         name=f"notebook-{plan.name}-{task.key}")
        if not pages:
            self._overview(plan)

    def _paged(self, plan: CasePlan, task: Any, future: Any) -> None:
        self._keep(plan, task, future)
        self.left[plan.key] -= 1
        if self.left[plan.key] == 0:
            self._overview(plan)

    def _keep(self, plan: CasePlan, task: Any, future: Any) -> None:
        try:
            output, error = future.result(), None
        except Exception as exc:  # the worker died twice, or the task failed twice: the page says so
            died = _worker_died(exc)
            output, error = None, f"worker process died: {exc}" if died else f"{type(exc).__name__}: {exc}"
        run = finish.keep_page(plan, task, output, error)
        self.bar.set_postfix_str(f"case {plan.name}: {len(plan.runs)}/{len(plan.tasks)} {task.key} "
                                 f"{'ERROR' if run.error else 'ok'}", refresh=False)
        self.bar.update()

    def _overview(self, plan: CasePlan) -> None:
        given = finish.states_file(plan)
        overview = [t for t in plan.tasks if not t.requirement_id]
        if not overview:
            self._seal(plan)
            return
        package, blobs, caches, trees = self._common(plan)
        self._submit(plan, lambda f: self._overviewed(plan, overview[0], f), tasks.notebook, package, blobs,
                     caches, trees, overview[0], given, self.shipped.folders, name=f"overview-{plan.name}")

    def _overviewed(self, plan: CasePlan, task: Any, future: Any) -> None:
        self._keep(plan, task, future)
        self._seal(plan)

    def _seal(self, plan: CasePlan) -> None:
        self.outcomes[plan.opts.case_dir].result = finish.seal(plan, self.jobs)


def _worker_died(exc: BaseException | None) -> bool:
    from distributed import KilledWorker

    return isinstance(exc, KilledWorker)
