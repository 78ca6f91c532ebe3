"""Helpers shared by the checks that read the network capture.

Tables come from the engines through EvidenceContext; every value read here may be missing,
NaN, a numpy array or of an unexpected type, so each accessor degrades to "unknown" instead
of raising. Nothing here judges a requirement: the check modules do.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.checks.base import EvidenceRef

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext

MAX_REFS = 8  # evidence references kept per finding; the table holds the rest

# --- values -------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NA or value is pd.NaT


def text(value: Any) -> str:
    return "" if is_missing(value) else str(value).strip()


def as_int(value: Any) -> int | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip(), 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def as_bool(value: Any) -> bool | None:
    if is_missing(value):
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in {"true", "yes", "1", "y"}:
            return True
        if low in {"false", "no", "0", "n"}:
            return False
        return None
    try:
        return bool(value)
    except (TypeError, ValueError):
        return None


def as_list(value: Any) -> list[Any]:
    """A list from a list, tuple, set, numpy array or a single scalar; [] when missing."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if not is_missing(v)]
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        converted = value.tolist()
        return as_list(converted) if isinstance(converted, list) else [converted]
    if is_missing(value):
        return []
    if isinstance(value, str) and not value.strip():
        return []
    return [value]


def rows(table: pd.DataFrame | None, columns: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
    """The table's rows as dicts; requested columns that are absent read as None."""
    if table is None or table.empty:
        return
    wanted = list(columns)
    for record in table.to_dict("records"):
        for name in wanted:
            record.setdefault(name, None)
        yield record


def packets_of(value: Any) -> list[int]:
    return sorted({n for n in (as_int(v) for v in as_list(value)) if n is not None and n > 0})


def ref(
    row: dict[str, Any], *, packet: Any = None, path: Any = None, offset: Any = None, note: str = ""
) -> EvidenceRef:
    """An evidence reference for a table row (its `artefact` and `artefact_sha256` columns)."""
    number = as_int(packet)
    return EvidenceRef(
        artefact=text(row.get("artefact")) or "capture",
        sha256=text(row.get("artefact_sha256")),
        packet=number if number and number > 0 else None,
        path=text(path) or None,
        offset=as_int(offset),
        note=note,
    )


def packet_refs(row: dict[str, Any], packets: Iterable[int], note: str = "") -> tuple[EvidenceRef, ...]:
    numbers = sorted(set(packets))
    return tuple(ref(row, packet=n, note=note) for n in numbers[:MAX_REFS])


def declaration_ref(ctx: EvidenceContext, note: str) -> EvidenceRef:
    return EvidenceRef(artefact="declaration", sha256=ctx.case.declaration_sha256() or "", note=note)


# --- patterns -----------------------------------------------------------------------------


def pattern_match(patterns: Iterable[str], value: str) -> str | None:
    """The first pattern (a case-insensitive regular expression, or plain text) found in value."""
    for pattern in patterns:
        try:
            if re.search(pattern, value, re.IGNORECASE):
                return pattern
        except re.error:
            if pattern.lower() in value.lower():
                return pattern
    return None


# --- addresses ----------------------------------------------------------------------------

# "Local" = not on the internet. Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24)
# count as remote on purpose: examples use them for internet hosts, although Python's
# ipaddress calls them private.
_LOCAL_NETS = tuple(
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
)


@lru_cache(maxsize=65536)
def parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(value).strip().split("%", 1)[0])
    except ValueError:
        return None


def is_local_address(value: Any) -> bool:
    """True for private, loopback, link-local, multicast and broadcast addresses."""
    addr = parse_ip(text(value))
    if addr is None:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return any(addr in net for net in _LOCAL_NETS if net.version == addr.version)


def is_remote_address(value: Any) -> bool:
    return parse_ip(text(value)) is not None and not is_local_address(value)


