"""The firmware engine's tables, declared once: column names in order, Arrow types, a line each.

The declaration is data, `tables.yaml` beside this module. The engine builds its DataFrames from it
(`workbench.firmware.result.frame`), the case cache's tables are read back through it, the checks
read typed rows by it (`ctx.firmware_rows(name, columns)`) and docs/CONTRACTS.md lists it
(scripts/contracts_tables.py). Paths are image-relative and start with `/` (`/@<offset>/...` for a
layer without a mount point, `/archive.zip!/member` inside an archive).
"""

from __future__ import annotations

from pathlib import Path

from workbench.tables import TableSchema, load_tables

TABLES: dict[str, TableSchema] = load_tables(Path(__file__).with_name("tables.yaml"))
BINARIES = TABLES["binaries"]
SERVICES = TABLES["services"]


def contract_markdown() -> str:
    """The firmware tables as docs/CONTRACTS.md lists them (between its firmware-tables markers,
    rewritten by scripts/contracts_tables.py)."""
    return "\n\n".join(table.markdown() for table in TABLES.values())
