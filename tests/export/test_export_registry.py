"""The scheme's registry record: written when a level passed, refused otherwise, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from export_fixtures import FORMULA_VENDOR, HOSTILE_DEVICE, invoke

from workbench.export.registry import FIELDS


def finished_day(bundle: Path) -> str:
    return json.loads((bundle / "results.json").read_text())["finished_at"][:10]


def test_the_sealed_bundle_holds_the_record_when_a_level_passed(passing_bundle):
    rows = list(csv.reader(io.StringIO((passing_bundle / "formats" / "registry.csv").read_text("utf-8"))))
    assert rows[0] == list(FIELDS) and len(rows) == 2
    record = dict(zip(FIELDS, rows[1], strict=True))
    assert record == {
        "level": "2",
        "company": "'" + FORMULA_VENDOR,  # a leading `=` would be a formula in a spreadsheet
        "product_name": f"{HOSTILE_DEVICE} C100",  # the case has no product name yet
        "model_number": "C100",
        "product_url": "",
        "registration_date": finished_day(passing_bundle),
    }
    data = json.loads((passing_bundle / "formats" / "registry.json").read_text("utf-8"))
    assert data["record"]["level"] == 2 and data["level_stars"] == "★★"
    assert data["record"]["company"] == FORMULA_VENDOR  # JSON is not a spreadsheet: the name as it is
    assert data["evidence"]["bundle"] == passing_bundle.name
    assert any(n.startswith("product_url:") for n in data["notes"])
    assert any(n.startswith("product_name:") for n in data["notes"])


def test_no_record_in_a_bundle_where_no_level_passed(failing_bundle):
    assert not (failing_bundle / "formats" / "registry.csv").exists()
    assert not (failing_bundle / "formats" / "registry.json").exists()
    run = invoke("export", str(failing_bundle), "--format", "registry")
    assert run.code == 2 and "no level passed: nothing to register" in run.err and run.out == ""


def test_export_with_a_registration_date(passing_bundle, tmp_path):
    run = invoke("export", str(passing_bundle), "--format", "registry", "--registered", "2027-01-15")
    assert run.code == 0, run.err
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[1][FIELDS.index("registration_date")] == "2027-01-15"
    assert "note: product_url" in run.err
    out = tmp_path / "record.json"
    assert invoke("export", str(passing_bundle), "--format", "registry", "--out", str(out)).code == 0
    assert json.loads(out.read_text())["record"]["registration_date"] == finished_day(passing_bundle)
    folder = tmp_path / "both/"
    assert invoke("export", str(passing_bundle), "--format", "registry", "--out", f"{folder}/").code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["registry.csv", "registry.json"]
    sealed = passing_bundle / "formats" / "registry.csv"
    assert (folder / "registry.csv").read_bytes() == sealed.read_bytes()


def test_a_bad_registration_date_is_a_usage_error(passing_bundle):
    for bad in ("2027-13-01", "15/01/2027", "2027-1-5"):
        run = invoke("export", str(passing_bundle), "--format", "registry", "--registered", bad)
        assert run.code == 2 and "expected a date YYYY-MM-DD" in run.err
    run = invoke("export", str(passing_bundle), "--format", "sarif", "--registered", "2027-01-15")
    assert run.code == 2 and "--registered applies to --format registry only" in run.err
