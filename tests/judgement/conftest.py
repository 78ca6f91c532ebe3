"""Fixtures of the judgement tests: the bundled catalogue and a fresh case."""

from __future__ import annotations

from pathlib import Path

import pytest
from judgement_helpers import new_case

from workbench.case import Case
from workbench.catalog import load_catalog


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(None)


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return new_case(tmp_path / "cam1")
