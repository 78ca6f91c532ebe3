"""`workbench run` on real fixture notebooks: verdicts, errors that do not stop the batch, parallelism."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import nbformat
from conftest import NOTEBOOKS, invoke, run_fixture


def results(run) -> dict:
    return json.loads((run.bundle / "results.json").read_text())


def rows(run) -> dict[str, dict]:
    return {row["id"]: row for row in results(run)["checks"]}


def subset(row: dict, **expected: object) -> bool:
    return {k: row[k] for k in expected} == expected


def test_prints_the_index_path_and_writes_the_bundle(batch):
    assert batch.index.name == "index.html" and batch.index.is_file()
    assert batch.bundle.parent == batch.out_dir
    name = batch.bundle.name
    assert name.startswith("case-") and name.endswith("Z")
    datetime.strptime(name.removeprefix("case-"), "%Y%m%dT%H%M%SZ")
    assert batch.zip.is_file()


def test_verdicts_sources_and_findings(batch):
    by_id = rows(batch)
    assert list(by_id) == [f"FIX-0{n}" for n in range(1, 9)]  # level 2: FIX-09 (level 3) is not run
    assert subset(by_id["FIX-01"], verdict="FAIL", verdict_source="automatic", findings=2)
    assert by_id["FIX-01"]["reasons"] == ["telnet answers on 2323", "FTP accepts anonymous"]
    assert by_id["FIX-01"]["mappings"]["etsi_en_303_645"] == ["5.1-1"]
    assert by_id["FIX-03"]["verdict"] == "PENDING" and by_id["FIX-03"]["proposed"] == "NEEDS_INSPECTOR"
    assert subset(by_id["FIX-04"], verdict="PASS", verdict_source="inspector", stale=False)
    assert by_id["FIX-04"]["inspector"]["inspector"] == "Ines Inspector"
    assert subset(by_id["FIX-08"], verdict="PASS", verdict_source="automatic", level=2)


def test_failing_notebooks_and_checks_are_error_and_the_batch_goes_on(batch):
    by_id = rows(batch)
    assert "deliberate failure in FIX-02" in by_id["FIX-02"]["error"]
    assert "ValueError" in by_id["FIX-02"]["error"]
    assert "DeadKernelError" in by_id["FIX-05"]["error"]
    assert "no notebook FIX-06.ipynb" in by_id["FIX-06"]["error"]
    assert "ValueError: deliberate check failure in FIX-07" in by_id["FIX-07"]["error"]  # the check raised
    for rid in ("FIX-02", "FIX-05", "FIX-06", "FIX-07"):
        assert by_id[rid]["verdict"] == "ERROR" and by_id[rid]["verdict_source"] == "error"
    for rid in ("FIX-02", "FIX-05", "FIX-07"):  # failed notebooks still have their page and notebook
        assert (batch.bundle / "notebooks" / f"{rid}.html").is_file()
        assert (batch.bundle / "notebooks" / f"{rid}.ipynb").is_file()
    partial = nbformat.read(batch.bundle / "notebooks" / "FIX-02.ipynb", as_version=4)
    code_cells = [c for c in partial.cells if c.cell_type == "code"]
    printed = [o.get("text", "") for c in code_cells for o in c.get("outputs", [])]
    assert any("about to fail" in text for text in printed)  # executed cells before the error are kept
    assert "ERROR FIX-02" in batch.invocation.err


def test_overall_result_per_level(batch):
    overall = results(batch)["overall"]
    assert set(overall) == {"1", "2"}
    assert overall["1"]["result"] == "FAIL" and overall["1"]["failed"] == ["FIX-01"]
    assert overall["2"]["requirements"] == 8 and overall["2"]["passed"] == 2  # FIX-04, FIX-08
    pending = {p["id"] for p in overall["2"]["pending"]}
    assert pending == {"FIX-02", "FIX-03", "FIX-05", "FIX-06", "FIX-07"}


def test_notebooks_ran_in_parallel_each_in_its_own_kernel(batch):
    spans = []
    for path in sorted((batch.bundle / "notebooks").glob("*.ipynb")):
        meta = nbformat.read(path, as_version=4).metadata["papermill"]
        spans.append((datetime.fromisoformat(meta["start_time"]), datetime.fromisoformat(meta["end_time"])))
        assert meta["parameters"]["interactive"] is False
    spans.sort()
    overlaps = sum(1 for (s1, e1), (s2, _) in zip(spans, spans[1:], strict=False) if s2 < e1)
    assert overlaps >= 1, "with --jobs 2, at least two notebooks must have run at the same time"


def test_case_overview_is_executed_and_linked(batch):
    page = (batch.bundle / "notebooks" / "00-case-overview.html").read_text()
    assert "model: Acme C100" in page
    assert 'href="notebooks/00-case-overview.html"' in batch.index.read_text()
    assert results(batch)["overview"] == {"page": "notebooks/00-case-overview.html", "error": None}


def test_results_json_has_every_field(batch):
    data = results(batch)
    assert data["catalog_edition"] == "test.1" and data["level"] == 2 and data["partial"] is False
    assert data["case"]["vendor"] == "Acme"
    for row in data["checks"]:
        for key in ("id", "title", "level", "automation", "verdict", "verdict_source", "stale", "findings",
                    "reasons", "error", "mappings", "page"):
            assert key in row, (row["id"], key)
    assert data["evidence_to_add"] == {}


def test_timeout_is_error_and_strict_exits_non_zero(tmp_path):
    run = run_fixture(tmp_path, "--only", "FIX-09", "--timeout", "3", "--strict")
    assert run.invocation.code == 1
    row = rows(run)["FIX-09"]
    assert row["verdict"] == "ERROR" and "Timeout" in row["error"]
    assert (run.bundle / "notebooks" / "FIX-09.html").is_file()
    assert invoke("verify", str(run.zip)).code == 0  # an ERROR bundle is still sealed


def test_a_missing_case_is_one_line_and_non_zero(tmp_path):
    result = invoke("run", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert result.err.strip().count("\n") == 0 and "no such case folder" in result.err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_no_notebooks_is_an_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_fixture(tmp_path, "--notebooks", str(empty))
    assert run.invocation.code == 2 and "no notebooks" in run.invocation.err


def test_unknown_only_id_is_an_error(tmp_path):
    run = run_fixture(tmp_path, "--only", "FIX-01,NOPE-99")
    assert run.invocation.code == 2 and "NOPE-99" in run.invocation.err


def test_fixture_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and "case_dir: str" in tagged[0].source, path
    assert Path(NOTEBOOKS / "FIX-06.ipynb").exists() is False  # FIX-06 is the missing notebook
