"""AUTH-06 judged from the live access test."""

from __future__ import annotations

from probecases import run_check, text_of

from workbench.case import Case
from workbench.checks import Verdict


def test_a_service_open_without_credentials_fails_at_its_packets(probed: dict[str, Case]) -> None:
    result = run_check(probed["defective"], "AUTH-06")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert finding.summary.startswith("telnet tcp/23 served 'connect' without credentials")
    assert [e.packet for e in finding.evidence] == [10, 11, None]


def test_every_scanned_service_asking_for_credentials_passes(probed: dict[str, Case]) -> None:
    result = run_check(probed["clean"], "AUTH-06")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert "each of the 2 service(s) the port scan found asks for credentials" in text_of(result)


def test_a_service_the_access_test_could_not_try_is_named(probed: dict[str, Case]) -> None:
    result = run_check(probed["errored"], "AUTH-06")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "the access test could not try tcp/80 (http)" in text_of(result)
    assert "stopped at its time budget" in text_of(result)
