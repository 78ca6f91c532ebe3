"""LOG-01 judged from the unit's log of the probe's failed logins and its clock (device session, 2026.4).

A failed login is a wrong password the unit rejected (not a lock-out, a refused connection, a timeout); their
absence fails only in a log that could show them (log_files: read back to the first wrong password, no
untimed line of the run); a clock beyond the tolerance does not decide (an isolated bench has no NTP)."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcases import (
    ACCESS,
    DECLARATION,
    LOG,
    assert_tame,
    attempts,
    command,
    final,
    log_file,
    log_line,
    packets_of,
    row,
    run_check,
    shows_probe_table,
    spec_of,
    text_of,
    unit_case,
    with_image,
)

from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict

NO_NTP = "on an isolated bench an NTP client cannot reach its server"
CLOCK_30 = [{"test": "device_session", "device_time": 30.0, "probe_time": 0.0, "offset_s": 30.0}]



def test_unlogged_failed_logins_fail_and_the_wrong_clock_is_only_said(cases: dict[str, Case]) -> None:
    result = run_check(cases["defective"], "LOG-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (logins,) = result.findings  # the clock 3600 s off is no finding
    assert "the 20 failed login(s) the probe made (http-basic tcp/80) are not in the log" in logins.summary
    assert [e.packet for e in logins.evidence if e.packet] == [20, 21, 22, 23, 85]  # attempts, then `tail`
    assert "The unit's clock is 3600.0 s off the probe's, beyond 5 s; " + NO_NTP in text_of(result)
    assert logins.data["attempts_not_checked"] == 2  # the 429 lock-out and the key-only SSH do not count
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


def test_a_clock_beyond_the_tolerance_is_pending_not_a_fail(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["device_clock"] = CLOCK_30
    case = with_image(unit_case(tmp_path / "clock", spec), "clean")
    result = run_check(case, "LOG-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert (
        "did not decide: the unit's clock is beyond 5 s of the probe's; " + NO_NTP + ", so the offset does"
        " not show the unit keeps no reliable time: the inspector compares the unit's clock with its time"
        " source" in text_of(result)
    )
    assert final(case, result) == "PENDING"


def test_the_failed_logins_missing_from_a_log_that_reaches_back_fail(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["device_log"] = []
    result = run_check(unit_case(tmp_path / "missing", spec), "LOG-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",) and len(result.findings) == 1
    # four rejected brute-force attempts (not the lock-out) and two refused default credentials
    assert "the 6 failed login(s) the probe made (http-basic tcp/443, rtsp tcp/554) are not in the log" in (
        result.findings[0].summary
    )


@pytest.mark.parametrize(
    ("read", "said"),
    [(log_file(2500.0),
      "what was read of /var/log/messages (3000 lines from its end) starts 600.0 s after the first wrong"),
     (log_file(None), "no line read from the end of /var/log/messages states a time the probe can read"),
     (log_file(None, error="tail: Permission denied"),
      "/var/log/messages could not be read (tail: Permission"),
     (log_file(500.0, untimed=40, latest=1500.0),
      "/var/log/messages ends with lines whose time the probe cannot read, after its last timed line"),
     (None, "the results do not say how far back the read of /var/log/messages reaches (no log_files row)")],
)  # fmt: skip
def test_a_log_that_cannot_show_the_failed_logins_does_not_decide(
    tmp_path: Path, read: dict | None, said: str
) -> None:
    spec = spec_of("clean")
    spec["tables"]["device_log"] = []
    spec["tables"]["log_files"] = [read] if read else []
    case = unit_case(tmp_path / "blind", spec)
    result = run_check(case, "LOG-01")
    assert result.verdict is Verdict.INCONCLUSIVE and not result.decided_by and not result.findings
    assert "No failed login from the probe's wrong passwords in /var/log/messages, but the log as read" in (
        text_of(result)
    )
    assert said in text_of(result) and final(case, result) == "PENDING"


def test_untimed_lines_of_the_run_keep_the_log_from_deciding(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["device_log"] = [
        log_line(50, "c100 uhttpd: auth failure for admin", "failed_login", None, None),
        log_line(51, "c100 uhttpd: auth failure for admin", "failed_login", None, None),
    ]
    result = run_check(unit_case(tmp_path / "untimed", spec), "LOG-01")
    assert not result.decided_by and not result.findings
    assert "2 line(s) of /var/log/messages written during the run state no time the probe can read" in (
        text_of(result)
    )


def test_a_whole_log_read_reaches_back_whatever_its_first_line(tmp_path: Path) -> None:
    spec = spec_of("clean")
    spec["tables"]["device_log"] = []
    spec["tables"]["log_files"] = [log_file(2500.0, whole=True, lines=12)]  # the log began after the guessing
    result = run_check(unit_case(tmp_path / "whole", spec), "LOG-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)


def test_attempts_the_unit_did_not_check_are_not_failed_logins(tmp_path: Path) -> None:
    """A second run within the unit's lock-out: every answer a 429, no password checked, nothing to log."""
    spec = spec_of("clean")
    spec["tables"]["bruteforce"] = attempts(443, "http-basic", ["locked", "locked"], first=20)
    spec["tables"]["logins"] = [
        row("default_credentials", [10], 1900.0, 1900.2, port=443, protocol="http-basic", user="admin",
            password="a(5)", source="catalogue", accepted=False, status="401",
            detail="locked out after 1 attempts; no more tried: 401 with Retry-After"),
        row("default_credentials", [11], 1901.0, 1901.2, port=21, protocol="ftp", user="admin",
            password="a(5)", source="catalogue", accepted=False, status="421", detail="421 too many"),
    ]  # fmt: skip
    spec["tables"]["device_log"] = []
    case = unit_case(tmp_path / "locked", spec)
    result = run_check(case, "LOG-01")
    assert result.verdict is Verdict.INCONCLUSIVE and not result.decided_by and not result.findings
    assert (
        "The unit rejected no wrong password of the probe's (4 attempt(s) locked out, refused or unanswered):"
        " no failed login to look for." in text_of(result)
    )
    assert final(case, result) == "PENDING"


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
    said = "cannot show they are missing: `tail -c 262144 /var/log/messages` did not finish"
    assert said in text_of(result)
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
    (logins,) = result.findings  # the line logged at 1e300 s is not one of the probe's failed logins
    assert result.verdict is Verdict.FAIL and "1e+300 s off" in text_of(result)
    assert "are not in the log" in logins.summary and packets_of(result) == {20, 21, 22, 23}


