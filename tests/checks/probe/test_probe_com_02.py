"""COM-02 judged from the live TLS scan, with no capture in the case."""

from __future__ import annotations

from probecases import probe_packets, run_check, text_of

from workbench.case import Case
from workbench.checks import Verdict


def test_an_old_version_and_a_weak_suite_accepted_fail(probed: dict[str, Case]) -> None:
    result = run_check(probed["defective"], "COM-02")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    summaries = [f.summary for f in result.findings]
    assert any("accepts TLS 1.0, below the floor TLS 1.2" in s for s in summaries)
    assert any("TLS_RSA_WITH_3DES_EDE_CBC_SHA" in s for s in summaries)
    assert probe_packets(result) == {41, 42}


def test_only_versions_at_the_floor_pass(probed: dict[str, Case]) -> None:
    result = run_check(probed["clean"], "COM-02")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert "port 443 TLS 1.2, port 443 TLS 1.3" in text_of(result)


def test_a_scan_that_could_not_run_is_inconclusive(probed: dict[str, Case]) -> None:
    result = run_check(probed["errored"], "COM-02")
    assert result.verdict is Verdict.INCONCLUSIVE and not result.decided_by
    assert "tls scan test could not run" in text_of(result)
