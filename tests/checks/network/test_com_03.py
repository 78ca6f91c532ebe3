"""COM-03: certificates in the device's handshakes (expired, self-signed, short keys, SHA-1
chains, TLS 1.3 hiding them), generated and from the corpus."""

from __future__ import annotations

from pathlib import Path

from netcases import corpus, new_case, packets_of, run_check, tshark_frames

from workbench.case import Case
from workbench.checks import Verdict


def test_com03_fails_expired_selfsigned_1024(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "COM-03")
    assert result.verdict is Verdict.FAIL
    summaries = " ".join(f.summary for f in result.findings)
    assert "expired" in summaries and "self-signed" in summaries and "1024-bit" in summaries
    assert packets_of(result) == {defective_capture[1]["tls10_hello"]}


def test_com03_passes_a_valid_chain(clean_case: Case) -> None:
    result = run_check(clean_case, "COM-03")
    assert result.verdict is Verdict.PASS
    subjects = {c["subject"] for c in result.indicators["certificates"]}
    assert subjects == {"CN=api.acme-cloud.example", "CN=Acme Test Root CA"}


def test_com03_corpus_expired_and_sha1(tmp_path: Path) -> None:
    capture = corpus("zeek__tls_tls-expired-cert.pcap")
    case = new_case(tmp_path / "exp", [capture], device_ips=["192.168.4.149"])
    result = run_check(case, "COM-03")
    assert result.verdict is Verdict.FAIL
    hellos = tshark_frames(capture, "tls.handshake.type == 1")
    expired = [f for f in result.findings if "expired" in f.summary]
    assert [f.data["subject"] for f in expired] == [
        "CN=www.spidh.org,OU=COMODO SSL,OU=Domain Control Validated"
    ]
    assert expired[0].evidence[0].packet == hellos[0]
    sha1 = [f for f in result.findings if "sha1WithRSAEncryption" in f.summary]
    assert {e.packet for f in sha1 for e in f.evidence} == set(hellos)
    assert any(
        f.data["subject"].startswith("CN=www.tobu-estate.com") for f in sha1
    )  # not expired: SHA-1 alone


def test_com03_tls13_only_is_inconclusive(tmp_path: Path) -> None:
    case = new_case(
        tmp_path / "t13", [corpus("zeek__tls_tls13_wolfssl.pcap")], device_ips=["192.168.186.133"]
    )
    result = run_check(case, "COM-03")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "no certificate was visible" in result.reasons[0]
