"""One digest per flow table, so that the workbench's flows and tshark's can be compared.

A flow is reduced to (transport, lower endpoint, higher endpoint, packets, bytes, first packet),
an endpoint being (ip, port) and the two sorted, so the client/server orientation the workbench
gives a flow does not matter; the rows are sorted and hashed. Equal digests: the same flows, with
the same counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd

COLUMNS = ["transport", "ip_a", "port_a", "ip_b", "port_b", "packets", "bytes", "first_packet"]
TRANSPORTS = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}


def digest(flows: pd.DataFrame) -> tuple[int, str]:
    """(rows, digest) of a frame with COLUMNS; endpoints put in order here."""
    flows = flows[COLUMNS].astype(
        {"transport": str, "ip_a": str, "ip_b": str, "port_a": "int64", "port_b": "int64"}
        | {"packets": "int64", "bytes": "int64", "first_packet": "int64"}
    )
    swap = (flows.ip_a > flows.ip_b) | ((flows.ip_a == flows.ip_b) & (flows.port_a > flows.port_b))
    ordered = flows.copy()
    for low, high in (("ip_a", "ip_b"), ("port_a", "port_b")):
        ordered[low] = flows[low].where(~swap, flows[high])
        ordered[high] = flows[high].where(~swap, flows[low])
    ordered = ordered.sort_values(COLUMNS, kind="stable").reset_index(drop=True)
    text = ordered.to_csv(index=False, header=False, lineterminator="\n")
    return len(ordered), hashlib.sha256(text.encode()).hexdigest()[:16]


def from_workbench(flows: pd.DataFrame) -> tuple[int, str]:
    """The workbench's flows table (client/server oriented, counts per direction)."""
    return digest(
        pd.DataFrame(
            {
                "transport": flows["transport"],
                "ip_a": flows["client_ip"],
                "port_a": flows["client_port"],
                "ip_b": flows["server_ip"],
                "port_b": flows["server_port"],
                "packets": flows["packets_c2s"].astype("int64") + flows["packets_s2c"].astype("int64"),
                "bytes": flows["bytes_c2s"].astype("int64") + flows["bytes_s2c"].astype("int64"),
                "first_packet": flows["first_packet"],
            }
        )
    )


WORKBENCH_COLUMNS = [
    "transport",
    "client_ip",
    "client_port",
    "server_ip",
    "server_port",
    "packets_c2s",
    "packets_s2c",
    "bytes_c2s",
    "bytes_s2c",
    "first_packet",
]


def from_result_folder(folder: Path) -> tuple[int, str]:
    """The flows.parquet of a `workbench capture analyse --out` folder, read as any user would."""
    return from_workbench(pd.read_parquet(folder / "flows.parquet", columns=WORKBENCH_COLUMNS))


def from_jsonl(path: Path) -> tuple[tuple[int, str], dict[str, int]]:
    """The flows of a `--json` (JSON Lines) output, and the number of lines of each table."""
    rows: list[dict] = []
    lines: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            table = record.get("table", "")
            lines[table] = lines.get(table, 0) + 1
            if table == "flows":
                rows.append({c: record.get(c) for c in WORKBENCH_COLUMNS})
    return from_workbench(pd.DataFrame(rows, columns=WORKBENCH_COLUMNS)), lines


TABLE_FIELD = re.compile(r'^\{\s*"table"\s*:\s*"([^"]*)"')


def count_jsonl(path: Path) -> dict[str, int]:
    """The number of lines of each table of a JSON Lines output, without parsing the rows."""
    lines: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            found = TABLE_FIELD.match(line)
            table = found.group(1) if found else json.loads(line).get("table", "")
            lines[table] = lines.get(table, 0) + 1
    return lines


def from_document(path: Path) -> tuple[int, str]:
    """The flows of the previous engine's `--json`: one nested document, a list of rows per table."""
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle).get("flows") or []
    return from_workbench(pd.DataFrame(rows, columns=WORKBENCH_COLUMNS))


def from_tshark(path: Path) -> tuple[int, str]:
    """The flow table benchmarks/tshark_flows.py wrote."""
    flows = pd.read_parquet(path)
    protocol = flows["ip.proto"].astype("int64")
    return digest(
        pd.DataFrame(
            {
                "transport": protocol.map(lambda p: TRANSPORTS.get(p, str(p))),
                "ip_a": flows["a"],
                "port_a": flows["pa"],
                "ip_b": flows["b"],
                "port_b": flows["pb"],
                "packets": flows["packets"],
                "bytes": flows["fwd_bytes"] + flows["rev_bytes"],
                "first_packet": flows["first_packet"],
            }
        )
    )
