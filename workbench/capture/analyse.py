"""`analyse_capture`: run the engine over a file and turn what it found into the contract's tables."""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.capture import appid, downloads
from workbench.capture.engine import LINK_NAMES, TRANSPORTS, Engine, Flow, Limits
from workbench.capture.netutil import ip_text, is_group, is_local, mac_text, normalise_mac, port_service
from workbench.capture.reader import iter_records
from workbench.capture.result import CaptureAnalysis, frame
from workbench.errors import EvidenceError


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
    records = iter_records(path, engine.warnings, info)
    try:
        first = next(records, None)  # raises EvidenceError for a file that is not a capture
    except EvidenceError:
        raise
    except (OSError, EOFError) as exc:
        raise EvidenceError(f"capture cannot be read: {exc}", path=str(path)) from None
    if first is not None:
        engine.run(itertools.chain((first,), records))
    engine.finish_streams()
    return _build(engine, info, list(device_ips), list(device_macs), reveal_secrets)


def _device(engine: Engine, ips: list[str], macs: list[str]) -> dict[str, Any]:
    wanted_macs = {normalise_mac(m) for m in macs}
    found = set(ips)
    if wanted_macs:
        for flow in engine.flow_list:
            if flow.cmac and mac_text(flow.cmac) in wanted_macs:
                found.add(ip_text(flow.cip))
            if flow.smac and mac_text(flow.smac) in wanted_macs:
                found.add(ip_text(flow.sip))
    if ips or macs:
        reason = "given" + (
            f"; addresses of MAC {', '.join(sorted(wanted_macs))} seen in the capture" if wanted_macs else ""
        )
        return {"ips": sorted(found), "macs": sorted(wanted_macs), "inferred": False, "reason": reason}
    remote_flows: Counter[str] = Counter()
    packets: Counter[str] = Counter()
    for flow in engine.flow_list:
        client, server = ip_text(flow.cip), ip_text(flow.sip)
        packets[client] += flow.pc + flow.ps
        packets[server] += flow.pc + flow.ps
        if not is_local(server):
            remote_flows[client] += 1
    candidates = [ip for ip in packets if is_local(ip) and not is_group(ip) and ip not in ("0.0.0.0", "::")]
    if not candidates:
        return {
            "ips": [],
            "macs": [],
            "inferred": True,
            "reason": "no device given and no local host in the capture",
        }
    best = max(candidates, key=lambda ip: (remote_flows[ip], packets[ip]))
    macs_seen = sorted({mac_text(f.cmac) for f in engine.flow_list if f.cmac and ip_text(f.cip) == best})
    reason = (
        f"inferred: the local host with the most flows to remote addresses ({remote_flows[best]}) "
        f"and packets ({packets[best]}); give the device's IP or MAC to be sure"
    )
    return {"ips": [best], "macs": macs_seen[:4], "inferred": True, "reason": reason}


def _flow_row(flow: Flow, device: set[str], names: dict[str, str]) -> dict[str, Any]:
    transport = TRANSPORTS.get(flow.proto, str(flow.proto))
    client, server = ip_text(flow.cip), ip_text(flow.sip)
    role = "client" if client in device else "server" if server in device else "none"
    return {
        "flow_id": flow.fid,
        "transport": transport,
        "client_ip": client,
        "client_port": flow.cport,
        "server_ip": server,
        "server_port": flow.sport,
        "first_ts": flow.first_ts,
        "last_ts": flow.last_ts,
        "first_packet": flow.first_packet,
        "packets_c2s": flow.pc,
        "packets_s2c": flow.ps,
        "bytes_c2s": flow.bc,
        "bytes_s2c": flow.bs,
        "app_proto": flow.app,
        "port_proto": port_service(transport, flow.sport),
        "server_name": names.get(server),
        "sni": flow.sni,
        "encrypted": flow.app in appid.ENCRYPTED,
        "device_role": role,
        "remote_is_local": is_local(server),
    }


def _open_ports(engine: Engine, device: set[str], flows: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
    for row in flows:
        if row["device_role"] != "server" or row["transport"] not in ("tcp", "udp") or not row["packets_s2c"]:
            continue
        key = (row["server_ip"], row["transport"], row["server_port"])
        if row["transport"] == "tcp" and key not in ports and not engine.flow_list[row["flow_id"] - 1].data_s:
            continue
        entry = ports.setdefault(
            key, {"evidence": "served", "first_packet": row["first_packet"], "clients": set()}
        )
        entry["first_packet"] = min(entry["first_packet"], row["first_packet"])
        if len(entry["clients"]) < 20:
            entry["clients"].add(row["client_ip"])
        if row["app_proto"]:
            services.setdefault(key, Counter())[row["app_proto"]] += 1
    out = []
    for key in sorted(ports, key=lambda k: (k[0], k[1], k[2])):
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


def _tls_downloads(flows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Encrypted transfers from hosts named like update servers: only their size is visible."""
    rows = []
    for row in flows:
        name = row["sni"] or row["server_name"]
        if row["app_proto"] != "tls" or not name or not downloads.UPDATE_WORDS.search(name):
            continue
        rows.append(
            {
                "packets": [row["first_packet"]],
                "protocol": "tls",
                "client_ip": row["client_ip"],
                "server_ip": row["server_ip"],
                "server_port": row["server_port"],
                "host": name,
                "path": None,
                "content_type": None,
                "size": row["bytes_s2c"],
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
    device = _device(engine, ips, macs)
    device_ips = set(device["ips"])
    flows = [_flow_row(f, device_ips, sink.names) for f in engine.flow_list]
    if sink.credentials.dropped:
        engine.warnings.add(
            "table-truncated",
            "too many distinct credentials; the rest dropped",
            None,
            sink.credentials.dropped,
        )
    if sink.discovery.dropped:
        engine.warnings.add(
            "table-truncated",
            "too many distinct discovery rows; the rest dropped",
            None,
            sink.discovery.dropped,
        )
    tables = {
        "flows": frame("flows", flows),
        "tls": frame("tls", sorted(sink.tls, key=lambda r: r["packet"] or 0)),
        "credentials": frame("credentials", sink.credentials.records(reveal)),
        "open_ports": frame("open_ports", _open_ports(engine, device_ips, flows)),
        "dns": frame("dns", sink.dns),
        "discovery": frame("discovery", sink.discovery.rows),
        "downloads": frame(
            "downloads",
            sorted(
                sink.downloads + _tls_downloads(flows), key=lambda r: r["packets"][0] if r["packets"] else 0
            ),
        ),
        "warnings": frame("warnings", engine.warnings.records()),
    }
    summary = {
        "packets": engine.packets,
        "bytes": engine.bytes,
        "first_ts": engine.first_ts,
        "last_ts": engine.last_ts,
        "link_types": info.get("link_types") or [],
        "link_type_names": [LINK_NAMES.get(t, str(t)) for t in info.get("link_types") or []],
        "file_format": info.get("file_format"),
        "flows": len(flows),
        "secrets_revealed": reveal,
    }
    return CaptureAnalysis(tables=tables, device=device, summary=summary)
