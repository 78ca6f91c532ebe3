"""The client's plan of one case, made as `run_batch` makes it (runner's own steps: which
requirements, which notebook tasks, the bundle folder), plus what the cluster needs: the case
package and each artefact's analysis group.

An analysis depends on the artefact's content and on a little of the case (a capture on the
device's addresses, a firmware image on the vulnerability feeds): cases whose artefact and those
facts agree share one analysis (`AnalysisKey`), whatever the artefact is called in each.
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.batch.distributed.package import CasePackage, package_of
from workbench.batch.execute import NotebookRun, NotebookTask
from workbench.batch.runner import (
    BatchOptions,
    CaseSelection,
    _new_bundle_dir,
    _tasks,
    select_case,
    utc_now,
)
from workbench.batch.summary import CheckRow
from workbench.i18n import use_language
from workbench.judgement import RequirementState

ANALYSED_KINDS = ("capture", "firmware")  # as the local pool analyses

AnalysisKey = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # sha256, kind, what else it depends on


@dataclass
class CasePlan:
    opts: BatchOptions
    chosen: CaseSelection  # as run_batch selects: catalogue, level, requirements, notebooks
    tasks: list[NotebookTask]
    bundle_dir: Path
    work: Path
    started: datetime
    package: CasePackage
    catalog_tree: bytes | None  # a lab catalogue given by path, to ship
    paths: dict[str, Path]  # SHA-256 -> the case's file with that content
    analyses: dict[AnalysisKey, str]  # what to analyse -> the artefact's name in this case
    states: dict[str, RequirementState] = field(default_factory=dict)
    runs: dict[str, NotebookRun] = field(default_factory=dict)
    rows: list[CheckRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # two cases may share a folder name

    @property
    def case(self) -> Any:
        return self.chosen.case

    @property
    def catalog(self) -> Any:
        return self.chosen.catalog

    @property
    def level(self) -> int:
        return self.chosen.level

    @property
    def requirements(self) -> list[Any]:
        return self.chosen.requirements

    @property
    def notebooks_dir(self) -> Path:
        return self.chosen.notebooks_dir

    @property
    def language(self) -> str:
        return self.chosen.language

    @property
    def name(self) -> str:
        return str(self.case.path.name)

    def task(self, key: str) -> NotebookTask:
        return next(t for t in self.tasks if t.key == key)


def plan_case(opts: BatchOptions) -> CasePlan:
    """run_batch's first steps for one case, on the client; the bundle folder is made."""
    from workbench.case import source_to_load

    started = utc_now()
    chosen = select_case(opts)
    case, catalog_source = chosen.case, chosen.catalog_source
    source = source_to_load(case.info, catalog_source)
    catalog_path = Path(source).resolve() if Path(source).exists() else None
    package, catalog_tree = package_of(case, catalog_source, catalog_path)
    bundle_dir = _new_bundle_dir(Path(opts.out_dir), case.path.name, started)
    (bundle_dir / "notebooks").mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="wb-cluster-"))
    with use_language(chosen.language):  # the pages' headings and facts
        tasks = _tasks(chosen, bundle_dir, work, opts)
    paths = {sha: Path(case.artefact(name).path) for name, sha in package.artefacts.items()}
    analyses = {
        analysis_key(case, a, package.artefacts[a.name]): a.name
        for a in case.artefacts() if a.kind in ANALYSED_KINDS
    }
    return CasePlan(opts, chosen, tasks, bundle_dir, work, started, package, catalog_tree, paths, analyses)


def analysis_key(case: Any, artefact: Any, sha256: str) -> AnalysisKey:
    """What an artefact's analysis depends on (as workbench.analysis keys its cache folders)."""
    if artefact.kind == "capture":
        return (sha256, "capture", tuple(case.info.device_ips or ()), tuple(case.info.device_macs or ()))
    feeds = tuple(a.sha256 for a in case.artefacts(kind="vuln-feed"))
    return (sha256, "firmware", feeds, ())
