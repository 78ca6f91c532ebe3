"""Where the analysers put what they find: every row goes to disk as it is found.

Rows found in packet order (DNS messages, discovery announcements) go straight to their table's
Parquet writer; rows finished in another order (flows when they end, TLS handshakes when they
complete, downloads, credentials) go to a sorted spill and are merged in order at the end
(`workbench.capture.tables_out`). Nothing is kept in memory beyond one row group per table.
"""

from __future__ import annotations

from array import array
from typing import Any

import pyarrow as pa

from workbench.capture import downloads
from workbench.capture.appid import ENCRYPTED
from workbench.capture.credentials import CredentialLog
from workbench.capture.discovery import DiscoveryLog
from workbench.capture.flow import TRANSPORTS, Flow, Limits
from workbench.capture.netutil import ip_text, is_local_raw, mac_text, port_service
from workbench.capture.schema import TABLES
from workbench.capture.warnings import WarningLog
from workbench.columnar import ResultWriter
from workbench.spill import SortedSpill

# A flow as it is written out: the flows table's columns but the two known only at the end
# (server_name, device_role), then what the end needs to infer the device and its open ports.
FLOW_LATE = ("server_name", "device_role")
FLOW_EXTRA = (
    pa.field("served", pa.int64()),
    pa.field("client_mac", pa.string()),
    pa.field("server_mac", pa.string()),
    pa.field("client_local", pa.bool_()),
)
FLOW_RUN = pa.schema([f for f in TABLES["flows"].arrow if f.name not in FLOW_LATE] + list(FLOW_EXTRA))
DOWNLOAD_RUN = pa.schema([pa.field("order", pa.int64()), *TABLES["downloads"].arrow])
CREDENTIAL_RUN = pa.schema([pa.field("order", pa.int64()), *TABLES["credentials"].arrow])
TLS_COLUMNS = TABLES["tls"].names
DOWNLOAD_COLUMNS = TABLES["downloads"].names
CREDENTIAL_COLUMNS = TABLES["credentials"].names
DNS_COLUMNS = TABLES["dns"].names
MAX_ADDRESSES = 65_536  # addresses whose text is remembered (then forgotten, not dropped)


class Sink:
    def __init__(self, warnings: WarningLog, limits: Limits, result: ResultWriter, reveal: bool) -> None:
        self.warnings = warnings
        self.limits = limits
        self.result = result
        held = limits.rows_held

        def spill(name: str, schema: pa.Schema, key: str, kind: type[SortedSpill] = SortedSpill) -> Any:
            return kind(
                result.scratch,
                name,
                schema,
                key,
                rows_per_run=held,
                declared=TABLES[name],
                on_misfit=result.on_misfit,
            )

        self.flows: FlowSpill = spill("flows", FLOW_RUN, "flow_id", FlowSpill)
        self.tls = spill("tls", TABLES["tls"].arrow, "packet")
        self.downloads = spill("downloads", DOWNLOAD_RUN, "order")
        self.credential_rows = spill("credentials", CREDENTIAL_RUN, "order")
        self.credentials = CredentialLog(self._credential, reveal)
        self.discovery = DiscoveryLog(result.table("discovery", rows_per_group=held).add)
        self._dns = result.table("dns", rows_per_group=held)
        self.names: dict[str, str] = {}  # address -> the name the capture resolved it from

    # --- flows ----------------------------------------------------------------------------------
    def flow_row(self, flow: Flow) -> None:
        """A flow written out: held as it is until a run of them becomes columns (FlowSpill)."""
        self.flows.add(flow)

    # --- rows of the other tables ---------------------------------------------------------------
    @staticmethod
    def endpoints(flow: Flow) -> dict[str, Any]:
        return {"client_ip": ip_text(flow.cip), "server_ip": ip_text(flow.sip), "server_port": flow.sport}

    def credential_emitter(self, flow: Flow):
        def emit(
            protocol: str, username: str | None, secret: str | None, packets: list[int], detail: str = ""
        ) -> None:
            ep = self.endpoints(flow)
            self.credentials.add(
                protocol,
                ep["client_ip"],
                ep["server_ip"],
                ep["server_port"],
                username,
                secret,
                packets,
                detail,
            )

        return emit

    def ftp_download_emitter(self, flow: Flow):
        def download(path: str, size: int | None, packets: list[int], detail: str) -> None:
            listed, firmware, reason, _ = downloads.judge(path, None, b"")
            self.download_row(
                {
                    "packets": sorted(set(packets)),
                    "protocol": "ftp",
                    **self.endpoints(flow),
                    "host": None,
                    "path": path,
                    "content_type": None,
                    "size": size,
                    "magic": None,
                    "looks_like_firmware": firmware,
                    "encrypted": False,
                    "reason": "; ".join(r for r in (detail, reason) if r),
                }
            )

        return download

    def tls_row(self, row: dict[str, Any]) -> None:
        self.tls.add([row[c] for c in TLS_COLUMNS])

    def dns_row(self, row: tuple[Any, ...]) -> None:
        self._dns.add(row)

    def download_row(self, row: dict[str, Any]) -> None:
        packets = row["packets"]
        self.downloads.add([packets[0] if packets else 0, *(row.get(c) for c in DOWNLOAD_COLUMNS)])

    def _credential(self, item: dict[str, Any]) -> None:
        packets = item["packets"]
        self.credential_rows.add([packets[0] if packets else 0, *(item.get(c) for c in CREDENTIAL_COLUMNS)])


