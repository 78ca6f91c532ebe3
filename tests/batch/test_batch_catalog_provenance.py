"""The batch says which catalogue it judged against and whether it is the one the case was created with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import CATALOG, NOTEBOOKS, invoke

from workbench.case.catalogref import catalog_sha256
from workbench.catalog import load_catalog


def test_a_lab_catalogue_edited_after_case_new_is_recorded_and_warned_about(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    lab.mkdir()
    shutil.copyfile(CATALOG, lab / "catalogue.yaml")
    case = tmp_path / "case"
    created = invoke("case", "new", str(case), "--device", "camera", "--vendor", "Acme", "--model", "C1",
                     "--firmware-version", "1", "--level", "1", "--catalog", str(lab))  # fmt: skip
    assert created.code == 0, created.err
    recorded = catalog_sha256(load_catalog(lab))

    text = (lab / "catalogue.yaml").read_text(encoding="utf-8")
    edited = text.replace('pass_criteria: ["never passes"]', 'pass_criteria: ["passes on Sundays"]', 1)
    assert edited != text
    (lab / "catalogue.yaml").write_text(edited, encoding="utf-8")

    run = invoke("run", str(case), "--out", str(tmp_path / "evidence"), "--catalog", str(lab), "--notebooks",
                 str(NOTEBOOKS), "--jobs", "1", "--no-progress", "--only", "FIX-01")  # fmt: skip
    assert run.code == 0, run.err
    bundle = Path(run.out.strip().splitlines()[-1]).parent
    manifest = json.loads((bundle / "manifest.json").read_text())["catalog"]
    assert manifest["edition"] == "test.1" and manifest["source"] == str(lab.resolve())
    assert manifest["content_sha256"] == catalog_sha256(load_catalog(lab)) != recorded
    on_record = manifest["case_records"]
    assert (on_record["edition"], on_record["sha256"]) == ("test.1", recorded)
    assert Path(on_record["source"]).resolve() == lab.resolve()
    assert manifest["matches_case"] is False and manifest["hash_scheme"] == "canonical-json/1"
    warnings = json.loads((bundle / "results.json").read_text())["warnings"]
    assert any("differs from the one the case was created with" in w for w in warnings)
    assert "differs from the one the case was created with" in (bundle / "index.html").read_text()
