"""Where the batch finds the repository's notebooks and templates."""

from __future__ import annotations

from pathlib import Path

import workbench

REPO_ROOT = Path(workbench.__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TEMPLATES_DIR = REPO_ROOT / "templates"
OVERVIEW_NOTEBOOK = "00-case-overview"
