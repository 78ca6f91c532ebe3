"""Many cases in one `workbench run`: one bundle per case, a failing case never stops the others.

Every case is looked at first (`plan_case`: the folder is a case, not a trainee's exercise, its
catalogue loads, every artefact file it records is there, the requirements asked for exist); a case
that cannot run is its outcome's error, and the others go on. The rest run one after another, each
through `run_batch` as a single case runs but in one shared worker pool (on a Dask cluster:
`workbench.batch.distributed.run_on_cluster`, which uses this module's parts). One progress bar
counts the pages of all of them: it watches each bundle's notebooks/ folder fill, so it needs
nothing from the worker pool.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workbench.batch.pool import WorkerPool
from workbench.batch.runner import BatchOptions, BatchResult, run_batch, select_case
from workbench.errors import CaseError, EvidenceError, WorkbenchError

EXERCISE_REFUSED = ("a trainee's exercise case: the batch publishes the check's proposals; grade it with "
                    "`workbench exercise grade`")
POLL_SECONDS = 0.25  # how often the progress bar looks at the bundle being written


@dataclass
class CaseOutcome:
    case_dir: Path
    result: BatchResult | None = None  # None when the case could not run
    error: str | None = None  # why it could not run (one line)

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def name(self) -> str:
        """The case folder's name, as its bundle is named (also for `.`)."""
        return Path(self.case_dir).absolute().name


def run_cases(case_dirs: Sequence[str | Path], opts_template: BatchOptions) -> list[CaseOutcome]:
    """One outcome per distinct case, in the order given, run on this machine. `opts_template` holds
    the options of every case (its `case_dir` is ignored; its `command` is the command line without
    the cases, each case's own inserted after `workbench run`). On a Dask cluster the command calls
    `workbench.batch.distributed.run_on_cluster`, which returns the same outcomes (it builds on this
    module: `plan_case`, `case_options`, `CaseOutcome`)."""
    dirs = list(dict.fromkeys(Path(d) for d in case_dirs))
    outcomes = {d: CaseOutcome(d) for d in dirs}
    pages: dict[Path, int] = {}
    for case_dir in dirs:
        try:
            pages[case_dir] = plan_case(case_dir, opts_template)
        except WorkbenchError as exc:
            outcomes[case_dir].error = str(exc)
        except Exception as exc:  # a crafted case must not stop the others: its row says what broke
            outcomes[case_dir].error = f"{type(exc).__name__}: {exc}"
    _run_locally(pages, opts_template, outcomes)
    return [outcomes[d] for d in dirs]


def plan_case(case_dir: Path, opts: BatchOptions) -> int:
    """How many pages the case's batch will make; a WorkbenchError saying why it cannot run."""
    from workbench.case import Case

    case = Case.open(case_dir)
    if case.info.exercise is not None:
        raise CaseError(EXERCISE_REFUSED, path=str(case_dir))
    missing = [a.name for a in case.artefacts() if not a.path.is_file()]
    if missing:
        raise EvidenceError(f"artefact file missing from the case: {', '.join(missing)}",
                            path=str(case_dir))
    return select_case(replace(opts, case_dir=case_dir)).pages


def case_options(opts_template: BatchOptions, case_dir: Path) -> BatchOptions:
    """The options of one case: the template's, with this case and the command line naming it alone."""
    return replace(opts_template, case_dir=case_dir, command=command_for(opts_template.command, case_dir))


def command_for(template_command: str, case_dir: Path) -> str:
    """`workbench run --out D …` (the cases left out) with `case_dir` put back after `workbench run`."""
    words = shlex.split(template_command)
    if words[:2] != ["workbench", "run"]:
        return template_command
    return shlex.join([*words[:2], str(case_dir), *words[2:]])


def _run_locally(pages: dict[Path, int], template: BatchOptions, outcomes: dict[Path, CaseOutcome]) -> None:
    """The cases one after another through one worker pool (its workers and their kernel zygotes
    started once), each case bound to it in turn by run_batch."""
    from tqdm import tqdm

    if not pages:
        return
    with (tempfile.TemporaryDirectory(prefix="wb-cases-") as work, _shared_pool(template, Path(work)) as pool,
          tqdm(total=sum(pages.values()), unit="nb", file=sys.stderr, disable=not template.progress,
               dynamic_ncols=True) as bar):
        for case_dir, expected in pages.items():
            opts = replace(case_options(template, case_dir), progress=False)  # the one bar is ours
            with _watching(bar, Path(template.out_dir), outcomes[case_dir].name, expected):
                try:
                    outcomes[case_dir].result = run_batch(opts, pool=pool)
                except WorkbenchError as exc:
                    outcomes[case_dir].error = str(exc)
                except Exception as exc:  # one case's failure, whatever it is, never stops the others
                    outcomes[case_dir].error = f"{type(exc).__name__}: {exc}"


def _shared_pool(template: BatchOptions, work: Path) -> WorkerPool:
    """A pool of `--jobs` workers (default: one per CPU) not yet bound to a case; its kernels' log
    is shared, each bundle keeps its own part."""
    jobs = max(1, int(template.jobs or os.cpu_count() or 1))
    templates = str(Path(template.templates_dir))
    return WorkerPool(jobs, work / "kernels.log", False, None, None, work, [], templates)


@contextmanager
def _watching(bar: Any, out_dir: Path, name: str, expected: int) -> Iterator[None]:
    """Advance `bar` as the pages of the bundle that appears in `out_dir` for case `name` are written."""
    if bar.disable:
        yield
        return
    before = set(out_dir.iterdir()) if out_dir.is_dir() else set()
    seen: set[str] = set()
    stop = threading.Event()

    def look() -> None:
        bundles = [p for p in out_dir.glob(f"{_glob_safe(name)}-*/notebooks") if p.parent not in before]
        pages = {p.stem for b in bundles for p in b.glob("*.html")}
        for key in sorted(pages - seen)[: max(0, expected - len(seen))]:
            seen.add(key)
            bar.set_postfix_str(f"case {name}: {len(seen)}/{expected} {key}", refresh=False)
            bar.update()

    def watch() -> None:
        while not stop.wait(POLL_SECONDS):
            look()

    watcher = threading.Thread(target=watch, name=f"progress {name}", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
        look()
        bar.set_postfix_str(f"case {name}: {expected}/{expected}", refresh=False)
        bar.update(max(0, expected - len(seen)))  # pages a failed case never wrote


def _glob_safe(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)
