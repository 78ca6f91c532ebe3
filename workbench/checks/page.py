"""A requirement's notebook page: the part of its walk-through that differs from every other one.

Each requirement module (workbench/checks/<id>.py) holds its check and, beside it, a `PAGE`:
how to read the analysis (step 4), the tables and plots shown there, the declaration fields
compared in step 5, and whether the inspector's checklist and attachments are shown.
`scripts/build_notebooks.py` turns every PAGE into `notebooks/<ID>.ipynb`. This module is data
and a little text: it imports nothing of nbformat, the engines or the case.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field

PROCEDURE_MD = (
    "### What to examine and attach\n\n"
    "This part is yours: the workbench cannot see it in a capture or an image. Work through the "
    "inspection method as a checklist. For every document, photo, screenshot or web page you rely on, "
    "add it to the case as an attachment for this requirement, so the verdict can be audited later "
    "(for a web page, save it as PDF or screenshot and note the URL and the date you read it):\n\n"
    "`workbench case add CASE FILE --kind attachment --requirement {rid}`\n\n"
    "Re-run the notebook after adding: the attachments table below lists what the case holds."
)
PROCEDURE_CODE = "ui.show_checklist(session)\nui.show_attachments(session)"

MANUAL_INTRO = (
    "This requirement is judged by an inspector following the inspection method: there is no table "
    "to read. The checklist below turns the method into steps; what the manufacturer declared is "
    "compared in step 5."
)

# Columns shown by several pages (a subset of the engine tables' columns, in reading order).
FLOW_VIEW = [
    "first_packet",
    "transport",
    "client_ip",
    "server_ip",
    "server_port",
    "server_name",
    "sni",
    "app_proto",
    "encrypted",
    "bytes_c2s",
    "bytes_s2c",
]
SERVICE_VIEW = ["name", "kind", "source", "line", "command", "runs_as", "port", "enabled", "auth"]
OPEN_PORT_VIEW = ["device_ip", "transport", "port", "service", "evidence", "first_packet", "clients"]
ACCOUNT_VIEW = [
    "source",
    "line",
    "user",
    "uid",
    "shell",
    "login_shell",
    "hash_scheme",
    "weak_hash",
    "empty",
    "locked",
    "default_password",
    "password_hint",
]
UPDATE_VIEW = ["kind", "path", "value", "secure", "detail"]
REMOTE = {"device_role": "client", "remote_is_local": False}


@dataclass(frozen=True)
class Page:
    """The requirement-specific part of a notebook."""

    intro: str  # how to read this notebook's analysis
    steps: list[tuple[str, str]] = field(default_factory=list)  # (markdown, code) pairs
    declared: list[str] = field(default_factory=list)  # declaration fields compared in step 5
    procedure: bool = False  # add the checklist and attachments cells


def procedural(declared: list[str], intro: str = MANUAL_INTRO) -> Page:
    """The page of a requirement judged by the inspector: checklist, attachments, declaration."""
    return Page(intro=intro, declared=declared, procedure=True)


def py_literal(value: object) -> str:
    """Python source for a literal, strings in double quotes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def table_cell(
    var: str,
    kind: str,
    name: str,
    columns: list[str],
    title: str,
    where: dict[str, object] | None = None,
    empty: str = "",
) -> str:
    """A code cell showing one engine table (escaped, filtered) and keeping it in `var`."""
    cols = textwrap.fill(
        ", ".join(py_literal(c) for c in columns),
        92,
        initial_indent=" " * 8,
        subsequent_indent=" " * 8,
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines = [
        f"{var} = ui.evidence_table(",
        f"    session, {py_literal(kind)}, {py_literal(name)},",
        f"    columns=[\n{cols},\n    ],",
    ]
    if where:
        lines.append(f"    where={py_literal(where)},")
    lines.append(f"    title={py_literal(title)},")
    if empty:
        lines.append(f"    empty={py_literal(empty)},")
    lines.append(")")
    return "\n".join(lines)


# Cells shared by several pages.

OPEN_PORTS_CELL = table_cell("ports", "capture", "open_ports", OPEN_PORT_VIEW, "Open ports of the device")
BOOT_SERVICES_CELL = table_cell("services", "firmware", "services", SERVICE_VIEW, "Services started at boot")
REMOTE_FLOWS_CELL = table_cell(
    "flows", "capture", "flows", FLOW_VIEW, "Flows from the device to remote services", where=REMOTE
)
REMOTE_FLOWS_STEP = ("Flows the device opened to remote services:", REMOTE_FLOWS_CELL)
TRAFFIC_STEP = ("Traffic over time and bytes per destination:", "ui.plots.traffic(session)")
