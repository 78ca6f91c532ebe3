"""A stale inspector verdict is unmistakable in the bundle: its own colour and the word STALE with its
reasons in index.html's verdict column and in the requirement page's header; a current FAIL is not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

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


STALE_VIOLET = (0x6A, 0x1B, 0x9A)  # .badge-stale's background in templates/bundle/index.html.j2


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (the project's set-up)")
def test_a_screenshot_of_the_index_shows_the_stale_badge(stale_run, tmp_path) -> None:
    """Headless Chromium draws the index (no script runs: the page's CSP forbids it) with the violet
    STALE badge; the same page with the stale row taken out has no violet at all."""
    import numpy as np
    from PIL import Image

    def violet_pixels(page: Path) -> int:
        shot = tmp_path / f"{page.stem}.png"
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--window-size=1400,2400", f"--screenshot={shot}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
        pixels = np.asarray(Image.open(shot).convert("RGB"))
        return int((pixels == STALE_VIOLET).all(axis=-1).sum())

    index = stale_run.index
    assert violet_pixels(index) > 200  # the badge's background, at least
    soup = BeautifulSoup(index.read_text(), "html.parser")
    for tag in soup.select(".row-stale, .v-STALE"):
        tag.decompose()
    current_only = tmp_path / "current-only.html"
    current_only.write_text(str(soup))
    assert violet_pixels(current_only) == 0
    keep = os.environ.get("WORKBENCH_SCREENSHOT_DIR")
    if keep:  # a copy for a person to look at
        shutil.copy(tmp_path / f"{index.stem}.png", Path(keep) / "index-with-stale-verdict.png")
