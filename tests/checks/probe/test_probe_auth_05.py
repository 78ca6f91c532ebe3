"""AUTH-05 judged from the live brute-force test's timings."""

from __future__ import annotations

from probecases import run_check, text_of

from workbench.case import Case
from workbench.checks import Verdict


def test_wrong_passwords_rejected_at_full_speed_fail(probed: dict[str, Case]) -> None:
    result = run_check(probed["defective"], "AUTH-05")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert "all 20 wrong passwords rejected at full speed" in finding.summary
    assert finding.data["timings_s"] == [0.05] * 20 and finding.data["packets"] == list(range(21, 41))
    packets = [e.packet for e in finding.evidence if e.packet is not None]
    assert packets == list(range(21, 41))  # every one (up to a thousand)
    assert {e.artefact for e in finding.evidence} == {"defective-probe.pcap", "defective-results.json"}


def test_lock_out_and_growing_delay_pass(probed: dict[str, Case]) -> None:
    result = run_check(probed["clean"], "AUTH-05")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    reasons = text_of(result)
    assert "tcp/80: locked after 5 wrong attempt(s)" in reasons
    assert "tcp/443: attempt 5 took 0.4 s, over 3 x" in reasons  # probe_slowdown_factor from the catalogue


def test_an_errored_test_keeps_todays_behaviour_and_says_why(probed: dict[str, Case]) -> None:
    result = run_check(probed["errored"], "AUTH-05")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert result.reasons[0] == (
        "The live test did not decide: the probe's brute force test could not run (connection reset by peer)."
    )
    assert any("20 wrong passwords" in r for r in result.reasons)


def test_no_login_service_passes_only_after_a_completed_scan(probed: dict[str, Case]) -> None:
    result = run_check(probed["hostile"], "AUTH-05")  # port 8081 http: a login protocol, the test found none
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert "found no password login to try" in text_of(result)
