"""AUTH-04 judged from the probe's documented password change on the unit (password_change test, 2026.4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from unitcases import (
    SCRIPT,
    assert_tame,
    final,
    packets_of,
    row,
    run_check,
    shows_probe_table,
    spec_of,
    step,
    text_of,
    unit_case,
)

from workbench.case import Case
from workbench.checks import Verdict

PROCEDURE = "the inspector changes the password"



def test_the_old_password_still_accepted_fails(cases: dict[str, Case]) -> None:
    result = run_check(cases["defective"], "AUTH-04")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert (
        finding.summary == "the old password is still accepted on https tcp/443 after the documented change"
    )
    assert packets_of(result) == {32, 33}  # the new password accepted, the old one too
    assert finding.evidence[-1].artefact == "defective-results.json"
    assert final(cases["defective"], result) == "FAIL"


def test_the_documented_change_working_everywhere_passes_and_is_final(cases: dict[str, Case]) -> None:
    result = run_check(cases["clean"], "AUTH-04")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    reasons = text_of(result)
    assert "followed the documented procedure (Acme C100 user manual, 4.2 Changing the password)" in reasons
    assert "on the device's web interface" in reasons and "https tcp/443, rtsp tcp/554" in reasons
    assert "an app account, a pairing PIN" in reasons and PROCEDURE not in reasons
    assert final(cases["clean"], result) == "PASS"  # AUTH-04 was manual; 2026.4 lets the probe decide it


@pytest.mark.parametrize(
    ("status", "said"),
    [("400", "the device refused the documented change (400: change: 400): its rules may reject the new"),
     ("429", "the device refused the documented change (429"),  # an earlier run's lock-out still running
     ("415", "the device refused the documented change (415"),  # a form that wants another encoding
     ("403", "the form refused the current password the test access gives (403)"),
     ("303", "did not say whether it took (303)")],
)  # fmt: skip
def test_a_refused_change_is_not_decided(tmp_path: Path, status: str, said: str) -> None:
    """A 4xx may be the unit's password rules, a lock-out or a form the probe cannot fill: never a FAIL."""
    spec = spec_of("clean")
    spec["tables"]["password_change"] = [step("change", "https", 443, False, status, [30])]
    case = unit_case(tmp_path / status, spec)
    result = run_check(case, "AUTH-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert said in text_of(result) and final(case, result) == "PENDING"


def test_a_change_that_did_not_take_is_undecided_even_when_the_form_answered_2xx(tmp_path: Path) -> None:
    """The new password refused and the old one accepted: the change did not take. A 200 to the change
    does not make it a claim the unit broke: many embedded web interfaces answer 200 with an error page."""
    spec = spec_of("clean")
    steps = spec["tables"]["password_change"]
    steps[1] = step("new_password", "https", 443, False, "401", [32])
    steps[2] = step("old_password", "https", 443, True, "200", [33])
    case = unit_case(tmp_path / "claimed", spec)
    result = run_check(case, "AUTH-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert (
        "on https tcp/443 the new password is refused and the old one accepted: the change did not take (the"
        " form answered 200; a 2xx does not show the change was made: many embedded web interfaces answer"
        " 200 with an error page)" in text_of(result)
    )
    assert final(case, result) == "PENDING"
    steps[0] = step("change", "https", 443, None, "", [30], "no answer to POST /password")
    case = unit_case(tmp_path / "unanswered", spec)
    result = run_check(case, "AUTH-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.findings
    assert (
        "on https tcp/443 the new password is refused and the old one accepted: the change did not take (the"
        " form answered nothing)" in text_of(result)
    )
    assert final(case, result) == "PENDING"


def test_the_old_password_accepted_where_the_new_one_did_not_run_is_undecided(tmp_path: Path) -> None:
    spec = spec_of("clean")
    steps = spec["tables"]["password_change"]
    steps[3] = step("new_password", "rtsp", 554, None, "", [34], "no RTSP answer")
    steps[4] = step("old_password", "rtsp", 554, True, "200", [35])
    result = run_check(unit_case(tmp_path / "rtsp-unknown", spec), "AUTH-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.findings
    assert "the new password was not shown to work and the old one refused on rtsp tcp/554" in text_of(result)


def test_another_password_login_keeps_it_with_the_inspector(tmp_path: Path) -> None:
    spec = spec_of("clean")
    telnet = row("access", [7], transport="tcp", port=23, protocol="telnet", request="connect",
                 outcome="auth_required", status="login:")  # fmt: skip
    spec["tables"]["access"].append(telnet)
    result = run_check(unit_case(tmp_path / "telnet", spec), "AUTH-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "telnet tcp/23 also asks for a password, which the documented change does not say it sets" in (
        text_of(result)
    )


def test_a_service_not_open_is_named_and_a_failed_restore_is_not_a_pass(tmp_path: Path) -> None:
    spec = spec_of("clean")
    steps = spec["tables"]["password_change"]
    steps[3:5] = [step("new_password", "rtsp", None, None, "", [], "rtsp is in applies_to but not open")]
    result = run_check(unit_case(tmp_path / "no-rtsp", spec), "AUTH-04")
    assert result.verdict is Verdict.PASS and "rtsp (in applies_to) is not open on the unit" in text_of(
        result
    )
    steps[-1] = step("restore", "https", 443, False, "401", [37])
    result = run_check(unit_case(tmp_path / "stranded", spec), "AUTH-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and "original password was not set back" in text_of(
        result
    )


def test_without_test_access_the_inspector_follows_the_procedure(cases: dict[str, Case]) -> None:
    result = run_check(cases["no_access"], "AUTH-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "skipped its password change test (no test access for it" in text_of(result)
    assert PROCEDURE in text_of(result)
    errored = run_check(cases["errored"], "AUTH-04")
    assert "could not run (the change could not be made: connection refused)" in text_of(errored)


def test_hostile_steps_are_text(cases: dict[str, Case]) -> None:
    result = run_check(cases["hostile"], "AUTH-04")
    assert_tame(result)
    assert result.verdict is Verdict.FAIL and SCRIPT in result.findings[0].summary


def test_an_older_catalogue_keeps_it_manual(cases: dict[str, Case]) -> None:
    result = run_check(cases["clean"], "AUTH-04", "2026.3")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by and not result.findings
    assert "takes no probe evidence for AUTH-04" in text_of(result) and PROCEDURE in text_of(result)
    assert final(cases["clean"], result, "2026.3") == "PENDING"


def test_the_page_shows_the_password_change_and_is_no_longer_manual() -> None:
    from workbench.checks.page import MANUAL_INTRO, load_page

    assert load_page("auth_04").intro != MANUAL_INTRO
    assert shows_probe_table("auth_04", "password_change") and shows_probe_table("auth_04", "access")