@dataclass(frozen=True)
class Device:
    """The device's addresses, and how they are known."""

    ips: frozenset[str]
    source: str  # "case" | "capture" (from the case's MACs) | "inferred" | "unknown"
    reason: str = ""

    @property
    def known(self) -> bool:
        return bool(self.ips)

    def is_device(self, ip: Any) -> bool:
        addr = parse_ip(text(ip))
        return addr is not None and str(addr) in self.ips

    def describe(self) -> str:
        if self.source == "case":
            return f"device address from the case: {', '.join(sorted(self.ips))}"
        if self.source == "capture":
            return f"device address found in the capture from the case's MAC: {', '.join(sorted(self.ips))}"
        if self.source == "inferred":
            why = f" ({self.reason})" if self.reason else ""
            return f"device address inferred by the capture engine: {', '.join(sorted(self.ips))}{why}"
        return (
            "the device's address is unknown (set device_ips in case.yaml):"
            " every host in the capture is considered"
        )


def capture_analyses(ctx: EvidenceContext) -> list[tuple[Any, Any]]:
    """The case's capture analyses, loaded once per context (each load parses the cached JSON)."""
    cached = getattr(ctx, "_network_analyses", None)
    if cached is None:
        cached = ctx.captures()
        with contextlib.suppress(AttributeError):  # a context without attributes loads each time
            ctx._network_analyses = cached  # type: ignore[attr-defined]
    return cached


def device_of(ctx: EvidenceContext) -> Device:
    """The device's IP addresses: from case.yaml, else from the capture engine's identification."""
    declared = {str(a) for a in (parse_ip(v) for v in (getattr(ctx.info, "device_ips", None) or ())) if a}
    if declared:
        return Device(frozenset(declared), "case")
    found: set[str] = set()
    inferred = False
    reasons: list[str] = []
    for _artefact, analysis in capture_analyses(ctx):
        device = getattr(analysis, "device", None) or {}
        ips = {str(a) for a in (parse_ip(v) for v in as_list(device.get("ips"))) if a}
        if ips:
            found |= ips
            inferred = inferred or bool(device.get("inferred"))
            if text(device.get("reason")):
                reasons.append(text(device.get("reason")))
    if not found:
        return Device(frozenset(), "unknown")
    return Device(frozenset(found), "inferred" if inferred else "capture", "; ".join(dict.fromkeys(reasons)))


def capture_packet_count(ctx: EvidenceContext) -> int:
    total = 0
    for _artefact, analysis in capture_analyses(ctx):
        summary = getattr(analysis, "summary", None) or {}
        total += as_int(summary.get("packets")) or 0
    return total


def capture_minutes(ctx: EvidenceContext) -> float:
    """How long the captures run, in minutes (summed over the case's captures)."""
    total = 0.0
    for _artefact, analysis in capture_analyses(ctx):
        summary = getattr(analysis, "summary", None) or {}
        try:
            first, last = float(summary.get("first_ts")), float(summary.get("last_ts"))
        except (TypeError, ValueError):
            continue
        if math.isfinite(first) and math.isfinite(last) and last > first:
            total += (last - first) / 60
    return total


def traffic_gap(ctx: EvidenceContext) -> str | None:
    """Why the capture cannot show anything (no packets, no IP flows), or None."""
    if capture_packet_count(ctx) == 0 and ctx.capture_table("flows").empty:
        return "the capture holds no packets: capture the device's traffic and add it to the case"
    if ctx.capture_table("flows").empty:
        return "the capture holds no IP flows: capture the device's IP traffic and add it to the case"
    return None


def device_flows(ctx: EvidenceContext, device: Device, role: str) -> list[dict[str, Any]]:
    """Flows in which the device is the client (role="client") or the server (role="server")."""
    columns = (
        "flow_id",
        "transport",
        "client_ip",
        "client_port",
        "server_ip",
        "server_port",
        "first_packet",
        "bytes_c2s",
        "bytes_s2c",
        "packets_c2s",
        "packets_s2c",
        "app_proto",
        "port_proto",
        "server_name",
        "sni",
        "encrypted",
        "device_role",
    )
    side = "client_ip" if role == "client" else "server_ip"
    selected = []
    for row in rows(ctx.capture_table("flows"), columns):
        if device.known:
            if device.is_device(row[side]):
                selected.append(row)
        elif text(row["device_role"]) in ("", "none", role):
            selected.append(row)
    return selected


# --- names and declared endpoints ---------------------------------------------------------

