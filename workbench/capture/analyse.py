"""`analyse_capture`: run the engine over a file and turn what it found into the contract's tables."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from workbench.capture import appid, downloads
from workbench.capture.engine import LINK_NAMES, TRANSPORTS, Engine, Limits
from workbench.capture.netutil import ip_text, is_group, is_local, mac_text, normalise_mac, port_service
from workbench.capture.reader import open_records
from workbench.capture.result import CaptureAnalysis, build, build_from_columns, report_misfits
from workbench.errors import EvidenceError
from workbench.tables import Misfit


def analyse_capture(
    path: str | os.PathLike[str],
    *,
    device_ips: Iterable[str] = (),
    device_macs: Iterable[str] = (),
    reveal_secrets: bool = False,
    limits: Limits | None = None,
) -> CaptureAnalysis:
    """Analyse a pcap/pcapng capture (optionally .gz) in one streaming pass.

    Raises EvidenceError only when the file is missing or not a capture at all; damage inside a
    capture gives a partial result and rows in the `warnings` table.
    """
    path = Path(path)
    if not path.is_file():
        raise EvidenceError("capture file not found", path=str(path))
    engine = Engine(limits)
    info: dict[str, Any] = {"file_format": None, "link_types": []}
    try:
        records = open_records(path, engine.warnings, info)  # EvidenceError: not a capture
    except (OSError, EOFError) as exc:
        raise EvidenceError(f"capture cannot be read: {exc}", path=str(path)) from None
    try:
        engine.run(records)
    finally:
        records.close()
    engine.finish_streams()
    engine.release_index()
    return _build(engine, info, list(device_ips), list(device_macs), reveal_secrets)


class _FlowText:
    """Each flow's client and server address as text, computed once for every table."""

    def __init__(self, engine: Engine) -> None:
        keys = [f.ckey for f in engine.flow_list]
        self.clients = [ip_text(k[:4]) if len(k) <= 12 else ip_text(k[:16]) for k in keys]
        self.servers = [ip_text(k[4:8]) if len(k) <= 12 else ip_text(k[16:32]) for k in keys]
        local: dict[str, bool] = {}
        for server in self.servers:
            if server not in local:
                local[server] = is_local(server)
        self.server_local = [local[s] for s in self.servers]


def _device(engine: Engine, text: _FlowText, ips: list[str], macs: list[str]) -> dict[str, Any]:
    wanted_macs = {normalise_mac(m) for m in macs}
    found = set(ips)
    flows = engine.flow_list
    if wanted_macs:
        for flow, client, server in zip(flows, text.clients, text.servers, strict=True):
            if flow.cmac and mac_text(flow.cmac) in wanted_macs:
                found.add(client)
            if flow.smac and mac_text(flow.smac) in wanted_macs:
                found.add(server)
    if ips or macs:
        reason = "given" + (
            f"; addresses of MAC {', '.join(sorted(wanted_macs))} seen in the capture" if wanted_macs else ""
        )
        return {"ips": sorted(found), "macs": sorted(wanted_macs), "inferred": False, "reason": reason}
    remote_flows: dict[str, int] = {}
    packets: dict[str, int] = {}
    for flow, client, server, local in zip(flows, text.clients, text.servers, text.server_local, strict=True):
        count = flow.pc + flow.ps
        packets[client] = packets.get(client, 0) + count
        packets[server] = packets.get(server, 0) + count
        if not local:
            remote_flows[client] = remote_flows.get(client, 0) + 1
    candidates = [ip for ip in packets if is_local(ip) and not is_group(ip) and ip not in ("0.0.0.0", "::")]
    if not candidates:
        return {
            "ips": [],
            "macs": [],
            "inferred": True,
            "reason": "no device given and no local host in the capture",
        }
    best = max(candidates, key=lambda ip: (remote_flows.get(ip, 0), packets[ip]))
    macs_seen = sorted(
        {mac_text(f.cmac) for f, c in zip(flows, text.clients, strict=True) if f.cmac and c == best}
    )
    reason = (
        f"inferred: the local host with the most flows to remote addresses ({remote_flows.get(best, 0)}) "
        f"and packets ({packets[best]}); give the device's IP or MAC to be sure"
    )
    return {"ips": [best], "macs": macs_seen[:4], "inferred": True, "reason": reason}


def _flow_columns(
    engine: Engine, text: _FlowText, device: set[str], names: dict[str, str]
) -> dict[str, np.ndarray]:
    """The flows table, column by column, straight into arrays (a large table stays small)."""
    flows = engine.flow_list
    n = len(flows)

    def ints(values: Iterable[int]) -> np.ndarray:
        return np.fromiter(values, dtype=np.int64, count=n)

    def floats(values: Iterable[float]) -> np.ndarray:
        return np.fromiter(values, dtype=np.float64, count=n)

    def bools(values: Iterable[bool]) -> np.ndarray:
        return np.fromiter(values, dtype=np.bool_, count=n)

    def objects(values: Iterable[Any]) -> np.ndarray:
        return np.fromiter(values, dtype=object, count=n)

    transports = [TRANSPORTS.get(p) or str(p) for p in map(attrgetter("proto"), flows)]
    apps = list(map(attrgetter("app"), flows))
    server_ports = list(map(attrgetter("sport"), flows))
    return {
        "flow_id": np.arange(1, n + 1, dtype=np.int64),
        "transport": objects(transports),
        "client_ip": objects(text.clients),
        "client_port": ints(map(attrgetter("cport"), flows)),
        "server_ip": objects(text.servers),
        "server_port": ints(server_ports),
        "first_ts": floats(map(attrgetter("first_ts"), flows)),
        "last_ts": floats(map(attrgetter("last_ts"), flows)),
        "first_packet": ints(map(attrgetter("first_packet"), flows)),
        "packets_c2s": ints(map(attrgetter("pc"), flows)),
        "packets_s2c": ints(map(attrgetter("ps"), flows)),
        "bytes_c2s": ints(map(attrgetter("bc"), flows)),
        "bytes_s2c": ints(map(attrgetter("bs"), flows)),
        "app_proto": objects(apps),
        "port_proto": objects(map(port_service, transports, server_ports)),
        "server_name": objects(map(names.get, text.servers)),
        "sni": objects(map(attrgetter("sni"), flows)),
        "encrypted": bools(map(appid.ENCRYPTED.__contains__, apps)),
        "device_role": objects(
            "client" if c in device else "server" if s in device else "none"
            for c, s in zip(text.clients, text.servers, strict=True)
        ),
        "remote_is_local": np.array(text.server_local, dtype=np.bool_),
    }


