"""Fixtures of the probe-judged checks: one case per probe run (built once per session)."""

from __future__ import annotations

import pytest
from probecases import RUNS, probe_case

from workbench.case import Case


@pytest.fixture(scope="session")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("probed")
    return {run: probe_case(root / run, run) for run in RUNS}
