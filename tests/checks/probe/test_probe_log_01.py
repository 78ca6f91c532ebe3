"""LOG-01 judged from the unit's clock and its log of the probe's failed logins (device session, 2026.4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcases import (
    ACCESS,
    DECLARATION,
    LOG,
    all_cases,
    assert_tame,
    command,
    final,
    packets_of,
    run_check,
    shows_probe_table,
    spec_of,
    text_of,
    unit_case,
    with_image,
)

from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    return all_cases(tmp_path_factory.mktemp("log01"))


def test_a_wrong_clock_and_unlogged_failed_logins_fail(cases: dict[str, Case]) -> None:
    result = run_check(cases["defective"], "LOG-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    clock, logins = result.findings
    assert clock.summary.startswith("the unit's clock is 3600.0 s off, beyond 5 s")  # probe_clock_tolerance_s
    assert [e.packet for e in clock.evidence] == [80, None] and "date +%s" in clock.evidence[0].note
    assert "the 20 failed login(s) the probe made (http-basic tcp/80) are not in the log" in logins.summary
    assert [e.packet for e in logins.evidence if e.packet] == [20, 21, 22, 23, 85]  # attempts, then `tail`
    assert final(cases["defective"], result) == "FAIL"


def test_logged_failed_logins_and_a_right_clock_pass_with_the_firmwares_logging(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "imaged", spec_of("clean")), "clean")
    result = run_check(case, "LOG-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    (shown,) = result.findings
    lines = [(e.path, e.note) for e in shown.evidence if e.path]
    assert lines == [
        (LOG, "line 41 on the unit"),
        (LOG, "line 42 on the unit"),
    ]  # not line 12: before the run
    reasons = text_of(result)
    assert (
        "0.4 s off the probe's, within 5 s" in reasons and "syslogd (/etc/init.d/S10syslog line 2)" in reasons
    )
    assert "survives a restart" in reasons and "the inspector triggers" not in reasons
    assert final(case, result) == "PASS"


def test_without_logging_in_the_firmware_the_unit_alone_does_not_decide(
    cases: dict[str, Case], tmp_path: Path
) -> None:
    result = run_check(cases["clean"], "LOG-01")
    assert result.verdict is Verdict.INCONCLUSIVE and result.missing_evidence[0] is EvidenceKind.FIRMWARE
    assert "the firmware shows no logging daemon started at boot" in text_of(result)
    imaged = with_image(unit_case(tmp_path / "no-syslog", spec_of("clean")), "defective")
    result = run_check(imaged, "LOG-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"device_clock": [{"test": "device_session", "device_time": 30.0, "probe_time": 0.0,
                            "offset_s": 30.0}]}, "clock is 30.0 s off, beyond 5 s"),
        ({"device_log": []}, "not in the log the manufacturer names (/var/log/messages)"),
    ],
)  # fmt: skip
def test_either_defect_alone_fails(tmp_path: Path, change: dict, expected: str) -> None:
    spec = spec_of("clean")
    spec["tables"].update(change)
    result = run_check(unit_case(tmp_path / "one", spec), "LOG-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",) and len(result.findings) == 1
    assert expected in result.findings[0].summary


def test_only_lines_written_while_the_probe_guessed_count(tmp_path: Path) -> None:
    spec = spec_of("clean")
    for test in spec["tests"]:
        if test.name in ("brute_force", "default_credentials"):
            test.started, test.finished = 2100.0, 2130.0
    result = run_check(unit_case(tmp_path / "elsewhen", spec), "LOG-01")  # the lines are of 2000.5 and 2001.5
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    assert "(3 failed-login line(s) at other times)" in text_of(result)


def test_a_log_the_probe_could_not_read_or_that_is_not_named_does_not_decide(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["device_log"] = []
    spec["tables"]["session"].append(command("logs", f"tail -c 262144 {LOG}", [90], 3005.0, exit_status=None,
                                             error="timed out after 10 s"))  # fmt: skip
    result = run_check(unit_case(tmp_path / "unread", spec), "LOG-01")
    assert result.verdict is Verdict.INCONCLUSIVE and not result.decided_by
    assert "The unit's log could not be read: `tail -c 262144 /var/log/messages` did not finish" in text_of(
        result
    )
    spec = spec_of("clean")
    spec["tables"]["device_log"] = []
    spec["access"] = ACCESS.model_copy(update={"logs": []})
    result = run_check(unit_case(tmp_path / "unnamed", spec), "LOG-01")
    assert not result.decided_by and "names no log file" in text_of(result)


def test_a_declaration_that_logs_nothing_still_fails_but_is_not_decided_by_the_probe(tmp_path: Path) -> None:
    declaration = {**DECLARATION, "logging": {"enabled": False}}
    case = with_image(unit_case(tmp_path / "declared", spec_of("clean"), declaration=declaration), "clean")
    result = run_check(case, "LOG-01")
    assert result.verdict is Verdict.FAIL and not result.decided_by
    assert result.findings[0].evidence[0].artefact == "declaration"
    assert "2 failed login(s) logged on the unit" in text_of(result)


def test_without_test_access_it_does_what_it_did(cases: dict[str, Case]) -> None:
    result = run_check(cases["no_access"], "LOG-01")
    assert result.verdict is Verdict.INCONCLUSIVE and "skipped its device session test" in text_of(result)
    assert "could not run (ssh: authentication failed)" in text_of(run_check(cases["errored"], "LOG-01"))


def test_absurd_clocks_and_hostile_log_lines_are_text(cases: dict[str, Case]) -> None:
    result = run_check(cases["hostile"], "LOG-01")
    assert_tame(result)
    clock, logins = result.findings  # the line logged at 1e300 s is not one of the probe's failed logins
    assert result.verdict is Verdict.FAIL and "1e+300 s off" in clock.summary
    assert "are not in the log" in logins.summary and packets_of(result) == {20, 21, 22, 23}


def test_an_older_catalogue_reads_no_unit_rows(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "older", spec_of("defective")), "clean")
    result = run_check(case, "LOG-01", "2026.3")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert "takes no probe evidence for LOG-01" in text_of(result)
    assert "probe_clock_tolerance_s" not in text_of(result)  # not read: no note of a bundled value


def test_the_page_shows_the_units_clock_and_log() -> None:
    assert shows_probe_table("log_01", "device_clock") and shows_probe_table("log_01", "device_log")
