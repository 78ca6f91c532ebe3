"""The batch judges once: results.json holds what the judgement computes from the checks directly,
and each notebook shows the batch's outcome, not one of its own."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import invoke
from corpus_captures import CORPUS

from workbench.case import Case, CaseInfo
from workbench.catalog import load_catalog
from workbench.checks.base import CheckResult, Verdict
from workbench.checks.context import EvidenceContext
from workbench.errors import CheckError, WorkbenchError
from workbench.judgement import assess, hashes_now, judge, write_outcome
from workbench.notebook import MIME_TYPE, open_case, open_check
from workbench.ui.overview import READINESS

PCAP = CORPUS / "zeek__http_basic-auth-with-colon.pcap"  # credentials in clear: COM-01 fails
ONLY = ["COM-01", "COM-02", "AUTH-01", "AUTH-04", "VULN-01", "UPD-03"]


@pytest.fixture(scope="module")
def judged_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, Path]:
    root = tmp_path_factory.mktemp("judged")
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=1,
                    inspectors=["alice"])
    case = Case.create(root / "cam", info)
    case.add_artefact(PCAP, "capture")
    declaration = root / "declaration.yaml"
    declaration.write_text("support_period: {end: 2030-12-31}\ndisclosure: {contact: psirt@acme.example}\n")
    case.declare(declaration)
    requirement = load_catalog(None).get("AUTH-04")
    case.verdicts.record("AUTH-04", "FAIL", "the web UI offers no way to change the password", "alice",
                         artefact_hashes=case.judged_hashes(requirement.evidence, "AUTH-04"))
    run = invoke("run", str(case.path), "--out", str(root / "evidence"), "--only", ",".join(ONLY),
                 "--jobs", "2", "--no-progress")  # fmt: skip
    assert run.code == 0, run.err
    return case, Path(run.out.strip().splitlines()[-1]).parent


def test_results_hold_the_judgement_of_the_checks_run_directly(judged_run) -> None:
    case, bundle = judged_run
    rows = {r["id"]: r for r in json.loads((bundle / "results.json").read_text())["checks"]}
    catalog = load_catalog(None)
    hashes = hashes_now(case)
    for rid in ONLY:
        state = assess(EvidenceContext(case, catalog.get(rid)), hashes)
        row = rows[rid]
        assert (row["verdict"], row["verdict_source"]) == (state.verdict, state.source), rid
        assert row["stale"] is state.stale is False, rid
        assert (row["proposed"], row["reasons"]) == (state.proposed, state.reasons), rid
        assert row["findings"] == len(state.result.findings) and row["error"] is None, rid
    assert (rows["COM-01"]["verdict"], rows["COM-01"]["verdict_source"]) == ("FAIL", "automatic")
    assert (rows["AUTH-04"]["verdict"], rows["AUTH-04"]["verdict_source"]) == ("FAIL", "inspector")
    assert (rows["VULN-01"]["verdict"], rows["VULN-01"]["verdict_source"]) == ("PENDING", "pending")


def test_each_notebook_shows_the_batchs_outcome(judged_run) -> None:
    _, bundle = judged_run
    rows = {r["id"]: r for r in json.loads((bundle / "results.json").read_text())["checks"]}
    for rid in ONLY:
        nb = nbformat.read(bundle / "notebooks" / f"{rid}.ipynb", as_version=4)
        assert nb.metadata["papermill"]["parameters"]["outcome_path"].endswith(f"{rid}/outcome.json")
        (shown,) = [o["data"][MIME_TYPE] for c in nb.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if MIME_TYPE in o.get("data", {})]
        row = rows[rid]
        assert shown["final"] == {"verdict": row["verdict"], "source": row["verdict_source"],
                                  "stale": row["stale"]}, rid
        assert shown["result"]["verdict"] == row["proposed"] and shown["result"]["reasons"] == row["reasons"]


def test_a_session_given_an_outcome_shows_it_and_does_not_run_the_check(judged_run, tmp_path) -> None:
    case, _ = judged_run
    requirement = load_catalog(None).get("COM-01")
    used = (case.artefacts()[0].sha256,)
    given = CheckResult("COM-01", Verdict.PASS, ("the batch said so",), evidence_used=used)
    path = write_outcome(tmp_path / "COM-01" / "outcome.json", judge(case, requirement, given))
    session = open_check(case.path, "COM-01", interactive=False, outcome_path=str(path))
    assert session.result.reasons == ("the batch said so",)  # the real check would say FAIL
    assert session.final.to_dict() == {"verdict": "PASS", "source": "automatic", "stale": False}
    assert open_check(case.path, "COM-01", interactive=False).final.verdict == "FAIL"
    broken = write_outcome(tmp_path / "AUTH-01" / "outcome.json",
                           judge(case, load_catalog(None).get("AUTH-01"), None, error="ValueError: boom"))
    with pytest.raises(CheckError, match="the check failed in the batch: ValueError: boom"):
        _ = open_check(case.path, "AUTH-01", interactive=False, outcome_path=str(broken)).result
    with pytest.raises(WorkbenchError, match="the outcome is AUTH-01's"):
        open_check(case.path, "COM-01", interactive=False, outcome_path=str(broken))


class _Tables(HTMLParser):
    """The tables of a page, each as rows of cell texts (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_table(page: Path, *columns: str) -> list[dict[str, str]]:
    parser = _Tables()
    parser.feed(page.read_text())
    (table,) = [t for t in parser.tables if t and set(columns) <= set(t[0])]
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def test_the_overview_page_shows_the_rows_and_levels_of_results_json(judged_run) -> None:
    _, bundle = judged_run
    results = json.loads((bundle / "results.json").read_text())
    page = bundle / "notebooks" / "00-case-overview.html"
    assert f"only the {len(ONLY)} requirement(s) selected: {', '.join(ONLY)}" in page.read_text()
    shown = {r["id"]: r for r in page_table(page, "id", "final verdict", "source")}
    rows = {r["id"]: r for r in results["checks"]}
    assert set(shown) == set(rows) == set(ONLY)  # not the whole catalogue judged again
    for rid, row in rows.items():
        assert (shown[rid]["final verdict"], shown[rid]["source"]) == (row["verdict"], row["verdict_source"])
    readiness = page_table(page, "level", "requirements", "status")
    assert len(readiness) == len(results["overall"]) == results["level"]
    for shown_level, level in zip(readiness, results["overall"].values(), strict=True):
        assert shown_level["requirements"] == str(level["requirements"])
        assert shown_level["passed or not applicable"] == str(level["passed"])
        assert sorted(filter(None, shown_level["failed"].split(", "))) == sorted(level["failed"])
        assert shown_level["status"].startswith(READINESS[level["result"]])


def test_a_rerun_after_the_batch_judges_here_only_interactively(judged_run, tmp_path, capsys) -> None:
    case, _ = judged_run
    gone = tmp_path / "wb-batch-gone"  # an executed bundle notebook names the batch's deleted folder
    outcome = str(gone / "COM-01" / "outcome.json")
    session = open_check(case.path, "COM-01", interactive=True, outcome_path=outcome)
    assert session.given is None and session.final.verdict == "FAIL"  # the check ran here
    assert "no longer exists: judged here" in capsys.readouterr().out
    with pytest.raises(WorkbenchError, match="cannot read the batch's outcome"):
        open_check(case.path, "COM-01", interactive=False, outcome_path=outcome)
    overview = open_case(case.path, interactive=True, states_path=str(gone / "states.json"))
    assert overview.judged is None and overview.top_level == 3
    assert "no longer exists: judged here" in capsys.readouterr().out
    with pytest.raises(WorkbenchError, match="cannot read the batch's judged states"):
        open_case(case.path, interactive=False, states_path=str(gone / "states.json"))
