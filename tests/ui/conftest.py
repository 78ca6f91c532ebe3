"""Fixtures for the display helpers and the verdict widget: real cases, a lab's own catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from ui_helpers import new_case

from workbench.case import Case


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return new_case(tmp_path / "cam1")


@pytest.fixture(scope="session")
def small_pcap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real pcap of a DNS query for a hostile name, written by scapy."""
    from scapy.layers.dns import DNS, DNSQR
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    path = tmp_path_factory.mktemp("pcap") / "dns.pcap"
    packet = Ether() / IP(src="192.168.1.20", dst="192.168.1.1") / UDP(sport=5353, dport=53)
    wrpcap(str(path), [packet / DNS(rd=1, qd=DNSQR(qname="evil.example"))])
    return path


@pytest.fixture
def note_file(tmp_path: Path) -> Path:
    path = tmp_path / "disclosure-policy.txt"
    path.write_text("Security contact: security@acme.example (read 2026-01-20)\n")
    return path
