"""A stale inspector verdict is unmistakable in the bundle: its own colour and the word STALE with its
reasons in index.html's verdict column and in the requirement page's header; a current FAIL is not."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from conftest import CATALOG, invoke, make_fixture_case, run_fixture

STALE_REASON = "later-photo.txt added since"


@pytest.fixture(scope="module")
def stale_run(tmp_path_factory: pytest.TempPathFactory):
    """FIX-03 (manual) FAIL recorded by the inspector, then an attachment added: stale.
    FIX-01's FAIL is the check's own and current."""
    root = tmp_path_factory.mktemp("stale")
    case = make_fixture_case(root)
    case.verdicts.record(
        "FIX-03", "FAIL", "the debug header is open", "Ines Inspector", artefact_hashes=case.current_hashes()
    )
    later = root / "later-photo.txt"
    later.write_text("a second photo of the debug header\n")
    case.add_artefact(later, "attachment")
    run = run_fixture(root, "--only", "FIX-01,FIX-03", case=case)
    assert run.invocation.code == 0, run.invocation.err
    return run


def verdict_cell(soup: BeautifulSoup, rid: str):
    row = soup.find("tr", id=rid)
    assert row is not None, rid
    return row, row.find_all("td")[3]


def test_the_index_shows_a_stale_fail_apart_from_a_current_fail(stale_run) -> None:
    soup = BeautifulSoup(stale_run.index.read_text(), "html.parser")
    row, cell = verdict_cell(soup, "FIX-03")
    assert "row-stale" in row["class"]
    assert cell["class"] == ["v", "v-STALE"]
    assert " ".join(cell.get_text(" ").split()).startswith("FAIL · STALE")
    assert cell.find("span", class_="badge-stale").get_text() == "STALE"
    assert cell.find(class_="stale-why").get_text() == f"stale: {STALE_REASON}"
    assert STALE_REASON in cell["title"]

    current, current_cell = verdict_cell(soup, "FIX-01")
    assert current_cell["class"] == ["v", "v-FAIL"]
    assert "STALE" not in current_cell.get_text() and not current.get("class")
    assert current_cell.find(class_="badge-stale") is None

    pending = [tr for tr in soup.find_all("tr") if tr.find("a", href="#FIX-03")]
    assert pending and pending[0].find(class_="badge-stale") is not None  # the pending table says it too
    results = json.loads((stale_run.bundle / "results.json").read_text())
    rows = {row["id"]: row for row in results["checks"]}
    assert rows["FIX-03"]["stale"] is True and rows["FIX-03"]["stale_reasons"] == [STALE_REASON]
    assert rows["FIX-01"]["stale_reasons"] == []


def page_header(run, rid: str):
    return BeautifulSoup((run.bundle / "notebooks" / f"{rid}.html").read_text(), "html.parser").header


def test_the_requirement_page_header_says_stale_and_why(stale_run) -> None:
    header = page_header(stale_run, "FIX-03")
    verdict = header.find("span", class_="v-STALE")
    assert " ".join(verdict.get_text(" ").split()) == "FAIL · STALE"
    assert [li.get_text() for li in header.find("ul", class_="stale-why").find_all("li")] == [
        f"stale: {STALE_REASON}"
    ]
    current = page_header(stale_run, "FIX-01")
    assert current.find(class_="v-STALE") is None and "STALE" not in current.get_text()
    assert current.find("span", class_="v-FAIL").get_text() == "FAIL"


def test_case_status_says_stale_and_why(stale_run) -> None:
    status = invoke("case", "status", str(stale_run.case.path), "--catalog", str(CATALOG))
    assert status.code == 0, status.err
    (line,) = [line for line in status.out.splitlines() if line.startswith("FIX-03")]
    assert "FAIL" in line and "STALE" in line and STALE_REASON in line
    (current,) = [line for line in status.out.splitlines() if line.startswith("FIX-01")]
    assert "STALE" not in current