_LOCAL_SUFFIXES = (".local", ".arpa", ".lan", ".home", ".internal", ".localdomain", ".localhost")


def normalise_name(value: Any) -> str:
    return text(value).lower().rstrip(".")


def is_local_name(name: str) -> bool:
    """mDNS, reverse look-ups, single-label and home-network names: no remote service."""
    name = normalise_name(name)
    return not name or "." not in name or name.endswith(_LOCAL_SUFFIXES) or name == "localhost"


def host_matches(name: str, pattern: str) -> bool:
    """`name` is `pattern`, or under it when the pattern is `*.domain` (any depth below)."""
    name, pattern = normalise_name(name), normalise_name(pattern)
    if not name or not pattern:
        return False
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return name == pattern


def endpoint_matches(pattern: str, *, name: str = "", address: str = "") -> bool:
    """Whether a declared endpoint (name, `*.domain`, address or CIDR network) covers a contact."""
    pattern = normalise_name(pattern)
    addr = parse_ip(address) if address else None
    if addr is not None:
        if "/" in pattern:
            try:
                return addr in ipaddress.ip_network(pattern, strict=False)
            except ValueError:
                return False
        declared_addr = parse_ip(pattern)
        if declared_addr is not None and declared_addr == addr:
            return True
    return bool(name) and parse_ip(pattern) is None and "/" not in pattern and host_matches(name, pattern)


def declared_endpoints(declaration: Any) -> list[str] | None:
    """The declared cloud endpoints; None when the declaration does not state them at all."""
    if declaration is None:
        return None
    values = [normalise_name(v) for v in as_list(getattr(declaration, "cloud_endpoints", None))]
    fields_set = getattr(declaration, "model_fields_set", None)
    if not values and fields_set is not None and "cloud_endpoints" not in fields_set:
        return None
    return values


def covered_by(endpoints: Iterable[str], *, names: Iterable[str] = (), address: str = "") -> str | None:
    """The first declared endpoint that covers one of the names or the address."""
    for pattern in endpoints:
        if address and endpoint_matches(pattern, address=address):
            return pattern
        for name in names:
            if name and endpoint_matches(pattern, name=name):
                return pattern
    return None


# --- ports --------------------------------------------------------------------------------


def declared_ports(declaration: Any) -> list[dict[str, Any]]:
    """The declared open ports as dicts with proto, port, service (tolerates dicts or models)."""
    result = []
    for item in as_list(getattr(declaration, "open_ports", None) if declaration is not None else None):
        get = item.get if isinstance(item, dict) else lambda k, _i=item: getattr(_i, k, None)
        port = as_int(get("port"))
        if port is None:
            continue
        result.append(
            {
                "proto": text(get("proto")).lower() or None,
                "port": port,
                "service": text(get("service")),
                "purpose": text(get("purpose")),
            }
        )
    return result


def port_declared(ports: list[dict[str, Any]], transport: str, port: int) -> dict[str, Any] | None:
    transport = transport.lower()
    for declared in ports:
        if declared["port"] == port and declared["proto"] in (None, transport):
            return declared
    return None


def port_label(transport: str, port: int) -> str:
    return f"{transport.lower() or '?'}/{port}"


# --- TLS ----------------------------------------------------------------------------------

_VERSION_BY_CODE = {
    0x0002: (2, 0),
    0x0200: (2, 0),
    0x0300: (3, 0),
    0x0301: (3, 1),
    0x0302: (3, 2),
    0x0303: (3, 3),
    0x0304: (3, 4),
}
_VERSION_LABELS = {
    (2, 0): "SSL 2.0",
    (3, 0): "SSL 3.0",
    (3, 1): "TLS 1.0",
    (3, 2): "TLS 1.1",
    (3, 3): "TLS 1.2",
    (3, 4): "TLS 1.3",
}
_VERSION_TEXT = re.compile(r"^(ssl|tls|dtls)?\s*v?\s*(\d)(?:\.(\d))?$")


