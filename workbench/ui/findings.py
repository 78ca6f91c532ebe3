"""The check's findings as a table: summary, severity, and every evidence reference each points at."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.i18n import N_, _, ntr, tr
from workbench.ui.html import block, code, element, esc, evidence_list, heading, para, text_of
from workbench.ui.tables import MAX_ROWS, headed

FINDING_COLUMNS = ("#", N_("summary"), N_("severity"), N_("evidence"), N_("detail"))
SEVERITIES = {"info": N_("info"), "low": N_("low"), "medium": N_("medium"), "high": N_("high")}


def severity_label(severity: Any) -> str:
    """A finding's severity in the current language (the code itself when it is not a known one)."""
    name = str(getattr(severity, "value", severity))
    return _(SEVERITIES[name]) if name in SEVERITIES else name


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


def findings_text(result: Any) -> pd.DataFrame:
    """The findings frame with its headings in the current language (for the plain-text view)."""
    return headed(findings_frame(result), FINDING_COLUMNS)


def render_findings(result: Any) -> str:
    """The findings as a table whose evidence cells list every reference (folded after a few; in
    `<ul class="evidence">`) and whose detail is the data the check found (in `<code>`)."""
    findings = list(result.findings)
    if not findings:
        return block(heading(_("Findings"), 4), para(_("No findings."), "muted"))
    head = "".join(element("th", esc(_(name))) for name in FINDING_COLUMNS)
    rows = []
    for number, finding in enumerate(findings[:MAX_ROWS], 1):
        cells = [
            esc(number),
            esc(finding.summary),
            esc(severity_label(finding.severity)),
            evidence_list([ref.label() for ref in finding.evidence]),
            code(finding.data) if finding.data else "",
        ]
        rows.append(element("tr", "".join(element("td", cell) for cell in cells)))
    body = element("thead", element("tr", head)) + element("tbody", "".join(rows))
    table = element("table", body, "findings")
    if len(findings) > MAX_ROWS:
        left = len(findings) - MAX_ROWS
        table += para(ntr("{n} more findings not shown; the outcome holds them all.",
                          "{n} more findings not shown; the outcome holds them all.", left), "muted")
    return block(heading(tr("Findings ({count})", count=len(findings)), 4), table)
