"""UPD-04 judged from the probe's tampered update and its control on the unit (update test, 2026.4).

Both images go up under the genuine file's name; a PASS quotes the unit's refusal and needs the image to hold
the update command's program with a signature verifier in it or named by it, and a control that changed
the version."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcases import (
    SCRIPT,
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
from workbench.checks import Verdict

TAMPERED_AT, GENUINE_AT = 3100.0, 3200.0



def test_a_tampered_update_installed_fails(cases: dict[str, Case]) -> None:
    result = run_check(cases["defective"], "UPD-04")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert finding.summary == (
        "the unit installed the genuine update with one byte changed (offset 2048) sent through its update"
        " path (exit status 0: 'acme-upgrade: installed'); version 2.1 before, 2.1 after"
    )
    assert (finding.data["version_before"], finding.data["version_after"]) == ("2.1", "2.1")
    # the tampered attempt's commands on the unit (version, upload, install) and packets, not the genuine's
    assert packets_of(result) == {60, 61, 62, 63}  # at most four of the row's packets
    assert any("acme-upgrade /tmp/wb-update.k3/acme-c100-2.2.bin" in e.note for e in finding.evidence)
    assert finding.evidence[-1].artefact == "defective-results.json"
    assert final(cases["defective"], result) == "FAIL"


def test_refused_with_the_control_installed_passes_quoting_the_refusal(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "imaged", spec_of("clean")), "clean")  # holds /sbin/acme-upgrade
    result = run_check(case, "UPD-04")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert result.reasons[0] == (
        "decided on the unit: on the unit, /sbin/acme-upgrade refused the image with one byte changed (exit"
        " status 1: 'acme-upgrade: signature check failed: /tmp/wb-update.k3/acme-c100-2.2.bin'; version 2.1"
        " unchanged) and installed the genuine one, the control, under the same name (version 2.1 -> 2.2)."
    )
    reasons = text_of(result)
    # the engine's rows: usign run in the updater's script, the usign it names, the key directory it names
    assert (
        "The image holds the update command's program (/sbin/acme-upgrade), whose signature verification the"
        " firmware's update table shows: usign (/sbin/acme-upgrade), usign (/usr/bin/usign), keys"
        " (/etc/opkg/keys), acme-release.pub (/etc/opkg/keys/acme-release.pub)." in reasons
    )
    assert "any other (an upload page, the app" in reasons and "must be refused" not in reasons
    assert result.findings[0].data["program"] == "/sbin/acme-upgrade"
    assert final(case, result) == "PASS"


def test_a_verifier_of_another_tool_does_not_pass_an_updater_the_image_lacks(tmp_path: Path) -> None:
    spec = with_update_command(spec_of("clean"), "/sbin/fw_upgrade {image}")
    case = with_image(unit_case(tmp_path / "elsewhere", spec), "clean")  # usign, run by /sbin/acme-upgrade
    result = run_check(case, "UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    reasons = text_of(result)
    assert "/sbin/fw_upgrade refused the image with one byte changed" in reasons
    assert (
        "Not decided: the update command's program, /sbin/fw_upgrade, is not in the firmware image; the"
        " verifier the image shows (usign (/sbin/acme-upgrade)" in reasons
    )
    assert "may belong to another tool" in reasons and final(case, result) == "PENDING"


@pytest.mark.parametrize(
    ("command", "verdict", "said"),
    [("timeout 600 /sbin/acme-upgrade -v {image}", Verdict.PASS, "on the unit, /sbin/acme-upgrade refused"),
     ("LANG=C acme-upgrade {image}", Verdict.PASS, "program (/sbin/acme-upgrade)"),  # found by its name
     ("sh -c 'cd /tmp && /sbin/acme-upgrade {image}'", Verdict.NEEDS_INSPECTOR,
      "the test access's update command names no program the image could be searched for")],
)  # fmt: skip
def test_the_update_commands_program(tmp_path: Path, command: str, verdict: Verdict, said: str) -> None:
    spec = with_update_command(spec_of("clean"), command)
    result = run_check(with_image(unit_case(tmp_path / "command", spec), "clean"), "UPD-04")
    assert result.verdict is verdict and said in text_of(result)


def test_a_refusal_alone_does_not_show_a_signature_is_checked(cases: dict[str, Case], tmp_path: Path) -> None:
    result = run_check(cases["clean"], "UPD-04")  # no image: a checksum would refuse the byte too
    assert result.verdict is Verdict.INCONCLUSIVE and not result.decided_by
    assert "A plain checksum refuses a changed byte too" in text_of(result)
    imaged = with_image(unit_case(tmp_path / "unverified", spec_of("clean")), "defective")
    result = run_check(imaged, "UPD-04")  # the image's update script verifies nothing: that FAIL stands
    assert result.verdict is Verdict.FAIL and not result.decided_by
    assert "The image's or the declaration's failure stands" in text_of(result)


def test_both_refused_cannot_tell(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["updates"][1] = update(
        "genuine", False, "2.1", "2.1", [65], GENUINE_AT, "no space left on device"
    )
    result = run_check(with_image(unit_case(tmp_path / "both", spec), "clean"), "UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "refused the genuine image too (exit status 1: 'no space left on device')" in text_of(result)


def test_a_version_changed_after_a_refusal_fails_saying_so_plainly(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["updates"][0] = update(
        "tampered", False, "2.1", "2.2-x", [60], TAMPERED_AT, "checksum error", exit_status=3
    )
    result = run_check(unit_case(tmp_path / "changed", spec), "UPD-04")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    assert result.findings[0].summary.startswith(
        "the unit answered refused (exit status 3: 'checksum error') but its version changed to 2.2-x (2.1"
        " before) after the genuine update with one byte changed"
    )


def test_a_copy_installed_under_another_name_than_the_control_cannot_tell(tmp_path: Path) -> None:
    """An older probe uploaded the copy as NAME.tampered: a unit checking only the name refuses it too."""
    spec = spec_of("clean")
    old = "/tmp/acme-c100-2.2.bin.tampered"
    spec["tables"]["updates"][0] = update(
        "tampered", False, "2.1", "2.1", [60], TAMPERED_AT, "not an update file", uploaded=old
    )
    result = run_check(with_image(unit_case(tmp_path / "named", spec), "clean"), "UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert (
        "installed as 'acme-c100-2.2.bin.tampered', the genuine one as 'acme-c100-2.2.bin': a unit that"
        " checks only the file's name would refuse the copy too" in text_of(result)
    )


def test_an_install_cut_at_its_timeout_does_not_decide(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "cut", cut_install(spec_of("clean"))), "clean")
    result = run_check(case, "UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert (
        "the install of the image with one byte changed did not end in installed or refused (the probe's"
        " update test stopped at its time budget" in text_of(result)
    )
    assert final(case, result) == "PENDING"


def test_without_test_access_it_does_what_it_did(cases: dict[str, Case]) -> None:
    result = run_check(cases["no_access"], "UPD-04")
    assert result.verdict is Verdict.INCONCLUSIVE and "skipped its update test" in text_of(result)
    assert "update test stopped at its time budget" in text_of(run_check(cases["errored"], "UPD-04"))


def test_hostile_versions_and_output_are_text_clipped(cases: dict[str, Case]) -> None:
    result = run_check(cases["hostile"], "UPD-04")
    assert_tame(result)
    (finding,) = result.findings
    assert finding.data["version_before"].startswith(SCRIPT) and len(finding.data["version_after"]) <= 80
    assert len(finding.data["output"]) <= 300


def test_an_older_catalogue_reads_no_unit_rows(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "older", spec_of("defective")), "clean")
    result = run_check(case, "UPD-04", "2026.3")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "takes no probe evidence for UPD-04" in text_of(result)


def test_the_page_shows_the_updates_tried() -> None:
    assert shows_probe_table("upd_04", "updates")


def test_a_verifier_the_updater_neither_holds_nor_names_does_not_pass(tmp_path: Path) -> None:
    """The update command's program is in the image, but the verifier is another tool's: a checksum-only
    updater would refuse a changed byte too."""
    spec = with_update_command(spec_of("clean"), "/usr/bin/camd --flash {image}")
    case = with_image(unit_case(tmp_path / "camd", spec), "clean")
    result = run_check(case, "UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert (
        "Not decided: the image shows signature verification (usign (/sbin/acme-upgrade), usign"
        " (/usr/bin/usign)" in text_of(result)
    )
    assert (
        "but none in the update command's program, /usr/bin/camd (/usr/bin/camd), nor in a file its script"
        " names: the refusal may be a plain checksum's." in text_of(result)
    )
    assert final(case, result) == "PENDING"


@pytest.mark.parametrize("after", ["2.1", None])
def test_a_control_answered_installed_with_the_version_unchanged_cannot_tell(
    tmp_path: Path, after: str | None
) -> None:
    spec = spec_of("clean")
    spec["tables"]["updates"][1] = update("genuine", True, "2.1", after, [65], GENUINE_AT, "ok")
    case = with_image(unit_case(tmp_path / "unchanged", spec), "clean")
    result = run_check(case, "UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    word = "unchanged" if after else "not read"
    assert (
        "the unit answered installed for the genuine image, the control (exit status 0: 'ok'), but its"
        f" version is {after or 'unread'} after it (2.1 before the first install): answered installed (exit"
        f" 0), version {word}, so the control does not show the update path installs" in text_of(result)
    )
    assert final(case, result) == "PENDING"