def tls_version(value: Any) -> tuple[int, int] | None:
    """(3, 1) for TLS 1.0 ... (3, 4) for TLS 1.3, from 0x0301, 769, "TLS 1.0", "TLSv1", "1.2",
    "SSLv3"; None for GREASE, DTLS and anything unknown."""
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        code = int(value)
    else:
        raw = str(value).split("(", 1)[0].strip().lower().replace("_", " ")  # "TLS 1.3 (draft 28)"
        if raw.startswith("0x"):
            code = as_int(raw)
            if code is None:
                return None
        elif raw.isdigit() and len(raw) > 2:
            code = int(raw)
        else:
            match = _VERSION_TEXT.match(raw.replace("tls ", "tls").replace("ssl ", "ssl"))
            if not match or match.group(1) == "dtls":
                return None
            major, minor = int(match.group(2)), int(match.group(3) or 0)
            if match.group(1) == "ssl":
                return (major, 0) if major in (2, 3) else None
            if major == 1 and minor <= 3:
                return (3, minor + 1)
            return None
    if (code & 0x0F0F) == 0x0A0A:  # GREASE
        return None
    if code >> 8 == 0x7F:  # TLS 1.3 drafts
        return (3, 4)
    return _VERSION_BY_CODE.get(code)


def tls_label(version: tuple[int, int] | None, raw: Any = None) -> str:
    if version is None:
        return text(raw) or "unknown"
    return _VERSION_LABELS.get(version, f"{version[0]}.{version[1]}")


@lru_cache(maxsize=1)
def _cipher_names() -> dict[int, str]:
    names: dict[int, str] = {}
    try:
        from scapy.layers.tls.crypto.suites import _tls_cipher_suites

        names.update({int(k): str(v) for k, v in _tls_cipher_suites.items()})
    except Exception:  # scapy's TLS layer needs cryptography; names are a convenience
        pass
    try:
        import json
        from importlib import resources

        data = json.loads(resources.files("workbench.capture").joinpath("data/tls_ciphers.json").read_text())
        names.update({int(k, 16): str(v) for k, v in data.get("suites", {}).items()})
    except Exception:  # the engine's table is optional here
        pass
    return names


def cipher_name(value: Any) -> str:
    """The IANA name of a cipher suite given by name, number or "0x002f"; "" for GREASE."""
    if is_missing(value):
        return ""
    code = as_int(value) if not isinstance(value, str) or value.strip().lower().startswith("0x") else None
    if code is None and isinstance(value, str) and value.strip().isdigit():
        code = int(value.strip())
    if code is not None:
        if (code & 0x0F0F) == 0x0A0A:
            return ""
        return _cipher_names().get(code, f"0x{code:04x}")
    name = str(value).strip()
    return "" if "GREASE" in name.upper() else name


# --- services -----------------------------------------------------------------------------

# Well-known ports of remote-access services, for ports the capture could not name by payload.
INSECURE_SERVICE_PORTS = {
    ("tcp", 21): "ftp",
    ("tcp", 23): "telnet",
    ("udp", 69): "tftp",
    ("tcp", 512): "rexec",
    ("tcp", 513): "rlogin",
    ("tcp", 514): "rsh",
}
_OTHER_PREFIXES = ("s", "t")  # sftp and tftp are not ftp


def service_in(value: str, services: Iterable[str]) -> str | None:
    """Which of `services` a program or service name denotes: 'utelnetd', '/usr/sbin/in.telnetd -L',
    'vsftpd', 'pure-ftpd', 'busybox tftpd' -> telnet, ftp, ftp, tftp. 'sftp-server' is not ftp."""
    tokens = [t for t in re.split(r"[^a-z0-9]+", value.lower()) if t]
    names = sorted({s.lower() for s in services if s}, key=len, reverse=True)
    for token in tokens:
        for name in names:
            for form in (name + "d", name):
                if not token.endswith(form):
                    continue
                prefix = token[: -len(form)]
                if prefix in _OTHER_PREFIXES or (prefix and prefix + name in names):
                    continue  # sftp/tftp are other protocols; tftpd is reported as tftp
                return name
    return None


