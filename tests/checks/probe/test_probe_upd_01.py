"""UPD-01 judged from the genuine update the probe installed on the unit (update test, catalogue 2026.4).

What the probe tests is the unit's local update path from the test access (its update command), not
necessarily the declared mechanism: the firmware image must hold the command's program for a PASS."""

from __future__ import annotations

from pathlib import Path

from unitcases import (
    DECLARATION,
    UPDATER,
    assert_tame,
    cut_install,
    final,
    packets_of,
    run_check,
    shows_probe_table,
    spec_of,
    text_of,
    unit_case,
    update,
    with_image,
    with_update_command,
)

from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict

GENUINE_AT = 3200.0



def test_the_local_update_path_installing_with_the_images_updater_passes(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "imaged", spec_of("clean")), "clean")  # holds /sbin/acme-upgrade
    result = run_check(case, "UPD-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert result.reasons[0] == (
        "decided on the unit: the unit's local update path from the test access, /sbin/acme-upgrade,"
        " installed the manufacturer's update: the version went 2.1 -> 2.2 over the update test (2.1 before"
        " the first install; 2.1 after the copy with one byte changed (refused); 2.2 after the genuine update"
        " (installed)); the declared mechanism (local upload of a signed image, and OTA from the vendor"
        " cloud) uses the same updater, found in the image (/sbin/acme-upgrade)."
    )
    assert "cannot be updated" in text_of(result)  # the criterion the probe does not judge, said
    assert packets_of(result) == {65, 66, 67}  # the genuine attempt's commands and packets
    assert final(case, result) == "PASS"


def test_without_the_image_nothing_ties_the_path_tested_to_the_declared_mechanism(
    cases: dict[str, Case],
) -> None:
    result = run_check(cases["clean"], "UPD-01")
    assert result.verdict is Verdict.INCONCLUSIVE and not result.decided_by
    assert EvidenceKind.FIRMWARE in result.missing_evidence
    reasons = text_of(result)
    assert "from the test access, /sbin/acme-upgrade, installed the manufacturer's update" in reasons
    assert "without the firmware image (add it to the case) nothing shows the declared mechanism" in reasons
    assert final(cases["clean"], result) == "PENDING"


def test_an_updater_the_image_does_not_hold_stays_pending(tmp_path: Path) -> None:
    spec = with_update_command(spec_of("clean"), "/sbin/fw_upgrade {image}")
    case = with_image(unit_case(tmp_path / "other", spec), "clean")
    result = run_check(case, "UPD-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    said = "Not decided: /sbin/fw_upgrade, the updater tested, is not in the firmware image"
    assert said in text_of(result)
    assert final(case, result) == "PENDING"


def test_the_genuine_update_refused_fails_with_the_installs_output(tmp_path: Path) -> None:
    spec = spec_of("clean")
    refused = update("genuine", False, "2.1", "2.1", [65, 66], GENUINE_AT, "bad header magic")
    spec["tables"]["updates"][1] = refused
    case = unit_case(tmp_path / "refused", spec)
    result = run_check(case, "UPD-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert finding.summary == (
        "the unit's local update path from the test access, /sbin/acme-upgrade, refused the genuine update"
        " (exit status 1: 'bad header magic')"
    )
    assert finding.data["command"] == f"{UPDATER} /tmp/wb-update.k3/acme-c100-2.2.bin"
    assert final(case, result) == "FAIL"


def test_a_tampered_image_installed_first_does_not_hide_that_the_genuine_one_installs(tmp_path: Path) -> None:
    """The defective camera installs the tampered image (its version 2.1.1 already), then the genuine one: the
    unit went from 2.1 to 2.1.1 over the test, so the path works (UPD-04 fails apart)."""
    spec = spec_of("clean")
    spec["tables"]["updates"][0] = update("tampered", True, "2.1", "2.1.1", [60, 61], 3100.0, exit_status=0)
    spec["tables"]["updates"][1] = update("genuine", True, "2.1.1", "2.1.1", [65], GENUINE_AT)
    result = run_check(with_image(unit_case(tmp_path / "tampered-first", spec), "clean"), "UPD-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert (
        "the version went 2.1 -> 2.1.1 over the update test (2.1 before the first install; 2.1.1 after the"
        " copy with one byte changed (installed); 2.1.1 after the genuine update (installed))"
        in text_of(result)
    )


def test_the_genuine_refused_after_the_tampered_one_installed_is_not_a_fail(tmp_path: Path) -> None:
    """A unit that refuses to reinstall the version it runs: the path may work."""
    spec = spec_of("clean")
    spec["tables"]["updates"][0] = update("tampered", True, "2.1", "2.2", [60, 61], 3100.0, exit_status=0)
    spec["tables"]["updates"][1] = update(
        "genuine", False, "2.2", "2.2", [65], GENUINE_AT, "version 2.2 already installed"
    )
    case = with_image(unit_case(tmp_path / "same-again", spec), "clean")
    result = run_check(case, "UPD-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert (
        "refused the genuine update (exit status 1: 'version 2.2 already installed') after it had installed"
        " the copy with one byte changed (2.1 before the first install; 2.2 after the copy with one byte"
        " changed (installed); 2.2 after the genuine update (refused)): a unit may refuse to install the"
        " version it already runs" in text_of(result)
    )
    assert final(case, result) == "PENDING"


def test_the_same_version_over_the_test_cannot_tell(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["updates"][0] = update("tampered", False, "2.2", "2.2", [60, 61], 3100.0)
    spec["tables"]["updates"][1] = update("genuine", True, "2.2", "2.2", [65], GENUINE_AT)
    result = run_check(unit_case(tmp_path / "same", spec), "UPD-01")
    assert not result.decided_by
    assert "reported version 2.2 before the first install and after the genuine update (the genuine file" in (
        text_of(result)
    )


def test_an_install_cut_at_its_timeout_does_not_decide(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "cut", cut_install(spec_of("clean"))), "clean")
    result = run_check(case, "UPD-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    said = "the genuine update was not tried to the end (the probe's update test stopped at its time budget"
    assert said in text_of(result) and "still running after 600 s" in text_of(result)


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
