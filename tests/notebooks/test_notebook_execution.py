"""The notebooks run in a real kernel with papermill: on a case with no evidence at all, through
papermill's CLI, after a verdict was recorded, and on the demo device once its sample data exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nb_helpers import NOTEBOOKS, ROOT, all_text, execute, make_case, published

PAPERMILL = Path(sys.executable).with_name("papermill")
SAMPLES = ROOT / "sample_captures"
REPRESENTATIVE = ["COM-01", "AUTH-01", "ATK-05", "VULN-01"]


@pytest.fixture(scope="module")
def empty_case(tmp_path_factory, catalog_source):
    """A case with no capture, no firmware and no declaration."""
    return make_case(tmp_path_factory.mktemp("empty") / "cam", catalog_source=catalog_source)


@pytest.mark.parametrize("rid", REPRESENTATIVE)
def test_runs_on_a_case_without_evidence(rid, empty_case, catalog_source, tmp_path) -> None:
    nb = execute(
        NOTEBOOKS / f"{rid}.ipynb",
        tmp_path,
        case_dir=str(empty_case.path),
        requirement_id=rid,
        catalog=catalog_source,
        interactive=False,
    )
    (payload,) = published(nb)
    assert payload["requirement_id"] == rid
    result = payload["result"]
    assert result["verdict"] == "INCONCLUSIVE"
    assert result["missing_evidence"], "the result names the evidence to add"
    html = all_text(nb)
    assert "No inspector verdict recorded yet." in html
    if rid == "VULN-01":
        assert payload["final"] == {"verdict": "PENDING", "source": "pending", "stale": False}
        assert "What to examine" in html and "--requirement VULN-01" in html
    else:
        assert payload["final"] == {"verdict": "INCONCLUSIVE", "source": "automatic", "stale": False}
        assert "no evidence of this kind" in html
    assert "<script>" not in html


def test_overview_runs_on_a_case_without_evidence(empty_case, catalog_source, tmp_path) -> None:
    nb = execute(
        NOTEBOOKS / "00-case-overview.ipynb",
        tmp_path,
        case_dir=str(empty_case.path),
        catalog=catalog_source,
        interactive=False,
    )
    assert published(nb) == []
    html = all_text(nb)
    assert "The case holds no artefacts yet." in html
    assert "not ready" in html  # readiness: nothing decided
    assert "capture — needed by" in html and "COM-01" in html
    assert "inspector verdicts pending for" in html


def test_papermill_cli_runs_a_notebook(empty_case, catalog_source, tmp_path) -> None:
    out = tmp_path / "out.ipynb"
    command = [
        str(PAPERMILL),
        str(NOTEBOOKS / "COM-01.ipynb"),
        str(out),
        "-p",
        "case_dir",
        str(empty_case.path),
        "-p",
        "interactive",
        "False",
        "--cwd",
        str(tmp_path),
    ]
    if catalog_source:
        command += ["-p", "catalog", catalog_source]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env={**os.environ, "CI": "true"}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import nbformat

    (payload,) = published(nbformat.read(out, as_version=4))
    assert payload["result"]["verdict"] == "INCONCLUSIVE"


def test_papermill_cli_describes_the_parameters() -> None:
    done = subprocess.run(
        [str(PAPERMILL), "--help-notebook", str(NOTEBOOKS / "ATK-05.ipynb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "case_dir: str" in done.stdout and "path to the device case folder" in done.stdout


def test_rerun_shows_the_recorded_verdict_and_keeps_the_store(tmp_path, catalog_source) -> None:
    from workbench.notebook import open_check

    case = make_case(tmp_path / "cam", catalog_source=catalog_source)
    open_check(case.path, "COM-01", catalog_source).record(
        "PASS", "Watched every login: TLS only.", "Alice Example"
    )
    before = sorted(p.name for p in (case.path / "verdicts" / "COM-01").iterdir())
    for interactive in (True, False):
        nb = execute(
            NOTEBOOKS / "COM-01.ipynb",
            tmp_path / f"run-{interactive}",
            case_dir=str(case.path),
            catalog=catalog_source,
            interactive=interactive,
        )
        (payload,) = published(nb)
        assert payload["final"] == {"verdict": "PASS", "source": "inspector", "stale": False}
        assert "Recorded verdict: PASS by Alice Example" in all_text(nb, "text/plain")
    assert sorted(p.name for p in (case.path / "verdicts" / "COM-01").iterdir()) == before


# --- the demo device --------------------------------------------------------------------------------
DEMO = SAMPLES / "cases" / "defective" / "device.yaml"


def demo_description() -> dict | None:
    """The defective demo device (sample_captures/cases/defective), once its files are generated."""
    import yaml

    if not DEMO.is_file():
        return None
    described = yaml.safe_load(DEMO.read_text())
    files = [DEMO.parent / a["file"] for a in described["artefacts"]]
    return described if all(f.is_file() for f in files) else None


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory, catalog_source):
    described = demo_description()
    if described is None:
        pytest.skip("the demo device's sample files are not generated yet")
    from workbench.analysis import prepare
    from workbench.case import Case, CaseInfo

    case = Case.create(tmp_path_factory.mktemp("demo") / "cam", CaseInfo.model_validate(described["case"]))
    for artefact in described["artefacts"]:
        case.add_artefact(DEMO.parent / artefact["file"], artefact["kind"])
    if described.get("declaration"):
        case.declare(DEMO.parent / described["declaration"])
    prepare(case)  # analyse once; every notebook reads the cache
    return case


@pytest.mark.parametrize(
    ("rid", "marker"),
    [
        ("COM-01", "Credentials seen in clear"),
        ("AUTH-01", "Accounts in the image"),
        ("ATK-05", "Binary hardening: nx"),
        ("COM-04", "Traffic over time"),
    ],
)
def test_demo_device_fails_with_findings(rid, marker, demo_case, catalog_source, tmp_path) -> None:
    nb = execute(
        NOTEBOOKS / f"{rid}.ipynb",
        tmp_path,
        case_dir=str(demo_case.path),
        catalog=catalog_source,
        interactive=False,
    )
    (payload,) = published(nb)
    assert payload["result"]["verdict"] == "FAIL", payload["result"]["reasons"]
    assert payload["result"]["findings"]
    assert payload["final"]["source"] == "automatic"
    assert set(payload["result"]["evidence_used"]) <= set(demo_case.current_hashes().values())
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert marker in outputs
    assert "no evidence of this kind" not in all_text(nb)


def test_demo_device_assisted_requirement_waits_for_the_inspector(
    demo_case, catalog_source, tmp_path
) -> None:
    nb = execute(
        NOTEBOOKS / "INT-01.ipynb",
        tmp_path,
        case_dir=str(demo_case.path),
        catalog=catalog_source,
        interactive=False,
    )
    (payload,) = published(nb)
    assert payload["final"] == {"verdict": "PENDING", "source": "pending", "stale": False}
    assert "Entropy profile of" in all_text(nb, "text/plain")
    assert "What to examine" in all_text(nb)


def test_demo_device_tables_with_their_own_sha256_column(demo_case, catalog_source) -> None:
    """The firmware `files` table has a per-file sha256; the notebook still labels each row's image."""
    from workbench.notebook import open_check

    session = open_check(demo_case.path, "SEC-03", catalog_source, interactive=False)
    files = session.table("firmware", "files")
    assert not files.empty and set(files["artefact"]) == {a.name for a in demo_case.artefacts("firmware")}
    assert files["sha256"].str.len().eq(64).any()  # the files' own hashes are kept
    from workbench.ui.tables import sensitive_files

    sensitive = sensitive_files(files, session.table("firmware", "keys"))
    assert "/etc/shadow" in set(sensitive["path"])


HEAVY = ("scapy", "lief", "matplotlib", "ipywidgets", "unblob", "elftools", "papermill")


def test_notebooks_read_cached_analyses_without_heavy_imports(demo_case, catalog_source) -> None:
    """What a batch notebook does before a plot loads none of scapy, lief, matplotlib or ipywidgets."""
    code = f"""
import sys
from workbench import ui
from workbench.notebook import open_check
for rid, kind, table in [("COM-01", "capture", "credentials"), ("ATK-05", "firmware", "binaries")]:
    session = open_check({str(demo_case.path)!r}, rid, {catalog_source!r}, interactive=False)
    assert session.result.findings and not session.table(kind, table).empty
    session.outcome()
print(sorted(m for m in {HEAVY!r} if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