def remote_destinations(ctx: EvidenceContext, device: Device) -> dict[str, dict[str, Any]]:
    """The remote services the device opened flows to, keyed by the best name known (SNI, HTTP
    Host or DNS answer), else the address: ports, protocols, bytes each way, flows, first packet."""
    destinations: dict[str, dict[str, Any]] = {}
    for row in device_flows(ctx, device, "client"):
        server = text(row["server_ip"])
        if not is_remote_address(server):
            continue
        name = normalise_name(row["sni"]) or normalise_name(row["server_name"])
        entry = destinations.setdefault(
            name or server,
            {
                "name": name,
                "addresses": [],
                "ports": [],
                "protocols": [],
                "flows": 0,
                "bytes_sent": 0,
                "bytes_received": 0,
                "encrypted": True,
                "first_packet": None,
                "artefact": text(row.get("artefact")),
                "artefact_sha256": text(row.get("artefact_sha256")),
            },
        )
        port = f"{text(row['transport']).lower() or '?'}/{text(row['server_port'])}"
        protocol = text(row["app_proto"]).lower() or text(row["port_proto"]).lower() or "unidentified"
        for key, value in (("addresses", server), ("ports", port), ("protocols", protocol)):
            if value not in entry[key]:
                entry[key].append(value)
        entry["flows"] += 1
        entry["bytes_sent"] += as_int(row["bytes_c2s"]) or 0
        entry["bytes_received"] += as_int(row["bytes_s2c"]) or 0
        entry["encrypted"] = entry["encrypted"] and bool(as_bool(row["encrypted"]))
        first = as_int(row["first_packet"])
        if first and (entry["first_packet"] is None or first < entry["first_packet"]):
            entry["first_packet"] = first
    return destinations


# Infrastructure protocols: not "remote services" the device uses (COM-05's pass criteria).
INFRASTRUCTURE = frozenset({"dns", "ntp", "dhcp", "mdns", "ssdp", "llmnr", "netbios-ns", "dns-over-tls"})


def answer_addresses(value: Any) -> list[str]:
    """Addresses in a DNS answers cell: 'A 203.0.113.10', 'AAAA 2001:db8::1' or a bare address."""
    found = []
    for item in as_list(value):
        token = text(item).split()[-1] if text(item) else ""
        addr = parse_ip(token)
        if addr is not None:
            found.append(str(addr))
    return found


def payload_protocol(row: dict[str, Any]) -> str:
    """The application protocol the engine recognised from the flow's payload ('' if none)."""
    proto = text(row.get("app_proto")).lower()
    return "" if proto in ("unknown", "data", "raw") else proto


def device_services(ctx: EvidenceContext, device: Device) -> dict[str, dict[str, Any]]:
    """The device's listening services: ports seen open (SYN/ACK or served) and flows to the device
    whose payload named a protocol. Keyed 'tcp/80'; each with protocols, clients, sessions, rows."""
    services: dict[str, dict[str, Any]] = {}

    def entry(transport: str, port: int) -> dict[str, Any]:
        return services.setdefault(
            port_label(transport or "tcp", port),
            {
                "transport": (transport or "tcp").lower(),
                "port": port,
                "protocols": [],
                "clients": [],
                "sessions": 0,
                "rows": [],
            },
        )

    for row in rows(
        ctx.capture_table("open_ports"),
        ("device_ip", "transport", "port", "service", "first_packet", "clients", "evidence"),
    ):
        port = as_int(row["port"])
        if port is None or (device.known and not device.is_device(row["device_ip"])):
            continue
        item = entry(text(row["transport"]), port)
        service = text(row["service"]).lower()
        if service and service not in item["protocols"]:
            item["protocols"].append(service)
        for client in as_list(row["clients"]):
            if text(client) not in item["clients"]:
                item["clients"].append(text(client))
        item["rows"].append(row)
    for row in device_flows(ctx, device, "server"):
        port = as_int(row["server_port"])
        protocol = payload_protocol(row)
        if port is None or not protocol:
            continue
        item = entry(text(row["transport"]), port)
        if protocol not in item["protocols"]:
            item["protocols"].append(protocol)
        if text(row["client_ip"]) not in item["clients"]:
            item["clients"].append(text(row["client_ip"]))
        item["sessions"] += 1
        item["rows"].append(row)
    return services
