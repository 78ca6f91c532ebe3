"""formats/ at sealing: every format written; one that fails is a warning, the others still come."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.errors import BundleError
from workbench.export import formats
from workbench.export.formats import write_formats

WRITTEN = ["assessment-results.oscal.json", "findings.sarif", "results.junit.xml"]


@pytest.fixture
def unsealed(failing_bundle: Path, tmp_path: Path) -> Path:
    """A copy of the bundle as the batch has it when formats/ is written: no formats, no seals."""
    copy = tmp_path / failing_bundle.name
    shutil.copytree(failing_bundle, copy)
    shutil.rmtree(copy / "formats")
    for seal in ("manifest.json", "manifest.sha256", "index.html"):
        (copy / seal).unlink()
    return copy


def test_the_batch_wrote_the_formats_into_the_sealed_bundle(failing_bundle, passing_bundle):
    names = sorted(p.name for p in (failing_bundle / "formats").iterdir())
    assert set(WRITTEN) <= set(names) and "registry.csv" not in names
    assert {"registry.csv", "registry.json"} <= {p.name for p in (passing_bundle / "formats").iterdir()}


def test_written_before_the_seal_they_are_the_sealed_bytes(failing_bundle, unsealed, monkeypatch):
    monkeypatch.setattr(formats, "HELPERS", ())
    warnings: list[str] = []
    written = write_formats(unsealed, None, warnings)
    assert warnings == [] and sorted(p.name for p in written) == WRITTEN
    for name in WRITTEN:
        assert (unsealed / "formats" / name).read_bytes() == (failing_bundle / "formats" / name).read_bytes()


def test_one_failing_format_is_a_warning_and_the_others_are_written(unsealed, monkeypatch):
    def broken(view):
        raise BundleError("deliberately broken")

    monkeypatch.setattr(formats, "BUILDERS", (("broken.json", broken), *formats.BUILDERS))
    monkeypatch.setattr(formats, "HELPERS", (("workbench.export.no_such_format", "write", False),
                                             ("json", "loads", False)))  # present, but fails when called
    warnings: list[str] = []
    written = write_formats(unsealed, None, warnings)
    assert sorted(p.name for p in written) == WRITTEN
    assert warnings[0] == "formats/broken.json was not written: BundleError: deliberately broken"
    assert len(warnings) == 2 and warnings[1].startswith("json was not written: TypeError")


def test_a_malformed_results_file_costs_every_format_but_not_the_batch(unsealed, monkeypatch):
    monkeypatch.setattr(formats, "HELPERS", ())
    (unsealed / "results.json").write_text('{"checks": "not a list"}')
    warnings: list[str] = []
    assert write_formats(unsealed, None, warnings) == []
    assert len(warnings) == 4 and all("BundleError" in w for w in warnings)
