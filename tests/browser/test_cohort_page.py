"""The cohort report's page in Chromium, from file://: a trainee named `<script>...` runs no script, the
three plots are drawn (inline SVG, visible, with their text), the refresher's section is there, and a
full-page screenshot is written. The cohort is scripts/screenshot_cohort.py's own simulated one.
"""

from __future__ import annotations

import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cohort_script import load_cohort_script

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cohort_script() -> ModuleType:
    return load_cohort_script()


@pytest.fixture(scope="module")
def cohort_page(cohort_script: ModuleType, chromium: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cohort_script.write_report(tmp_path_factory.mktemp("cohort"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def test_cohort_page_draws_its_plots_runs_no_script_and_is_screenshotted(
    cohort_page: Path, cohort_script: ModuleType, stale_script: ModuleType, chromium: Any, tmp_path: Path
) -> None:
    page = chromium.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(cohort_page.resolve().as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__pwned") is None and page.title() != "PWNED"
        assert page.evaluate("() => document.querySelectorAll('script, img, iframe').length") == 0
        assert cohort_script.HOSTILE in page.inner_text("#scores")  # shown, as text
        for name in ("heatmap", "progress", "missed"):
            box = page.locator(f"svg.plot[aria-label={name}]").bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100, name
        legend = page.locator("svg.plot[aria-label=progress]").text_content() or ""
        assert "Ada Able" in legend and "Ben Bloggs" in legend
        assert "AUTH-02" in page.inner_text("#refresher")
        assert (dialogs, errors) == ([], [])
    finally:
        page.close()

    png = stale_script.screenshot(chromium, cohort_page, tmp_path / "cohort.png")
    width, height = png_size(png)
    assert width == 1400 and height > 1000  # the whole page, past the first screen
