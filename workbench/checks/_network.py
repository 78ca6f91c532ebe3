"""Helpers shared by the checks that read the network capture.

Rows are the engines' typed rows (`ctx.capture_rows`): ints, lists, bools and `None` where a value
is missing, with `artefact` and `artefact_sha256` riding along. Here: the device's addresses, its
flows, services and remote destinations, names against the declared endpoints, declared ports,
TLS versions, evidence references, the few result shapes several network checks share (no
handshake, neither capture nor firmware) and the table cells of their notebook pages. Thresholds
and verdicts stay in the check modules.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from workbench.capture.versions import TlsVersion
from workbench.checks.base import (
    MAX_EVIDENCE_REFS,
    Check,
    CheckResult,
    EvidenceKind,
    EvidenceRef,
    Finding,
    Severity,
    Verdict,
)
from workbench.enginetext import detail_text
from workbench.i18n import _, tr

if TYPE_CHECKING:
    from workbench.case.declaration import Declaration
    from workbench.checks.context import EvidenceContext

MAX_REFS = MAX_EVIDENCE_REFS
Row = dict[str, Any]

# --- evidence -----------------------------------------------------------------------------


def ref(row: Row, *, packet: int | None = None, path: str | None = None, note: str = "") -> EvidenceRef:
    """An evidence reference for a table row (its `artefact` and `artefact_sha256` columns)."""
    return EvidenceRef(
        artefact=row.get("artefact") or "capture",
        sha256=row.get("artefact_sha256") or "",
        packet=packet if packet and packet > 0 else None,
        path=path or None,
        note=note,
    )


def packet_refs(row: Row, packets: Iterable[int], note: str = "") -> tuple[EvidenceRef, ...]:
    numbers = sorted(set(packets))
    return tuple(ref(row, packet=n, note=note) for n in numbers[:MAX_REFS])


def first_packet_refs(rows: Iterable[Row], note: str, limit: int = MAX_REFS) -> tuple[EvidenceRef, ...]:
    """A reference to the first packet of each row (a flow, an open port), at most `limit`."""
    return tuple(ref(r, packet=r["first_packet"], note=note) for r in list(rows)[:limit])


def capture_or_firmware_missing(check: Check, ctx: EvidenceContext, what: str) -> CheckResult | None:
    """INCONCLUSIVE when the case has neither a capture nor a firmware image (`what`, a noun phrase
    already in the current language, e.g. `_("a capture of an update, or the firmware image,")`,
    would show it)."""
    if ctx.has(EvidenceKind.CAPTURE) or ctx.has(EvidenceKind.FIRMWARE):
        return None
    reason = tr("missing evidence: {what} is needed to evaluate this requirement", what=what)
    return check.result(ctx, Verdict.INCONCLUSIVE, [reason])


def declaration_ref(ctx: EvidenceContext, note: str) -> EvidenceRef:
    return EvidenceRef(artefact="declaration", sha256=ctx.case.declaration_sha256() or "", note=note)


def declared_list_finding(ctx: EvidenceContext, summary: str, field: str, data: Row) -> Finding:
    """The INFO finding that closes a FAIL: what the declaration lists (`summary`, the caller's
    whole sentence), for comparison."""
    return Finding(
        summary=summary,
        severity=Severity.INFO,
        evidence=(declaration_ref(ctx, field),),
        data=data,
    )


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
def parse_ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip().split("%", 1)[0])
    except ValueError:
        return None


def is_local_address(value: str | None) -> bool:
    """True for private, loopback, link-local, multicast and broadcast addresses."""
    addr = parse_ip(value)
    if addr is None:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return any(addr in net for net in _LOCAL_NETS if net.version == addr.version)


def is_remote_address(value: str | None) -> bool:
    return parse_ip(value) is not None and not is_local_address(value)


@dataclass(frozen=True)
class Device:
    """The device's addresses, and how they are known."""

    ips: frozenset[str]
    source: str  # "case" | "capture" (from the case's MACs) | "inferred" | "unknown"
    reason: str = ""

    @property
    def known(self) -> bool:
        return bool(self.ips)

    def is_device(self, ip: str | None) -> bool:
        addr = parse_ip(ip)
        return addr is not None and str(addr) in self.ips

    def concerns(self, *ips: str | None) -> bool:
        """Whether a row between these addresses is the device's (every row when it is unknown)."""
        return not self.known or any(self.is_device(ip) for ip in ips)

    def describe(self) -> str:
        listed = ", ".join(sorted(self.ips))
        if self.source == "case":
            return tr("device address from the case: {addresses}", addresses=listed)
        if self.source == "capture":
            return tr(
                "device address found in the capture from the case's MAC: {addresses}", addresses=listed
            )
        if self.source == "inferred" and self.reason:
            return tr(
                "device address inferred by the capture engine: {addresses} ({reason})",
                addresses=listed,
                reason=detail_text(self.reason),  # the capture engine's, stored in English
            )
        if self.source == "inferred":
            return tr("device address inferred by the capture engine: {addresses}", addresses=listed)
        return _(
            "the device's address is unknown (set device_ips in case.yaml):"
            " every host in the capture is considered"
        )


