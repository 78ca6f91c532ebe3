"""The capture engine's tables: every column's name, Arrow type and meaning, declared once.

The engine builds its DataFrames through these schemas, the cache types its tables by them when
they are read back, the checks read typed rows by them (`ctx.capture_rows`), and docs/CONTRACTS.md
lists them (`TableSchema.markdown()`). Packet numbers are 1-based, as Wireshark counts them.
"""

from __future__ import annotations

import pyarrow as pa

from workbench.tables import Column, TableSchema

TEXT = pa.string()
PACKET = pa.int64()
COUNT = pa.int64()
PORT = pa.uint16()
TLS_VERSION = pa.uint16()  # the wire code; `workbench.capture.TlsVersion` names it
SECONDS = pa.float64()

CERTIFICATE = pa.struct(
    [
        pa.field("subject", TEXT),
        pa.field("issuer", TEXT),
        pa.field("not_before", TEXT),
        pa.field("not_after", TEXT),
        pa.field("key_type", TEXT),
        pa.field("key_bits", COUNT),
        pa.field("signature_algorithm", TEXT),
        pa.field("self_signed", pa.bool_()),
        pa.field("expired", pa.bool_()),
        pa.field("not_yet_valid", pa.bool_()),
        pa.field("error", TEXT),
        pa.field("size", COUNT),
    ]
)


def _table(name: str, doc: str, *columns: tuple[str, pa.DataType, str]) -> TableSchema:
    return TableSchema(name, doc, tuple(Column(n, t, d) for n, t, d in columns))


_VERSION_COLUMNS: set[str] = set()


def _versions(name: str, kind: pa.DataType, doc: str) -> tuple[str, pa.DataType, str]:
    """A column of TLS version codes (a uint16 like a port: the name says which ones to label)."""
    _VERSION_COLUMNS.add(name)
    return name, kind, doc


FLOWS = _table(
    "flows",
    "one row per conversation (TCP connection, UDP/ICMP exchange), oriented client to server",
    ("flow_id", COUNT, "the flow's number, in order of its first packet"),
    ("transport", TEXT, "`tcp`, `udp`, `icmp`, ..."),
    ("client_ip", TEXT, "the side that spoke first (or sent the SYN)"),
    ("client_port", PORT, "the client's port (0 without ports)"),
    ("server_ip", TEXT, "the side that answered"),
    ("server_port", PORT, "the server's port (0 without ports)"),
    ("first_ts", SECONDS, "time of the first packet (Unix seconds)"),
    ("last_ts", SECONDS, "time of the last packet (Unix seconds)"),
    ("first_packet", PACKET, "number of the flow's first packet"),
    ("packets_c2s", COUNT, "packets client to server"),
    ("packets_s2c", COUNT, "packets server to client"),
    ("bytes_c2s", COUNT, "bytes client to server (frame lengths)"),
    ("bytes_s2c", COUNT, "bytes server to client (frame lengths)"),
    ("app_proto", TEXT, "the application protocol recognised from the payload, if any"),
    ("port_proto", TEXT, "the protocol the server port is registered for, if any"),
    ("server_name", TEXT, "the name a DNS answer in the capture gave the server's address, if any"),
    ("sni", TEXT, "the TLS server name the client asked for, if any"),
    ("encrypted", pa.bool_(), "the payload is encrypted (TLS, DTLS, SSH, QUIC ...)"),
    ("device_role", TEXT, "the device under test in this flow: `client`, `server` or `none`"),
    ("remote_is_local", pa.bool_(), "the server is in a private/link-local/multicast range"),
)

TLS = _table(
    "tls",
    "one row per TLS/DTLS handshake (a ClientHello and what the server answered)",
    ("packet", PACKET, "the packet carrying the ClientHello"),
    ("client_ip", TEXT, "the client"),
    ("server_ip", TEXT, "the server"),
    ("server_port", PORT, "the server's port"),
    _versions("record_version", TLS_VERSION, "the record layer version code of the ClientHello"),
    _versions("hello_version", TLS_VERSION, "the ClientHello's legacy version code"),
    _versions("offered_versions", pa.list_(TLS_VERSION), "version codes in supported_versions (no GREASE)"),
    ("offered_ciphers", pa.list_(TEXT), "the client's cipher suites by IANA name"),
    ("sni", TEXT, "the server name asked for, if any"),
    ("alpn", pa.list_(TEXT), "the application protocols offered (ALPN)"),
    _versions("chosen_version", TLS_VERSION, "the version code the server chose; null without a ServerHello"),
    ("chosen_cipher", TEXT, "the cipher suite the server chose by IANA name; null without one"),
    ("certificates", pa.list_(CERTIFICATE), "the server's chain as facts, leaf first (empty if not seen)"),
    ("certificate_packet", PACKET, "the packet completing the server's Certificate message, or null"),
    ("alerts", pa.list_(TEXT), "TLS alerts seen on the connection (`fatal: protocol_version`)"),
    ("ja3", TEXT, "the ClientHello's JA3 fingerprint"),
    ("ja4", TEXT, "the ClientHello's JA4 fingerprint"),
)

