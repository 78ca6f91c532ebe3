"""Where the shared corpus of real captures is: beside the clone (here and in CI), or where
WORKBENCH_CORPUS points; the tests that need a capture skip or fail on their own when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_CANDIDATES = [
    Path(os.environ["WORKBENCH_CORPUS"]) if os.environ.get("WORKBENCH_CORPUS") else None,
    REPO.parent / "shared" / "corpus" / "captures",
    Path("/work/shared/corpus/captures"),  # a clone made elsewhere on the development machine
]
CORPUS = next((p for p in _CANDIDATES if p is not None and p.is_dir()), _CANDIDATES[1])
