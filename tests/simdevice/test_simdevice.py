"""The simulated device, started for real in a private network namespace; a checker run as its command
connects to every port and asserts what the variant plants. Afterwards no server may be left running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.simdevice.netns import in_netns, netns_problem, only_loopback
from workbench.simdevice.variants import VARIANTS, describe, services

CHECKER = Path(__file__).with_name("simdevice_checker.py")
ROOT = Path(__file__).resolve().parents[2]
needs_netns = pytest.mark.skipif(netns_problem() is not None,
                                 reason=f"no private network namespace: {netns_problem()}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"


def processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if entry.name.isdigit() and text in command:
            found.append(f"{entry.name}: {command}")
    return found


def run_in_netns(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(in_netns(argv), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@needs_netns
@pytest.mark.parametrize("variant", ["defective", "clean", "hostile"])
def test_variant_serves_what_it_plants_and_leaves_nothing_running(variant: str, tmp_path: Path) -> None:
    workdir, ready = tmp_path / "device", tmp_path / "ready.json"
    done = run_in_netns([sys.executable, "-m", "workbench.simdevice", "--variant", variant,
                         "--workdir", str(workdir), "--ready-file", str(ready), "--",
                         sys.executable, str(CHECKER), variant, str(ready)])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ports = " ".join(f"tcp/{service.port}" for service in services(variant))
    assert f"simdevice {variant} ready: {ports}\n" in done.stdout
    assert f"checked {variant}: all as planted" in done.stdout
    state = json.loads(ready.read_text())
    assert sorted(state["ports"]) == [service.port for service in services(variant)]
    leftover = [pid for pid in {state["pid"], *state["pids"].values()} if alive(pid)]
    assert leftover == [], leftover
    assert processes_mentioning(str(workdir)) == []


DRIVER = """
import signal, socket, subprocess, sys, time
from pathlib import Path
workdir, ready = sys.argv[1], Path(sys.argv[2])
device = subprocess.Popen([sys.executable, "-m", "workbench.simdevice", "--variant", "defective",
                           "--workdir", workdir, "--ready-file", str(ready)])
deadline = time.monotonic() + 30
while not ready.exists() and time.monotonic() < deadline and device.poll() is None:
    time.sleep(0.1)
session = socket.create_connection(("127.0.0.1", 23), 5)   # a telnet login left open
for line in (b"root\\r\\n", b"xc3511\\r\\n"):
    time.sleep(0.5)
    session.sendall(line)
