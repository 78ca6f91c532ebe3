"""UPD-02: firmware downloads and update URLs in clear or over TLS (capture, firmware, declaration)."""

from __future__ import annotations

from pathlib import Path

from netcases import DEFECTIVE_DECLARATION, corpus, new_case, run_check, tshark_frames

from workbench.case import Case
from workbench.checks import Severity, Verdict


def test_upd02_fails_a_firmware_download_over_http(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "UPD-02")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.data["url"] == "http://update.acme-cloud.example/c100/fw-2.2.bin"
    capture, marks = defective_capture
    get = tshark_frames(capture, 'http.request.uri contains ".bin"')
    assert get == [marks["firmware_get"]]
    assert get[0] in {e.packet for e in finding.evidence}
    assert finding.severity is Severity.HIGH


def test_upd02_passes_tls_to_the_declared_update_host(clean_case: Case) -> None:
    result = run_check(clean_case, "UPD-02")
    assert result.verdict is Verdict.PASS
    assert "tls://update.acme-cloud.example:443" in result.indicators["observed_update"]["secure_fetches"]


def test_upd02_fails_an_http_update_url_in_the_firmware(firmware_defective_case: Case) -> None:
    result = run_check(firmware_defective_case, "UPD-02")
    assert result.verdict is Verdict.FAIL  # although the capture shows TLS to the update host
    (finding,) = result.findings
    assert finding.data["url"] == "http://update.acme-cloud.example/c100/latest.bin"
    assert finding.evidence[0].path == "/usr/sbin/acme-update"
    assert finding.evidence[0].sha256 == firmware_defective_case.artefacts("firmware")[0].sha256


def test_upd02_passes_an_https_update_url_in_the_firmware(firmware_clean_case: Case) -> None:
    result = run_check(firmware_clean_case, "UPD-02")
    assert result.verdict is Verdict.PASS
    assert result.indicators["observed_update"]["firmware_urls"] == [
        "https://update.acme-cloud.example/c100/latest.bin"
    ]


def test_upd02_declared_cleartext_transport_fails(tmp_path: Path, clean_capture: tuple[Path, dict]) -> None:
    declaration = {
        **DEFECTIVE_DECLARATION,
        "update": {"transport": "http", "url": "http://update.acme.example/"},
    }
    case = new_case(tmp_path / "decl", [clean_capture[0]], declaration)
    result = run_check(case, "UPD-02")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.evidence[0].artefact == "declaration"


def test_upd02_without_update_traffic_is_inconclusive(tmp_path: Path) -> None:
    case = new_case(tmp_path / "mqtt", [corpus("zeek__mqtt.pcap")], device_ips=["10.0.1.4"])
    result = run_check(case, "UPD-02")
    assert result.verdict is Verdict.INCONCLUSIVE
    neither = run_check(new_case(tmp_path / "none", [], DEFECTIVE_DECLARATION), "UPD-02")
    assert neither.verdict is Verdict.INCONCLUSIVE and "missing evidence" in neither.reasons[0]
