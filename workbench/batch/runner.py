"""`workbench run`: every applicable notebook of a case, executed in parallel, sealed as a bundle.

Order of work: open the case and the catalogue; start the worker pool (each worker imports
papermill and nbconvert once); analyse every artefact once, in the pool, so that checks and
notebooks only read the cache; run and judge every selected requirement's check once, in the
pool (workbench.batch.judge), writing each outcome for its notebook; execute the requirement
notebooks (one fresh kernel each), each showing the outcome it was given; build the rows from the
judged states (ERROR where a notebook failed) and write them for the case overview, which runs
last and shows them; write index.html, results.json, a copy of the case's records, then
manifest.json and its seals, then the zip. A worker that dies costs only what it was doing
(workbench.batch.pool).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.batch.execute import NotebookRun, NotebookTask, render_page
from workbench.batch.judge import outcome_path, states_path
from workbench.batch.paths import NOTEBOOKS_DIR, OVERVIEW_NOTEBOOK, TEMPLATES_DIR
from workbench.batch.pool import WorkerPool
from workbench.batch.seal import seal_bundle
from workbench.batch.summary import CheckRow
from workbench.errors import WorkbenchError
from workbench.i18n import DEFAULT_LANGUAGE, N_, _, check_language, language, tr, use_language
from workbench.judgement import ERROR, RequirementState, evidence_to_add, level_results, write_states
from workbench.sealed.names import OUTCOMES_DIR

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
    with_artefacts: bool = False  # archive the case's artefacts in the bundle (artefacts/<name>)
    sign: Any = None  # a workbench.signing.SigningKey: sign the manifest (signature.json)
    language: str | None = None  # the bundle's language (en, ja); None: the case's (`case.yaml` language)


@dataclass
class BatchResult:
    bundle_dir: Path
    zip_path: Path
    rows: list[CheckRow]
    levels: dict[int, dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    overview_error: str | None = None
    language: str = DEFAULT_LANGUAGE  # what the bundle's texts are in

    @property
    def index(self) -> Path:
        return self.bundle_dir / "index.html"

    @property
    def errors(self) -> list[CheckRow]:
        return [r for r in self.rows if r.verdict == ERROR]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class CaseSelection:
    """What a case's batch inspects: its catalogue, level, requirements and the notebooks present."""

    case: Any
    catalog_source: str | None
    catalog: Any
    level: int
    requirements: list[Any]
    notebooks_dir: Path
    overview: Path
    present: list[Any]  # the requirements whose notebook exists
    language: str = DEFAULT_LANGUAGE  # the run's: checks' texts, notebooks, pages
    sources: dict[str, Path] = field(default_factory=dict)  # page key -> the notebook run (its language's)
    untranslated: list[str] = field(default_factory=list)  # page keys whose language has no notebook

    @property
    def pages(self) -> int:
        return len(self.present) + self.overview.is_file()

    def fallback_warning(self) -> str | None:
        """Which pages ran the English notebook because their language has none (None: every one had)."""
        if not self.untranslated:
            return None
        folder = self.notebooks_dir / self.language
        return tr("no Japanese notebook in {folder} for {keys}: the English notebook ran instead",
                  folder=folder, keys=", ".join(self.untranslated))


def select_case(opts: BatchOptions) -> CaseSelection:
    """A batch's first step, on one machine or a cluster's client: a WorkbenchError when it cannot run."""
    from workbench.case import Case, source_to_load
    from workbench.catalog import load_catalog

    case = Case.open(opts.case_dir)
    lang = check_language(opts.language or case.info.language)
    catalog_source = _catalog_source(opts.catalog)
    catalog = load_catalog(source_to_load(case.info, catalog_source))
    level = int(opts.level or case.info.level)
    if not 1 <= level <= 3:
        raise WorkbenchError(f"--level must be 1, 2 or 3, not {level}", path=str(opts.case_dir))
    requirements = _select(catalog, level, opts.only)
    notebooks_dir = Path(opts.notebooks_dir).resolve()
    keys = [OVERVIEW_NOTEBOOK, *(r.id for r in requirements)]
    sources, untranslated = notebook_sources(notebooks_dir, keys, lang)
    overview = sources.get(OVERVIEW_NOTEBOOK, notebooks_dir / f"{OVERVIEW_NOTEBOOK}.ipynb")
    present = [r for r in requirements if r.id in sources]
    if not present and not overview.is_file():
        raise WorkbenchError("no notebooks for the selected requirements", path=str(notebooks_dir))
    return CaseSelection(case, catalog_source, catalog, level, requirements, notebooks_dir, overview, present,
                         lang, sources, untranslated)


