"""Fixtures for the notebook tests: the catalogue the notebooks are checked against and run with."""

from __future__ import annotations

import pytest
from nb_helpers import LAB_CATALOG, bundled_catalog


@pytest.fixture(scope="session")
def catalog():
    found = bundled_catalog()
    if found is None:
        pytest.skip("the bundled catalogue has not landed yet")
    return found


@pytest.fixture(scope="session")
def catalog_source() -> str:
    """What notebooks get as `catalog`: the bundled edition, else a lab's own catalogue file."""
    return "" if bundled_catalog() is not None else str(LAB_CATALOG)
