"""COM-02: TLS floor and cipher suites, on generated handshakes and the corpus's real ones
(TLS 1.0/1.1 negotiated, weak suites offered, a declared minimum below the floor)."""

from __future__ import annotations

from pathlib import Path

import pytest
from netcases import corpus, new_case, packets_of, run_check, run_with_lab_catalogue, tshark_frames
from netpcaps import (
    CLOUD_IP,
    DEVICE_IP,
    ECDHE_RSA_AES128_GCM,
    RC4_SHA,
    TLS13_AES128,
    TLS_12,
    TLS_13,
    Trace,
    client_hello,
    tls_session,
)

from workbench.case import Case
from workbench.checks import Severity, Verdict
from workbench.errors import CheckError


def test_com02_fails_tls10_with_rc4(defective_case: Case, defective_capture: tuple[Path, dict]) -> None:
    result = run_check(defective_case, "COM-02")
    assert result.verdict is Verdict.FAIL
    hello = defective_capture[1]["tls10_hello"]
    assert packets_of(result) == {hello}
    kinds = {key for f in result.findings for key in f.data}
    assert {"negotiated_version", "negotiated_cipher"} <= kinds
    assert all(f.severity is Severity.HIGH for f in result.findings)
    assert result.indicators["negotiated_versions"] == {"TLS 1.0": 1}
    assert result.indicators["declared_min_version"] == "TLS 1.2"
    assert result.indicators["observed_min_version"] == "TLS 1.0"  # side by side in the notebook


def test_com02_passes_clean_tls12_and_tls13(clean_case: Case) -> None:
    result = run_check(clean_case, "COM-02")
    assert result.verdict is Verdict.PASS
    assert result.indicators["negotiated_versions"] == {"TLS 1.3": 1, "TLS 1.2": 2}


@pytest.mark.parametrize(
    ("name", "client", "version"),
    [
        ("zeek__tls_tls1_1.pcap", "192.168.17.58", "TLS 1.1"),
        ("zeek__tls_signed_certificate_timestamp_tls1_0.pcap", "192.168.4.195", "TLS 1.0"),
    ],
)
def test_com02_corpus_old_versions_fail(tmp_path: Path, name: str, client: str, version: str) -> None:
    capture = corpus(name)
    case = new_case(tmp_path / "c", [capture], device_ips=[client])
    result = run_check(case, "COM-02")
    assert result.verdict is Verdict.FAIL
    (finding,) = [f for f in result.findings if "negotiated_version" in f.data]
    assert finding.data["negotiated_version"] == version
    assert {e.packet for e in finding.evidence} == set(tshark_frames(capture, "tls.handshake.type == 1"))


def test_com02_tls13_server_passes_but_a_client_offering_tls11_fails(tmp_path: Path) -> None:
    capture = corpus("zeek__tls_tls13_wolfssl.pcap")
    as_server = run_check(new_case(tmp_path / "server", [capture], device_ips=["192.168.186.134"]), "COM-02")
    assert as_server.verdict is Verdict.PASS
    as_client = run_check(new_case(tmp_path / "client", [capture], device_ips=["192.168.186.133"]), "COM-02")
    assert as_client.verdict is Verdict.FAIL
    (fallback,) = as_client.findings
    assert fallback.severity is Severity.MEDIUM  # offered, not negotiated
    assert fallback.data["offered_below_floor"] == ["TLS 1.1"]
    assert {e.packet for e in fallback.evidence} == set(tshark_frames(capture, "tls.handshake.type == 1"))


def test_com02_weak_ciphers_offered_but_not_chosen(tmp_path: Path) -> None:
    trace = Trace()
    hello = tls_session(
        trace,
        DEVICE_IP,
        CLOUD_IP,
        443,
        hello=client_hello(TLS_12, [ECDHE_RSA_AES128_GCM, RC4_SHA], sni="api.acme-cloud.example"),
        version=TLS_12,
        cipher=ECDHE_RSA_AES128_GCM,
    )
    case = new_case(tmp_path / "offers", [trace.write(tmp_path / "offers.pcap")])
    result = run_check(case, "COM-02")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.severity is Severity.MEDIUM
    assert finding.data["weak_offered"] == ["TLS_RSA_WITH_RC4_128_SHA"]
    assert finding.evidence[0].packet == hello


