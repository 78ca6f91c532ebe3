"""The check's findings as a table: summary, severity, and every evidence reference each points at."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.ui.html import block, element, esc, evidence_list, heading, para, text_of
from workbench.ui.tables import MAX_ROWS

FINDING_COLUMNS = ("#", "summary", "severity", "evidence", "detail")


def findings_frame(result: Any) -> pd.DataFrame:
    rows = []
    for number, finding in enumerate(result.findings, 1):
        rows.append(
            {
                "#": number,
                "summary": finding.summary,
                "severity": str(getattr(finding.severity, "value", finding.severity)),
                "evidence": "; ".join(ref.label() for ref in finding.evidence),
                "detail": text_of(finding.data) if finding.data else "",
            }
        )
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def render_findings(result: Any) -> str:
    """The findings as a table whose evidence cells list every reference (folded after a few)."""
    findings = list(result.findings)
    if not findings:
        return block(heading("Findings", 4), para("No findings.", "muted"))
    head = "".join(element("th", esc(name)) for name in FINDING_COLUMNS)
    rows = []
    for number, finding in enumerate(findings[:MAX_ROWS], 1):
        cells = [
            esc(number),
            esc(finding.summary),
            esc(getattr(finding.severity, "value", finding.severity)),
            evidence_list([ref.label() for ref in finding.evidence]),
            esc(finding.data) if finding.data else "",
        ]
        rows.append(element("tr", "".join(element("td", cell) for cell in cells)))
    body = element("thead", element("tr", head)) + element("tbody", "".join(rows))
    table = element("table", body, "findings")
    if len(findings) > MAX_ROWS:
        left = len(findings) - MAX_ROWS
        table += para(f"{left} more findings not shown; the outcome holds them all.", "muted")
    return block(heading(f"Findings ({len(findings)})", 4), table)
