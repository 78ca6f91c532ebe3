"""Where the analysers put what they find: every row goes to disk as it is found.

Rows found in packet order (DNS messages, discovery announcements) go straight to their table's
Parquet writer; rows finished in another order (flows when they end, TLS handshakes when they
complete, downloads, credentials) go to a sorted spill and are merged in order at the end
(`workbench.capture.tables_out`). Nothing is kept in memory beyond one row group per table.
"""

from __future__ import annotations

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

        def spill(name: str, schema: pa.Schema, key: str) -> SortedSpill:
            declared = TABLES[name]
            return SortedSpill(
                result.scratch,
                name,
                schema,
                key,
                rows_per_run=held,
                declared=declared,
                on_misfit=result.on_misfit,
            )

        self.flows = spill("flows", FLOW_RUN, "flow_id")
        self.tls = spill("tls", TABLES["tls"].arrow, "packet")
        self.downloads = spill("downloads", DOWNLOAD_RUN, "order")
        self.credential_rows = spill("credentials", CREDENTIAL_RUN, "order")
        self.credentials = CredentialLog(self._credential, reveal)
        self.discovery = DiscoveryLog(result.table("discovery", rows_per_group=held).add)
        self._dns = result.table("dns", rows_per_group=held)
        self.names: dict[str, str] = {}  # address -> the name the capture resolved it from
        self._addresses: dict[bytes, tuple[str, bool]] = {}
        self._macs: dict[bytes, str] = {}

    # --- flows ----------------------------------------------------------------------------------
    def address(self, raw: bytes) -> tuple[str, bool]:
        """An address's text and whether it is local, remembered for the next flow of the host."""
        known = self._addresses.get(raw)
        if known is None:
            if len(self._addresses) >= MAX_ADDRESSES:
                self._addresses.clear()
            known = self._addresses[raw] = (ip_text(raw), is_local_raw(raw))
        return known

    def mac(self, raw: bytes | None) -> str | None:
        if raw is None:
            return None
        text = self._macs.get(raw)
        if text is None:
            if len(self._macs) >= MAX_ADDRESSES:
                self._macs.clear()
            text = self._macs[raw] = mac_text(raw)
        return text

    def flow_row(self, flow: Flow) -> None:
        key = flow.ckey
        size = 4 if len(key) <= 12 else 16
        client, client_local = self.address(key[:size])
        server, server_local = self.address(key[size : 2 * size])
        transport = TRANSPORTS.get(flow.proto) or str(flow.proto)
        self.flows.add(
            (
                flow.id,
                transport,
                client,
                flow.cport,
                server,
                flow.sport,
                flow.first_ts,
                flow.last_ts,
                flow.first_packet,
                flow.pc,
                flow.ps,
                flow.bc,
                flow.bs,
                flow.app,
                port_service(transport, flow.sport),
                flow.sni,
                flow.app in ENCRYPTED,
                server_local,
                flow.served,
                self.mac(flow.cmac),
                self.mac(flow.smac),
                client_local,
            )
        )

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
