"""A lab's own catalogue as a folder: one header file, requirements split across files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.catalog import load_catalog
from workbench.errors import CatalogError


@pytest.fixture
def lab_folder(
    tmp_path: Path, write_yaml: Callable[..., Path], catalog_data: dict[str, Any], requirement: Callable
) -> Path:
    header = {k: v for k, v in catalog_data.items() if k != "requirements"}
    write_yaml("lab/00-edition.yaml", {**header, "requirements": catalog_data["requirements"][:1]})
    write_yaml("lab/communication/com.yml", {"requirements": [catalog_data["requirements"][1]]})
    write_yaml("lab/physical/phy.yaml", {"requirements": [requirement("PHY-01", level=3)]})
    write_yaml("lab/.drafts/wip.yaml", "this: [is not: even valid")  # hidden: ignored
    (tmp_path / "lab" / "README.txt").write_text("not YAML, ignored")
    return tmp_path / "lab"


def test_folder_catalogue_merges_files_in_name_order(lab_folder: Path) -> None:
    catalog = load_catalog(lab_folder)
    assert catalog.edition == "lab-1"
    assert catalog.ids == ["AUTH-01", "COM-02", "PHY-01"]
    assert catalog.source == str(lab_folder)
    assert [r.id for r in catalog.for_level(2)] == ["AUTH-01", "COM-02"]


def test_digest_pins_the_content(lab_folder: Path) -> None:
    before = load_catalog(lab_folder).sha256
    assert load_catalog(lab_folder).sha256 == before
    phy = lab_folder / "physical" / "phy.yaml"
    phy.write_text(phy.read_text().replace("Look at the thing.", "Look closely at the thing."))
    assert load_catalog(lab_folder).sha256 != before


def message(source: Path) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog(source)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_error_names_the_file_inside_the_folder(lab_folder: Path) -> None:
    phy = lab_folder / "physical" / "phy.yaml"
    phy.write_text(phy.read_text().replace("level: 3", "level: 4"))
    assert message(lab_folder) == (
        f"{lab_folder / 'physical' / 'phy.yaml'}: "
        "requirement PHY-01: field 'level': must be 1, 2 or 3 (got 4)"
    )


def test_duplicate_id_across_files_names_both(lab_folder: Path, write_yaml: Callable, requirement) -> None:
    write_yaml("lab/physical/more.yaml", {"requirements": [requirement("AUTH-01")]})
    assert message(lab_folder) == (
        f"{lab_folder / 'physical' / 'more.yaml'}: requirement AUTH-01: field 'id': "
        f"duplicate id (also requirement #1 of {lab_folder / '00-edition.yaml'})"
    )


def test_header_is_required_once(lab_folder: Path, write_yaml: Callable, catalog_data) -> None:
    header = {k: v for k, v in catalog_data.items() if k != "requirements"}
    write_yaml("lab/zz-second.yaml", header)
    assert message(lab_folder).startswith(
        f"{lab_folder / 'zz-second.yaml'}: a second edition header (the first is in "
        f"{lab_folder / '00-edition.yaml'})"
    )
    (lab_folder / "zz-second.yaml").unlink()
    (lab_folder / "00-edition.yaml").unlink()
    assert message(lab_folder) == (
        f"{lab_folder}: no file of the folder carries the edition header "
        "(edition, title, published, schema_version)"
    )


def test_header_file_may_hold_no_requirements(lab_folder: Path, write_yaml: Callable, catalog_data) -> None:
    header = {k: v for k, v in catalog_data.items() if k != "requirements"}
    write_yaml("lab/00-edition.yaml", header)
    assert load_catalog(lab_folder).ids == ["COM-02", "PHY-01"]


def test_a_part_file_with_a_stray_field(lab_folder: Path, write_yaml: Callable, requirement) -> None:
    write_yaml("lab/extra.yaml", {"requirement": [requirement("EXT-01")]})
    assert message(lab_folder).startswith(
        f"{lab_folder / 'extra.yaml'}: field 'requirement': unknown field; did you mean 'requirements'?"
    )


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert message(tmp_path / "empty") == f"{tmp_path / 'empty'}: folder has no .yaml files"


def test_a_folder_of_too_many_files_is_refused(tmp_path: Path, monkeypatch) -> None:
    from workbench.catalog import loader

    monkeypatch.setattr(loader, "MAX_FOLDER_FILES", 3)
    for n in range(5):
        (tmp_path / f"{n}.yaml").write_text("requirements: []\n")
    assert message(tmp_path) == f"{tmp_path}: more than 3 YAML files: is this the catalogue's folder?"


def test_a_catalogue_loaded_again_is_a_copy_of_its_own_and_an_edit_is_seen(lab_folder: Path) -> None:
    """A process loads the same catalogue once per check it runs: the second load is not parsed again,
    yet it is a copy of its own (a caller changing one changes no other) and a changed file is read."""
    first = load_catalog(lab_folder)
    first.requirements[0].pass_criteria.append("a criterion one caller added")  # (the models are frozen,
    first.requirements.pop()  # their lists are not)
    second = load_catalog(lab_folder)
    assert second is not first and second.sha256 == first.sha256 and second.source == first.source
    assert second.ids == ["AUTH-01", "COM-02", "PHY-01"]
    assert second.requirements[0].pass_criteria == ["The thing is done."]
    phy = lab_folder / "physical" / "phy.yaml"
    phy.write_text(phy.read_text().replace("Look at the thing.", "Look closely at the thing."))
    third = load_catalog(lab_folder)
    assert third.sha256 != second.sha256
    assert third.get("PHY-01").inspection_method[0] == "Look closely at the thing."
    phy.write_text("requirements: [not: a requirement]\n")
    for _ in range(2):  # an error is said each time, never remembered as a catalogue
        with pytest.raises(CatalogError):
            load_catalog(lab_folder)


def test_a_bad_first_file_is_said_before_the_rest_of_a_large_folder_is_read(tmp_path: Path) -> None:
    """Hostile folder: a broken first file and 40 files of 4 MB each (sparse). The first file's error comes
    first, and the loader never holds more than one file (the memo's key is not worth 160 MB)."""
    import tracemalloc

    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "000.yaml").write_text("edition: lab-1\nrequirements: [\n")
    for i in range(40):
        with open(folder / f"{i + 1:03d}.yaml", "wb") as handle:
            handle.truncate(4 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(CatalogError, match=r"000\.yaml: line"):
            load_catalog(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 << 20, peak
