"""The shared helpers of the network checks: names against declared endpoints, address locality,
TLS versions and cipher names as the engine writes them, service names, defensive table reading."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.checks._network import (
    answer_addresses,
    as_list,
    cipher_name,
    covered_by,
    endpoint_matches,
    host_matches,
    is_local_address,
    is_local_name,
    is_remote_address,
    packets_of,
    port_declared,
    rows,
    service_in,
    tls_label,
    tls_version,
)


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
    assert not is_remote_address(None) and not is_remote_address(float("nan"))


def test_local_names() -> None:
    assert is_local_name("camera.local") and is_local_name("50.1.168.192.in-addr.arpa")
    assert is_local_name("router") and not is_local_name("mqtt.acme-cloud.example")


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("TLS 1.0", "TLS 1.0"),
        ("TLSv1", "TLS 1.0"),
        ("TLSv1.2", "TLS 1.2"),
        ("1.3", "TLS 1.3"),
        ("SSL 3.0", "SSL 3.0"),
        ("SSLv3", "SSL 3.0"),
        (0x0302, "TLS 1.1"),
        ("0x0303", "TLS 1.2"),
        ("771", "TLS 1.2"),
        ("TLS 1.3 (draft 28)", "TLS 1.3"),
        (0x7F1C, "TLS 1.3"),
    ],
)
def test_tls_versions(value: object, label: str) -> None:
    assert tls_label(tls_version(value)) == label


def test_tls_versions_unknown() -> None:
    for value in ("0x0a0a", 0x1A1A, "DTLS 1.2", None, float("nan"), "banana", True):
        assert tls_version(value) is None
    assert tls_version("TLS 1.0") < tls_version("TLS 1.2") < tls_version("TLS 1.3")


def test_cipher_names() -> None:
    assert cipher_name(0x000A) == "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
    assert cipher_name("0x0005") == "TLS_RSA_WITH_RC4_128_SHA"
    assert cipher_name("GREASE_0x0A0A") == "" and cipher_name(0x2A2A) == ""
    assert cipher_name("TLS_AES_128_GCM_SHA256") == "TLS_AES_128_GCM_SHA256"


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


def test_rows_tolerate_missing_columns_and_odd_values() -> None:
    table = pd.DataFrame({"port": [23, np.nan], "packets": [np.array([3, 1]), None]})
    got = list(rows(table, ("port", "service", "packets")))
    assert got[0]["service"] is None and math.isnan(got[1]["port"])
    assert packets_of(got[0]["packets"]) == [1, 3] and packets_of(got[1]["packets"]) == []
    assert list(rows(pd.DataFrame(), ("port",))) == [] and list(rows(None)) == []
    assert as_list("") == [] and as_list(("a", None)) == ["a"]


def test_dns_answers_and_declared_ports() -> None:
    assert answer_addresses(["A 203.0.113.10", "CNAME cdn.example", "AAAA 2001:db8::1"]) == [
        "203.0.113.10",
        "2001:db8::1",
    ]
    ports = [{"proto": "tcp", "port": 80, "service": "http"}, {"proto": None, "port": 554, "service": ""}]
    assert port_declared(ports, "tcp", 80) and not port_declared(ports, "udp", 80)
    assert port_declared(ports, "udp", 554)
