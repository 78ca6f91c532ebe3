"""The end of the pass: spilled rows merged in order into the result's tables, the device inferred
from the flows, its open ports and the encrypted downloads from update servers found in them.

Every step reads the flows back a range of flow numbers at a time, so it runs in the same bounded
memory at any number of flows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.capture import downloads
from workbench.capture.engine import Engine
from workbench.capture.netutil import ip_text, is_group, is_local, normalise_mac, port_service
from workbench.capture.schema import TABLES
from workbench.capture.sink import Sink
from workbench.columnar import ResultWriter

MACS_SHOWN = 4  # MAC addresses of the inferred device given (the smallest)
MAX_PORT_CLIENTS = 20


def write_tables(engine: Engine, sink: Sink, result: ResultWriter, ips: list[str], macs: list[str]) -> dict:
    """Write every table still in spills; the device (given or inferred) as a dict."""
    device = infer_device(sink, ips, macs)
    device_ips = set(device["ips"])
    ports = _OpenPorts(engine.synacks, device_ips)
    _write_flows(sink, result, device_ips, ports)
    _copy(sink.tls.chunks(), result, "tls")
    _copy(sink.downloads.chunks(TABLES["downloads"].names), result, "downloads")
    sink.credentials.flush()
    _copy(sink.credential_rows.chunks(TABLES["credentials"].names), result, "credentials")
    result.table("open_ports").add_many(ports.rows())
    return device


def _per_value(
    values: pa.Array, counts: pa.Array, chosen: np.ndarray, positions: np.ndarray
) -> tuple[list[str], list[int], list[int]]:
    """Each distinct value of `values` (the rows `chosen` of a chunk), the sum of its rows'
    `counts` and its first row's position (numpy: no group-by engine to import for this)."""
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    names = encoded.dictionary.to_pylist()
    weights = counts.to_numpy(zero_copy_only=False)[chosen]
    totals = np.zeros(len(names), dtype=np.int64)
    np.add.at(totals, codes, weights)
    firsts = np.full(len(names), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(firsts, codes, positions[chosen])
    return names, totals.tolist(), firsts.tolist()


def _counts(values: pa.ChunkedArray) -> tuple[list[str], list[int]]:
    """Each distinct value and how often it occurs."""
    counted = pc.value_counts(values)
    return counted.field("values").to_pylist(), counted.field("counts").to_pylist()


def _copy(chunks: Iterable[pa.Table], result: ResultWriter, name: str) -> None:
    writer = result.table(name)
    for chunk in chunks:
        writer.add_columns({n: chunk.column(n) for n in chunk.column_names})


# --- the device ---------------------------------------------------------------------------------
def infer_device(sink: Sink, ips: list[str], macs: list[str]) -> dict[str, Any]:
    wanted = {normalise_mac(m) for m in macs}
    if ips or macs:
        found = set(ips)
        if wanted:
            for chunk in sink.flows.chunks(["client_ip", "server_ip", "client_mac", "server_mac"]):
                for side in ("client", "server"):
                    hit = pc.is_in(chunk.column(f"{side}_mac"), value_set=pa.array(sorted(wanted)))
                    found.update(chunk.column(f"{side}_ip").filter(hit).to_pylist())
        reason = "given" + (
            f"; addresses of MAC {', '.join(sorted(wanted))} seen in the capture" if wanted else ""
        )
        return {"ips": sorted(found), "macs": sorted(wanted), "inferred": False, "reason": reason}
    packets: Counter[str] = Counter()
    remote_flows: Counter[str] = Counter()
    first_seen: dict[str, int] = {}  # position of first appearance: the tie-break, as before
    client_macs: dict[str, list[str]] = {}
    columns = ["client_ip", "server_ip", "packets_c2s", "packets_s2c", "remote_is_local", "client_local"]
    offset = 0
    for chunk in sink.flows.chunks([*columns, "client_mac"]):
        if not chunk.num_rows:
            continue
        chunk = chunk.combine_chunks()
        count = pc.add(chunk.column("packets_c2s"), chunk.column("packets_s2c")).chunk(0)
        client_local, server_local = chunk.column("client_local"), chunk.column("remote_is_local")
        position = np.arange(offset, offset + 2 * chunk.num_rows, 2, dtype=np.int64)
        offset += 2 * chunk.num_rows
        # each flow's client, then its server, as the flows come: packets summed, first position kept
        for side, local, at in (
            ("client_ip", client_local, position),
            ("server_ip", server_local, position + 1),
        ):
            chosen = local.chunk(0).to_numpy(zero_copy_only=False)
            hosts, totals, firsts = _per_value(
                chunk.column(side).chunk(0).filter(local.chunk(0)), count, chosen, at
            )
            for ip, total, first in zip(hosts, totals, firsts, strict=True):
                packets[ip] += total
                first_seen[ip] = min(first_seen.get(ip, first), first)
        remote = pc.and_(client_local, pc.invert(server_local))
        for ip, flows in zip(*_counts(chunk.column("client_ip").filter(remote)), strict=True):
            remote_flows[ip] += flows
        with_mac = pc.and_(client_local, pc.is_valid(chunk.column("client_mac")))
        pairs = chunk.select(["client_ip", "client_mac"]).filter(with_mac)
        joined = pc.unique(
            pc.binary_join_element_wise(pairs.column("client_ip"), pairs.column("client_mac"), " ")
        )
        for client, mac in (pair.split(" ") for pair in joined.to_pylist()):  # neither holds a space
            held = client_macs.setdefault(client, [])
            if mac not in held:
                held.append(mac)
                held.sort()
                del held[MACS_SHOWN:]  # the smallest, as sorting them all would give
    candidates = [ip for ip in packets if is_local(ip) and not is_group(ip) and ip not in ("0.0.0.0", "::")]
    if not candidates:
        return {
            "ips": [],
            "macs": [],
            "inferred": True,
            "reason": "no device given and no local host in the capture",
        }
    best = max(candidates, key=lambda ip: (remote_flows.get(ip, 0), packets[ip], -first_seen[ip]))
    reason = (
        f"inferred: the local host with the most flows to remote addresses ({remote_flows.get(best, 0)}) "
        f"and packets ({packets[best]}); give the device's IP or MAC to be sure"
    )
    macs_seen = client_macs.get(best, [])
    return {"ips": [best], "macs": macs_seen, "inferred": True, "reason": reason}


# --- the flows table ----------------------------------------------------------------------------
def _write_flows(sink: Sink, result: ResultWriter, device: set[str], ports: _OpenPorts) -> None:
    writer = result.table("flows")
    device_set = pa.array(sorted(device), type=pa.string())
    name_keys = pa.array(list(sink.names), type=pa.string())
    name_values = pa.array(list(sink.names.values()), type=pa.string())
    for chunk in sink.flows.chunks():
        client, server = chunk.column("client_ip"), chunk.column("server_ip")
        is_client = pc.is_in(client, value_set=device_set)
        is_server = pc.is_in(server, value_set=device_set)
        late = {
            "server_name": name_values.take(pc.index_in(server, value_set=name_keys)),
            "device_role": pc.if_else(is_client, "client", pc.if_else(is_server, "server", "none")),
        }
        writer.add_columns({n: late[n] if n in late else chunk.column(n) for n in TABLES["flows"].names})
        served_by_device = pc.and_(is_server, pc.invert(is_client))
        ports.add(chunk.filter(pc.and_(served_by_device, pc.greater(chunk.column("packets_s2c"), 0))))
        _tls_downloads(sink, chunk, late["server_name"])


def _tls_downloads(sink: Sink, flows: pa.Table, server_names: pa.Array) -> None:
    """Encrypted transfers from hosts named like update servers (by SNI, else by the name DNS
    gave the server): only their size is visible."""
    sni = flows.column("sni")
    host = pc.if_else(pc.fill_null(pc.not_equal(sni, ""), False), sni, server_names)
    update = pc.match_substring_regex(host, downloads.UPDATE_WORDS.pattern, ignore_case=True)
    wanted = pc.and_(pc.equal(flows.column("app_proto"), "tls"), pc.fill_null(update, False))
    chosen = flows.filter(wanted).append_column("host", host.filter(wanted))
    for flow in chosen.to_pylist():
        name = flow["host"]
        sink.download_row(
            {
                "packets": [flow["first_packet"]],
                "protocol": "tls",
                "client_ip": flow["client_ip"],
                "server_ip": flow["server_ip"],
                "server_port": flow["server_port"],
                "host": name,
                "path": None,
                "content_type": None,
                "size": flow["bytes_s2c"],
                "magic": None,
                "looks_like_firmware": None,
                "encrypted": True,
                "reason": f"TLS connection to {name} (an update server by its name); content not visible",
            }
        )


class _OpenPorts:
    """Ports the device served: proved by its SYN/ACK, or by the first packet it sent back.

    `first_packet` is that proof (the SYN/ACK, or the first server packet with payload; for UDP
    the first reply), never the client's packet that asked.
    """

    def __init__(self, synacks: dict[tuple[bytes, int], list[Any]], device: set[str]) -> None:
        self.ports: dict[tuple[str, str, int], dict[str, Any]] = {}
        self.services: dict[tuple[str, str, int], Counter[str]] = {}
        for (sip, sport), (number, clients) in synacks.items():
            ip = ip_text(sip)
            if ip in device:
                self.ports[(ip, "tcp", sport)] = {
                    "evidence": "syn-ack",
                    "first_packet": number,
                    "clients": {ip_text(c) for c in clients},
                }

    def add(self, flows: pa.Table) -> None:
        """Flows (in order) whose server is the device, its client not, with packets back."""
        flows = flows.filter(self._may_count(flows))
        columns = ["transport", "client_ip", "server_ip", "server_port", "served", "app_proto"]
        for transport, client, server, port, served, app in zip(
            *(flows.column(c).to_pylist() for c in columns), strict=True
        ):
            if transport not in ("tcp", "udp"):
                continue
            key = (server, transport, port)
            entry = self.ports.get(key)
            if entry is None:
                if not served:
                    continue  # TCP without a SYN/ACK or payload from the server: not proved open
                entry = self.ports[key] = {"evidence": "served", "first_packet": served, "clients": set()}
            elif entry["evidence"] == "served" and served:
                entry["first_packet"] = min(entry["first_packet"], served)
            if len(entry["clients"]) < MAX_PORT_CLIENTS:
                entry["clients"].add(client)
            if app:
                self.services.setdefault(key, Counter())[app] += 1

    def _may_count(self, flows: pa.Table) -> pa.Array:
        """The flows the loop below can count: a port that sent payload, or one already open
        (a SYN/ACK, or served by an earlier flow: of this batch too). The others (a scan's
        thousands of refused ports) are skipped before they become Python values."""
        served = pc.fill_null(pc.greater(flows.column("served"), 0), False)
        keys = pc.binary_join_element_wise(
            flows.column("server_ip"),
            flows.column("transport"),
            pc.cast(flows.column("server_port"), pa.string()),
            "/",
        )
        opened = pa.array([f"{ip}/{transport}/{port}" for ip, transport, port in self.ports], pa.string())
        opened = pa.concat_arrays([opened, *keys.filter(served).chunks])
        return pc.or_(served, pc.fill_null(pc.is_in(keys, value_set=opened), False))

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for key in sorted(self.ports):
            ip, transport, port = key
            entry = self.ports[key]
            seen = self.services.get(key)
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
