"""The inspector's walk-through in JupyterLab, in Chromium: `workbench lab` on the defective demo case,
a check notebook run from the menu, a verdict recorded through the widget, shown after a reload and
stored in the case with its hashes; the saved notebook reopened on a fresh kernel.

One lab server for the module; the tests run in order on the same notebook (COM-01).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from browser_helpers import (
    WIDGET_ERROR,
    LabServer,
    failed,
    open_notebook,
    run_all_cells,
    save_notebook,
    start_lab,
    tracebacks,
    widgets_settled,
)

from workbench import analysis
from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.catalog.fingerprint import requirement_sha256
from workbench.demo import build_case, load_demo_case

pytestmark = pytest.mark.browser

NOTEBOOK = "COM-01.ipynb"
REQUIREMENT = "COM-01"
RATIONALE = "telnet login <b>root</b> in clear at packet 15; seen in Wireshark"
INSPECTOR = "Ines Browser"
PANEL = "Inspector's verdict (from the case's verdict store)"


@dataclass
class Lab:
    case: Case
    server: LabServer
    page: Any


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[Lab]:
    root = tmp_path_factory.mktemp("lab")
    case = build_case(load_demo_case("defective"), root / "cases")
    analysis.prepare(case)  # as the batch would have: the notebook reads the cached analysis
    server = start_lab(case.path, root / "jupyter")
    page = chromium.new_page()
    try:
        yield Lab(case, server, page)
    finally:
        page.close()
        server.stop()


@pytest.fixture(autouse=True)
def shown_when_failed(request: pytest.FixtureRequest, lab: Lab, tmp_path) -> Iterator[None]:
    """A failed test leaves a screenshot of the page and prints the lab's log (in the report)."""
    yield
    if failed(request):
        lab.page.screenshot(path=str(tmp_path / "failed.png"), full_page=False)
        print(f"page: {tmp_path / 'failed.png'}\nlab log (end):\n{lab.server.log.read_text()[-3000:]}")


def widget(page: Any, kind: str, label: str) -> Any:
    """The input of the verdict widget's control labelled `label` (kind: the ipywidgets class)."""
    return page.locator(f".widget-{kind}", has=page.locator("label", has_text=label))


def records(case: Case) -> list[dict[str, Any]]:
    folder = case.path / "verdicts" / REQUIREMENT
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def verdict_panel(page: Any) -> Any:
    return page.locator(".jp-OutputArea-output", has_text=PANEL)


def test_run_all_record_through_the_widget_reload_and_find_it(lab: Lab) -> None:
    page = lab.page
    open_notebook(page, lab.server, NOTEBOOK)
    run_all_cells(page)
    assert tracebacks(page) == []
    assert records(lab.case) == []
    widget(page, "dropdown", "Verdict").locator("select").select_option("FAIL")
    widget(page, "textarea", "Rationale").locator("textarea").fill(RATIONALE)
    widget(page, "text", "Inspector").locator("input").fill(INSPECTOR)
    page.get_by_role("button", name="Record verdict").click()
    page.get_by_text("Recorded in the case at").wait_for()

    (record,) = records(lab.case)
    assert (record["verdict"], record["inspector"], record["rationale"]) == ("FAIL", INSPECTOR, RATIONALE)
    current = lab.case.current_hashes()  # the hashes of what COM-01 judged: the capture
    assert record["artefact_hashes"] == {"demo_defective.pcap": current["demo_defective.pcap"]}
    catalog = load_catalog(lab.case.info.catalog_edition)
    assert record["catalog_edition"] == catalog.edition == lab.case.info.catalog_edition
    assert record["requirement_sha256"] == requirement_sha256(catalog.get(REQUIREMENT))
    assert record["evidence_refs"] and all("demo_defective.pcap" in ref for ref in record["evidence_refs"])

    save_notebook(page)
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    panel = verdict_panel(page)
    panel.wait_for()
    shown = panel.inner_text()
    assert "FAIL" in shown and INSPECTOR in shown and RATIONALE in shown  # markup shown as text
    assert record["recorded_at"][:19] in shown
    assert WIDGET_ERROR not in page.inner_text("body")


def reopen_on_a_fresh_kernel(lab: Lab) -> None:
    assert lab.server.end_sessions() == 1  # the kernel that ran it is gone
    open_notebook(lab.page, lab.server, NOTEBOOK)
    widgets_settled(lab.page)


def test_saved_notebook_reopened_on_a_fresh_kernel_shows_the_verdict(lab: Lab) -> None:
    saved = json.loads((lab.case.path / "walkthrough" / NOTEBOOK).read_text())
    (form,) = [c for c in saved["cells"] if "ui.verdict_panel(session)" in "".join(c["source"])]
    assert form["outputs"], "the saved notebook holds the widget's output"
    reopen_on_a_fresh_kernel(lab)  # nothing run yet: the page shows the saved outputs
    assert WIDGET_ERROR not in lab.page.inner_text("body"), (
        "the saved verdict widget is an error once its kernel is gone (JupyterLab saves no widget state)"
    )
    shown = verdict_panel(lab.page).inner_text()
    assert INSPECTOR in shown and RATIONALE in shown


def test_saved_notebook_run_again_on_a_fresh_kernel_shows_the_verdict(lab: Lab) -> None:
    (record,) = records(lab.case)
    reopen_on_a_fresh_kernel(lab)
    run_all_cells(lab.page)
    assert tracebacks(lab.page) == []
    shown = verdict_panel(lab.page).inner_text()
    assert INSPECTOR in shown and RATIONALE in shown and "FAIL" in shown
    assert WIDGET_ERROR not in lab.page.inner_text("body")
    assert records(lab.case) == [record]  # running it again records nothing
