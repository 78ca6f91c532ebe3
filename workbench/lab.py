"""`workbench lab CASE`: prepare the case's walk-through and open JupyterLab on it.

CASE/walkthrough/ gets a parameterised copy of the overview and of every applicable requirement
notebook (level <= the case's level), plus an index notebook, all in the case's language (case.yaml
`language`: notebooks/ for English, notebooks/ja/ for Japanese). A walk-through notebook that exists
is never overwritten (the inspector's notes live there); only missing ones are added.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.fsutil import atomic_write_text
from workbench.i18n import _, tr, use_language
from workbench.notebook import LIVE_NOTEBOOK, OVERVIEW_NOTEBOOK, case_language, notebook_path, notebooks_dir

WALKTHROUGH = "walkthrough"
INDEX_NOTEBOOK = "00-index.ipynb"
LOOPBACK = "127.0.0.1"


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "lab",
        parents=[common],
        help="open JupyterLab on a case's walk-through notebooks",
        description="Prepare CASE/walkthrough/ (parameterised notebooks for every applicable requirement; "
        "existing ones are kept) and open JupyterLab there.",
    )
    parser.add_argument("case", help="the device case folder")
    parser.add_argument(
        "--ip", default=LOOPBACK, help=f"address JupyterLab listens on (default {LOOPBACK}; 0.0.0.0 for all)"
    )
    parser.add_argument("--port", type=int, default=None, help="port for JupyterLab (default: a free one)")
    parser.add_argument(
        "--token",
        default=None,
        help="the token a browser must present (default: a new random one, printed once; '' for none)",
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    parser.add_argument(
        "--prepare-only", action="store_true", help="prepare the walk-through, print its path, do not start"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder, added, kept, skipped = prepare_walkthrough(args.case, args.catalog)
    with use_language(_language_of(folder)):
        print(
            tr(
                "walk-through: {folder} ({added} added, {kept} kept as they were)",
                folder=folder,
                added=len(added),
                kept=len(kept),
            )
        )
        if skipped:
            print(
                tr(
                    "no notebook for: {ids} (the catalogue has requirements this workbench lacks)",
                    ids=", ".join(skipped),
                )
            )
    if args.prepare_only:
        print(folder)
        return 0
    plan = plan_launch(folder, ip=args.ip, port=args.port, token=args.token, no_browser=args.no_browser)
    write_lab_settings(folder)
    launch(plan)
    return 0  # not reached: launch replaces this process


def _language_of(folder: Path) -> str:
    from workbench.case import Case

    try:
        return case_language(Case.open(folder.parent))
    except (WorkbenchError, OSError):
        return "en"


def prepare_walkthrough(
    case_dir: str | Path, catalog: str | None = None
) -> tuple[Path, list[str], list[str], list[str]]:
    """Create the missing walk-through notebooks; return (folder, added, kept, requirements skipped)."""
    from workbench.case import Case, source_to_load
    from workbench.catalog import load_catalog

    case = Case.open(case_dir)
    cat = load_catalog(source_to_load(case.info, catalog))
    folder = case.path / WALKTHROUGH
    folder.mkdir(exist_ok=True)
    lang = case_language(case)
    parameters_common = {"case_dir": str(case.path), "catalog": str(catalog or ""), "language": lang}
    added: list[str] = []
    kept: list[str] = []
    skipped: list[str] = []

    def place(source: Path, name: str, parameters: dict[str, Any]) -> None:
        target = folder / name
        if target.exists():
            kept.append(name)
            return
        if _write_parameterised(source, target, parameters):
            added.append(name)
        else:
            kept.append(name)

    requirements = cat.for_level(int(case.info.level))
    place(notebooks_dir(lang) / OVERVIEW_NOTEBOOK, OVERVIEW_NOTEBOOK, parameters_common)
    place(notebooks_dir(lang) / LIVE_NOTEBOOK, LIVE_NOTEBOOK, parameters_common)
    present = []
    for requirement in requirements:
        source = notebook_path(requirement.id, lang)
        if not source.is_file():
            skipped.append(requirement.id)
            continue
        present.append(requirement)
        place(source, source.name, {**parameters_common, "requirement_id": requirement.id})
    index = folder / INDEX_NOTEBOOK
    if not index.exists():
        with use_language(lang):
            _write_new(index, index_notebook(case, present))
        added.insert(0, INDEX_NOTEBOOK)
    else:
        kept.insert(0, INDEX_NOTEBOOK)
    return folder, added, kept, skipped


def _write_parameterised(source: Path, target: Path, parameters: dict[str, Any]) -> bool:
    """Write source with the parameters injected (papermill's own cell); False if target appeared."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(source)), parameters, kernel_name="python3")
    nb.metadata.setdefault("papermill", {})["parameters"] = parameters
    return _write_new(target, nbformat.writes(nb) + "\n")


def _write_new(target: Path, text: str) -> bool:
    try:
        atomic_write_text(target, text, exclusive=True)
    except FileExistsError:
        return False  # written meanwhile by another `workbench lab`: keep it
    return True


def _md_text(text: str) -> str:
    """Catalogue text safe inside Markdown link text: no HTML, no link syntax."""
    text = re.sub(r"[\r\n]+", " ", str(text))
    return re.sub(r"([\\`*_\[\]<>#|!])", r"\\\1", text)


def index_notebook(case: Any, requirements: list[Any]) -> str:
    """The walk-through's index, in the current language."""
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    from workbench.ui.overview import AUTOMATION
    from workbench.ui.requirement import stars, title_of

    info = case.info
    lines = [
        tr(
            "# Walk-through: {vendor} {model} (firmware {firmware}), target {stars}",
            vendor=_md_text(info.vendor),
            model=_md_text(info.model),
            firmware=_md_text(info.firmware_version),
            stars=stars(int(info.level)),
        ),
        "",
        _(
            "Start with the [case overview](00-case-overview.ipynb): the evidence in the case and where "
            "the inspection stands. Then take the requirements one by one; each notebook has the same eight "
            "steps and ends with the verdict you record in the case."
        ),
        "",
        _(
            "At the bench, with the device on an isolated network: the [live tests](00-live-tests.ipynb) "
            "probe the device itself (ports, TLS, logins, brute force), every packet captured as evidence."
        ),
        "",
        _(
            "Add evidence from a terminal with `workbench case add CASE FILE --kind "
            "capture|firmware|attachment` and re-run the notebook. These notebooks are yours: "
            "`workbench lab` never overwrites them."
        ),
    ]
    for level in (1, 2, 3):
        chosen = [r for r in requirements if r.level == level]
        if not chosen:
            continue
        lines += ["", f"## {stars(level)}", ""]
        for r in sorted(chosen, key=lambda r: r.id):
            automation = str(getattr(r.automation, "value", r.automation))
            automation = _(AUTOMATION[automation]) if automation in AUTOMATION else automation
            lines.append(f"- [{_md_text(r.id)} — {_md_text(title_of(r))}]({r.id}.ipynb) ({automation})")
    nb = new_notebook(cells=[new_markdown_cell("\n".join(lines), id="index-00")])
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    }
    return nbformat.writes(nb) + "\n"


