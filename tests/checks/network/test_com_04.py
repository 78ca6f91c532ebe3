"""COM-04: cleartext application protocols to remote services, generated and from the corpus."""

from __future__ import annotations

from pathlib import Path

from netcases import corpus, new_case, run_check, tshark_frames

from workbench.case import Case
from workbench.checks import Verdict


def test_com04_fails_http_and_mqtt_to_the_internet(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "COM-04")
    assert result.verdict is Verdict.FAIL
    targets = {(f.data["protocol"], f.data["server_ip"], f.data["server_port"]) for f in result.findings}
    assert targets == {
        ("http", "198.51.100.77", "80"),
        ("mqtt", "203.0.113.10", "1883"),
        ("http", "203.0.113.20", "80"),
    }
    marks = defective_capture[1]
    mqtt = next(f for f in result.findings if f.data["protocol"] == "mqtt")
    assert mqtt.evidence[0].packet == marks["mqtt_connect"] - 3  # the flow's SYN
    assert mqtt.data["server_name"] == "mqtt.acme-cloud.example"


def test_com04_passes_tls_only_and_ignores_local_http(clean_case: Case) -> None:
    result = run_check(clean_case, "COM-04")
    assert result.verdict is Verdict.PASS
    assert result.indicators["remote_flows_by_protocol"] == {"tls": 3}


def test_com04_corpus_mqtt_to_a_public_broker(tmp_path: Path) -> None:
    capture = corpus("zeek__mqtt.pcap")
    case = new_case(tmp_path / "mqtt", [capture], device_ips=["10.0.1.4"])
    result = run_check(case, "COM-04")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.data["server_ip"] == "198.41.30.241" and finding.data["flows"] == 2
    connects = tshark_frames(capture, "mqtt.msgtype == 1")  # the capture starts mid-flow: no SYN
    assert {e.packet for e in finding.evidence} == set(connects)


def test_com04_corpus_tls_client_passes(tmp_path: Path) -> None:
    case = new_case(tmp_path / "tls", [corpus("zeek__tls_ecdhe.pcap")], device_ips=["192.168.18.50"])
    assert run_check(case, "COM-04").verdict is Verdict.PASS