def notebook_sources(notebooks_dir: Path, keys: list[str], lang: str) -> tuple[dict[str, Path], list[str]]:
    """The notebook of each page key in `lang` (`<dir>/<ID>.ipynb` in English, `<dir>/ja/<ID>.ipynb` in
    Japanese); the English one where the language has none (those keys listed second)."""
    sources: dict[str, Path] = {}
    untranslated: list[str] = []
    for key in keys:
        own = notebooks_dir / (f"{key}.ipynb" if lang == DEFAULT_LANGUAGE else f"{lang}/{key}.ipynb")
        english = notebooks_dir / f"{key}.ipynb"
        if own.is_file():
            sources[key] = own
        elif english.is_file():
            sources[key] = english
            untranslated.append(key)
    return sources, untranslated


def seal_case(
    chosen: CaseSelection, bundle_dir: Path, tasks: list[NotebookTask], runs: dict[str, NotebookRun],
    rows: list[CheckRow], warnings: list[str], *, started: datetime, jobs: int, opts: BatchOptions,
) -> BatchResult:
    """A batch's last step, on one machine or a cluster's client: the result, the seal and the zip."""
    overview_run = runs.get(OVERVIEW_NOTEBOOK)
    if overview_run is None:
        warnings.append(tr("no case overview notebook ({name}) in {folder}", name=chosen.overview.name,
                           folder=chosen.notebooks_dir))
    fallback = chosen.fallback_warning()
    if fallback:
        warnings.append(fallback)
    levels = level_results(rows, chosen.level)
    overview_error = overview_run.error if overview_run else None
    result = BatchResult(bundle_dir, zip_beside(bundle_dir), rows, levels, warnings, overview_error,
                         chosen.language)
    seal_bundle(
        result, case=chosen.case, catalog=chosen.catalog, level=chosen.level, started=started, jobs=jobs,
        opts=opts, notebooks=[t.source for t in tasks], evidence_needed=evidence_to_add(rows),
        overview_page=f"notebooks/{OVERVIEW_NOTEBOOK}.html" if overview_run else None,
    )
    return result


def run_batch(opts: BatchOptions, *, pool: WorkerPool | None = None) -> BatchResult:
    """`pool`: a pool already started that runs many cases one after another (workbench.batch.cases);
    this case is bound to it, it stays open, and the kernels' log it wrote meanwhile goes in the bundle.
    Every text the batch produces (checks' reasons, pages, warnings) is in the run's language."""
    started = utc_now()
    chosen = select_case(opts)
    with use_language(chosen.language):
        return _run_selected(chosen, opts, started, pool)


def _run_selected(chosen: CaseSelection, opts: BatchOptions, started: datetime, pool: WorkerPool | None
                  ) -> BatchResult:
    case, catalog_source = chosen.case, chosen.catalog_source
    requirements, notebooks_dir = chosen.requirements, chosen.notebooks_dir

    bundle_dir = _new_bundle_dir(Path(opts.out_dir), case.path.name, started)
    (bundle_dir / "notebooks").mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="wb-batch-"))
    jobs = max(1, int(opts.jobs or os.cpu_count() or 1))
    log_path, log_start = work / "kernels.log", 0
    warnings: list[str] = []
    try:
        tasks = _tasks(chosen, bundle_dir, work, opts)
        workers = min(jobs, max(1, len(tasks), len(requirements)))
        templates = str(Path(opts.templates_dir))
        shared = pool is not None
        if pool is None:
            pool = WorkerPool(workers, log_path, opts.progress, case, catalog_source, work, warnings,
                              templates, chosen.language)
        else:  # bound to this case; it stays open for the next
            log_path, log_start = pool.log_path, _size(pool.log_path)
            pool.bind(case, catalog_source, work, warnings, chosen.language, opts.progress)
        with contextlib.nullcontext(pool) if shared else pool:
            rows, runs = _judge_and_run(pool, tasks, requirements, chosen.level, opts, notebooks_dir)
        _keep_outcomes(work, requirements, bundle_dir)
        for task in tasks:  # a crashed worker may leave a page unwritten: write a page that says so
            if not task.out_html.exists():
                render_page(task, runs[task.key], None)
    finally:
        _keep_log(log_path, log_start, bundle_dir)
        shutil.rmtree(work, ignore_errors=True)

    return seal_case(chosen, bundle_dir, tasks, runs, rows, warnings, started=started, jobs=jobs, opts=opts)