CREDENTIALS = _table(
    "credentials",
    "one row per credential seen in clear text",
    ("protocol", TEXT, "the protocol that carried it (`http`, `ftp`, `mqtt`, `telnet` ...)"),
    ("client_ip", TEXT, "the side that sent the credential"),
    ("server_ip", TEXT, "the side that received it"),
    ("server_port", PORT, "the server's port"),
    ("username", TEXT, "the user name (may be empty)"),
    ("secret", TEXT, "the password or token, masked unless secrets are revealed"),
    ("packets", pa.list_(PACKET), "the packets that carried it"),
    ("detail", TEXT, "what was seen, in words"),
)

OPEN_PORTS = _table(
    "open_ports",
    "one row per port the device was seen listening on",
    ("device_ip", TEXT, "the device's address"),
    ("transport", TEXT, "`tcp` or `udp`"),
    ("port", PORT, "the port"),
    ("service", TEXT, "the service recognised on it, if any"),
    ("evidence", TEXT, "`syn-ack` (answered a connection) or `served` (answered a request)"),
    ("first_packet", PACKET, "the first packet showing it open"),
    ("clients", pa.list_(TEXT), "the addresses that talked to it"),
)

DNS = _table(
    "dns",
    "one row per DNS message, query or response (mDNS, LLMNR and NetBIOS go to `discovery`)",
    ("packet", PACKET, "the packet carrying the message"),
    ("ts", SECONDS, "its time (Unix seconds)"),
    ("client_ip", TEXT, "the side asking"),
    ("resolver_ip", TEXT, "the side answering"),
    ("qname", TEXT, "the name asked for"),
    ("qtype", TEXT, "the record type (`A`, `AAAA`, ...)"),
    ("answers", pa.list_(TEXT), "the answers as `TYPE data` (at most 32)"),
    ("rcode", TEXT, "the response code (`NOERROR`, `NXDOMAIN` ...); null for a query"),
)

DISCOVERY = _table(
    "discovery",
    "one row per discovery announcement seen (SSDP, mDNS, LLMNR, NetBIOS, DHCP)",
    ("packet", PACKET, "the packet carrying it"),
    ("protocol", TEXT, "the discovery protocol"),
    ("src_ip", TEXT, "the announcing address"),
    ("name", TEXT, "the name announced"),
    ("server", TEXT, "the server/software string announced"),
    ("location", TEXT, "the description URL (SSDP LOCATION), if any"),
    ("model", TEXT, "the model disclosed, if any"),
    ("serial", TEXT, "the serial number disclosed, if any"),
    ("version", TEXT, "the software version disclosed, if any"),
    ("disclosed", pa.list_(TEXT), "which facts it discloses"),
    ("banner", TEXT, "the announcement's text, shortened"),
)

DOWNLOADS = _table(
    "downloads",
    "one row per file transfer that may be a firmware update",
    ("packets", pa.list_(PACKET), "the packets of the transfer"),
    ("protocol", TEXT, "`http`, `tls`, `tftp` ..."),
    ("client_ip", TEXT, "the downloading side"),
    ("server_ip", TEXT, "the serving side"),
    ("server_port", PORT, "the server's port"),
    ("host", TEXT, "the server's name, if known"),
    ("path", TEXT, "the path or file name, if visible"),
    ("content_type", TEXT, "the declared content type, if visible"),
    ("size", COUNT, "bytes transferred"),
    ("magic", TEXT, "the file type recognised from its first bytes, if visible"),
    ("looks_like_firmware", pa.bool_(), "the content looks like a firmware image; null if not visible"),
    ("encrypted", pa.bool_(), "the transfer was encrypted"),
    ("reason", TEXT, "why it is listed, in words"),
)

WARNINGS = _table(
    "warnings",
    "one row per kind of problem the engine met while reading the capture",
    ("kind", TEXT, "the kind of problem (`malformed-packet`, `truncated` ...)"),
    ("count", COUNT, "how many times it occurred"),
    ("message", TEXT, "the first occurrence, in words"),
    ("first_packet", PACKET, "the packet of the first occurrence"),
)

TLS_VERSION_COLUMNS = frozenset(_VERSION_COLUMNS)
TABLES: dict[str, TableSchema] = {
    t.name: t for t in (FLOWS, TLS, CREDENTIALS, OPEN_PORTS, DNS, DISCOVERY, DOWNLOADS, WARNINGS)
}


def contract_markdown() -> str:
    """The capture tables as docs/CONTRACTS.md lists them (between its capture-tables markers)."""
    return "\n\n".join(table.markdown() for table in TABLES.values())
