"""What runs on a Dask worker: an artefact's analysis, a share of the judging, one notebook.

Each task rebuilds its case package in a private folder (workbench.batch.distributed.package) and
calls the very functions the local batch's workers call (`analyse_artefact`, `judge_share`,
`run_notebook`); what it made comes back as values and bytes, never written outside that folder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from workbench.batch.distributed import store
from workbench.batch.distributed.package import CasePackage, unpacked
from workbench.batch.distributed.tarball import pack
from workbench.batch.execute import NotebookRun, NotebookTask

TEMPLATES_FOLDER = "templates"


@dataclass(frozen=True)
class AnalysisOutput:
    problem: str | None  # what the local batch would warn (None: analysed)
    cache: bytes | None  # tar of the artefact's cache folder, top entry its SHA-256


@dataclass(frozen=True)
class PageOutput:
    run: NotebookRun
    ipynb: bytes | None
    html: bytes | None


def arrived(sha256: str, data: bytes) -> bytes:
    """An artefact's bytes as the client sent them, into this worker's content store (verified)."""
    store.stored(sha256, data)
    return data


def held(data: Any) -> Any:
    """What the client sent (a folder's tar, a case package), held by the cluster as a task's value."""
    return data


def analyse(
    package: CasePackage, name: str, sha256: str, blobs: dict[str, bytes], cached: bytes | None,
    language: str = "en",
) -> AnalysisOutput:
    """Analyse artefact `name` (a cache the client already had is unpacked first and kept if whole)."""
    from workbench.batch.execute import analyse_artefact

    with unpacked(package, blobs, [cached] if cached else [], {}) as here:
        problem = analyse_artefact(str(here.case_dir), name, language)
        folder = here.case_dir / "cache" / sha256
        return AnalysisOutput(problem, pack(folder, sha256) if folder.is_dir() else None)


def judge(
    package: CasePackage, blobs: dict[str, bytes], caches: list[AnalysisOutput], trees: dict[str, bytes],
    requirement_ids: list[str], language: str,
) -> dict[str, Any]:
    """The judged states (workbench.judgement.RequirementState) of a share of the requirements, their
    texts in the run's `language`."""
    from workbench.batch.judge import judge_share

    with unpacked(package, blobs, _tars(caches), trees) as here:
        work = str(here.folder / "work")
        return judge_share(str(here.case_dir), here.catalog, requirement_ids, work, language)


def notebook(
    package: CasePackage, blobs: dict[str, bytes], caches: list[AnalysisOutput], trees: dict[str, bytes],
    task: NotebookTask, given: bytes, folders: tuple[str, str],
) -> PageOutput:
    """Execute and render one notebook with `run_notebook`, as a local worker does. `given`: the
    outcome (or, for the overview, the states) file the client wrote; `folders`: the digests of the
    shipped notebooks and templates."""
    from workbench.batch.execute import run_notebook

    notebooks, templates = (store.tree(digest, trees[digest]) for digest in folders)
    with unpacked(package, blobs, _tars(caches), trees) as here:
        given_path = here.folder / "given.json"
        given_path.write_bytes(given)
        params = dict(task.parameters, case_dir=str(here.case_dir))
        for key in ("outcome_path", "states_path"):
            if params.get(key):
                params[key] = str(given_path)
        if package.catalog_digest is not None:
            params["catalog"] = here.catalog or ""
        (here.folder / "cwd").mkdir()
        local = replace(
            task, source=notebooks / task.shipped_name, out_ipynb=here.folder / "out.ipynb",
            out_html=here.folder / "out.html", cwd=here.folder / "cwd", parameters=params,
            templates_dir=templates / TEMPLATES_FOLDER,
        )
        run = run_notebook(local)
        return PageOutput(run, _read(local.out_ipynb), _read(local.out_html))


def _read(path: Any) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _tars(caches: list[AnalysisOutput]) -> list[bytes]:
    return [c.cache for c in caches if c.cache is not None]
