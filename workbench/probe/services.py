"""Which protocol each open port speaks, from the port scan's rows (nmap's service name, its `ssl`
tunnel, the product), falling back on the well-known port when nmap named nothing useful."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROTOCOLS = ("http", "https", "rtsp", "telnet", "ssh", "ftp", "mqtt", "mqtts", "tls")
WELL_KNOWN = {  # the protocol a port usually speaks, when nmap could not tell
    **{p: "telnet" for p in (23, 2323)},
    **{p: "http" for p in (80, 81, 8000, 8008, 8080, 8081, 8888)},
    **{p: "https" for p in (443, 4433, 4443, 8443, 9443)},
    **{p: "rtsp" for p in (554, 8554)},
    **{22: "ssh", 21: "ftp", 1883: "mqtt", 8883: "mqtts"},
}
UNNAMED = {"", "unknown", "tcpwrapped"}
# nmap service names (lower-case) -> protocol in clear text
NAMES = {
    "http": "http",
    "http-proxy": "http",
    "http-alt": "http",
    "http-mgmt": "http",
    "https": "https",
    "https-alt": "https",
    "ssl/http": "https",
    "rtsp": "rtsp",
    "telnet": "telnet",
    "ssh": "ssh",
    "ftp": "ftp",
    "mqtt": "mqtt",
    "secure-mqtt": "mqtts",
    "mqtts": "mqtts",
    "ssl": "tls",
    "tls": "tls",
}
# words of a product string -> protocol, when the service name says nothing
PRODUCTS = (
    ("telnetd", "telnet"),
    ("mosquitto", "mqtt"),
    ("dropbear", "ssh"),
    ("openssh", "ssh"),
    ("ftpd", "ftp"),
    ("httpd", "http"),
    ("lighttpd", "http"),
    ("nginx", "http"),
    ("rtsp", "rtsp"),
)
SECURED = {"http": "https", "mqtt": "mqtts"}  # the protocol under an `ssl` tunnel


@dataclass(frozen=True, order=True)
class Service:
    transport: str  # tcp (every protocol here is over TCP)
    port: int
    protocol: str  # one of PROTOCOLS

    @property
    def tls(self) -> bool:
        return self.protocol in ("https", "mqtts", "tls")


def classify(row: dict[str, Any]) -> str | None:
    """The protocol of one `ports` row, or None when it is not one the probe speaks."""
    if str(row.get("transport") or "tcp").lower() != "tcp" or str(row.get("state") or "") != "open":
        return None
    name = str(row.get("service") or "").strip().lower()
    if name.endswith("?"):  # nmap's guess from the port number alone: the well-known port decides first
        name = "" if WELL_KNOWN.get(_port(row)) else name.rstrip("?")
    tunnel = str(row.get("tunnel") or "").strip().lower() == "ssl"
    product = str(row.get("product") or "").lower()
    protocol = NAMES.get(name)
    if protocol is None and name in UNNAMED:
        by_product = next((p for word, p in PRODUCTS if word in product), None)
        protocol = by_product or WELL_KNOWN.get(_port(row))
    if protocol is None:
        return "tls" if tunnel else None
    if tunnel and protocol not in ("https", "mqtts", "tls"):
        return SECURED.get(protocol, "tls")  # telnet or FTP inside TLS: only the TLS test speaks it
    return protocol


def services_from_ports(rows: list[dict[str, Any]]) -> list[Service]:
    """One Service per open TCP port the probe can talk to, in port order (unknown ones left out)."""
    found: dict[int, Service] = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        port = _port(row)
        protocol = classify(row)
        if protocol and port and port not in found:
            found[port] = Service("tcp", port, protocol)
    return sorted(found.values())


def _port(row: dict[str, Any]) -> int:
    try:
        port = int(row.get("port") or 0)
    except (TypeError, ValueError):
        return 0
    return port if 0 < port < 65536 else 0
