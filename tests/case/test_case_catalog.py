"""Which catalogue a case is inspected against: recorded at `case new`, checked by `case status`.

The lab catalogues are real folders made here from a bundled edition, edited as a lab would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from workbench.case import Case
from workbench.case.catalogref import CatalogRef, catalog_sha256, source_to_load
from workbench.catalog import load_catalog
from workbench.catalog.loader import EDITIONS_DIR
from workbench.cli import main
from workbench.errors import CaseError

EDITION = "2026.1"
CRITERION = "      - No anonymous FTP login is accepted.\n"


def workbench(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def new_case(capsys: pytest.CaptureFixture[str], path: Path, *extra: object) -> Case:
    code, out, err = workbench(
        capsys, "case", "new", path, "--device", "IP camera", "--vendor", "Acme", "--model", "C100",
        "--firmware-version", "2.1", "--level", "1", *extra,
    )  # fmt: skip
    assert code == 0, err
    assert "content sha256" in out
    return Case.open(path)


def status(capsys: pytest.CaptureFixture[str], case: Path, *extra: object) -> dict:
    code, out, err = workbench(capsys, "case", "status", case, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A lab's own catalogue folder: the bundled edition under the lab's edition name."""
    folder = tmp_path / "lab-catalogue"
    folder.mkdir()
    text = (EDITIONS_DIR / f"{EDITION}.yaml").read_text(encoding="utf-8")
    assert CRITERION in text
    text = text.replace(f'edition: "{EDITION}"', 'edition: "lab-2026.1"', 1)
    (folder / "catalogue.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_new_case_records_the_bundled_edition_its_name_and_content_hash(tmp_path, capsys) -> None:
    case = new_case(capsys, tmp_path / "cam")
    bundled = load_catalog(None)
    assert (case.info.catalog_edition, case.info.catalog_source) == (bundled.edition, bundled.edition)
    assert case.info.catalog_sha256 == catalog_sha256(bundled)
    assert "catalog_sha256: " + catalog_sha256(bundled) in (case.path / "case.yaml").read_text()
    report = status(capsys, case.path)
    assert report["catalog"]["matches"] is True and report["warnings"] == []


def test_a_lab_catalogue_is_recorded_by_path_and_an_edited_criterion_is_reported(
    tmp_path, capsys, lab: Path
) -> None:
    case = new_case(capsys, tmp_path / "cam", "--catalog", lab)
    assert case.info.catalog_edition == "lab-2026.1"
    assert case.info.catalog_source == str(lab.absolute())
    recorded = case.info.catalog_sha256
    assert recorded == catalog_sha256(load_catalog(lab)) != catalog_sha256(load_catalog(EDITION))

    # opened again without --catalog: the lab's folder is loaded (its edition is not a bundled one)
    report = status(capsys, case.path)
    assert report["catalog_edition"] == "lab-2026.1" and report["catalog"]["matches"] is True
    assert report["warnings"] == []

    # the lab edits a criterion in its file: the case no longer matches the catalogue it is read against
    path = lab / "catalogue.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(CRITERION, "      - No anonymous FTP or TFTP access.\n"),
        encoding="utf-8",
    )
    report = status(capsys, case.path)
    assert report["catalog"]["matches"] is False
    assert report["catalog"]["recorded"]["sha256"] == recorded != report["catalog"]["loaded"]["sha256"]
    assert report["catalog"]["loaded"]["source"] == str(lab.absolute())
    (warning,) = report["warnings"]
    assert "differs from the one the case was created with" in warning and str(lab.absolute()) in warning
    code, table, _ = workbench(capsys, "case", "status", case.path)
    assert code == 0 and "WARNING: the catalogue differs" in table and "(NOT the case's)" in table

    # recording a verdict against it says so too, and still records
    code, out, err = workbench(capsys, "case", "verdict", case.path, "AUTH-04", "--verdict", "PASS",
                               "--inspector", "alice")  # fmt: skip
    assert code == 0 and "recorded PASS" in out and "warning: the catalogue differs" in err

    # the bundled edition of the same text is a different catalogue for this case as well
    assert status(capsys, case.path, "--catalog", EDITION)["catalog"]["matches"] is False


def test_a_lab_catalogue_that_is_gone_is_named_not_replaced_by_a_bundled_one(tmp_path, capsys, lab) -> None:
    case = new_case(capsys, tmp_path / "cam", "--catalog", lab)
    shutil.rmtree(lab)
    with pytest.raises(CaseError, match="no longer there; give the lab's catalogue with --catalog"):
        source_to_load(case.info)
    code, _, err = workbench(capsys, "case", "status", case.path)
    assert code == 2 and "no longer there" in err


def test_the_content_hash_ignores_layout_and_comments_but_not_a_parameter(tmp_path: Path) -> None:
    bundled = load_catalog(EDITION)
    data = yaml.safe_load((EDITIONS_DIR / f"{EDITION}.yaml").read_text(encoding="utf-8"))
    requirements = [dict(reversed(list(r.items()))) for r in data.pop("requirements")]
    folder = tmp_path / "split"
    (folder / "more").mkdir(parents=True)
    header = {**data, "requirements": requirements[:10]}
    (folder / "00-header.yaml").write_text(yaml.safe_dump(header, sort_keys=True), encoding="utf-8")
    rest = {"requirements": requirements[10:]}
    (folder / "more" / "rest.yml").write_text(yaml.safe_dump(rest, allow_unicode=True), encoding="utf-8")
    split = load_catalog(folder)
    assert split.sha256 != bundled.sha256  # the files' bytes differ ...
    assert catalog_sha256(split) == catalog_sha256(bundled)  # ... their content does not

    rest["requirements"][0]["parameters"] = {"changed": 1}
    (folder / "more" / "rest.yml").write_text(yaml.safe_dump(rest, allow_unicode=True), encoding="utf-8")
    assert catalog_sha256(load_catalog(folder)) != catalog_sha256(bundled)


def test_a_case_written_before_the_provenance_fields_still_opens(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "old"
    new_case(capsys, folder)  # then its case.yaml is replaced by one of schema version 1
    old = {
        "device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1,
        "inspectors": ["alice"], "catalog_edition": EDITION, "device_ips": [], "device_macs": [],
        "serial_number": None, "created_at": "2025-11-02T10:00:00+00:00", "schema_version": 1,
    }  # fmt: skip
    (folder / "case.yaml").write_text(yaml.safe_dump(old, sort_keys=False), encoding="utf-8")
    case = Case.open(folder)
    assert (case.info.catalog_source, case.info.catalog_sha256) == (None, None)
    assert source_to_load(case.info) == EDITION
    report = status(capsys, folder)
    assert report["catalog"]["recorded"] is None and report["catalog"]["matches"] is None
    assert report["warnings"] == [] and report["catalog"]["loaded"]["source"] == EDITION
    code, table, _ = workbench(capsys, "case", "status", folder)
    assert code == 0 and "(the case records none)" in table and "WARNING" not in table


def test_catalog_ref_of_a_bundled_edition_is_its_name() -> None:
    ref = CatalogRef.of(load_catalog("2025.1"))
    assert ref.source == "2025.1" == ref.edition and len(ref.sha256) == 64