class FlowSpill(SortedSpill):
    """The flows spill: flows written out are held as objects, then a run of them becomes the
    columns of FLOW_RUN at once (`flow_columns`), with no row tuple in between."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addresses: dict[bytes, tuple[str, bool]] = {}  # address -> its text, whether local
        self.macs: dict[bytes, str] = {}

    def flush(self) -> None:
        if not self._buffer:
            return
        flows, self._buffer = self._buffer, []
        self.add_run(flow_columns(flows, self.addresses, self.macs))


def flow_columns(
    flows: list[Flow], addresses: dict[bytes, tuple[str, bool]], macs: dict[bytes, str]
) -> dict[str, pa.Array | list[Any]]:
    """FLOW_RUN's columns of `flows`: numbers straight into typed buffers (C stores in the compiled
    copy, sink.pxd), texts as lists. `addresses` and `macs` remember the text of each address."""
    n = len(flows)
    ids, first_packets, served = array("q", bytes(8 * n)), array("q", bytes(8 * n)), array("q", bytes(8 * n))
    pc, ps = array("q", bytes(8 * n)), array("q", bytes(8 * n))
    bc, bs = array("q", bytes(8 * n)), array("q", bytes(8 * n))
    cports, sports = array("H", bytes(2 * n)), array("H", bytes(2 * n))
    first_ts, last_ts = array("d", bytes(8 * n)), array("d", bytes(8 * n))
    transports: list[str] = []
    clients: list[str] = []
    servers: list[str] = []
    apps: list[str | None] = []
    services: list[str | None] = []
    snis: list[str | None] = []
    encrypted: list[bool] = []
    client_local: list[bool] = []
    server_local: list[bool] = []
    client_macs: list[str | None] = []
    server_macs: list[str | None] = []
    for i in range(n):
        flow = flows[i]
        key = flow.ckey
        size = 4 if len(key) <= 12 else 16
        client = addresses.get(key[:size])
        if client is None:
            client = _address(addresses, key[:size])
        server = addresses.get(key[size : 2 * size])
        if server is None:
            server = _address(addresses, key[size : 2 * size])
        transport = TRANSPORTS.get(flow.proto) or str(flow.proto)
        ids[i], first_packets[i], served[i] = flow.id, flow.first_packet, flow.served
        pc[i], ps[i], bc[i], bs[i] = flow.pc, flow.ps, flow.bc, flow.bs
        cports[i], sports[i] = flow.cport, flow.sport
        first_ts[i], last_ts[i] = flow.first_ts, flow.last_ts
        transports.append(transport)
        clients.append(client[0])
        client_local.append(client[1])
        servers.append(server[0])
        server_local.append(server[1])
        apps.append(flow.app)
        services.append(port_service(transport, flow.sport))
        snis.append(flow.sni)
        encrypted.append(flow.app in ENCRYPTED)
        client_macs.append(None if flow.cmac is None else _mac(macs, flow.cmac))
        server_macs.append(None if flow.smac is None else _mac(macs, flow.smac))
    values: dict[str, pa.Array | list[Any]] = {
        "flow_id": _numbers(pa.int64(), ids),
        "transport": transports,
        "client_ip": clients,
        "client_port": _numbers(pa.uint16(), cports),
        "server_ip": servers,
        "server_port": _numbers(pa.uint16(), sports),
        "first_ts": _numbers(pa.float64(), first_ts),
        "last_ts": _numbers(pa.float64(), last_ts),
        "first_packet": _numbers(pa.int64(), first_packets),
        "packets_c2s": _numbers(pa.int64(), pc),
        "packets_s2c": _numbers(pa.int64(), ps),
        "bytes_c2s": _numbers(pa.int64(), bc),
        "bytes_s2c": _numbers(pa.int64(), bs),
        "app_proto": apps,
        "port_proto": services,
        "sni": snis,
        "encrypted": encrypted,
        "remote_is_local": server_local,
        "served": _numbers(pa.int64(), served),
        "client_mac": client_macs,
        "server_mac": server_macs,
        "client_local": client_local,
    }
    return values


def _numbers(kind: pa.DataType, values: array) -> pa.Array:
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def _address(known: dict[bytes, tuple[str, bool]], raw: bytes) -> tuple[str, bool]:
    """An address's text and whether it is local, remembered for the next flow of the host."""
    if len(known) >= MAX_ADDRESSES:
        known.clear()
    found = known[raw] = (ip_text(raw), is_local_raw(raw))
    return found


def _mac(known: dict[bytes, str], raw: bytes) -> str:
    text = known.get(raw)
    if text is None:
        if len(known) >= MAX_ADDRESSES:
            known.clear()
        text = known[raw] = mac_text(raw)
    return text
