"""UPD-01 judged from the genuine update the probe installed on the unit (update test, catalogue 2026.4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcases import (
    DECLARATION,
    all_cases,
    assert_tame,
    final,
    packets_of,
    run_check,
    shows_probe_table,
    spec_of,
    text_of,
    unit_case,
    update,
    with_image,
)

from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    return all_cases(tmp_path_factory.mktemp("upd01"))


def test_an_update_installed_through_the_declared_mechanism_passes(cases: dict[str, Case]) -> None:
    result = run_check(cases["clean"], "UPD-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    reasons = text_of(result)
    assert "the genuine update was installed through the declared path: 2.1 -> 2.2" in reasons
    assert "The declaration names the mechanism: local upload of a signed image" in reasons
    assert "cannot be updated" in reasons  # the criterion the probe does not judge, said
    assert packets_of(result) == {65, 66, 67}  # the genuine attempt's commands and packets
    assert EvidenceKind.FIRMWARE in result.missing_evidence
    assert final(cases["clean"], result) == "PASS"


def test_the_genuine_update_refused_fails_with_the_installs_output(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["updates"][1] = update(
        "genuine", False, "2.1", "2.1", [65, 66], 1800.0, "bad header magic"
    )
    case = unit_case(tmp_path / "refused", spec)
    result = run_check(case, "UPD-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert finding.summary.endswith("through the declared path (exit status 1: bad header magic)")
    assert finding.data["command"] == "/sbin/fw_upgrade /tmp/genuine.bin"
    assert final(case, result) == "FAIL"


def test_a_tampered_image_installed_first_does_not_hide_that_the_genuine_one_installs(tmp_path: Path) -> None:
    """The defective camera installs the tampered image (its version 2.2 already), then the genuine one: the
    unit went from 2.1 to 2.2 through the declared path, so the mechanism works (UPD-04 fails apart)."""
    spec = spec_of("clean")
    spec["tables"]["updates"][0] = update("tampered", True, "2.1", "2.2", [60, 61], 1700.0, exit_status=0)
    spec["tables"]["updates"][1] = update("genuine", True, "2.2", "2.2", [65], 1800.0)
    result = run_check(unit_case(tmp_path / "tampered-first", spec), "UPD-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert "installed through the declared path: 2.1 -> 2.2" in text_of(result)


def test_the_same_version_after_the_update_cannot_tell(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["updates"][0] = update("tampered", False, "2.2", "2.2", [60, 61], 1700.0)
    spec["tables"]["updates"][1] = update("genuine", True, "2.2", "2.2", [65], 1800.0)
    result = run_check(unit_case(tmp_path / "same", spec), "UPD-01")
    assert not result.decided_by
    assert "reported version 2.2 before and after (the genuine file may be the version installed" in (
        text_of(result)
    )


def test_a_mechanism_the_declaration_does_not_name_stays_with_the_inspector(tmp_path: Path) -> None:
    declaration = {k: v for k, v in DECLARATION.items() if k != "update"}
    result = run_check(unit_case(tmp_path / "unnamed", spec_of("clean"), declaration=declaration), "UPD-01")
    assert not result.decided_by and "must name the update mechanism" in text_of(result)
    declaration = {**DECLARATION, "update": {"mechanism": "none"}}
    case = with_image(unit_case(tmp_path / "none", spec_of("clean"), declaration=declaration), "clean")
    result = run_check(case, "UPD-01")
    assert result.verdict is Verdict.FAIL and not result.decided_by  # the declaration's admission stands
    assert "the declaration states 'none' as the update mechanism" in text_of(result)


def test_without_test_access_it_does_what_it_did(cases: dict[str, Case], tmp_path: Path) -> None:
    result = run_check(cases["no_access"], "UPD-01")
    assert result.verdict is Verdict.INCONCLUSIVE and "skipped its update test" in text_of(result)
    assert "stopped at its time budget" in text_of(run_check(cases["errored"], "UPD-01"))
    imaged = with_image(unit_case(tmp_path / "no-access", spec_of("no_access")), "clean")
    result = run_check(imaged, "UPD-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and "applies an update by the declared" in text_of(
        result
    )


def test_a_hostile_update_row_does_not_decide(cases: dict[str, Case]) -> None:
    result = run_check(cases["hostile"], "UPD-01")  # the genuine row's `accepted` is "yes": not a bool
    assert_tame(result)
    assert not result.decided_by and "the genuine update was not tried to the end" in text_of(result)


def test_an_older_catalogue_reads_no_unit_rows(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "older", spec_of("clean")), "clean")
    result = run_check(case, "UPD-01", "2026.3")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert "takes no probe evidence for UPD-01" in text_of(result)


def test_the_page_shows_the_updates_tried() -> None:
    assert shows_probe_table("upd_01", "updates")
