"""The shared helpers of the network checks: names against declared endpoints, address locality,
TLS version codes and declared floors, service names, evidence references, declared ports."""

from __future__ import annotations

import pytest

from workbench.capture.versions import TlsVersion
from workbench.case.declaration import Declaration
from workbench.checks._network import (
    answer_addresses,
    covered_by,
    declared_port_labels,
    declared_tls_floor,
    endpoint_matches,
    first_packet_refs,
    host_matches,
    is_local_address,
    is_local_name,
    is_remote_address,
    packet_refs,
    ref,
    service_in,
    tls_version,
)
from workbench.checks.base import MAX_EVIDENCE_REFS


@pytest.mark.parametrize(
    ("name", "pattern", "expected"),
    [
        ("mqtt.acme-cloud.example", "*.acme-cloud.example", True),
        ("a.b.acme-cloud.example", "*.acme-cloud.example", True),
        ("MQTT.Acme-Cloud.Example.", "*.acme-cloud.example", True),
        ("acme-cloud.example", "*.acme-cloud.example", False),
        ("evilacme-cloud.example", "*.acme-cloud.example", False),
        ("acme-cloud.example.evil.example", "*.acme-cloud.example", False),
        ("api.acme-cloud.example", "api.acme-cloud.example", True),
        ("x.api.acme-cloud.example", "api.acme-cloud.example", False),
    ],
)
def test_host_matches(name: str, pattern: str, expected: bool) -> None:
    assert host_matches(name, pattern) is expected


def test_endpoints_by_address_and_network() -> None:
    assert endpoint_matches("203.0.113.0/24", address="203.0.113.10")
    assert not endpoint_matches("203.0.113.0/24", address="198.51.100.1")
    assert endpoint_matches("2001:db8::1", address="2001:db8:0::1")
    assert not endpoint_matches("203.0.113.10", name="203.0.113.10.nip.example")
    assert covered_by(["*.acme-cloud.example", "198.51.100.0/24"], names=["x.acme-cloud.example"]) == (
        "*.acme-cloud.example"
    )
    assert covered_by(["*.acme-cloud.example"], names=["tracker.example"], address="198.51.100.7") is None


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("192.168.1.50", True),
        ("10.1.2.3", True),
        ("172.31.0.1", True),
        ("100.64.0.1", True),
        ("169.254.1.1", True),
        ("239.255.255.250", True),
        ("fe80::1", True),
        ("fd00::1", True),
        ("ff02::fb", True),
        ("::ffff:192.168.1.1", True),
        ("203.0.113.10", False),
        ("198.51.100.1", False),
        ("8.8.8.8", False),
        ("2001:db8::1", False),
    ],
)
def test_locality(address: str, local: bool) -> None:
    assert is_local_address(address) is local
    assert is_remote_address(address) is (not local)


def test_not_an_address_is_neither() -> None:
    assert not is_local_address("<script>") and not is_remote_address("<script>")
    assert not is_remote_address(None) and not is_remote_address("")


def test_local_names() -> None:
    assert is_local_name("camera.local") and is_local_name("50.1.168.192.in-addr.arpa")
    assert is_local_name("router") and not is_local_name("mqtt.acme-cloud.example")


@pytest.mark.parametrize(
    ("code", "label"),
    [
        (0x0002, "SSL 2.0"),  # an SSLv2 ClientHello's version field
        (0x0300, "SSL 3.0"),
        (0x0301, "TLS 1.0"),
        (0x0302, "TLS 1.1"),
        (0x0303, "TLS 1.2"),
        (0x0304, "TLS 1.3"),
        (0x7F1C, "TLS 1.3"),  # a TLS 1.3 draft counts as TLS 1.3
    ],
)
def test_tls_versions(code: int, label: str) -> None:
    version = tls_version(code)
    assert version is not None and version.label == label


def test_tls_versions_unknown() -> None:
    for code in (0x0A0A, 0x1A1A, TlsVersion.DTLS_1_2, 0x0305, None):
        assert tls_version(code) is None
    assert tls_version(0x0200) is TlsVersion.SSL_2_0  # as the tables label it: judged, not ignored
    assert tls_version(0x0301) < tls_version(0x0303) < tls_version(0x0304)


@pytest.mark.parametrize("declared", ["1.0", "1.2", "TLSv1.3", 1.2])
def test_declared_tls_floor(declared: object) -> None:
    declaration = Declaration.model_validate({"tls": {"min_version": declared}})
    floor = declared_tls_floor(declaration)
    assert floor is not None and floor.label == f"TLS {declaration.tls.min_version}"
    assert declared_tls_floor(Declaration()) is None and declared_tls_floor(None) is None


@pytest.mark.parametrize(
    ("program", "service"),
    [
        ("utelnetd", "telnet"),
        ("/usr/sbin/in.telnetd -L /bin/login", "telnet"),
        ("vsftpd", "ftp"),
        ("pure-ftpd", "ftp"),
        ("busybox tftpd", "tftp"),
        ("in.rlogind", "rlogin"),
        ("telnet-alt", "telnet"),
        ("sftp-server", None),
        ("sshd", None),
        ("dropbear", None),
        ("bash", None),
        ("httpd", None),
    ],
)
def test_service_names(program: str, service: str | None) -> None:
    assert service_in(program, ["telnet", "ftp", "tftp", "rlogin", "rsh", "rexec"]) == service


def test_evidence_refs_keep_packets_once_in_order_and_bounded() -> None:
    row = {"artefact": "cam.pcap", "artefact_sha256": "ab" * 32}
    refs = packet_refs(row, [30, 3, 3, *range(100, 120)], note="login")
    assert [r.packet for r in refs] == [3, 30, *range(100, 120)]  # every packet, each once, in order
    bounded = packet_refs(row, range(1, MAX_EVIDENCE_REFS + 500), note="scan")
    assert [r.packet for r in bounded] == list(range(1, MAX_EVIDENCE_REFS + 1))
    assert all(r.artefact == "cam.pcap" and r.sha256 == "ab" * 32 and r.note == "login" for r in refs)
    assert ref(row, packet=0).packet is None and ref({}, path="").path is None
    flows = [{**row, "first_packet": n} for n in (7, 9, 11)]
    assert [r.packet for r in first_packet_refs(flows, "flow start", limit=2)] == [7, 9]


def test_dns_answers_and_declared_ports() -> None:
    assert answer_addresses(["A 203.0.113.10", "CNAME cdn.example", "AAAA 2001:db8::1", ""]) == [
        "203.0.113.10",
        "2001:db8::1",
    ]
    declaration = Declaration.model_validate(
        {"open_ports": [{"proto": "tcp", "port": 80, "service": "http"}, {"proto": "udp", "port": 554}]}
    )
    assert declared_port_labels(declaration, services=True) == ["tcp/80 http", "udp/554"]
    assert declared_port_labels(declaration, services=False) == ["tcp/80", "udp/554"]
    assert declared_port_labels(None, services=True) == []