def test_an_older_catalogue_reads_no_unit_rows(tmp_path: Path) -> None:
    case = with_image(unit_case(tmp_path / "older", spec_of("defective")), "clean")
    result = run_check(case, "LOG-01", "2026.3")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert "takes no probe evidence for LOG-01" in text_of(result)
    assert "probe_clock_tolerance_s" not in text_of(result)  # not read: no note of a bundled value


def test_the_page_shows_the_units_clock_and_log() -> None:
    assert shows_probe_table("log_01", "device_clock") and shows_probe_table("log_01", "device_log")
    assert shows_probe_table("log_01", "log_files")


def test_a_failed_login_line_while_every_attempt_was_locked_out_does_not_pass(tmp_path: Path) -> None:
    """The unit answered every wrong password with a lock-out: its failed-login lines are not the probe's."""
    spec = spec_of("clean")
    spec["tables"]["bruteforce"] = attempts(443, "http-basic", ["locked"] * 3, first=20)
    spec["tables"]["logins"] = [
        row("default_credentials", [10], 2000.0, 2000.2, port=443, protocol="http-basic", user="admin",
            password="a(5)", source="catalogue", accepted=False, status="429",
            detail="locked out after 1 attempts; no more tried: 429 Too Many Requests"),
    ]  # fmt: skip
    case = with_image(unit_case(tmp_path / "all-locked", spec), "clean")
    result = run_check(case, "LOG-01")
    assert result.verdict is not Verdict.PASS and not result.decided_by and not result.findings
    reasons = text_of(result)
    assert "did not decide: the unit rejected none of the probe's wrong passwords" in reasons
    assert "but the unit rejected none of them (4 attempt(s) locked out, refused or unanswered)" in reasons
    assert final(case, result) == "PENDING"
