"""Helpers of the browser tests: Debian's chromium through Playwright, and `workbench lab` on 127.0.0.1.

Chromium and JupyterLab get folders of their own under the test's tmp dir: a fresh browser profile,
and Jupyter's config, data, runtime, settings and workspaces, so nothing of this machine's user
settings (nor a previous run's) takes part, and nothing is written to the home folder.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "screenshot_stale_index.py"
LOOPBACK = "127.0.0.1"
WIDGET_ERROR = "Error displaying widget"

# JupyterLab user settings: no news or update checks (no traffic beyond 127.0.0.1), and every cell in
# the page (the default windowing leaves cells out of view unrendered, so their text is not there).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def load_script() -> ModuleType:
    """scripts/screenshot_stale_index.py as a module: the browser launch and the stale bundle."""
    spec = importlib.util.spec_from_file_location("screenshot_stale_index", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_browser(script: ModuleType) -> None:
    """Skip when chromium or playwright is missing here; fail under CI, whose set-up installs both."""
    problem = None
    if script.chromium_path() is None:
        problem = "chromium is not installed (bash scripts/install-system-deps.sh, as root)"
    elif importlib.util.find_spec("playwright") is None:
        problem = "the playwright package is not installed (pip install -e '.[dev]')"
    if problem is None:
        return
    if in_ci():
        pytest.fail(f"browser tests under CI: {problem}", pytrace=False)
    pytest.skip(problem)


def failed(request: pytest.FixtureRequest) -> bool:
    """Whether the test failed (the report conftest's hook keeps on the item; none: it never ran)."""
    report = getattr(request.node, "rep_call", None)
    return report is None or report.failed


def lab_environment(home: Path) -> dict[str, str]:
    """os.environ with Jupyter's folders under home and the LAB_SETTINGS written there."""
    names = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
             "JUPYTERLAB_WORKSPACES_DIR")
    env = {**os.environ, **{name: str(home / name.lower()) for name in names}}
    env.pop("JUPYTER_TOKEN", None)
    for plugin, values in LAB_SETTINGS.items():
        target = home / "jupyterlab_settings_dir" / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    return env


@dataclass
class LabServer:
    process: subprocess.Popen
    port: int
    token: str
    log: Path

    def url(self, path: str) -> str:
        return f"http://{LOOPBACK}:{self.port}/{path.lstrip('/')}?token={self.token}"

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(self.url(f"api/{path}"), method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def end_sessions(self) -> int:
        """Shut every notebook's kernel down (as closing it with 'shut down kernel' does)."""
        sessions = self.api("sessions")
        for session in sessions:
            self.api(f"sessions/{session['id']}", method="DELETE")
        return len(sessions)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # `workbench lab` became jupyter: it stops its kernels
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_lab(case_dir: Path, home: Path) -> LabServer:
    """`workbench lab CASE --no-browser` on 127.0.0.1, a free port and a token of the test's own;
    returns once the server answers."""
    from workbench.lab import free_port

    port, token = free_port(LOOPBACK), f"browser-test-{os.getpid()}-{time.time_ns()}"
    command = [sys.executable, "-m", "workbench", "lab", str(case_dir), "--no-browser",
               "--ip", LOOPBACK, "--port", str(port), "--token", token]
    log = home / "lab.log"
    home.mkdir(parents=True, exist_ok=True)
    with log.open("w") as sink:  # a file: a full pipe never blocks the server
        process = subprocess.Popen(command, cwd=ROOT, env=lab_environment(home), stdout=sink,
                                   stderr=subprocess.STDOUT)
    server = LabServer(process, port, token, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"workbench lab ended with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            server.api("status")
            return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    server.stop()
    pytest.fail(f"JupyterLab did not answer on {LOOPBACK}:{port}: {log.read_text()[-2000:]}")


# --- JupyterLab in the page --------------------------------------------------------------------
KERNEL_IDLE = "#jp-main-statusbar >> text=Idle"
CURRENT_TAB = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current"
ALL_CELLS_RAN = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
  const stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
  const raised = [...document.querySelectorAll(stderr)]
    .some(e => e.textContent.includes('Traceback'));  // Run All stops at a cell that raises
  return raised || (prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim())));
}"""


def open_notebook(page: Any, server: LabServer, name: str) -> None:
    """Open a notebook of the walk-through and wait for its kernel to be idle."""
    page.goto(server.url(f"lab/tree/{name}"))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector(KERNEL_IDLE, timeout=90_000)


def run_all_cells(page: Any) -> None:
    """Edit → Clear Outputs of All Cells (a saved notebook's prompts are numbered already), Run → Run
    All Cells, then wait until every code cell has run (a number in its prompt) or one raised."""
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.get_by_role("menuitem", name="Clear Outputs of All Cells", exact=True).click()
    page.wait_for_function("() => !document.querySelector('.jp-CodeCell .jp-OutputArea-output')")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(ALL_CELLS_RAN, timeout=120_000)
    page.wait_for_selector(KERNEL_IDLE, timeout=60_000)


def save_notebook(page: Any) -> None:
    """The notebook toolbar's Save, then wait until the tab no longer says it has unsaved changes."""
    page.locator('.jp-NotebookPanel-toolbar [data-command="docmanager:save"]').click()
    page.wait_for_selector(f"{CURRENT_TAB}:not(.jp-mod-dirty)", timeout=30_000)


def widgets_settled(page: Any) -> None:
    """Wait until no widget output says "Loading widget..." (it becomes the widget, or an error)."""
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-OutputArea-output')]"
        ".some(e => e.textContent.includes('Loading widget'))",
        timeout=60_000,
    )


def tracebacks(page: Any) -> list[str]:
    """The text of every traceback the notebook shows (JupyterLab renders an error as stderr)."""
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return stderr.filter(has_text="Traceback").all_inner_texts()