@dataclass(frozen=True)
class LaunchPlan:
    """How `jupyter lab` is started: its command line, the environment it adds, the URL to open.

    The token travels in the environment (JUPYTER_TOKEN), never on the command line, where every
    user of the machine could read it in the process list.
    """

    folder: Path
    command: list[str]
    env: dict[str, str]
    url: str
    warnings: list[str]


SETTINGS_DIR = ".lab-settings"  # JupyterLab's app settings for the walk-through (our own file only)
# the widgets' state is saved in the notebook: a saved walk-through shows its verdict widget on a fresh kernel
LAB_SETTINGS = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}


def write_lab_settings(folder: Path) -> Path:
    """`<folder>/.lab-settings/overrides.json`, the settings `plan_launch` points JupyterLab at."""
    path = folder / SETTINGS_DIR / "overrides.json"
    path.parent.mkdir(exist_ok=True)
    atomic_write_text(path, json.dumps(LAB_SETTINGS, indent=2) + "\n")
    return path


def plan_launch(
    folder: Path,
    *,
    ip: str = LOOPBACK,
    port: int | None = None,
    token: str | None = None,
    no_browser: bool = False,
) -> LaunchPlan:
    """The command for JupyterLab on ip:port (a free port if None) with token (a new one if None)."""
    ip = ip.strip()
    if port is None:
        port = free_port(ip)
    elif not 0 < port < 65536:
        raise WorkbenchError(f"--port {port}: not a port number (1-65535)")
    token = secrets.token_urlsafe(24) if token is None else token
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter)] if jupyter.exists() else [shutil.which("jupyter") or "jupyter"]
    command += [
        "lab",
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.default_url=/lab/tree/{INDEX_NOTEBOOK}",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # the port printed is the port served, or it fails
        f"--LabApp.app_settings_dir={folder / SETTINGS_DIR}",
    ]
    env = {"JUPYTER_TOKEN": token} if token else {}
    if not token:
        command.append("--IdentityProvider.token=")
    if no_browser:
        command.append("--ServerApp.open_browser=False")
    warnings = []
    if not token and not is_loopback(ip):
        warnings.append(f"warning: JupyterLab listens on {ip} without a token: whoever reaches it runs code")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        warnings.append("note: running as root (a container?): JupyterLab is started with --allow-root")
        command.append("--allow-root")
    host = {"0.0.0.0": LOOPBACK, "": LOOPBACK, "::": "::1"}.get(ip, ip)  # a wildcard: open it here
    host = f"[{host}]" if ":" in host else host
    query = f"?token={urllib.parse.quote(token, safe='')}" if token else ""
    url = f"http://{host}:{port}/lab/tree/{INDEX_NOTEBOOK}{query}"
    return LaunchPlan(folder, command, env, url, warnings)


def is_loopback(ip: str) -> bool:
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False  # a host name: assume it reaches beyond this machine


def free_port(ip: str) -> int:
    """A port nobody listens on at ip now (the system picks it); WorkbenchError if ip is not ours."""
    try:
        family = socket.getaddrinfo(ip, None, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((ip, 0))
            return int(probe.getsockname()[1])
    except OSError as exc:
        raise WorkbenchError(f"--ip {ip}: cannot listen there ({exc.strerror or exc})") from None


def launch(plan: LaunchPlan) -> None:
    """Replace this process with `jupyter lab` serving the walk-through (so Ctrl-C reaches it)."""
    for warning in plan.warnings:
        print(warning, file=sys.stderr)
    print(f"open: {plan.url}")  # the only place the token is shown
    os.chdir(plan.folder)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(plan.command[0], plan.command, {**os.environ, **plan.env})
    except OSError as exc:
        raise WorkbenchError(f"cannot start JupyterLab ({plan.command[0]}): {exc.strerror or exc}") from None