def device_of(ctx: EvidenceContext) -> Device:
    """The device's IP addresses: from case.yaml, else from the capture engine's identification."""
    declared = {str(a) for a in (parse_ip(v) for v in ctx.info.device_ips) if a}
    if declared:
        return Device(frozenset(declared), "case")
    found: set[str] = set()
    inferred = False
    reasons: list[str] = []
    for _artefact, analysis in ctx.captures():
        device = analysis.device or {}
        ips = {str(a) for a in (parse_ip(v) for v in device.get("ips") or ()) if a}
        if ips:
            found |= ips
            inferred = inferred or bool(device.get("inferred"))
            if device.get("reason"):
                reasons.append(device["reason"])
    if not found:
        return Device(frozenset(), "unknown")
    return Device(frozenset(found), "inferred" if inferred else "capture", "; ".join(dict.fromkeys(reasons)))


def capture_minutes(ctx: EvidenceContext) -> float:
    """How long the captures run, in minutes (summed over the case's captures)."""
    total = 0.0
    for _artefact, analysis in ctx.captures():
        summary = analysis.summary or {}
        try:
            first, last = float(summary.get("first_ts")), float(summary.get("last_ts"))
        except (TypeError, ValueError):  # an empty capture has no times
            continue
        if math.isfinite(first) and math.isfinite(last) and last > first:
            total += (last - first) / 60
    return total


def traffic_gap(ctx: EvidenceContext) -> str | None:
    """Why the capture cannot show anything (no packets, no IP flows), or None."""
    if any((a.summary or {}).get("flows") for _artefact, a in ctx.captures()):
        return None
    packets = sum(int((a.summary or {}).get("packets") or 0) for _artefact, a in ctx.captures())
    if packets == 0:
        return _("the capture holds no packets: capture the device's traffic and add it to the case")
    return _("the capture holds no IP flows: capture the device's IP traffic and add it to the case")


def device_flows(ctx: EvidenceContext, device: Device, role: str, columns: tuple[str, ...]) -> list[Row]:
    """Flows in which the device is the client (role="client") or the server (role="server"),
    with the named columns (and the ones the selection reads)."""
    side = "client_ip" if role == "client" else "server_ip"
    wanted = tuple(dict.fromkeys((*columns, side, "device_role")))
    selected = []
    for row in ctx.capture_rows("flows", wanted):
        if device.known:
            if device.is_device(row[side]):
                selected.append(row)
        elif (row["device_role"] or "") in ("", "none", role):
            selected.append(row)
    return selected


