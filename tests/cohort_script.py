"""scripts/screenshot_cohort.py loaded as a module: its simulated cohort serves the cohort report's tests
(tests/training/test_cohort.py) and the page's browser test (tests/browser/test_cohort_page.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "screenshot_cohort.py"


def load_cohort_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshot_cohort", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
