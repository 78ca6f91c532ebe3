"""Execute one notebook with papermill and render it; runs inside a batch worker process.

Everything that can go wrong with a notebook (an exception in a cell, a timeout, a kernel that
dies, a notebook that cannot be read) ends here as an `error` string on the returned
NotebookRun: the page is still rendered, with the error visible, and the batch goes on. The
verdict is not read back from the notebook: the batch judged it before (workbench.batch.judge)
and handed the notebook its outcome to show.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.batch.noiri import jsonschema_without_iri_grammars
from workbench.batch.paths import TEMPLATES_DIR
from workbench.batch.render import render_html
from workbench.errors import NotebookError
from workbench.i18n import DEFAULT_LANGUAGE, _, tr, use_language
from workbench.judgement import ERROR


@dataclass(frozen=True)
class NotebookTask:
    key: str  # the page name: a requirement id, or "00-case-overview"
    requirement_id: str | None  # None for the case overview
    source: Path
    out_ipynb: Path
    out_html: Path
    parameters: dict[str, Any]
    cwd: Path
    with_code: bool = False
    timeout: int | None = None  # seconds per cell
    heading: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    templates_dir: Path = TEMPLATES_DIR
    verdict: str | None = None  # the final verdict the batch judged, for the page's header
    stale_reasons: tuple[str, ...] = ()  # why that verdict is stale (empty: it is current)
    language: str = DEFAULT_LANGUAGE  # the run's language: the page's texts and what the worker writes

    @property
    def shipped_name(self) -> str:
        """The notebook's name among those a cluster run ships (a run's notebooks of one language)."""
        return f"{self.language}/{self.source.name}"


@dataclass
class NotebookRun:
    key: str
    requirement_id: str | None
    error: str | None = None
    widgets: bool = False
    seconds: float = 0.0
    render_error: str | None = None
    warnings: list[str] = field(default_factory=list)
    kernel_fallback: str | None = None  # why its kernel started the ordinary way (no warm zygote)

    @property
    def ok(self) -> bool:
        return self.error is None


def warm_imports(templates_dir: str | None = None) -> None:
    """Import papermill and nbconvert and build the HTML exporter (~0.7 s; jsonschema's IRI grammars
    left out, `noiri`); with fork, the parent does it once and every worker inherits it. Registers the
    papermill engine `workbench` (warm kernels) for a tree whose entry points are not reinstalled."""
    jsonschema_without_iri_grammars()
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from workbench.batch.warm.engine import register

    register()

    if templates_dir:  # the exporter's first use costs ~0.4 s
        from workbench.batch.render import _exporter

        _exporter(False, templates_dir)


def init_worker(log_path: str | None = None, templates_dir: str | None = None, warm: bool = True) -> None:
    """Pool initializer: quiet loggers, kernels' stderr to a log file, heavy imports done, and the
    kernel zygote started (its imports run while this worker analyses and judges)."""
    from workbench.batch.warm.spawner import die_with_parent

    # the batch killed (even by SIGKILL): its workers go too, never left running (SIGKILL: a worker inherits
    # the CLI's SIGTERM handler, and a notebook's client may swallow the KeyboardInterrupt it raises)
    die_with_parent(signal.SIGKILL)
    logging.getLogger("papermill").setLevel(logging.ERROR)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    if log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)  # kernels inherit it: their warnings go to the log, not over the progress bar
        os.close(fd)
    warm_imports(templates_dir)
    if warm:
        from multiprocessing.util import Finalize

        from workbench.batch.warm import start_zygote, stop_zygote

        start_zygote()
        Finalize(None, stop_zygote, exitpriority=10)  # run when the worker process exits


def analyse_artefact(case_dir: str, name: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """Analyse one artefact into the case's cache (run in a worker); a failure comes back as text
    (in `language`)."""
    from workbench import analysis
    from workbench.case import Case

    with use_language(language):
        try:
            case = Case.open(case_dir)
            artefact = case.artefact(name)
            if artefact.kind == "capture":
                analysis.capture_analysis(case, artefact)
            elif artefact.kind == "firmware":
                analysis.firmware_scan(case, artefact)
        except ModuleNotFoundError as exc:
            return tr("{name}: its analysis engine is not available ({module}); not analysed", name=name,
                      module=exc.name)
        except Exception as exc:  # an engine's bug on one artefact must not stop the batch: the rows say so
            error = f"{type(exc).__name__}: {exc}"
            return tr("analysis of {name} failed: {error}", name=name, error=error)
    return None


def run_notebook(task: NotebookTask) -> NotebookRun:
    from workbench.batch.warm import active_zygote

    started = time.perf_counter()
    run = NotebookRun(key=task.key, requirement_id=task.requirement_id)
    with use_language(task.language):
        nb = _execute(task, run)
        zygote = active_zygote()
        no_zygote = _("no kernel zygote in this process")
        run.kernel_fallback = zygote.reason_text() if zygote is not None else no_zygote
        run.widgets = nb is not None and has_widgets(nb)
        render_page(task, run, nb)
    run.seconds = time.perf_counter() - started
    return run


def _execute(task: NotebookTask, run: NotebookRun) -> Any:
    jsonschema_without_iri_grammars()  # also where warm_imports did not run
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from workbench.batch.warm.engine import ENGINE_NAME, register

    register()  # idempotent: also where warm_imports did not run (a process of another pool)
    try:
        declared = _declared_parameters(str(task.source), task.source.stat().st_mtime_ns)
        params = {k: v for k, v in task.parameters.items() if k in declared}
        executed = papermill.execute_notebook(
            str(task.source),
            str(task.out_ipynb),
            parameters=params,
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=task.timeout,
            cwd=str(task.cwd),
            engine_name=ENGINE_NAME,  # a kernel forked from the worker's zygote (or an ordinary one)
            shutdown_kernel="immediate",  # outputs are in; a graceful stop only costs ~0.25 s
        )
        from nbformat.v4.rwbase import strip_transient

        return strip_transient(executed)  # as papermill wrote it to out_ipynb, without a re-read
    except PapermillExecutionError as exc:
        cell = exc.exec_count or exc.cell_index
        run.error = str(NotebookError(f"{exc.ename}: {exc.evalue}", path=task.source.name, cell=cell))
    except Exception as exc:  # timeout, dead kernel, unreadable notebook: all ERROR, never fatal
        run.error = str(NotebookError(f"{type(exc).__name__}: {exc}".strip(), path=task.source.name))
    # papermill saves the notebook when execution ends, also on errors: a failed run leaves it partial
    for path in (task.out_ipynb, task.source):
        try:
            return nbformat.read(str(path), as_version=4)
        except (OSError, ValueError) as exc:  # unreadable or not JSON (nbformat's NotJSONError)
            run.warnings.append(f"cannot read {path.name}: {exc}")
    return None


@lru_cache(maxsize=64)
def _declared_parameters(source: str, mtime_ns: int) -> frozenset[str]:
    """The parameters a notebook declares (papermill's inspection), once per notebook and version."""
    import papermill

    return frozenset(p["name"] for p in papermill.inspect_notebook(source).values())


def render_page(task: NotebookTask, run: NotebookRun, nb: Any) -> None:
    import nbformat

    verdict = ERROR if run.error else task.verdict
    header = {
        "heading": task.heading or task.key,
        "facts": list(task.facts),
        "verdict": verdict,
        "stale_reasons": list(task.stale_reasons) if verdict != ERROR else [],
        "error": run.error,
    }
    if nb is None:
        nb = nbformat.v4.new_notebook()
    try:
        html = render_html(
            nb, with_code=task.with_code, title=task.heading or task.key, header=header,
            templates_dir=task.templates_dir, language=task.language,
        )
    except Exception as exc:  # a page that cannot render still gets a page that says so
        run.render_error = f"{type(exc).__name__}: {exc}"
        with use_language(task.language):
            failed = tr("rendering failed: {error}", error=run.render_error)
        header["error"] = (run.error + "\n" if run.error else "") + failed
        html = render_html(
            nbformat.v4.new_notebook(), title=task.key, header=header, templates_dir=task.templates_dir,
            language=task.language,
        )
        if run.error is None:
            run.error = failed
    task.out_html.parent.mkdir(parents=True, exist_ok=True)
    task.out_html.write_text(html, encoding="utf-8")


def has_widgets(nb: Any) -> bool:
    """Whether an executed notebook shows widgets (rendered as static notes in its page)."""
    return any(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in nb.get("cells", ())
        for output in cell.get("outputs", ())
    )