def payload_protocol(row: Row) -> str:
    """The application protocol the engine recognised from the flow's payload ('' if none)."""
    proto = (row["app_proto"] or "").lower()
    return "" if proto in ("unknown", "data", "raw") else proto


def without_handshakes(
    check: Check, ctx: EvidenceContext, reasons: list[str], indicators: Row
) -> CheckResult:
    """COM-02 and COM-03 when the device took part in no TLS handshake: INCONCLUSIVE when the
    capture shows no traffic at all, else NOT_APPLICABLE."""
    gap = traffic_gap(ctx)
    if gap:
        return check.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
    return check.result(
        ctx,
        Verdict.NOT_APPLICABLE,
        [_("No TLS handshake of the device was seen in the capture."), *reasons],
        indicators=indicators,
    )


def peer(row: Row) -> str:
    """'203.0.113.5:443 (api.example)': the server of a TLS handshake, with the name asked for."""
    return f"{row['server_ip']}:{row['server_port']}" + (f" ({row['sni']})" if row["sni"] else "")


# --- names and declared endpoints ---------------------------------------------------------

_LOCAL_SUFFIXES = (".local", ".arpa", ".lan", ".home", ".internal", ".localdomain", ".localhost")


def normalise_name(value: str | None) -> str:
    return (value or "").strip().lower().rstrip(".")


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


def declared_endpoints(declaration: Declaration | None) -> list[str] | None:
    """The declared cloud endpoints; None when the declaration does not state them at all."""
    if declaration is None:
        return None
    if not declaration.cloud_endpoints and "cloud_endpoints" not in declaration.model_fields_set:
        return None
    return [normalise_name(v) for v in declaration.cloud_endpoints]


def covered_by(endpoints: Iterable[str], *, names: Iterable[str] = (), address: str = "") -> str | None:
    """The first declared endpoint that covers one of the names or the address."""
    for pattern in endpoints:
        if address and endpoint_matches(pattern, address=address):
            return pattern
        for name in names:
            if name and endpoint_matches(pattern, name=name):
                return pattern
    return None


def answer_addresses(answers: Iterable[str]) -> list[str]:
    """Addresses in a DNS answers cell: 'A 203.0.113.10', 'AAAA 2001:db8::1' or a bare address."""
    found = []
    for item in answers:
        words = item.split()
        addr = parse_ip(words[-1]) if words else None
        if addr is not None:
            found.append(str(addr))
    return found


# --- ports --------------------------------------------------------------------------------


def port_label(transport: str | None, port: int) -> str:
    return f"{(transport or '').lower() or '?'}/{port}"


def declared_port_labels(declaration: Declaration | None, *, services: bool) -> list[str]:
    """'tcp/80 http', ... (or 'tcp/80' without `services`): the declared open ports."""
    ports = declaration.open_ports if declaration is not None else []
    return [port_label(p.proto, p.port) + (f" {p.service}" if services and p.service else "") for p in ports]


# --- TLS ----------------------------------------------------------------------------------


def tls_version(code: int | None) -> TlsVersion | None:
    """The TLS or SSL version of a wire code (a TLS 1.3 draft counts as TLS 1.3); None for DTLS,
    GREASE and codes no TLS version has."""
    if code is None:
        return None
    if code >> 8 == 0x7F:
        return TlsVersion.TLS_1_3
    if code == 0x0200:  # SSL 2.0 as some implementations write it (the tables label it so too)
        return TlsVersion.SSL_2_0
    try:
        version = TlsVersion(code)
    except ValueError:
        return None
    return None if version.is_dtls else version


def declared_tls_floor(declaration: Declaration | None) -> TlsVersion | None:
    """The declaration's `tls.min_version` ("1.2") as a version."""
    if declaration is None or declaration.tls is None or declaration.tls.min_version is None:
        return None
    return TlsVersion.parse(f"TLS {declaration.tls.min_version}")


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


