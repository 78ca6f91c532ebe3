"""The shared base of the procedural checks (workbench/checks/_procedural.py): declared values read
as plain data, explicit "none" statements, and catalogue parameters in the procedure, including a
lab's own catalogue that changes or leaves out one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from proccases import FULL, make_case, run

from workbench.case.declaration import load_declaration
from workbench.catalog.loader import EDITIONS_DIR, newest_edition
from workbench.checks import Verdict
from workbench.checks._procedural import declared, is_stated, says_none


@pytest.mark.parametrize(
    ("value", "none"),
    [
        ("none", True),
        ("Not supported.", True),
        ("N/A", True),
        ("factory reset", False),
        (None, False),
        ([], False),
    ],
)
def test_says_none_reads_explicit_negative_statements(value: Any, none: bool) -> None:
    assert says_none(value) is none


def test_declared_fields_as_plain_data_and_stated_only_when_written(tmp_path: Path) -> None:
    source = tmp_path / "declaration.yaml"
    source.write_text(
        yaml.safe_dump({"manufacturer": "Acme", **{k: FULL[k] for k in ("support_period", "sensors")}})
    )
    declaration = load_declaration(source)
    assert declared(declaration, "support_period") == {
        "end": "2031-12-31",
        "published_at": "https://acme.example/c100/support",
    }
    assert declared(declaration, "sensors") == ["camera", "microphone"]
    assert is_stated(declaration, "sensors") and not is_stated(declaration, "personal_data")
    assert declared(None, "sensors") is None and not is_stated(None, "sensors")


def lab_catalogue(folder: Path, requirement_id: str, parameters: dict[str, Any] | None) -> Path:
    """The bundled edition as a lab's folder, one requirement's parameters replaced (None: removed)."""
    data = yaml.safe_load((EDITIONS_DIR / f"{newest_edition()}.yaml").read_text(encoding="utf-8"))
    (requirement,) = [r for r in data["requirements"] if r["id"] == requirement_id]
    requirement["parameters"] = parameters or {}
    data["edition"] = "lab-1"
    folder.mkdir(parents=True)
    (folder / "catalogue.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_labs_required_fields_and_missing_hint_parameter(tmp_path: Path) -> None:
    case = make_case(tmp_path, "full", FULL)
    lab = lab_catalogue(
        tmp_path / "lab", "VULN-01", {"required_declaration_fields": ["support_period.end", "sensors"]}
    )
    assert run(case, "VULN-01", lab).verdict is Verdict.NEEDS_INSPECTOR  # both are declared
    stricter = lab_catalogue(tmp_path / "strict", "VULN-01", {"required_declaration_fields": ["telemetry"]})
    failed = run(case, "VULN-01", stricter)
    assert failed.verdict is Verdict.FAIL and failed.findings[0].data["field"] == "telemetry"

    silent = lab_catalogue(tmp_path / "silent", "RES-01", {"power_cycles": 5})
    reasons = " ".join(run(case, "RES-01", silent).reasons)
    assert "5 times" in reasons and "10 minutes" in reasons  # the bundled edition stands in
    assert "no parameter 'network_outage_minutes'" in reasons
