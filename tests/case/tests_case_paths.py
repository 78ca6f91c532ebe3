"""Paths of the real captures the case tests use (the shared corpus beside the clone)."""

from corpus_captures import CORPUS

PCAP = CORPUS / "zeek__http_basic-auth-with-colon.pcap"
PCAP_GZ = CORPUS / "scapy__tls_tcp_frag.pcap.gz"
PCAPNG = CORPUS / "zeek__pcapng-multi-interface.pcapng"
