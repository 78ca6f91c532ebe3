"""COM-05: remote services contacted against the declared cloud endpoints (look-alike names,
bare addresses, infrastructure, a capture too short to conclude)."""

from __future__ import annotations

from pathlib import Path

from netcases import CLEAN_DECLARATION, new_case, run_check, tshark_frames
from netpcaps import (
    CLOUD_IP,
    DEVICE_IP,
    ECDHE_RSA_AES128_GCM,
    ROUTER_IP,
    TLS_12,
    Trace,
    client_hello,
    tls_session,
)

from workbench.case import Case
from workbench.checks import Verdict


def test_com05_fails_an_undeclared_tracker(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "COM-05")
    assert result.verdict is Verdict.FAIL
    assert result.indicators["undeclared"] == ["telemetry.tracker.example"]
    (tracker,) = [f for f in result.findings if f.data.get("name")]
    assert tracker.evidence[0].packet == defective_capture[1]["dns_tracker"]
    assert (
        "mqtt.acme-cloud.example" in result.indicators["observed_endpoints"]
    )  # covered by *.acme-cloud.example


def test_com05_passes_the_clean_device(clean_case: Case) -> None:
    result = run_check(clean_case, "COM-05")
    assert result.verdict is Verdict.PASS
    assert result.indicators["capture_minutes"] >= 10


def _mixed_capture(path: Path, *, minutes: float) -> Path:
    """Declared cloud, NTP (infrastructure), a look-alike name, and a bare address."""
    t = Trace()
    t.dns(DEVICE_IP, ROUTER_IP, "mqtt.acme-cloud.example", CLOUD_IP)
    tls_session(
        t,
        DEVICE_IP,
        CLOUD_IP,
        8883,
        hello=client_hello(TLS_12, [ECDHE_RSA_AES128_GCM], sni="mqtt.acme-cloud.example"),
        version=TLS_12,
        cipher=ECDHE_RSA_AES128_GCM,
    )
    t.dns(DEVICE_IP, ROUTER_IP, "pool.ntp.org", "192.0.2.123")
    t.udp(DEVICE_IP, "192.0.2.123", 123, 123, b"\x23" + bytes(47))
    t.pause(minutes * 60)
    t.dns(DEVICE_IP, ROUTER_IP, "acme-cloud.example.evil.example", "198.51.100.66")
    tls_session(
        t,
        DEVICE_IP,
        "198.51.100.66",
        443,
        hello=client_hello(TLS_12, [ECDHE_RSA_AES128_GCM], sni="acme-cloud.example.evil.example"),
        version=TLS_12,
        cipher=ECDHE_RSA_AES128_GCM,
    )
    tls_session(
        t,
        DEVICE_IP,
        "198.51.100.99",
        443,
        hello=client_hello(TLS_12, [ECDHE_RSA_AES128_GCM]),
        version=TLS_12,
        cipher=ECDHE_RSA_AES128_GCM,
    )
    return t.write(path)


def test_com05_lookalike_names_and_bare_addresses_fail_ntp_does_not(tmp_path: Path) -> None:
    capture = _mixed_capture(tmp_path / "mixed.pcap", minutes=11)
    result = run_check(new_case(tmp_path / "mixed", [capture], CLEAN_DECLARATION), "COM-05")
    assert result.verdict is Verdict.FAIL
    assert sorted(result.indicators["undeclared"]) == ["198.51.100.99", "acme-cloud.example.evil.example"]
    assert "pool.ntp.org" in result.indicators["infrastructure"]["names"]
    bare = next(f for f in result.findings if f.data.get("address"))
    assert (
        bare.evidence[0].packet == tshark_frames(capture, "ip.dst == 198.51.100.99 && tcp.flags.syn == 1")[0]
    )


def test_com05_short_capture_is_inconclusive_and_undeclared_list_needed(tmp_path: Path) -> None:
    t = Trace()
    t.dns(DEVICE_IP, ROUTER_IP, "mqtt.acme-cloud.example", CLOUD_IP)
    tls_session(
        t,
        DEVICE_IP,
        CLOUD_IP,
        8883,
        hello=client_hello(TLS_12, [ECDHE_RSA_AES128_GCM], sni="mqtt.acme-cloud.example"),
        version=TLS_12,
        cipher=ECDHE_RSA_AES128_GCM,
    )
    capture = t.write(tmp_path / "short.pcap")
    short = run_check(new_case(tmp_path / "short", [capture], CLEAN_DECLARATION), "COM-05")
    assert short.verdict is Verdict.INCONCLUSIVE
    assert "at least 10" in short.reasons[1]
    unstated = run_check(new_case(tmp_path / "unstated", [capture], {"model": "C100"}), "COM-05")
    assert unstated.verdict is Verdict.INCONCLUSIVE
    assert unstated.indicators["observed_endpoints"] == ["mqtt.acme-cloud.example", "203.0.113.10"]
    none_declared = run_check(new_case(tmp_path / "none", [capture], {"cloud_endpoints": []}), "COM-05")
    assert none_declared.verdict is Verdict.FAIL
    nothing = run_check(new_case(tmp_path / "nodecl", [capture]), "COM-05")
    assert nothing.verdict is Verdict.INCONCLUSIVE and nothing.missing_evidence
