"""Find the trainees' exercise cases under a cohort's folder.

A case is a folder holding a regular file `case.yaml` whose `exercise.id` is set (any depth below the
folder, at most MAX_DEPTH); anything else is ignored. Symbolic links are never followed to find a case,
and a case holding a link that leads out of the cohort's folder is refused (grading reads its artefacts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.case import Case
from workbench.case.yamlio import read_yaml
from workbench.errors import WorkbenchError
from workbench.i18n import tr

CASE_FILE = "case.yaml"
MAX_DEPTH = 8  # trainees/<trainee>/<course run>/<exercise>/...: deeper is not a cohort's layout
MAX_FOLDERS = 20_000  # a crafted tree of endless empty folders ends the search, with a warning
SKIPPED_IN_CASE = {"cache"}  # derived analyses: grading reads the case's files, never its cache


@dataclass(frozen=True)
class FoundCase:
    case: Case
    relative: str  # the case folder, relative to the cohort's folder (POSIX separators)
    exercise: str
    trainee: str


def find_exercise_cases(root: Path) -> tuple[list[FoundCase], list[str]]:
    """Every exercise case under `root` (sorted by folder) and a warning per case that could not be read."""
    root = root.resolve()
    if not root.is_dir():
        raise WorkbenchError("no such folder of trainees", path=str(root))
    found: list[FoundCase] = []
    warnings: list[str] = []
    stack, visited = [(root, 0)], 0
    while stack:
        folder, depth = stack.pop()
        visited += 1
        if visited > MAX_FOLDERS:
            warnings.append(tr("more than {count} folders: stopped looking for cases", count=MAX_FOLDERS))
            break
        entries = _entries(folder, root, warnings)
        case_file = next((e for e in entries if e.name == CASE_FILE), None)
        if case_file is not None:
            _take_case(root, folder, case_file, found, warnings)
            continue  # a case's own folders hold no other case
        if depth < MAX_DEPTH:
            stack.extend((Path(e.path), depth + 1) for e in reversed(entries)
                         if e.is_dir(follow_symlinks=False))
    found.sort(key=lambda f: f.relative)
    return found, warnings


def _entries(folder: Path, root: Path, warnings: list[str]) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        warnings.append(f"{_relative(folder, root)}: " + tr("cannot list: {problem}", problem=exc.strerror))
        return []


def _take_case(root: Path, folder: Path, case_file: os.DirEntry[str], found: list[FoundCase],
               warnings: list[str]) -> None:
    where = _relative(folder, root)
    if not case_file.is_file(follow_symlinks=False):
        warnings.append(f"{where}: " + tr("{file} is not a regular file; not read", file=CASE_FILE))
        return
    try:
        if _exercise_id(Path(case_file.path)) is None:
            return  # an inspector's case, not a trainee's: not part of the cohort
        escape = _link_out_of(folder, root)
        if escape is not None:
            warnings.append(f"{where}: " + tr("{link} is a link out of the trainees' folder; case not graded",
                                              link=escape))
            return
        case = Case.open(folder)
    except WorkbenchError as exc:
        warnings.append(f"{where}: {exc}")
        return
    exercise = case.info.exercise
    if exercise is not None:
        found.append(FoundCase(case, where, exercise.id, exercise.trainee))


def _exercise_id(case_yaml: Path) -> Any:
    data = read_yaml(case_yaml)
    exercise = data.get("exercise") if isinstance(data, dict) else None
    return exercise.get("id") if isinstance(exercise, dict) else None


def _link_out_of(case_dir: Path, root: Path) -> str | None:
    """The first symbolic link in the case (its cache aside) that leads out of `root`, if any."""
    for folder, dirs, files in os.walk(case_dir, followlinks=False):
        if Path(folder) == case_dir:
            dirs[:] = [d for d in dirs if d not in SKIPPED_IN_CASE]
        for name in (*dirs, *files):
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                return str(path.relative_to(case_dir))
    return None


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else "."
