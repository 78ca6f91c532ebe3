"""The capture engine's tables: every column's name, Arrow type and meaning, declared once.

The declaration is data, `tables.yaml` beside this module. The engine builds its DataFrames through
these schemas, the cache types its tables by them when they are read back, the checks read typed
rows by them (`ctx.capture_rows`), and docs/CONTRACTS.md lists them (`contract_markdown()`,
written by scripts/contracts_tables.py). Packet numbers are 1-based, as Wireshark counts them.
"""

from __future__ import annotations

from pathlib import Path

from workbench.tables import TableSchema, load_tables

TABLES: dict[str, TableSchema] = load_tables(Path(__file__).with_name("tables.yaml"))

# Columns of TLS version codes (declared `tls_version`: a uint16 like a port, so the name says
# which ones `workbench.capture.TlsVersion` labels for a reader).
_VERSION_TYPES = ("tls_version", "list<tls_version>")
TLS_VERSION_COLUMNS = frozenset(
    c.name for t in TABLES.values() for c in t.columns if c.declared_as in _VERSION_TYPES
)


def contract_markdown() -> str:
    """The capture tables as docs/CONTRACTS.md lists them (between its capture-tables markers)."""
    return "\n\n".join(table.markdown() for table in TABLES.values())
