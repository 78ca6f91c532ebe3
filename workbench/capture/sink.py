"""Where the analysers put what they find; rows are plain records, tables are built at the end."""

from __future__ import annotations

from typing import Any

from workbench.capture import downloads
from workbench.capture.credentials import CredentialLog
from workbench.capture.discovery import DiscoveryLog
from workbench.capture.flow import Flow, Limits
from workbench.capture.netutil import ip_text
from workbench.capture.schema import TABLES
from workbench.capture.warnings import WarningLog

TLS_COLUMNS = TABLES["tls"].names


class Sink:
    def __init__(self, warnings: WarningLog, limits: Limits) -> None:
        self.warnings = warnings
        self.limits = limits
        self.credentials = CredentialLog()
        self.discovery = DiscoveryLog()
        self.tls: list[tuple] = []  # in the order of the tls schema: tuples are a third of a dict
        self.downloads: list[dict[str, Any]] = []
        self.dns: list[tuple] = []  # in the order of the dns schema
        self.names: dict[str, str] = {}  # address -> the name the capture resolved it from

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
        if len(self.tls) < self.limits.max_rows:
            self.tls.append(tuple([row[c] for c in TLS_COLUMNS]))
        else:
            self.warnings.add("table-truncated", "more TLS handshakes than the table keeps", row["packet"])

    def download_row(self, row: dict[str, Any]) -> None:
        if len(self.downloads) < self.limits.max_rows:
            self.downloads.append(row)
        else:
            packets = row["packets"]
            self.warnings.add(
                "table-truncated", "more downloads than the table keeps", packets[0] if packets else None
            )
