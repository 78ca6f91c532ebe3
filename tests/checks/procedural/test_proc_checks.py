"""Procedural (manual) checks on real device cases: no declaration, a full one, and declarations
that admit non-conformity."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.case import Case, CaseInfo
from workbench.checks import Verdict, get_check
from workbench.checks.context import EvidenceContext

NEEDS_DECLARATION = ("VULN-01", "UPD-03", "UPD-05", "DATA-01", "DATA-02", "INST-01")
NEEDS_INSPECTOR = ("AUTH-04", "ATK-08", "DEL-01", "RES-01")

FULL = {
    "manufacturer": "Acme",
    "model": "C100",
    "default_passwords": "user-set",
    "disclosure": {"contact": "security@acme.example", "policy_url": "https://acme.example/psirt"},
    "support_period": {"end": "2031-12-31", "published_at": "https://acme.example/c100/support"},
    "update": {"mechanism": "OTA from vendor cloud", "automatic": True, "signed": True},
    "personal_data": ["video recordings", "Wi-Fi credentials"],
    "sensors": ["camera", "microphone"],
    "erase": {"method": "factory reset in the app, then hold reset for 10 s"},
    "debug_interfaces": ["UART (disabled in production)"],
    "cloud_endpoints": ["*.acme-cloud.example"],
    "notes": "Quick start guide asks the user to set a password at first boot.",
}
ADMITS = {
    "manufacturer": "Acme",
    "disclosure": {"policy_url": "https://acme.example/psirt"},
    "support_period": {"published_at": "https://acme.example/c100/support"},
    "update": {"mechanism": "manual upload", "automatic": False},
    "erase": {"method": "none"},
}


def make_case(base: Path, name: str, declaration: dict | None) -> Case:
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=3)
    case = Case.create(base / name, info)
    if declaration is not None:
        source = base / f"{name}.yaml"
        source.write_text(yaml.safe_dump(declaration))
        case.declare(source)
    return case


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    base = tmp_path_factory.mktemp("procedural")
    return {
        name: make_case(base, name, decl)
        for name, decl in (
            ("none", None),
            ("full", FULL),
            ("admits", ADMITS),
            ("empty", {"manufacturer": "Acme"}),
        )
    }


def run(case: Case, requirement_id: str):
    return get_check(requirement_id).run(EvidenceContext.for_case(case.path, requirement_id))


@pytest.mark.parametrize("rid", NEEDS_DECLARATION)
def test_without_declaration_inconclusive(cases, rid):
    result = run(cases["none"], rid)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "declaration" in result.reasons[0]


@pytest.mark.parametrize("rid", NEEDS_INSPECTOR)
def test_hands_on_requirements_need_the_inspector_even_without_declaration(cases, rid):
    result = run(cases["none"], rid)
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert "no declaration" in result.reasons[0]


@pytest.mark.parametrize("rid", NEEDS_DECLARATION + NEEDS_INSPECTOR)
def test_full_declaration_laid_out_for_the_inspector(cases, rid):
    result = run(cases["full"], rid)
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
    declared = result.indicators["declared"]
    assert declared and any(v not in (None, [], {}) for v in declared.values())
    assert result.evidence_used  # the declaration's hash
    assert result.reasons[-1].endswith("record what was examined as evidence")


@pytest.mark.parametrize(
    ("rid", "field"),
    [
        ("VULN-01", "disclosure.contact"),
        ("UPD-03", "support_period.end"),
        ("UPD-05", "update.automatic"),
        ("DEL-01", "erase.method"),
    ],
)
def test_declaration_admitting_non_conformity_fails(cases, rid, field):
    case = cases["admits"]
    result = run(case, rid)
    assert result.verdict is Verdict.FAIL
    [finding] = result.findings
    ref = finding.evidence[0]
    assert (ref.artefact, ref.note, ref.sha256) == ("declaration", field, case.declaration_sha256())


def test_vuln01_fails_a_declaration_silent_on_disclosure(cases):
    result = run(cases["empty"], "VULN-01")
    assert result.verdict is Verdict.FAIL
    assert result.indicators["not_declared"] == ["disclosure"]


def test_unstated_fields_are_named(cases):
    result = run(cases["empty"], "DATA-02")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["not_declared"] == ["sensors"]
    assert "the declaration does not state sensors" in result.reasons


def test_catalogue_parameters_reach_the_procedure(cases):
    assert "10 minutes" in " ".join(run(cases["full"], "RES-01").reasons)
    assert "115200" in " ".join(run(cases["full"], "ATK-08").reasons)
    assert "24 hours" in " ".join(run(cases["full"], "UPD-05").reasons)


def test_support_period_past_end_is_pointed_out(tmp_path):
    case = make_case(tmp_path, "old", {"support_period": {"end": "2019-01-31", "published_at": "box"}})
    result = run(case, "UPD-03")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert any("ended" in r for r in result.reasons)
