"""Checks and the declaration's ICS: a requirement whose every EN 303 645 provision is declared not
applicable (with a justification) is proposed NOT_APPLICABLE, decided by the ICS, with what the check
found all the same, unless the check FAILs (the evidence contradicts the declaration); partly not
applicable, the check runs as ever and says which provisions the ICS excuses. Real checks on a
real case: the defective demo camera's capture, whose cleartext credentials fail COM-01."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.case import Case, CaseInfo
from workbench.checks import Verdict, get_check
from workbench.checks.base import DECIDED_BY_ICS, CheckResult, EvidenceKind
from workbench.checks.context import EvidenceContext

CAPTURE = Path(__file__).resolve().parents[2] / "sample_captures" / "demo_defective.pcap"
NO_TELEMETRY = "the camera collects no telemetry"
NO_CREDENTIALS = "no credentials of any kind ever leave the camera"  # COM-01 maps 5.5-1 and 5.5-7


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    if not CAPTURE.is_file():
        pytest.skip("sample_captures/demo_defective.pcap not generated (sample_captures/gen_capture.py)")
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=3)
    case = Case.create(tmp_path_factory.mktemp("ics") / "cam", info)
    case.add_artefact(CAPTURE, "capture")
    return case


def declare(case: Case, ics: dict[str, str | None], **flat: str) -> None:
    """Make the case's declaration an ICS: provision -> justification (not applicable) or None (supported)."""
    lines = [f"{k}: {v}" for k, v in flat.items()] + ["ics:"]
    for provision, why in ics.items():
        entry = f"{{status: not_applicable, justification: '{why}'}}" if why else "{status: supported}"
        lines.append(f'  "{provision}": {entry}')
    source = case.path.parent / "declaration.yaml"
    source.write_text("\n".join(lines) + "\n")
    case.declare(source)


def run(case: Case, rid: str) -> CheckResult:
    return get_check(rid).run(EvidenceContext.for_case(case.path, rid))


def test_supported_provisions_leave_the_check_as_it_was(case: Case) -> None:
    declare(case, {"5.5-1": None, "5.5-7": None})
    result = run(case, "COM-01")
    assert result.verdict is Verdict.FAIL and result.findings and DECIDED_BY_ICS not in result.decided_by
    assert not any("ICS" in r for r in result.reasons)


def test_evidence_that_contradicts_the_ics_keeps_its_fail(case: Case) -> None:
    declare(case, {"5.5-1": NO_CREDENTIALS, "5.5-7": NO_CREDENTIALS})
    result = run(case, "COM-01")  # the capture holds four logins in clear: the declaration is contradicted
    assert result.verdict is Verdict.FAIL and len(result.findings) == 4
    assert DECIDED_BY_ICS not in result.decided_by  # an automatic FAIL stays final
    assert result.reasons[-1] == (
        "the evidence contradicts the ICS: the ICS declares EN 303 645 provisions 5.5-1, 5.5-7 not "
        f"applicable: {NO_CREDENTIALS}"
    )


def test_every_provision_not_applicable_is_proposed_with_what_the_check_found(case: Case) -> None:
    declare(case, {"5.10-1": NO_TELEMETRY, "6-4": NO_TELEMETRY, "6-5": NO_TELEMETRY})
    checked = get_check("TEL-01")._run(EvidenceContext.for_case(case.path, "TEL-01"))
    result = run(case, "TEL-01")
    assert result.verdict is Verdict.NOT_APPLICABLE and result.decided_by == (DECIDED_BY_ICS,)
    assert result.reasons[0] == (
        f"the ICS declares EN 303 645 provisions 5.10-1, 6-4, 6-5 not applicable: {NO_TELEMETRY}"
    )
    assert result.reasons[1].startswith(f"the check, run all the same, proposed {checked.verdict.value}: ")
    # the inspector confirming it sees the destinations the camera contacted all the same
    assert result.findings == checked.findings
    assert result.indicators["observed"] == checked.indicators["observed"]
    assert result.indicators["ics_not_applicable"] == {p: NO_TELEMETRY for p in ("5.10-1", "6-4", "6-5")}
    assert case.declaration_sha256() in result.evidence_used  # stale once the declaration changes
    assert set(checked.evidence_used) <= set(result.evidence_used)
    assert CheckResult.from_dict(result.to_dict()) == result  # survives the batch's outcome file


def test_each_justification_is_cited_with_its_provisions(case: Case) -> None:
    declare(case, {"5.10-1": NO_TELEMETRY, "6-4": NO_TELEMETRY, "6-5": "nothing to disclose"})
    result = run(case, "TEL-01")
    assert result.verdict is Verdict.NOT_APPLICABLE and result.decided_by == (DECIDED_BY_ICS,)
    assert result.reasons[:2] == (
        f"the ICS declares EN 303 645 provisions 5.10-1, 6-4 not applicable: {NO_TELEMETRY}",
        "the ICS declares EN 303 645 provision 6-5 not applicable: nothing to disclose",
    )


def test_partly_not_applicable_the_check_runs_and_says_so(case: Case) -> None:
    declare(case, {"5.5-1": None, "5.5-7": NO_CREDENTIALS})
    result = run(case, "COM-01")
    assert result.verdict is Verdict.FAIL and len(result.findings) == 4 and not result.decided_by
    assert result.reasons[-1] == (
        f"the ICS declares not applicable EN 303 645 5.5-7 ({NO_CREDENTIALS}); the check judged 5.5-1"
    )
    declare(case, {"5.10-1": NO_TELEMETRY})  # TEL-01 maps 5.10-1, 6-4, 6-5: the other two unstated
    tel = run(case, "TEL-01")
    assert tel.verdict is Verdict.NEEDS_INSPECTOR and "judged 6-4, 6-5" in tel.reasons[-1]


def test_a_requirement_the_ics_excuses_asks_for_no_evidence(case: Case) -> None:
    # SEC-01 needs a firmware image the case lacks: INCONCLUSIVE, unless the ICS says it does not apply
    declare(case, {"5.4-3": None})
    assert run(case, "SEC-01").missing_evidence == (EvidenceKind.FIRMWARE,)
    declare(case, {"5.4-3": "the camera stores no credential or key"})
    result = run(case, "SEC-01")
    assert result.verdict is Verdict.NOT_APPLICABLE and result.missing_evidence == ()


def test_a_requirement_without_provisions_ignores_the_ics(case: Case) -> None:
    # COM-05 maps no EN 303 645 provision: declaring every provision not applicable changes nothing
    from workbench.case.etsi import reference

    every = {p: "declared away" for p in reference().provision_ids}
    declare(case, every, cloud_endpoints="[api.acme-cloud.example]")
    result = run(case, "COM-05")
    assert result.verdict is Verdict.FAIL and DECIDED_BY_ICS not in result.decided_by


def test_an_unreadable_declaration_does_not_stop_checks_that_do_not_read_it(case: Case) -> None:
    declare(case, {"5.5-1": NO_CREDENTIALS, "5.5-7": NO_CREDENTIALS})
    path = case.declaration_path
    os.chmod(path, 0o644)
    try:
        path.write_text("ics: [not, a, mapping]\n")  # tampered with after it was declared
        assert run(case, "COM-01").verdict is Verdict.FAIL  # no ICS to rely on: the capture decides
    finally:
        path.write_text("{}\n")
        os.chmod(path, 0o444)
