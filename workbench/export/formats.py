"""formats/ in a bundle being sealed: every standard format of what it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_formats(bundle_dir: Path, case: Any, warnings: list[str]) -> list[Path]:
    """Write formats/* into `bundle_dir` (results.json, outcomes/ and case/ already written)."""
    return []