time.sleep(0.5)
device.send_signal(signal.SIGTERM)
print("device exit", device.wait(30))
"""


@needs_netns
def test_sigterm_stops_every_server_even_with_a_session_open(tmp_path: Path) -> None:
    workdir, ready = tmp_path / "device", tmp_path / "ready.json"
    done = run_in_netns([sys.executable, "-c", DRIVER, str(workdir), str(ready)])
    assert "device exit 0" in done.stdout, done.stdout + done.stderr
    state = json.loads(ready.read_text())
    assert [pid for pid in {state["pid"], *state["pids"].values()} if alive(pid)] == []
    assert processes_mentioning(str(workdir)) == []


@needs_netns
def test_its_servers_die_with_it_even_when_it_is_killed(tmp_path: Path) -> None:
    workdir, ready = tmp_path / "device", tmp_path / "ready.json"
    driver = DRIVER.replace("signal.SIGTERM", "signal.SIGKILL").replace('"defective"', '"defective+hostile"')
    done = run_in_netns([sys.executable, "-c", driver, str(workdir), str(ready)])
    assert "device exit -9" in done.stdout, done.stdout + done.stderr
    state = json.loads(ready.read_text())
    time.sleep(0.5)
    assert [pid for pid in state["pids"].values() if alive(pid)] == []
    assert processes_mentioning(str(workdir)) == []


@needs_netns
def test_the_command_exit_code_becomes_the_device_s(tmp_path: Path) -> None:
    done = run_in_netns([sys.executable, "-m", "workbench.simdevice", "--variant", "hostile",
                         "--workdir", str(tmp_path), "--", "sh", "-c", "exit 7"])
    assert done.returncode == 7, done.stderr


@needs_netns
def test_a_server_that_cannot_start_is_named_with_its_output(tmp_path: Path) -> None:
    # port 22 bound but not listening: the pre-check sees it free, dropbear cannot bind and exits
    script = (f"import socket, sys\nfrom workbench.simdevice.device import running, SimDeviceError\n"
              f"held = socket.socket(); held.bind(('127.0.0.1', 22))\n"
              f"try:\n    with running('clean', {str(tmp_path)!r}):\n        sys.exit('started')\n"
              f"except SimDeviceError as failure:\n    print(failure)\n")
    done = run_in_netns([sys.executable, "-c", script])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("tcp/22 (dropbear) exited with"), done.stdout
    assert "in use" in done.stdout.lower() or "bind" in done.stdout.lower(), done.stdout


@needs_netns
def test_a_port_already_listening_is_refused(tmp_path: Path) -> None:
    script = (f"import socket\nfrom workbench.simdevice.device import running, SimDeviceError\n"
              f"held = socket.socket(); held.bind(('127.0.0.1', 554)); held.listen()\n"
              f"try:\n    with running('clean', {str(tmp_path)!r}):\n        pass\n"
              f"except SimDeviceError as failure:\n    print(failure)\n")
    done = run_in_netns([sys.executable, "-c", script])
    assert done.stdout.strip() == "already in use: tcp/554", done.stdout + done.stderr


def test_it_refuses_to_start_outside_a_private_namespace(tmp_path: Path) -> None:
    if only_loopback():
        pytest.skip("this machine's own namespace has only lo: nothing to refuse here")
    done = subprocess.run([sys.executable, "-m", "workbench.simdevice", "--variant", "clean",
                           "--workdir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "refusing to start outside a private network namespace" in done.stderr
    assert not any(tmp_path.iterdir())


def test_in_netns_brings_lo_up_then_runs_the_command_unchanged() -> None:
    assert in_netns(["echo", "a b"]) == ["unshare", "-n", "-m", "--propagation", "private", "--", "sh", "-c",
                                         'ip link set lo up && exec "$@"', "sh", "echo", "a b"]
    if netns_problem() is None:
        done = subprocess.run(in_netns(["cat", "/proc/self/net/dev"]), capture_output=True, text=True,
                              timeout=30)
        interfaces = [line.split(":")[0].strip() for line in done.stdout.splitlines()[2:]]
        assert interfaces == ["lo"]
        done = subprocess.run(in_netns(["cat", "/proc/self/mountinfo"]), capture_output=True, text=True,
                              timeout=30)
        assert done.stdout and " shared:" not in done.stdout   # no mount made inside propagates out


@needs_netns
def test_it_refuses_to_start_without_a_private_mount_namespace(tmp_path: Path) -> None:
    only_network = ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    done = subprocess.run([*only_network, sys.executable, "-m", "workbench.simdevice", "--variant", "clean",
                           "--workdir", str(tmp_path / "device")], cwd=ROOT, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2, done.stderr
    assert "refusing to start outside a private mount namespace" in done.stderr
    assert not (tmp_path / "device").exists()


def test_describe_names_a_defect_for_every_defective_and_hostile_port_and_none_for_clean() -> None:
    for variant in VARIANTS:
        rows = describe(variant)
        assert [row["port"] for row in rows] == sorted(row["port"] for row in rows)
        assert all(row["protocol"] == "tcp" and row["detail"] for row in rows)
        assert all((row["defect"] is None) == (variant == "clean") for row in rows)
    assert {row["port"] for row in describe("defective")} == {21, 22, 23, 80, 443, 554, 1883, 2323, 8080}
    assert {row["port"] for row in describe("clean")} == {22, 443, 554}
    with pytest.raises(ValueError, match="share a port"):
        services("defective+clean")
    with pytest.raises(ValueError, match="unknown variant"):
        services("broken")

