"""Display helpers and the verdict widget the notebooks call. Every string shown is escaped.

Light to import: pandas, IPython's display; ipywidgets loads when a widget is built and
matplotlib when a plot is drawn.
"""

from workbench.ui import live, plots
from workbench.ui.evidence import (
    evidence_table,
    show_attachments,
    show_certificates,
    show_checklist,
    show_device,
    show_evidence,
    show_sensitive_files,
)
from workbench.ui.overview import show_artefacts, show_evidence_to_add, show_progress, show_readiness
from workbench.ui.requirement import show_criteria, show_requirement
from workbench.ui.tables import certificates, select, sensitive_files
from workbench.ui.verdict import show_declared_vs_observed, show_findings, show_proposal, show_recorded
from workbench.ui.widget import VerdictWidget, verdict_panel

__all__ = [
    "VerdictWidget",
    "certificates",
    "evidence_table",
    "live",
    "plots",
    "select",
    "sensitive_files",
    "show_artefacts",
    "show_attachments",
    "show_certificates",
    "show_checklist",
    "show_criteria",
    "show_declared_vs_observed",
    "show_device",
    "show_evidence",
    "show_evidence_to_add",
    "show_findings",
    "show_progress",
    "show_proposal",
    "show_readiness",
    "show_recorded",
    "show_requirement",
    "show_sensitive_files",
    "verdict_panel",
]
