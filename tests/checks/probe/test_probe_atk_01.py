"""ATK-01 with the live port scan as a source beside the capture and the firmware."""

from __future__ import annotations

from probecases import NMAP, probe_packets, run_check, text_of

from workbench.case import Case
from workbench.checks import Verdict


def test_undeclared_ports_found_by_the_scan_fail_with_nmaps_command(probed: dict[str, Case]) -> None:
    result = run_check(probed["defective"], "ATK-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    assert result.indicators["undeclared"] == [
        "tcp/23",
        "tcp/9527",
    ]  # udp/1900 open|filtered, undeclared: not counted
    assert probe_packets(result) == {1, 2, 7, 8}
    notes = {e.note for f in result.findings for e in f.evidence if e.packet}
    assert notes == {" ".join(NMAP)}


def test_a_clean_scan_passes_without_a_capture(probed: dict[str, Case]) -> None:
    result = run_check(probed["clean"], "ATK-01")
    assert result.verdict is Verdict.PASS and "probe" in result.decided_by
    assert "live port scan (2) is declared" in text_of(result)


def test_a_scan_cut_short_is_inconclusive_alone(probed: dict[str, Case]) -> None:
    result = run_check(probed["errored"], "ATK-01")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "stopped at its time budget" in text_of(result)


def test_a_string_where_a_port_belongs_is_left_out(probed: dict[str, Case]) -> None:
    result = run_check(probed["mistyped"], "ATK-01")
    assert result.verdict is Verdict.PASS  # tcp/80 declared; the unreadable port is not a port
    assert set(result.indicators["observed_ports"]) == {"tcp/80"}