def boot_service_ref(row: Row, note: str) -> EvidenceRef:
    """The line of the image file that starts a boot service (a firmware `services` row)."""
    line = f", line {row['line']}" if row["line"] is not None else ""
    return ref(row, path=row["source"], note=note + line)


_DESTINATION_COLUMNS = (
    "transport", "server_ip", "server_port", "first_packet", "bytes_c2s", "bytes_s2c", "app_proto",
    "port_proto", "server_name", "sni", "encrypted",
)  # fmt: skip


def remote_destinations(ctx: EvidenceContext, device: Device) -> dict[str, Row]:
    """The remote services the device opened flows to, keyed by the best name known (SNI, HTTP
    Host or DNS answer), else the address: ports, protocols, bytes each way, flows, first packet."""
    destinations: dict[str, Row] = {}
    for row in device_flows(ctx, device, "client", _DESTINATION_COLUMNS):
        server = row["server_ip"]
        if not is_remote_address(server):
            continue
        name = normalise_name(row["sni"]) or normalise_name(row["server_name"])
        entry = destinations.setdefault(name or server, _destination(name, row))
        port = port_label(row["transport"], row["server_port"])
        protocol = (row["app_proto"] or "").lower() or (row["port_proto"] or "").lower() or "unidentified"
        for key, value in (("addresses", server), ("ports", port), ("protocols", protocol)):
            if value not in entry[key]:
                entry[key].append(value)
        entry["flows"] += 1
        entry["bytes_sent"] += row["bytes_c2s"] or 0
        entry["bytes_received"] += row["bytes_s2c"] or 0
        entry["encrypted"] = entry["encrypted"] and bool(row["encrypted"])
        first = row["first_packet"]
        if first and (entry["first_packet"] is None or first < entry["first_packet"]):
            entry["first_packet"] = first
    return destinations


def _destination(name: str, row: Row) -> Row:
    return {
        "name": name,
        "addresses": [],
        "ports": [],
        "protocols": [],
        "flows": 0,
        "bytes_sent": 0,
        "bytes_received": 0,
        "encrypted": True,
        "first_packet": None,
        "artefact": row.get("artefact") or "",
        "artefact_sha256": row.get("artefact_sha256") or "",
    }


# Infrastructure protocols: not "remote services" the device uses (COM-05's pass criteria).
INFRASTRUCTURE = frozenset({"dns", "ntp", "dhcp", "mdns", "ssdp", "llmnr", "netbios-ns", "dns-over-tls"})


def device_services(ctx: EvidenceContext, device: Device) -> dict[str, Row]:
    """The device's listening services: ports seen open (SYN/ACK or served) and flows to the device
    whose payload named a protocol. Keyed 'tcp/80'; each with protocols, clients, sessions, rows."""
    services: dict[str, Row] = {}

    def entry(transport: str | None, port: int) -> Row:
        transport = (transport or "tcp").lower()
        return services.setdefault(
            port_label(transport, port),
            {"transport": transport, "port": port, "protocols": [], "clients": [], "sessions": 0, "rows": []},
        )

    columns = ("device_ip", "transport", "port", "service", "first_packet", "clients", "evidence")
    for row in ctx.capture_rows("open_ports", columns):
        if row["port"] is None or (device.known and not device.is_device(row["device_ip"])):
            continue
        item = entry(row["transport"], row["port"])
        _add(item["protocols"], (row["service"] or "").lower())
        for client in row["clients"] or ():
            _add(item["clients"], client)
        item["rows"].append(row)
    flow_columns = ("transport", "client_ip", "server_port", "app_proto", "first_packet")
    for row in device_flows(ctx, device, "server", flow_columns):
        protocol = payload_protocol(row)
        if row["server_port"] is None or not protocol:
            continue
        item = entry(row["transport"], row["server_port"])
        _add(item["protocols"], protocol)
        _add(item["clients"], row["client_ip"] or "")
        item["sessions"] += 1
        item["rows"].append(row)
    return services


def _add(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)
