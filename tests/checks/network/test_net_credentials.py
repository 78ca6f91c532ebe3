"""COM-01 (credentials in clear), AUTH-05 (brute force, assisted), AUTH-06 (network authentication)
on generated device captures and real corpus captures."""

from __future__ import annotations

from pathlib import Path

from netcases import corpus, new_case, packets_of, run_check, tshark_frames

from workbench.case import Case
from workbench.checks import Severity, Verdict


def test_com01_fails_the_defective_device_on_every_protocol(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "COM-01")
    assert result.verdict is Verdict.FAIL
    _, marks = defective_capture
    by_protocol = {f.data["protocol"]: f for f in result.findings}
    assert set(by_protocol) == {"mqtt", "telnet", "ftp", "http"}
    assert {e.packet for e in by_protocol["mqtt"].evidence} == {marks["mqtt_connect"]}
    assert marks["ftp"][3] in {e.packet for e in by_protocol["ftp"].evidence}  # the PASS command
    assert marks["http_basic"] in packets_of(result)
    assert "sends" in by_protocol["mqtt"].summary and "accepts" in by_protocol["ftp"].summary
    assert all(f.severity is Severity.HIGH for f in result.findings)
    assert all(
        e.sha256 == defective_case.artefacts("capture")[0].sha256 for f in result.findings for e in f.evidence
    )
    assert result.evidence_used == (defective_case.artefacts("capture")[0].sha256,)


def test_com01_passes_the_clean_device(clean_case: Case) -> None:
    result = run_check(clean_case, "COM-01")
    assert result.verdict is Verdict.PASS
    assert not result.findings


def test_com01_ftp_password_in_the_corpus_points_at_the_pass_command(tmp_path: Path) -> None:
    capture = corpus("zeek__ftp_ftp-password-pass-command.pcap")
    case = new_case(tmp_path / "ftp", [capture], device_ips=["192.168.10.188"])
    result = run_check(case, "COM-01")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.data["username"] == "Admin"
    assert "qwerty" not in finding.data["secrets"][0]  # masked unless revealed
    pass_frames = tshark_frames(capture, 'ftp.request.command == "PASS"')
    assert pass_frames == [9]
    assert set(pass_frames) <= {e.packet for e in finding.evidence}
    assert finding.evidence[0].artefact == case.artefacts("capture")[0].name


def test_com01_mqtt_connect_in_the_corpus(tmp_path: Path) -> None:
    capture = corpus("suricata-verify__mqtt311-pub-userpass_input.pcap")
    case = new_case(tmp_path / "mqtt", [capture], device_ips=["::1"])
    result = run_check(case, "COM-01")
    assert result.verdict is Verdict.FAIL
    assert packets_of(result) == set(tshark_frames(capture, "mqtt.msgtype == 1"))


def test_com01_passes_a_real_tls_only_capture(tmp_path: Path) -> None:
    case = new_case(
        tmp_path / "tls", [corpus("zeek__tls_tls13_wolfssl.pcap")], device_ips=["192.168.186.134"]
    )
    assert run_check(case, "COM-01").verdict is Verdict.PASS


def test_com01_ignores_logins_between_other_hosts(tmp_path: Path) -> None:
    case = new_case(
        tmp_path / "other", [corpus("zeek__ftp_ftp-password-pass-command.pcap")], device_ips=["10.9.9.9"]
    )
    result = run_check(case, "COM-01")
    assert result.verdict is Verdict.PASS
    assert result.indicators["credentials_between_other_hosts"][0]["protocol"] == "ftp"


def test_auth05_lays_out_repeated_logins(defective_case: Case, clean_case: Case) -> None:
    result = run_check(defective_case, "AUTH-05")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    (series,) = result.findings
    assert series.data["attempts"] == 6 and series.data["server"] == "192.168.1.50:23"
    assert any("20 wrong passwords" in r for r in result.reasons)  # hands_on_attempts from the catalogue
    clean = run_check(clean_case, "AUTH-05")
    assert clean.verdict is Verdict.NEEDS_INSPECTOR and not clean.findings


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
