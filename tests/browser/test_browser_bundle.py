"""A bundle's pages in Chromium, from file://: markup planted in the case (device, vendor, model,
inspector, rationale) runs no script on any page, and the pages' Content-Security-Policy is enforced;
the index shows a stale inspector verdict as stale, and a screenshot of it is written.

One bundle for the module, made by scripts/screenshot_stale_index.py's own builder (the defective
demo case, a FAIL recorded on COM-01, a capture added after it, `workbench run --only COM-01,AUTH-01`).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.browser

MARK = "PWNED-7c1e"  # what a payload that ran would put in document.title and window.__pwned
PAYLOADS = {
    "device": f"<script>window.__pwned='device';document.title='{MARK}'</script> camera",
    "vendor": f"<img src=x onerror=\"window.__pwned='vendor';document.title='{MARK}'\">",
    "model": f"C100\"><svg onload=\"window.__pwned='model';document.title='{MARK}'\">",
    "serial_number": f"'><iframe srcdoc=\"<script>parent.__pwned='serial'</script>\"></iframe>{MARK}",
    "inspectors": [f"Ines <b onmouseover=\"window.__pwned='inspector'\">{MARK}</b>"],
}
PAGES = ("index.html", "notebooks/COM-01.html", "notebooks/AUTH-01.html", "notebooks/00-case-overview.html",
         "formats/ts-103-701.html")


@dataclass
class Watched:
    """A page opened with its console messages, dialogs and uncaught errors collected."""

    page: Any
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def index(stale_script: ModuleType, chromium: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stale_script.build_stale_bundle(tmp_path_factory.mktemp("bundle"), case_fields=PAYLOADS)


@pytest.fixture
def watch(chromium: Any) -> Iterator[Any]:
    opened: list[Watched] = []

    def open_page(path: Path) -> Watched:
        watched = Watched(chromium.new_page())
        opened.append(watched)
        watched.page.on("console", lambda m: watched.console.append(f"{m.type}: {m.text}"))
        watched.page.on("dialog", lambda d: (watched.dialogs.append(d.message), d.dismiss()))
        watched.page.on("pageerror", lambda e: watched.errors.append(str(e)))
        watched.page.goto(path.resolve().as_uri())
        watched.page.wait_for_load_state("load")
        return watched

    yield open_page
    for watched in opened:
        watched.page.close()


@pytest.mark.parametrize("name", PAGES)
def test_markup_from_the_case_runs_no_script(index: Path, watch: Any, name: str) -> None:
    watched = watch(index.parent / name)
    page = watched.page
    assert page.evaluate("() => window.__pwned") is None
    assert page.title() != MARK
    planted = "script, iframe, svg, [onerror], [onload], [onmouseover]"
    assert page.evaluate("selector => document.querySelectorAll(selector).length", planted) == 0
    text = page.inner_text("body")
    if name != "formats/ts-103-701.html":  # the TS 103 701 page names the device by vendor and model
        assert PAYLOADS["device"] in text  # shown, as text
    assert PAYLOADS["vendor"] in text or PAYLOADS["vendor"] in page.title()
    assert (watched.dialogs, watched.errors) == ([], [])


def test_the_pages_content_security_policy_is_enforced(index: Path, watch: Any) -> None:
    """A script or inline handler put into the page after it loaded is refused by its CSP too."""
    watched = watch(index)
    page = watched.page
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "default-src 'none'" in policy and "script-src" not in policy  # scripts fall back to none
    page.evaluate(
        """() => {
          window.__refused = [];
          document.addEventListener(
            'securitypolicyviolation', e => window.__refused.push(e.violatedDirective));
          const script = document.createElement('script');
          script.textContent = "window.__pwned = 'injected script'";
          document.body.append(script);
          const img = document.createElement('img');
          img.setAttribute('onerror', "window.__pwned = 'inline handler'");
          img.src = 'data:,not-an-image';
          document.body.append(img);
        }"""
    )
    page.wait_for_function("() => window.__refused.length >= 2")  # the script and the handler
    assert page.evaluate("() => window.__pwned") is None
    assert all(directive.startswith("script-src") for directive in page.evaluate("() => window.__refused"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


def test_stale_verdict_stands_out_in_the_index_and_its_screenshot(
    index: Path, watch: Any, stale_script: ModuleType, chromium: Any, tmp_path: Path
) -> None:
    page = watch(index).page
    row = page.locator("tr#COM-01")
    assert "row-stale" in (row.get_attribute("class") or "")
    cell = row.locator(".v-STALE")
    assert "FAIL" in cell.inner_text() and "STALE" in cell.locator(".badge-stale").inner_text()
    assert "demo_clean.pcap added since" in row.inner_text()
    fresh = page.locator("tr#AUTH-01")
    assert "row-stale" not in (fresh.get_attribute("class") or "") and fresh.locator(".v-STALE").count() == 0

    png = stale_script.screenshot(chromium, index, tmp_path / "stale-index.png")
    width, height = png_size(png)
    assert width == 1400 and height > 1000  # the whole page, past the first screen
