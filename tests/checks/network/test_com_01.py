"""COM-01: credentials in clear, on the generated device pair and the corpus's real logins (FTP, MQTT)."""

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
