"""Helpers for the notebook tests: the generator, the bundled catalogue, real cases, papermill runs
(a module name no other test folder uses)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from workbench.case import Case, CaseInfo
from workbench.errors import CatalogError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LAB_CATALOG = ROOT / "tests" / "ui" / "data" / "lab-catalogue.yaml"
MIME = "application/vnd.workbench.check+json"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "scripts" / "build_notebooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def bundled_catalog():
    """The newest bundled catalogue, or None while it has not landed."""
    from workbench.catalog import load_catalog

    try:
        return load_catalog()
    except CatalogError as exc:
        if "no bundled catalogue edition" in str(exc):
            return None
        raise


def make_case(root: Path, level: int = 3, catalog_source: str = "") -> Case:
    info = {
        "device": "IP camera",
        "vendor": "Acme",
        "model": "C100",
        "firmware_version": "2.1",
        "level": level,
        "inspectors": ["Alice Example"],
    }
    if catalog_source:
        info["catalog_edition"] = "lab-test.1"
    return Case.create(root, CaseInfo.model_validate(info))


def execute(notebook: Path, out_dir: Path, **parameters: object):
    """Execute with papermill's Python API in a real kernel; return the executed notebook."""
    import papermill

    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / notebook.name
    return papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(out_dir),
    )


def published(nb) -> list[dict]:
    """Every application/vnd.workbench.check+json payload among the notebook's outputs."""
    return [
        output["data"][MIME]
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if MIME in output.get("data", {})
    ]


def all_text(nb, mime: str = "text/html") -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if mime in data:
                parts.append(str(data[mime]))
            if mime == "text/plain" and output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
    return "\n".join(parts)
