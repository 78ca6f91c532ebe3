"""Device cases for the procedural (manual) checks' tests, and the assertions every such check meets:
no declaration, a full one, and declarations that admit non-conformity."""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench.case import Case, CaseInfo
from workbench.checks import Verdict, get_check
from workbench.checks.base import CheckResult
from workbench.checks.context import EvidenceContext

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


def run(case: Case, requirement_id: str, catalog: str | Path | None = None) -> CheckResult:
    return get_check(requirement_id).run(EvidenceContext.for_case(case.path, requirement_id, catalog))


def assert_inconclusive_without_declaration(case: Case, rid: str) -> None:
    result = run(case, rid)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "declaration" in result.reasons[0]


def assert_needs_inspector_without_declaration(case: Case, rid: str) -> None:
    """A hands-on requirement needs the inspector even when the case has no declaration."""
    result = run(case, rid)
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert "no declaration" in result.reasons[0]


def assert_laid_out_for_the_inspector(case: Case, rid: str) -> None:
    """A full declaration: its statements as indicators, the procedure as the last reason."""
    result = run(case, rid)
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
    declared = result.indicators["declared"]
    assert declared and any(v not in (None, [], {}) for v in declared.values())
    assert result.evidence_used  # the declaration's hash
    assert result.reasons[-1].endswith("record what was examined as evidence")


def assert_admitted_non_conformity_fails(case: Case, rid: str, field: str) -> None:
    result = run(case, rid)
    assert result.verdict is Verdict.FAIL
    [finding] = result.findings
    ref = finding.evidence[0]
    assert (ref.artefact, ref.note, ref.sha256) == ("declaration", field, case.declaration_sha256())
