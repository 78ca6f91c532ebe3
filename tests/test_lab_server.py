"""`workbench lab --ip/--port/--token`: the command built for JupyterLab, and one real start on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from workbench.case import Case, CaseInfo
from workbench.errors import WorkbenchError
from workbench.lab import free_port, plan_launch

ROOT = Path(__file__).resolve().parents[1]


def new_case(root: Path) -> Case:
    info = {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1}
    return Case.create(root, CaseInfo.model_validate(info))


def option(command: list[str], name: str) -> str | None:
    found = [arg.split("=", 1)[1] for arg in command if arg.startswith(f"--{name}=")]
    assert len(found) <= 1, command
    return found[0] if found else None


def test_defaults_loopback_free_port_and_a_new_token_kept_off_the_command_line(tmp_path) -> None:
    first = plan_launch(tmp_path, no_browser=True)
    second = plan_launch(tmp_path)
    assert option(first.command, "ServerApp.ip") == "127.0.0.1"
    port = int(option(first.command, "ServerApp.port") or 0)
    assert 0 < port < 65536
    assert option(first.command, "ServerApp.port_retries") == "0"
    assert option(first.command, "ServerApp.open_browser") == "False"
    assert option(second.command, "ServerApp.open_browser") is None
    token = first.env["JUPYTER_TOKEN"]
    assert len(token) >= 32 and token != second.env["JUPYTER_TOKEN"]
    assert not any(token in arg for arg in first.command)  # the process list shows no token
    assert option(first.command, "IdentityProvider.token") is None
    assert first.url == f"http://127.0.0.1:{port}/lab/tree/00-index.ipynb?token={token}"
    assert first.warnings == [] or all("root" in w for w in first.warnings)


def test_given_ip_port_token_and_the_warning_for_no_token_beyond_loopback(tmp_path) -> None:
    plan = plan_launch(tmp_path, ip="0.0.0.0", port=8899, token="s3cret/+", no_browser=True)
    assert option(plan.command, "ServerApp.ip") == "0.0.0.0"
    assert option(plan.command, "ServerApp.port") == "8899"
    assert plan.env == {"JUPYTER_TOKEN": "s3cret/+"}
    assert plan.url == "http://127.0.0.1:8899/lab/tree/00-index.ipynb?token=s3cret%2F%2B"
    assert not [w for w in plan.warnings if "without a token" in w]

    open_all = plan_launch(tmp_path, ip="0.0.0.0", port=8899, token="")
    assert option(open_all.command, "IdentityProvider.token") == ""
    assert open_all.env == {} and "token=" not in open_all.url
    assert [w for w in open_all.warnings if "0.0.0.0 without a token" in w]

    local_open = plan_launch(tmp_path, ip="127.0.0.1", port=8899, token="")
    assert not [w for w in local_open.warnings if "without a token" in w]


def test_refuses_a_bad_port_and_an_address_not_of_this_machine(tmp_path) -> None:
    with pytest.raises(WorkbenchError, match="not a port number"):
        plan_launch(tmp_path, port=70000)
    with pytest.raises(WorkbenchError, match="192.0.2.1: cannot listen there"):
        free_port("192.0.2.1")  # TEST-NET-1: never an address of this machine


def status(port: int, token: str | None) -> int:
    query = f"?token={token}" if token is not None else ""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status{query}", timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_for_status(port: int, token: str, server: subprocess.Popen, log: Path) -> int:
    """Poll until JupyterLab answers (a guard of two minutes against a hang, not a time limit)."""
    for _ in range(1200):
        if server.poll() is not None:
            pytest.fail(f"workbench lab ended with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            return status(port, token)
        except OSError:  # refused while it starts, or a read timed out on a busy machine
            time.sleep(0.1)
    pytest.fail(f"JupyterLab did not answer on 127.0.0.1:{port}: {log.read_text()[-2000:]}")


def test_a_real_lab_answers_with_the_token_and_refuses_without(tmp_path) -> None:
    case = new_case(tmp_path / "cam")
    port, token = free_port("127.0.0.1"), "lab-test-token-1f7c"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_PLATFORM_DIRS": "1"}
    command = [sys.executable, "-m", "workbench", "lab", str(case.path), "--no-browser"]
    command += ["--ip", "127.0.0.1", "--port", str(port), "--token", token]
    log_path = tmp_path / "lab.err"
    log = log_path.open("w")  # jupyter's own log: a file, so a full pipe never blocks it
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert wait_for_status(port, token, server, log_path) == 200
        assert status(port, None) == 403
        assert status(port, "wrong-token") == 403
    finally:
        server.send_signal(signal.SIGTERM)  # the lab replaced the workbench process: this is jupyter
        try:
            out, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
        log.close()
    assert out.count(f"token={token}") == 1  # printed once, with the URL
    assert f"http://127.0.0.1:{port}/lab/tree/00-index.ipynb?token={token}" in out
    leaked = [p for p in case.path.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]
    assert leaked == []


def test_jupyterlab_saves_the_widgets_state_so_a_saved_walkthrough_shows_its_verdict(tmp_path):
    """JupyterLab is pointed at the walk-through's own settings, which turn the widgets' saveState on
    (tests/browser reopens a saved notebook on a fresh kernel and sees the widget)."""
    import json

    from workbench.lab import write_lab_settings

    plan = plan_launch(tmp_path, no_browser=True)
    assert f"--LabApp.app_settings_dir={tmp_path / '.lab-settings'}" in plan.command
    written = json.loads(write_lab_settings(tmp_path).read_text())
    assert written == {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
