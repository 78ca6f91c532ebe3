"""Application protocol recognised from the first payload bytes of a flow, whatever the port."""

from __future__ import annotations

import re

from workbench.capture.dns import looks_like_dns
from workbench.capture.http import METHODS, RTSP_METHODS

ENCRYPTED = {"tls", "ssh", "dtls", "quic"}
_LOGIN = re.compile(rb"(login|username|password)\s*:\s*$", re.I)
_MAIL_220 = re.compile(rb"smtp|mail|postfix|exim|sendmail", re.I)
_TFTP_MODE = re.compile(rb"\x00(netascii|octet|mail)\x00", re.I)


def tcp(payload: bytes, from_client: bool, server_port: int) -> str | None:
    """The protocol of a TCP flow from one payload segment, or None if not recognised."""
    if len(payload) < 2:
        return None
    b0 = payload[0]
    if 0x14 <= b0 <= 0x18 and payload[1] == 3 and len(payload) >= 3 and payload[2] <= 4:
        return "tls"
    if b0 & 0x80 and len(payload) >= 5 and payload[2] == 1 and payload[3] in (0, 3):
        return "tls"  # SSLv2-compatible ClientHello
    if payload.startswith(b"SSH-"):
        return "ssh"
    if b0 == 0xFF and 0xFB <= payload[1] <= 0xFE:
        return "telnet"
    if from_client:
        if payload.startswith(METHODS):
            line = payload[:512].split(b"\n", 1)[0]
            return "rtsp" if b"RTSP/" in line or b"rtsp://" in line else "http"
        if payload.startswith(RTSP_METHODS):
            return "rtsp"
        if b0 == 0x10 and (b"\x00\x04MQTT" in payload[:12] or b"\x00\x06MQIsdp" in payload[:14]):
            return "mqtt"
        upper = payload[:12].upper()
        if upper.startswith((b"USER ", b"AUTH TLS", b"AUTH SSL", b"FEAT")):
            return "ftp" if server_port != 110 else "pop3"
        if upper.startswith((b"EHLO ", b"HELO ")):
            return "smtp"
        if upper.startswith(b"CAPA") or upper.startswith(b"STLS"):
            return "pop3"
        return None
    if payload.startswith(b"HTTP/1."):
        return "http"
    if payload.startswith(b"RTSP/1."):
        return "rtsp"
    if payload.startswith(b"+OK"):
        return "pop3"
    if payload.startswith(b"* OK") or payload.startswith(b"* PREAUTH"):
        return "imap"
    if payload.startswith((b"220 ", b"220-")):
        first = payload[:256].split(b"\n", 1)[0]
        if b"FTP" in first.upper() or not _MAIL_220.search(first):
            return "ftp" if server_port not in (25, 465, 587) else "smtp"
        return "smtp"
    if b0 == 0x20 and payload[1] >= 2 and len(payload) >= 4:
        return None  # a lone CONNACK is too weak a signal
    if _LOGIN.search(payload[-64:].rstrip(b"\x00 ")):
        return "telnet"
    return None


def udp(payload: bytes, sport: int, dport: int) -> str | None:
    if not payload:
        return None
    ports = (sport, dport)
    if payload.startswith((b"NOTIFY * HTTP/1.", b"M-SEARCH * HTTP/1.")) or (
        1900 in ports and payload.startswith(b"HTTP/1.")
    ):
        return "ssdp"
    if 5353 in ports and looks_like_dns(payload):
        return "mdns"
    if 5355 in ports and looks_like_dns(payload):
        return "llmnr"
    if 137 in ports and looks_like_dns(payload):
        return "netbios-ns"
    if (67 in ports or 68 in ports) and len(payload) >= 240 and payload[236:240] == b"\x63\x82\x53\x63":
        return "dhcp"
    b0 = payload[0]
    if 20 <= b0 <= 23 and len(payload) >= 13 and payload[1] == 0xFE and payload[2] in (0xFD, 0xFF, 0xFC):
        return "dtls"
    if b0 == 0x30 and len(payload) > 8 and payload[2:4] == b"\x02\x01" and payload[4] in (0, 1, 3):
        return "snmp"
    if len(payload) >= 48 and 123 in ports and (b0 >> 3) & 7 in (1, 2, 3, 4) and b0 & 7 in (1, 2, 3, 4, 5):
        return "ntp"
    coap_header = b0 >> 6 == 1 and (b0 & 0x0F) <= 8 and len(payload) >= 4 and _coap_code(payload[1])
    if coap_header and (5683 in ports or 5684 in ports or _coap_options_valid(payload)):
        return "coap"
    if len(payload) >= 4 and payload[0] == 0 and payload[1] in (1, 2) and _TFTP_MODE.search(payload[2:516]):
        return "tftp"
    if b0 & 0x80 and len(payload) >= 7 and payload[1:5] in (b"\x00\x00\x00\x01", b"\x6b\x33\x43\xcf"):
        return "quic"
    if 53 in ports and looks_like_dns(payload):
        return "dns"
    return None


def _coap_code(code: int) -> bool:
    cls, detail = code >> 5, code & 0x1F
    return (cls == 0 and 1 <= detail <= 7) or (cls == 2 and 1 <= detail <= 5) or cls in (4, 5)


def _coap_options_valid(payload: bytes) -> bool:
    """CoAP options walk cleanly to the payload marker or the end (a strong sign off port 5683)."""
    pos = 4 + (payload[0] & 0x0F)
    if pos > len(payload) or len(payload) < 6:
        return False
    count = 0
    while pos < len(payload):
        byte = payload[pos]
        if byte == 0xFF:
            return count > 0 and pos + 1 < len(payload)
        delta, length = byte >> 4, byte & 0x0F
        if delta == 15 or length == 15:
            return False
        pos += 1 + (1 if delta == 13 else 2 if delta == 14 else 0)
        if length == 13 and pos < len(payload):
            length, pos = payload[pos] + 13, pos + 1
        elif length == 14 and pos + 1 < len(payload):
            length, pos = int.from_bytes(payload[pos : pos + 2], "big") + 269, pos + 2
        pos += length
        count += 1
    return count > 0 and pos == len(payload)
