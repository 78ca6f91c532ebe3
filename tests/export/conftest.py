"""Session fixtures of the export tests: two real bundles, each made once."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_fixtures import CATALOG, FORMULA_VENDOR, PASSING, make_case, run_bundle


@pytest.fixture(scope="session")
def failing_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Level 2 of the export catalogue, artefacts archived: FAIL, PASS, PENDING, ERROR and a
    NOT_APPLICABLE recorded by the inspector."""
    root = tmp_path_factory.mktemp("failing")
    case = make_case(root, "export.1", "Acme", level=2)
    case.verdicts.record("EXP-05", "NOT_APPLICABLE", "the device has no radio", "Ines Inspector",
                         artefact_hashes=case.current_hashes())
    return run_bundle(root, case, CATALOG, ["EXP-01", "EXP-02", "EXP-03", "EXP-04", "EXP-05"],
                      "--with-artefacts")


@pytest.fixture(scope="session")
def passing_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every requirement passes: levels 1 and 2 PASS; the vendor's name is a spreadsheet formula."""
    root = tmp_path_factory.mktemp("passing")
    case = make_case(root, "export-pass.1", FORMULA_VENDOR, level=2)
    return run_bundle(root, case, PASSING, ["PASS-01", "PASS-02"])
