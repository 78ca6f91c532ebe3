"""AUTH-06: anonymous FTP logins accepted or refused, and services without a login seen."""

from __future__ import annotations

from pathlib import Path

from netcases import corpus, new_case, packets_of, run_check, tshark_frames

from workbench.case import Case
from workbench.checks import Verdict


def test_auth06_fails_an_accepted_anonymous_ftp_login(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "AUTH-06")
    assert result.verdict is Verdict.FAIL
    (anonymous,) = [f for f in result.findings if f.data.get("accepted")]
    assert defective_capture[1]["ftp"][3] in {e.packet for e in anonymous.evidence}


def test_auth06_corpus_anonymous_ftp_accepted(tmp_path: Path) -> None:
    capture = corpus("zeek__ftp_ipv4.pcap")
    case = new_case(tmp_path / "anon", [capture], device_ips=["199.233.217.249"])
    result = run_check(case, "AUTH-06")
    assert result.verdict is Verdict.FAIL
    pass_frame = tshark_frames(capture, 'ftp.request.command == "PASS"')
    assert set(pass_frame) <= packets_of(result)


def test_auth06_rejected_login_is_no_finding_and_clean_device_needs_the_inspector(
    tmp_path: Path, clean_case: Case
) -> None:
    case = new_case(
        tmp_path / "rejected",
        [corpus("zeek__ftp_ftp-password-pass-command.pcap")],
        device_ips=["192.168.10.188"],
    )
    result = run_check(case, "AUTH-06")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["observed_ports"]["tcp/21"]["logins_seen"] == 1
    clean = run_check(clean_case, "AUTH-06")
    assert clean.verdict is Verdict.NEEDS_INSPECTOR
    assert set(clean.indicators["observed_ports"]) == {"tcp/443", "tcp/554"}
