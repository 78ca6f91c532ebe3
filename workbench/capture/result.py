"""`CaptureAnalysis`: the engine's tables (pandas), the device, a summary; JSON round-trip."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

COLUMNS: dict[str, list[str]] = {
    "flows": [
        "flow_id",
        "transport",
        "client_ip",
        "client_port",
        "server_ip",
        "server_port",
        "first_ts",
        "last_ts",
        "first_packet",
        "packets_c2s",
        "packets_s2c",
        "bytes_c2s",
        "bytes_s2c",
        "app_proto",
        "port_proto",
        "server_name",
        "sni",
        "encrypted",
        "device_role",
        "remote_is_local",
    ],
    "tls": [
        "packet",
        "client_ip",
        "server_ip",
        "server_port",
        "record_version",
        "hello_version",
        "offered_versions",
        "offered_ciphers",
        "sni",
        "alpn",
        "chosen_version",
        "chosen_cipher",
        "certificates",
        "certificate_packet",
        "alerts",
        "ja3",
        "ja4",
        "weaknesses",
    ],
    "credentials": [
        "protocol",
        "client_ip",
        "server_ip",
        "server_port",
        "username",
        "secret",
        "packets",
        "detail",
    ],
    "open_ports": ["device_ip", "transport", "port", "service", "evidence", "first_packet", "clients"],
    "dns": ["packet", "ts", "client_ip", "resolver_ip", "qname", "qtype", "answers", "rcode"],
    "discovery": [
        "packet",
        "protocol",
        "src_ip",
        "name",
        "server",
        "location",
        "model",
        "serial",
        "version",
        "disclosed",
        "banner",
    ],
    "downloads": [
        "packets",
        "protocol",
        "client_ip",
        "server_ip",
        "server_port",
        "host",
        "path",
        "content_type",
        "size",
        "magic",
        "looks_like_firmware",
        "encrypted",
        "reason",
    ],
    "warnings": ["kind", "count", "message", "first_packet"],
}
TABLES = tuple(COLUMNS)


def frame(name: str, records: list[dict[str, Any]] | list[tuple]) -> pd.DataFrame:
    """A table from rows: dicts, or tuples in the order of COLUMNS[name]."""
    columns = COLUMNS[name]
    if not records:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame.from_records(records, columns=columns)


def frame_from_columns(name: str, columns: dict[str, Any]) -> pd.DataFrame:
    """A table from one array (or list) per column: for the large tables, no row objects at all."""
    if not columns or not len(next(iter(columns.values()))):
        return frame(name, [])
    return pd.DataFrame({c: columns[c] for c in COLUMNS[name]}, copy=False)


def plain(value: Any) -> Any:
    """A JSON-ready copy: numpy scalars to Python, NaN/NA to None, containers recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return plain(value.tolist())
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value


@dataclass
class CaptureAnalysis:
    tables: dict[str, pd.DataFrame]
    device: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in TABLES:
            table = self.tables.get(name)
            records = [] if table is None else table.to_dict("records")
            out[name] = [plain(r) for r in records]
        out["device"] = plain(self.device)
        out["summary"] = plain(self.summary)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaptureAnalysis:
        tables = {name: frame(name, list(data.get(name) or [])) for name in TABLES}
        return cls(
            tables=tables, device=dict(data.get("device") or {}), summary=dict(data.get("summary") or {})
        )
