"""A requirement's notebook page: the part of its walk-through that differs from every other one.

Beside each requirement's check (workbench/checks/<module>.py) lies its page,
`<module>.page.yaml`: how to read the analysis (step 4), the tables and plots shown there, the
declaration fields compared in step 5, and whether the inspector's checklist and attachments are
shown. It is data, like the catalogue: `scripts/build_notebooks.py` turns every page into
`notebooks/<ID>.ipynb`. A step of a page is `text` (markdown) and one of:

- `table`: an engine table shown with `ui.evidence_table` (`var`, `kind` — capture, firmware, or probe for
  the newest live probe run —, `name`, `columns` — a list,
  a view named below or `all` —, `title`, and optionally `where` and `empty`);
- `cell`: a cell several pages share (named below);
- `code`: a line of notebook code (a plot, usually).

`intro: manual` stands for the text of a requirement the inspector judges by hand.

Texts are English in the file and translated through gettext (workbench.i18n; the page texts are extracted
by workbench.i18n.extract): `load_page(module, language)` gives the page in that language, its table
titles and empty-table texts and the titles quoted in its code lines included.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import CheckError
from workbench.i18n import N_, _, use_language

PAGES_DIR = Path(__file__).resolve().parent

PROCEDURE_MD = N_(
    "### What to examine and attach\n\n"
    "This part is yours: the workbench cannot see it in a capture or an image. Work through the "
    "inspection method as a checklist. For every document, photo, screenshot or web page you rely on, "
    "add it to the case as an attachment for this requirement, so the verdict can be audited later "
    "(for a web page, save it as PDF or screenshot and note the URL and the date you read it):\n\n"
    "`workbench case add CASE FILE --kind attachment --requirement {rid}`\n\n"
    "Re-run the notebook after adding: the attachments table below lists what the case holds."
)
PROCEDURE_CODE = "ui.show_checklist(session)\nui.show_attachments(session)"

MANUAL_INTRO = N_(
    "This requirement is judged by an inspector following the inspection method: there is no table "
    "to read. The checklist below turns the method into steps; what the manufacturer declared is "
    "compared in step 5."
)

# Column views several pages show (a subset of an engine table's columns, in reading order).
VIEWS: dict[str, list[str]] = {
    "flows": [
        "first_packet", "transport", "client_ip", "server_ip", "server_port", "server_name", "sni",
        "app_proto", "encrypted", "bytes_c2s", "bytes_s2c",
    ],
    "services": ["name", "kind", "source", "line", "command", "runs_as", "port", "enabled", "auth"],
    "open_ports": ["device_ip", "transport", "port", "service", "evidence", "first_packet", "clients"],
    "accounts": [
        "source", "line", "user", "uid", "shell", "login_shell", "hash_scheme", "empty", "locked",
        "default_password", "password_hint",
    ],
    "update": ["kind", "path", "value", "secure", "detail"],
}  # fmt: skip
REMOTE = {"device_role": "client", "remote_is_local": False}


@dataclass(frozen=True)
class Page:
    """The requirement-specific part of a notebook, as (markdown, code) steps."""

    intro: str  # how to read this notebook's analysis
    steps: list[tuple[str, str]] = field(default_factory=list)  # (markdown, code) pairs
    declared: list[str] = field(default_factory=list)  # declaration fields compared in step 5
    procedure: bool = False  # add the checklist and attachments cells


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


# Cells several pages share, by the name a page's `cell` gives (built in the current language).
CELLS = {
    "open_ports": lambda: table_cell(
        "ports", "capture", "open_ports", VIEWS["open_ports"], _(N_("Open ports of the device"))
    ),
    "boot_services": lambda: table_cell(
        "services", "firmware", "services", VIEWS["services"], _(N_("Services started at boot"))
    ),
    "remote_flows": lambda: table_cell(
        "flows", "capture", "flows", VIEWS["flows"], _(N_("Flows from the device to remote services")),
        where=REMOTE,
    ),
}
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def translated_code(code: str) -> str:
    """A code line with its quoted texts (plot titles; not column names, which are identifiers) in the
    current language."""

    def swap(match: re.Match[str]) -> str:
        text = json.loads(match.group(0))
        return match.group(0) if text.isidentifier() else py_literal(_(text))

    return QUOTED.sub(swap, code)


def engine_tables(kind: str) -> dict[str, Any]:
    """The declared tables a page's `table` step of `kind` reads: capture, firmware or probe."""
    from workbench.capture.schema import TABLES as CAPTURE
    from workbench.firmware.schema import TABLES as FIRMWARE
    from workbench.probe.schema import TABLES as PROBE

    return {"capture": CAPTURE, "probe": PROBE}.get(kind, FIRMWARE)


def columns_of(spec: dict[str, Any], label: str) -> list[str]:
    """The columns a page table shows: its list, a named view, or every column of the engine table."""
    columns = spec.get("columns")
    if isinstance(columns, list):
        return [str(c) for c in columns]
    if columns == "all":
        schema = engine_tables(str(spec.get("kind"))).get(str(spec.get("name")))
        if schema is not None:
            return list(schema.names)
    if isinstance(columns, str) and columns in VIEWS:
        return list(VIEWS[columns])
    known = ", ".join(VIEWS)
    raise CheckError(f"columns must be a list, `all` or one of {known}; not {columns!r}", path=label)


def _code(step: dict[str, Any], label: str) -> str:
    if "table" in step:
        spec = dict(step["table"])
        return table_cell(
            spec["var"], spec["kind"], spec["name"], columns_of(spec, label), _(spec["title"]),
            where=spec.get("where"), empty=_(spec.get("empty", "")),
        )  # fmt: skip
    if "cell" in step and step["cell"] in CELLS:
        return CELLS[step["cell"]]()
    if isinstance(step.get("code"), str):
        return translated_code(step["code"])
    known = ", ".join(CELLS)
    raise CheckError(f"a step needs a `table`, a `code` or a `cell` ({known}): {step!r}", path=label)


def page_from_data(data: Any, label: str, language: str | None = None) -> Page:
    """A Page from a page file's parsed YAML (a CheckError naming the file when it is malformed), its
    texts in `language` (default: the current language)."""
    if language:
        with use_language(language):
            return page_from_data(data, label)
    if not isinstance(data, dict) or not isinstance(data.get("intro"), str):
        raise CheckError("a page is a mapping with an `intro` text", path=label)
    unknown = set(data) - {"intro", "steps", "declared", "procedure"}
    if unknown:
        raise CheckError(f"unknown keys {sorted(unknown)}", path=label)
    try:
        steps = [(_(str(s["text"])), _code(s, label)) for s in data.get("steps") or ()]
    except (KeyError, TypeError) as exc:
        raise CheckError(f"a step needs `text` and a `table`, `code` or `cell`: {exc}", path=label) from None
    intro = _(MANUAL_INTRO) if data["intro"] == "manual" else _(data["intro"])
    return Page(intro, steps, [str(d) for d in data.get("declared") or ()], bool(data.get("procedure")))


@lru_cache(maxsize=128)
def load_page(module_name: str, language: str = "en") -> Page:
    """The page beside workbench/checks/<module_name>.py, its texts in `language` (English by default,
    whatever the current language: the registry's pages are the source)."""
    path = PAGES_DIR / f"{module_name}.page.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CheckError(f"no page for this requirement: {exc.strerror}", path=str(path)) from None
    except yaml.YAMLError as exc:
        raise CheckError(f"not valid YAML: {exc}", path=str(path)) from None
    return page_from_data(data, str(path), language)
