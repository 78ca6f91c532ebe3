"""Device cases for the procedural checks: no declaration, a full one, one admitting non-conformity
and an almost empty one (built once per module that asks)."""

from __future__ import annotations

import pytest
from proccases import ADMITS, FULL, make_case

from workbench.case import Case


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    base = tmp_path_factory.mktemp("procedural")
    return {
        name: make_case(base, name, decl)
        for name, decl in (
            ("none", None),
            ("full", FULL),
            ("admits", ADMITS),
            ("empty", {"manufacturer": "Acme"}),
        )
    }
