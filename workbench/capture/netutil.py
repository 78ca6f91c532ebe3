"""Addresses and well-known ports."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache

# "Local" = not on the internet: RFC 1918, CGNAT, loopback, link-local, multicast, broadcast,
# unique-local IPv6. Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24) count as
# remote on purpose: examples use them for internet hosts (Python's is_private says otherwise).
_LOCAL_NETS = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "255.255.255.255/32",
        "0.0.0.0/32",
        "::1/128",
        "::/128",
        "fe80::/10",
        "fc00::/7",
        "ff00::/8",
    )
]


def ip_text(raw: bytes) -> str:
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw)
    if len(raw) == 16:
        return socket.inet_ntop(socket.AF_INET6, raw)
    return raw.hex()


@lru_cache(maxsize=65536)
def is_local(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in net for net in _LOCAL_NETS if net.version == addr.version)


@lru_cache(maxsize=65536)
def is_group(ip: str) -> bool:
    """Multicast or broadcast: no host 'serves' from such an address."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return addr.is_multicast or ip == "255.255.255.255" or ip.endswith(".255")


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