def _judge_and_run(
    pool: WorkerPool, tasks: list[NotebookTask], requirements: list[Any], level: int, opts: BatchOptions,
    notebooks_dir: Path,
) -> tuple[list[CheckRow], dict[str, NotebookRun]]:
    """Analyse, judge, run the requirement notebooks, build the rows; then write the rows for the
    case overview and run it last, so that it shows the rows as results.json has them."""
    pool.analyse()
    states = pool.judge(requirements)
    judged = [(t, states[t.requirement_id]) for t in tasks if t.requirement_id]
    pages = [replace(t, verdict=state.verdict, stale_reasons=_stale_why(state)) for t, state in judged]
    runs = pool.run_notebooks(pages)
    rows = [_row(states[req.id], runs.get(req.id), notebooks_dir) for req in requirements]
    selected = [req.id for req in requirements] if opts.only else None
    write_states(states_path(pool.work), level, selected, (row.to_json() for row in rows))
    runs.update(pool.run_notebooks([t for t in tasks if not t.requirement_id], desc="overview"))
    return rows, runs


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _keep_log(log_path: Path, start: int, bundle_dir: Path) -> None:
    """logs/kernels.log: what the kernels wrote to stderr from byte `start` (a shared pool's log
    holds the cases before), when they wrote anything."""
    if _size(log_path) <= start:
        return
    (bundle_dir / "logs").mkdir(exist_ok=True)
    with log_path.open("rb") as source, (bundle_dir / "logs" / "kernels.log").open("wb") as target:
        source.seek(start)
        shutil.copyfileobj(source, target)


def _keep_outcomes(work: Path, requirements: list[Any], bundle_dir: Path) -> None:
    """outcomes/<ID>.json: each requirement's judged outcome (check result and final verdict), kept
    in the bundle for the formats that list findings and for `workbench reproduce`."""
    target = bundle_dir / OUTCOMES_DIR
    target.mkdir(exist_ok=True)
    for req in requirements:
        source = outcome_path(work, req.id)
        if source.is_file():
            shutil.copyfile(source, target / f"{req.id}.json")


def _catalog_source(catalog: str | None) -> str | None:
    """An existing path becomes absolute (notebooks run elsewhere); an edition name stays."""
    if catalog and Path(catalog).exists():
        return str(Path(catalog).resolve())
    return catalog


def _select(catalog: Any, level: int, only: list[str] | None) -> list[Any]:
    if not only:
        return list(catalog.for_level(level))
    # each id once, in the order given; an unknown id is a WorkbenchError naming it
    return [catalog.get(rid) for rid in dict.fromkeys(only)]


def zip_beside(bundle_dir: Path) -> Path:
    """<bundle>.zip beside the folder (not with_suffix: a case named C100-2.1.0 has a dot in it)."""
    return bundle_dir.with_name(bundle_dir.name + ".zip")


def _new_bundle_dir(out_dir: Path, case_name: str, started: datetime) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{case_name}-{started.strftime('%Y%m%dT%H%M%SZ')}"
    candidate, n = out_dir / stem, 1
    while candidate.exists() or zip_beside(candidate).exists():
        n += 1
        candidate = out_dir / f"{stem}-{n}"
    return candidate


