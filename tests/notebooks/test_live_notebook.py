"""00-live-tests.ipynb run by papermill's own CLI as the batch would (interactive = False): the plan and the
newest probe's tables are shown, markup from the device escaped, and nothing is ever probed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from workbench.case import Case, CaseInfo
from workbench.probe.results import ProbeResults

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "00-live-tests.ipynb"
INFO = {"device": "cam", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1}


def run(case: Case, out: Path, *params: str) -> nbformat.NotebookNode:
    command = [sys.executable, "-m", "papermill", "--log-level", "WARNING", str(NOTEBOOK), str(out),
               "-p", "case_dir", str(case.path), "-p", "interactive", "False", *params]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return nbformat.read(out, as_version=4)


def outputs(nb: nbformat.NotebookNode, kind: str = "") -> str:
    kinds = (kind,) if kind else ("text/html", "text/plain")
    return "\n".join(
        str(o.get("data", {}).get(k, ""))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) for k in kinds
    )  # fmt: skip


def test_the_plan_and_the_newest_probe_are_shown_escaped(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate({**INFO, "device_ips": ["127.0.0.1"]}))
    results = ProbeResults(target="127.0.0.1", profile="quick", started="2026-12-06T00:00:00+00:00")
    row = {"test": "port_scan", "transport": "tcp", "port": 23, "state": "open", "service": "telnet"}
    results.add_rows("ports", [{**row, "banner": "<script>alert(1)</script>", "packets": [3]}])
    path = tmp_path / "probe.json"
    results.write(path)
    case.import_artefact(path, "probe", origin="probe")
    nb = run(case, tmp_path / "out.ipynb")
    text, html = outputs(nb), outputs(nb, "text/html")
    assert "port_scan" in text and "brute_force" in text, "the plan"
    assert "Open ports (nmap)" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "never started here" in text


def test_a_target_the_guard_refuses_is_one_line_and_the_rest_runs(tmp_path: Path) -> None:
    info = {**INFO, "device_ips": ["127.0.0.1", "127.0.0.2"]}
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(info))
    text = outputs(run(case, tmp_path / "out.ipynb"))
    assert "No probe planned" in text and "records 2 device addresses" in text
    assert "has not been probed yet" in text
    text = outputs(run(case, tmp_path / "out2.ipynb", "-p", "target", "127.0.0.1"))  # planned, never sent
    assert "Target 127.0.0.1" in text