def _open_ports(engine: Engine, text: _FlowText, device: set[str]) -> list[dict[str, Any]]:
    """Ports the device served: proved by its SYN/ACK, or by the first packet it sent back.

    `first_packet` is that proof (the SYN/ACK, or the first server packet with payload; for UDP
    the first reply), never the client's packet that asked.
    """
    ports: dict[tuple[str, str, int], dict[str, Any]] = {}
    services: dict[tuple[str, str, int], Counter[str]] = {}
    for (sip, sport), (number, clients) in engine.synacks.items():
        ip = ip_text(sip)
        if ip in device:
            ports[(ip, "tcp", sport)] = {
                "evidence": "syn-ack",
                "first_packet": number,
                "clients": {ip_text(c) for c in clients},
            }
    for flow, client, server in zip(engine.flow_list, text.clients, text.servers, strict=True):
        if server not in device or client in device or flow.proto not in (6, 17) or not flow.ps:
            continue
        transport = "tcp" if flow.proto == 6 else "udp"
        key = (server, transport, flow.sport)
        entry = ports.get(key)
        if entry is None:
            if not flow.served:
                continue  # TCP without a SYN/ACK or payload from the server: not proved open
            entry = ports[key] = {"evidence": "served", "first_packet": flow.served, "clients": set()}
        elif entry["evidence"] == "served" and flow.served:
            entry["first_packet"] = min(entry["first_packet"], flow.served)
        if len(entry["clients"]) < 20:
            entry["clients"].add(client)
        if flow.app:
            services.setdefault(key, Counter())[flow.app] += 1
    out = []
    for key in sorted(ports):
        ip, transport, port = key
        entry = ports[key]
        seen = services.get(key)
        service = seen.most_common(1)[0][0] if seen else port_service(transport, port)
        out.append(
            {
                "device_ip": ip,
                "transport": transport,
                "port": port,
                "service": service,
                "evidence": entry["evidence"],
                "first_packet": entry["first_packet"],
                "clients": sorted(entry["clients"]),
            }
        )
    return out


def _tls_downloads(engine: Engine, text: _FlowText, names: dict[str, str]) -> list[dict[str, Any]]:
    """Encrypted transfers from hosts named like update servers: only their size is visible."""
    rows = []
    for flow, client, server in zip(engine.flow_list, text.clients, text.servers, strict=True):
        name = flow.sni or names.get(server)
        if flow.app != "tls" or not name or not downloads.UPDATE_WORDS.search(name):
            continue
        rows.append(
            {
                "packets": [flow.first_packet],
                "protocol": "tls",
                "client_ip": client,
                "server_ip": server,
                "server_port": flow.sport,
                "host": name,
                "path": None,
                "content_type": None,
                "size": flow.bs,
                "magic": None,
                "looks_like_firmware": None,
                "encrypted": True,
                "reason": f"TLS connection to {name} (an update server by its name); content not visible",
            }
        )
    return rows


def _build(
    engine: Engine, info: dict[str, Any], ips: list[str], macs: list[str], reveal: bool
) -> CaptureAnalysis:
    sink = engine.sink
    text = _FlowText(engine)
    device = _device(engine, text, ips, macs)
    device_ips = set(device["ips"])
    misfits: list[Misfit] = []
    flows = build_from_columns("flows", _flow_columns(engine, text, device_ips, sink.names), misfits)
    for log, what in ((sink.credentials, "credentials"), (sink.discovery, "discovery rows")):
        if log.dropped:
            engine.warnings.add(
                "table-truncated", f"too many distinct {what}; the rest dropped", None, log.dropped
            )
    downloads_rows = sorted(
        sink.downloads + _tls_downloads(engine, text, sink.names),
        key=lambda r: r["packets"][0] if r["packets"] else 0,
    )
    tables = {
        "flows": flows,
        "tls": build("tls", sorted(sink.tls, key=lambda r: r[0] or 0), misfits),
        "credentials": build("credentials", sink.credentials.records(reveal), misfits),
        "open_ports": build("open_ports", _open_ports(engine, text, device_ips), misfits),
        "dns": build("dns", sink.dns, misfits),
        "discovery": build("discovery", sink.discovery.rows, misfits),
        "downloads": build("downloads", downloads_rows, misfits),
    }
    report_misfits(engine.warnings, tables, misfits)
    tables["warnings"] = build("warnings", engine.warnings.records())
    summary = {
        "packets": engine.packets,
        "bytes": engine.bytes,
        "first_ts": engine.first_ts,
        "last_ts": engine.last_ts,
        "link_types": info.get("link_types") or [],
        "link_type_names": [LINK_NAMES.get(t, str(t)) for t in info.get("link_types") or []],
        "file_format": info.get("file_format"),
        "flows": len(engine.flow_list),
        "secrets_revealed": reveal,
    }
    return CaptureAnalysis(tables=tables, device=device, summary=summary)
