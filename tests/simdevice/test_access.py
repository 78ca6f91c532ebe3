"""The test access the simulated camera grants a lab (test-access.yaml), used for real: the camera started in
a private namespace with tests/simdevice/access_checker.py as its command; afterwards nothing of it is left
on the host (no process, no mount, /etc/passwd as it was)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from test_simdevice import alive, needs_netns, processes_mentioning, run_in_netns

CHECKER = Path(__file__).with_name("access_checker.py")
ON_BOTH = ("access", "shell", "listeners", "log", "update")


def passwd_sha256() -> str:
    return hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()


def in_device(variant: str, workdir: Path, ready: Path, *command: str) -> list[str]:
    """The simulated camera's command line, running `command` once it is ready."""
    device = [sys.executable, "-m", "workbench.simdevice", "--variant", variant, "--workdir", str(workdir)]
    return [*device, "--ready-file", str(ready), "--", *command]


def run_checks(variant: str, tmp_path: Path, *checks: str) -> dict[str, object]:
    """The checks' output asserted, the device's ready state returned, and nothing of it left behind."""
    workdir, ready = tmp_path / "device", tmp_path / "ready.json"
    host_passwd = passwd_sha256()
    checker = [sys.executable, str(CHECKER), variant, str(ready), *checks, f"host={host_passwd}"]
    done = run_in_netns(in_device(variant, workdir, ready, *checker), timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for check in (*checks, "host"):
        assert f"checked {variant}: {check}\n" in done.stdout, done.stdout
    state = json.loads(ready.read_text())
    assert passwd_sha256() == host_passwd
    assert str(workdir) not in Path("/proc/self/mountinfo").read_text()
    assert [pid for pid in {state["pid"], *state["pids"].values()} if alive(pid)] == []
    assert processes_mentioning(str(workdir)) == []
    return state


@needs_netns
@pytest.mark.parametrize("variant", ["clean", "defective"])
def test_the_camera_grants_a_shell_its_log_and_its_update_path(variant: str, tmp_path: Path) -> None:
    state = run_checks(variant, tmp_path, *ON_BOTH)
    assert state["access"] == str(tmp_path / "device" / "test-access.yaml")


@needs_netns
def test_the_documented_password_change_applies_to_https_and_rtsp(tmp_path: Path) -> None:
    run_checks("clean", tmp_path, "password")


@needs_netns
@pytest.mark.parametrize("variant", ["hostile", "defective+hostile"])
def test_a_combined_variant_keeps_the_camera_s_access_and_hostile_alone_has_none(
    variant: str, tmp_path: Path
) -> None:
    workdir, ready = tmp_path / "device", tmp_path / "ready.json"
    done = run_in_netns(in_device(variant, workdir, ready, "true"))
    assert done.returncode == 0, done.stderr[-3000:]
    state = json.loads(ready.read_text())
    if variant == "hostile":
        assert state["access"] is None and not (workdir / "rootfs").exists()
    else:
        assert state["access"] == str(workdir / "test-access.yaml")
        assert (workdir / "rootfs/sbin/fw_update.sh").is_file()  # the defective image's updater name


SESSION_DRIVER = """
import signal, subprocess, sys, time
from pathlib import Path
import paramiko
workdir, ready, how = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
device = subprocess.Popen([sys.executable, "-m", "workbench.simdevice", "--variant", "clean",
                           "--workdir", workdir, "--ready-file", str(ready)])
deadline = time.monotonic() + 30
while not ready.exists() and time.monotonic() < deadline and device.poll() is None:
    time.sleep(0.1)
client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
key = paramiko.Ed25519Key.from_private_key_file(workdir + "/test-access/id_ed25519")
client.connect("127.0.0.1", 22, "root", pkey=key, allow_agent=False, look_for_keys=False, timeout=5)
client.exec_command("sleep 6123")           # a session still running a command
client.invoke_shell()                       # and one with a terminal
time.sleep(1)
device.send_signal(signal.SIGTERM if how == "term" else signal.SIGKILL)
print("device exit", device.wait(30))
time.sleep(1)                               # the client still connected
"""


@needs_netns
@pytest.mark.parametrize("how", ["term", "kill"])
def test_open_shell_sessions_end_with_the_device(how: str, tmp_path: Path) -> None:
    workdir, ready = tmp_path / "device", tmp_path / "ready.json"
    done = run_in_netns([sys.executable, "-c", SESSION_DRIVER, str(workdir), str(ready), how])
    assert f"device exit {0 if how == 'term' else -9}" in done.stdout, done.stdout + done.stderr
    state = json.loads(ready.read_text())
    assert [pid for pid in {state["pid"], *state["pids"].values()} if alive(pid)] == []
    assert processes_mentioning("sleep 6123") == []
    assert processes_mentioning(str(workdir)) == []
