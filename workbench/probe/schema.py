"""The probe's tables: every column's name, Arrow type and meaning, declared once in `tables.yaml`.

The tests fill rows of these tables; the results file stores them; the checks read typed rows by
them (`ctx.probe_rows(name, columns)`); docs/CONTRACTS.md lists them (scripts/contracts_tables.py).
"""

from __future__ import annotations

from pathlib import Path

from workbench.tables import TableSchema, load_tables

TABLES: dict[str, TableSchema] = load_tables(Path(__file__).with_name("tables.yaml"))


def contract_markdown() -> str:
    """The probe tables as docs/CONTRACTS.md lists them (between its probe-tables markers)."""
    return "\n\n".join(table.markdown() for table in TABLES.values())
