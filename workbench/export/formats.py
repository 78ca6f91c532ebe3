"""formats/ in a bundle being sealed: every standard format of what it holds.

Called by the batch after results.json, outcomes/, case/ (and artefacts/) are written, before the
manifest. Each format is built from the bundle's own files, validated, and written; one that fails
adds a warning and the others are still written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from workbench.export.content import read_content
from workbench.export.junit import FILENAME as JUNIT
from workbench.export.junit import build_junit
from workbench.export.oscal import FILENAME as OSCAL
from workbench.export.oscal import build_oscal
from workbench.export.registry import (
    CSV_NAME,
    JSON_NAME,
    level_reached,
    registry_csv,
    registry_json,
    registry_record,
)
from workbench.export.sarif import FILENAME as SARIF
from workbench.export.sarif import build_sarif
from workbench.fsutil import atomic_write_text
from workbench.sealed import BundleView, open_bundle
from workbench.sealed.names import FORMATS_DIR

BUILDERS: tuple[tuple[str, Callable[[BundleView], str]], ...] = (
    (OSCAL, build_oscal),
    (JUNIT, build_junit),
    (SARIF, build_sarif),
)
HELPERS = (  # formats written by modules of their own: (module, function, passes the case)
    ("workbench.export.cyclonedx", "write_sboms", True),
    ("workbench.export.ts103701", "write_report", False),
)


def write_formats(bundle_dir: Path, case: Any, warnings: list[str]) -> list[Path]:
    """Write formats/* into `bundle_dir`; the paths written."""
    out = Path(bundle_dir) / FORMATS_DIR
    written: list[Path] = []
    with open_bundle(bundle_dir) as source:
        view = BundleView(source)
        for name, build in BUILDERS:
            written += _write(out, name, partial(_one, name, build, view), warnings)
        written += _write(out, "registry", partial(_registry, view), warnings)
    for module, function, with_case in HELPERS:
        args = (Path(bundle_dir), case, warnings) if with_case else (Path(bundle_dir), warnings)
        written += _helper(module, function, args, warnings)
    return written


def _write(out: Path, what: str, build: Callable[[], dict[str, str]], warnings: list[str]) -> list[Path]:
    try:
        files = build()
        out.mkdir(exist_ok=True)
        for name, text in files.items():
            atomic_write_text(out / name, text)
    except Exception as exc:  # one format that cannot be built must not cost the others nor the bundle
        warnings.append(f"formats/{what} was not written: {type(exc).__name__}: {exc}")
        return []
    return [out / name for name in files]


def _one(name: str, build: Callable[[BundleView], str], view: BundleView) -> dict[str, str]:
    return {name: build(view)}


def _registry(view: BundleView) -> dict[str, str]:
    """registry.csv and .json when a level passed on a complete run; else nothing (no warning)."""
    content = read_content(view)
    if content.partial or level_reached(content) == 0:
        return {}
    record = registry_record(view)
    return {CSV_NAME: registry_csv(record), JSON_NAME: registry_json(record)}


def _helper(module: str, function: str, args: tuple[Any, ...], warnings: list[str]) -> list[Path]:
    """A format whose module writes it itself (CycloneDX SBOMs, the TS 103 701 report)."""
    try:
        write = getattr(importlib.import_module(module), function)
    except ModuleNotFoundError as exc:
        if exc.name != module:  # the module is there but something it needs is not
            warnings.append(f"{module} cannot be imported: {exc}")
        return []  # otherwise: that format is not part of this installation yet
    try:
        made = write(*args)
    except Exception as exc:  # one format that cannot be built must not cost the others nor the bundle
        warnings.append(f"{module.rsplit('.', 1)[-1]} was not written: {type(exc).__name__}: {exc}")
        return []
    if made is None:
        return []
    return [Path(made)] if isinstance(made, str | Path) else [Path(p) for p in made]
