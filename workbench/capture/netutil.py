"""Addresses and well-known ports."""

from __future__ import annotations

import socket
from functools import lru_cache

# "Local" = not on the internet: RFC 1918, CGNAT, loopback, link-local, multicast, broadcast,
# unique-local IPv6. Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24) count as
# remote on purpose: examples use them for internet hosts (Python's is_private says otherwise).


@lru_cache(maxsize=65536)
def ip_text(raw: bytes) -> str:
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw)
    if len(raw) == 16:
        return socket.inet_ntop(socket.AF_INET6, raw)
    return raw.hex()


def _raw(ip: str) -> bytes | None:
    try:
        return socket.inet_pton(socket.AF_INET6 if ":" in ip else socket.AF_INET, ip)
    except OSError:
        return None


def is_local_raw(raw: bytes) -> bool:
    if len(raw) == 4:
        a, b = raw[0], raw[1]
        return (
            a in (10, 127, 0)
            or (a == 172 and 16 <= b <= 31)
            or (a == 192 and b == 168)
            or (a == 100 and 64 <= b <= 127)
            or (a == 169 and b == 254)
            or a >= 224
        )
    if len(raw) == 16:
        return (
            raw[0] == 0xFF
            or (raw[0] & 0xFE) == 0xFC
            or (raw[0] == 0xFE and raw[1] & 0xC0 == 0x80)
            or raw in (bytes(16), bytes(15) + b"\x01")
        )
    return False


@lru_cache(maxsize=65536)
def is_local(ip: str) -> bool:
    raw = _raw(ip)
    return raw is not None and is_local_raw(raw)


@lru_cache(maxsize=65536)
def is_group(ip: str) -> bool:
    """Multicast or broadcast: no host 'serves' from such an address."""
    raw = _raw(ip)
    if raw is None:
        return False
    if len(raw) == 4:
        return raw[0] >= 224 or raw[3] == 255
    return raw[0] == 0xFF


def mac_text(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def normalise_mac(mac: str) -> str:
    digits = "".join(c for c in mac.lower() if c in "0123456789abcdef")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)) if len(digits) == 12 else mac.lower()


TCP_PORTS = {
    20: "ftp-data",
    21: "ftp",
    22: "ssh",
    23: "telnet",
    25: "smtp",
    53: "dns",
    69: "tftp",
    80: "http",
    110: "pop3",
    111: "rpcbind",
    113: "ident",
    119: "nntp",
    135: "msrpc",
    139: "netbios-ssn",
    143: "imap",
    179: "bgp",
    389: "ldap",
    443: "https",
    445: "smb",
    465: "smtps",
    502: "modbus",
    513: "rlogin",
    514: "rsh",
    515: "printer",
    548: "afp",
    554: "rtsp",
    587: "submission",
    631: "ipp",
    636: "ldaps",
    853: "dns-over-tls",
    873: "rsync",
    990: "ftps",
    992: "telnets",
    993: "imaps",
    995: "pop3s",
    1080: "socks",
    1433: "mssql",
    1723: "pptp",
    1883: "mqtt",
    1900: "upnp",
    2323: "telnet-alt",
    3306: "mysql",
    3389: "rdp",
    4433: "https-alt",
    5000: "upnp",
    5060: "sip",
    5061: "sips",
    5222: "xmpp",
    5353: "mdns",
    5432: "postgresql",
    5555: "adb",
    5683: "coap",
    5900: "vnc",
    6379: "redis",
    6667: "irc",
    7547: "cwmp",
    8000: "http-alt",
    8008: "http-alt",
    8080: "http-alt",
    8081: "http-alt",
    8443: "https-alt",
    8554: "rtsp-alt",
    8883: "mqtts",
    8888: "http-alt",
    9000: "http-alt",
    9100: "jetdirect",
    9090: "http-alt",
    49152: "upnp",
}
UDP_PORTS = {
    53: "dns",
    67: "dhcp",
    68: "dhcp",
    69: "tftp",
    123: "ntp",
    137: "netbios-ns",
    138: "netbios-dgm",
    161: "snmp",
    162: "snmptrap",
    443: "quic",
    500: "isakmp",
    514: "syslog",
    546: "dhcpv6",
    547: "dhcpv6",
    1194: "openvpn",
    1900: "ssdp",
    3478: "stun",
    3702: "ws-discovery",
    4500: "ipsec-nat",
    5060: "sip",
    5353: "mdns",
    5355: "llmnr",
    5683: "coap",
    5684: "coaps",
    10001: "ubnt-discovery",
}


def port_service(transport: str, port: int) -> str | None:
    table = TCP_PORTS if transport == "tcp" else UDP_PORTS if transport == "udp" else {}
    return table.get(port)


def is_service_port(transport: str, port: int) -> bool:
    return port < 1024 or port_service(transport, port) is not None