def test_com02_not_applicable_without_tls(tmp_path: Path) -> None:
    case = new_case(
        tmp_path / "ftp", [corpus("zeek__ftp_ftp-password-pass-command.pcap")], device_ips=["192.168.10.132"]
    )
    result = run_check(case, "COM-02")
    assert result.verdict is Verdict.NOT_APPLICABLE


def test_com02_declared_minimum_below_the_floor_is_a_finding(tmp_path: Path) -> None:
    trace = Trace()
    tls_session(
        trace,
        DEVICE_IP,
        CLOUD_IP,
        443,
        hello=client_hello(TLS_12, [TLS13_AES128], sni="api.acme-cloud.example", supported=[TLS_13]),
        version=TLS_12,
        cipher=TLS13_AES128,
        selected=TLS_13,
    )
    case = new_case(tmp_path / "decl", [trace.write(tmp_path / "t.pcap")], {"tls": {"min_version": "1.0"}})
    result = run_check(case, "COM-02")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.evidence[0].artefact == "declaration"
    assert finding.evidence[0].sha256 == case.declaration_sha256()


def test_com02_a_lab_floor_of_tls13_fails_tls12(clean_case: Case, tmp_path: Path) -> None:
    """The floor is the catalogue's: the clean device passes at TLS 1.2 and fails a lab's TLS 1.3."""
    assert run_check(clean_case, "COM-02").verdict is Verdict.PASS
    result = run_with_lab_catalogue(
        clean_case, "COM-02", tmp_path / "lab", lambda p: p.update(min_tls_version="TLS 1.3")
    )
    assert result.verdict is Verdict.FAIL and result.indicators["floor"] == "TLS 1.3"
    below = [f for f in result.findings if f.data.get("negotiated_version")]
    assert len(below) == 2 and all(f.data["negotiated_version"] == "TLS 1.2" for f in below)
    assert all(f.severity is Severity.HIGH for f in below)


def test_com02_a_lab_floor_written_as_a_bare_number_is_read(clean_case: Case, tmp_path: Path) -> None:
    """"1.3" (as declarations write versions) is TLS 1.3, not a reason to fall back to a weaker floor."""
    result = run_with_lab_catalogue(
        clean_case, "COM-02", tmp_path / "lab", lambda p: p.update(min_tls_version="1.3")
    )
    assert result.verdict is Verdict.FAIL and result.indicators["floor"] == "TLS 1.3"


def test_com02_an_unreadable_lab_floor_is_an_error(clean_case: Case, tmp_path: Path) -> None:
    """The check cannot judge: an error naming the value (the batch makes it the row's ERROR)."""
    with pytest.raises(CheckError, match="COM-02: min_tls_version 'TLS 9' is not a TLS version"):
        run_with_lab_catalogue(
            clean_case, "COM-02", tmp_path / "lab", lambda p: p.update(min_tls_version="TLS 9")
        )


def test_com02_weak_cipher_patterns_are_the_catalogues(defective_case: Case, tmp_path: Path) -> None:
    """Only 3DES weak (a lab's list): the chosen RC4 suite passes, the offered 3DES suite is a finding."""
    result = run_with_lab_catalogue(
        defective_case, "COM-02", tmp_path / "lab", lambda p: p.update(weak_cipher_patterns=["3DES"])
    )
    assert not any(f.data.get("negotiated_cipher") for f in result.findings)
    (offered,) = [f for f in result.findings if f.data.get("weak_offered")]
    assert offered.data["weak_offered"] == ["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]
    assert offered.severity is Severity.MEDIUM