def _tasks(chosen: CaseSelection, bundle_dir: Path, work: Path, opts: BatchOptions) -> list[NotebookTask]:
    """The overview's task, then one per requirement with a notebook (its outcome file to show); the
    notebooks of the run's language, which each is given as its `language` parameter."""
    case, lang = chosen.case, chosen.language
    params = {"case_dir": str(case.path.resolve()), "catalog": chosen.catalog_source or "",
              "interactive": False, "language": lang}
    overview_params = {**params, "states_path": str(states_path(work))}
    facts = (
        (_("device"), tr("{vendor} {model} ({device})", vendor=case.info.vendor, model=case.info.model,
                         device=case.info.device)),
        (_("firmware version"), str(case.info.firmware_version)),
        (_("catalogue edition"), str(chosen.catalog.edition)),
        (_("bundle"), bundle_dir.name),
    )
    tasks: list[NotebookTask] = []
    if chosen.overview.is_file():
        heading = tr("Case overview — {vendor} {model}", vendor=case.info.vendor, model=case.info.model)
        tasks.append(_task(OVERVIEW_NOTEBOOK, None, chosen.overview, bundle_dir, work, overview_params, opts,
                           heading, facts, lang))
    for req in chosen.present:
        own = {**params, "outcome_path": str(outcome_path(work, req.id))}
        heading = f"{req.id} — {requirement_title(req, lang)}"
        tasks.append(_task(req.id, req.id, chosen.sources[req.id], bundle_dir, work, own, opts, heading,
                           facts + ((_("level"), "★" * req.level),), lang))
    return tasks


FALLBACK_TITLE = N_("{title} {mark}")  # a requirement whose text the run's language lacks: its mark after it


def requirement_title(req: Any, lang: str) -> str:
    """The requirement's title in `lang` (workbench.catalog: `text(lang)`), marked when only the
    catalogue's main language has it."""
    text_in = getattr(req, "text", None)
    if not callable(text_in):  # a catalogue of one language, as before issue 11
        return str(req.title)
    text = text_in(lang)
    if not getattr(text, "fallback", False):
        return str(text.title)
    return tr(FALLBACK_TITLE, title=text.title, mark=text.mark)  # "(Japanese only)" for a Japanese one


def _task(
    key: str, rid: str | None, source: Path, bundle_dir: Path, work: Path, params: dict[str, Any],
    opts: BatchOptions, heading: str, facts: tuple[tuple[str, str], ...], language: str,
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
        language=language,
    )


def _stale_why(state: RequirementState) -> tuple[str, ...]:
    """Why the state's verdict is stale (empty when it is not), a reason even when none was named."""
    if not state.stale:
        return ()
    return tuple(state.stale_reasons) or (_("the evidence or the requirement changed since it was recorded"),)


def _row(state: RequirementState, run: NotebookRun | None, notebooks_dir: Path) -> CheckRow:
    """The batch's row: the judgement's state, ERROR when the notebook that shows it failed."""
    req, result, recorded = state.requirement, state.result, state.recorded
    row = CheckRow(
        id=state.id, title=requirement_title(req, language()), level=state.level, automation=state.automation,
        verdict=state.verdict, verdict_source=state.source, stale=state.stale, proposed=state.proposed,
        findings=len(result.findings) if result is not None else 0, reasons=state.reasons,
        missing_evidence=state.missing_evidence, error=state.error, stale_reasons=list(_stale_why(state)),
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
        name = req.id + ".ipynb"
        notebook_error: str | None = tr("no notebook {name} in {folder}", name=name, folder=notebooks_dir)
    else:
        row.seconds, row.warnings = round(run.seconds, 2), list(run.warnings)
        notebook_error = run.error
    if notebook_error:
        row.verdict, row.verdict_source, row.stale = ERROR, "error", False
        row.stale_reasons = []
        row.error = state.error or notebook_error
        if recorded is not None:
            on_record = tr("inspector verdict on record: {verdict}", verdict=recorded.verdict)
            row.reasons = [on_record, *row.reasons]
    return row
