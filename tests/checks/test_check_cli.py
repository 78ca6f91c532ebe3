"""`workbench check ID [CASE]` through the real command line, on the demo camera's case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.demo import build_case, load_demo_case

ROOT = Path(__file__).resolve().parents[2]


def workbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def defective(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_case(load_demo_case("defective"), tmp_path_factory.mktemp("cases")).path


def test_home_names_the_module_notebook_and_parameters() -> None:
    done = workbench("check", "com-02", "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["module"] == "workbench/checks/com_02.py" and (ROOT / info["module"]).is_file()
    assert info["notebook"] == "notebooks/COM-02.ipynb" and (ROOT / info["notebook"]).is_file()
    assert info["page"] == "workbench/checks/com_02.page.yaml" and (ROOT / info["page"]).is_file()
    assert info["tests"] == ["tests/checks/network/test_com_02.py"]
    assert info["parameters"]["min_tls_version"] == "TLS 1.2"  # the catalogue's value, not Python's
    assert info["needs"] == [] and info["optional"] == ["capture", "declaration", "probe"]  # capture or probe


def test_runs_the_check_on_a_case_with_evidence_refs(defective: Path) -> None:
    done = workbench("check", "COM-02", str(defective))
    assert done.returncode == 0, done.stderr
    assert "proposed verdict FAIL" in done.stdout
    assert "demo_defective.pcap · packet" in done.stdout  # each finding points at its packet
    as_json = json.loads(workbench("check", "COM-02", str(defective), "--json").stdout)
    assert as_json["verdict"] == "FAIL" and all(f["evidence"] for f in as_json["findings"])


def test_unknown_id_is_one_line_error() -> None:
    done = workbench("check", "NOPE-99")
    assert done.returncode == 2 and "unknown check id 'NOPE-99'" in done.stderr
    assert "Traceback" not in done.stderr
