"""Fixtures of the probe-judged checks: one case per probe run (built once per session)."""

from __future__ import annotations

import pytest
from probecases import RUNS, probe_case
from unitcases import all_cases

from workbench.case import Case


@pytest.fixture(scope="session")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    root = tmp_path_factory.mktemp("probed")
    return {run: probe_case(root / run, run) for run in RUNS}


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    """One case per run of the tests through test access (unitcases.RUNS), shared by the six checks'
    modules (they only read them)."""
    return all_cases(tmp_path_factory.mktemp("unit"))
