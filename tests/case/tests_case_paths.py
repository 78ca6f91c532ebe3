"""Paths of the real captures the case tests use (the shared corpus beside the clone)."""

from pathlib import Path

_BESIDE_CLONE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "captures"
CORPUS = _BESIDE_CLONE if _BESIDE_CLONE.is_dir() else Path("/work/shared/corpus/captures")

PCAP = CORPUS / "zeek__http_basic-auth-with-colon.pcap"
PCAP_GZ = CORPUS / "scapy__tls_tcp_frag.pcap.gz"
PCAPNG = CORPUS / "zeek__pcapng-multi-interface.pcapng"
