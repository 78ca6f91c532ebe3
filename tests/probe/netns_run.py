"""Real servers for the tool-driven probe tests (nmap, sslyze, tcpdump), inside a private network namespace.

`run_in_netns(tmp_path, body)` writes a driver script (this module's helpers + `body`) and runs it with
`unshare -n` after bringing `lo` up: every server listens on that namespace's 127.0.0.1 and nothing
leaves it. The body starts servers, calls the probe's code and stores what the test asserts on in
`RESULT`; the driver writes it as JSON, which the test gets back.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


# --- the launcher (in the test process) ---------------------------------------------------------
def needs_netns() -> None:
    from workbench.simdevice.netns import netns_problem

    problem = netns_problem()
    if problem:
        pytest.skip(f"the servers and the probe run in a private network namespace: {problem}")


def run_in_netns(
    tmp_path: Path, body: str, timeout: float = 300, module: str = "netns_run"
) -> dict[str, Any]:
    """Run `body` inside a fresh network namespace (workbench.simdevice.netns.in_netns: `lo` up, nothing
    else) with `module`'s helpers imported; its RESULT, parsed. `stop_servers()` of `module` ends it."""
    from workbench.simdevice.netns import in_netns

    needs_netns()
    out = tmp_path / "result.json"
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import json, os, shutil, signal, socket, subprocess, sys, time  # noqa: E401, F401\n"
        "from pathlib import Path\n"
        f"sys.path[:0] = [{str(HERE)!r}, {str(ROOT)!r}]\n"
        f"from {module} import *  # noqa: F403\n"
        f"WORK = Path({str(tmp_path)!r})\n"
        "RESULT = {}\n"
        "try:\n" + "".join(f"    {line}\n" for line in body.strip().splitlines()) + "finally:\n"
        "    stop_servers()\n"
        f"    Path({str(out)!r}).write_text(json.dumps(RESULT, default=str))\n",
        encoding="utf-8",
    )
    command = in_netns([sys.executable, str(driver)])
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads(out.read_text(encoding="utf-8"))


# --- the servers (in the driver, inside the namespace) -------------------------------------------
PROCESSES: list[subprocess.Popen[bytes]] = []
SOCKETS: list[socket.socket] = []
STOP = threading.Event()


def stop_servers() -> None:
    STOP.set()
    for proc in PROCESSES:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in PROCESSES:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    PROCESSES.clear()
    for sock in SOCKETS:
        sock.close()
    SOCKETS.clear()


atexit.register(stop_servers)


def wait_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def spawn(command: list[str], port: int | None, log: Path) -> subprocess.Popen[bytes]:
    """A server in the foreground, stopped by PID at the end; waits until it listens on `port`."""
    handle = log.open("wb")
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT)
    PROCESSES.append(proc)
    if port is not None:
        wait_port(port)
    return proc


def http_server(work: Path, port: int) -> int:
    root = work / "www"
    root.mkdir(exist_ok=True)
    (root / "index.html").write_text("<html><title>cam</title><body>camera</body></html>\n")
    spawn(["busybox", "httpd", "-f", "-p", f"127.0.0.1:{port}", "-h", str(root)], port, work / "httpd.log")
    return port


def mqtt_server(work: Path, port: int) -> int:
    config = work / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    spawn(["mosquitto", "-c", str(config)], port, work / "mosquitto.log")
    return port


def make_cert(work: Path, name: str, key: str = "rsa:2048", days: int = 30) -> tuple[Path, Path]:
    """A self-signed certificate made by openssl: (certificate, key). `key`: rsa:BITS or ec (P-256)."""
    cert, private = work / f"{name}.crt", work / f"{name}.key"
    new_key = (
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] if key == "ec" else ["-newkey", key]
    )
    subprocess.run(
        ["openssl", "req", "-x509", *new_key, "-nodes", "-keyout", str(private), "-out", str(cert),
         "-days", str(days), "-subj", f"/CN={name}.test", "-sha256"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, private


def tls_server(work: Path, port: int, name: str, options: list[str], key: str = "rsa:2048") -> int:
    """`openssl s_server -www` with its own certificate and `options` (e.g. -tls1 -cipher ...)."""
    cert, private = make_cert(work, name, key)
    command = [
        "openssl",
        "s_server",
        "-accept",
        f"127.0.0.1:{port}",
        "-cert",
        str(cert),
        "-key",
        str(private),
    ]
    spawn([*command, "-www", "-quiet", *options], port, work / f"{name}.log")
    return port


def _listener(port: int, kind: int = socket.SOCK_STREAM) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    if kind == socket.SOCK_STREAM:
        sock.listen(64)
    SOCKETS.append(sock)
    return sock


def _serve(port: int, handle: Any) -> int:
    """A TCP server calling `handle(connection)` for each client, in threads."""
    listener = _listener(port)

    def accept_loop() -> None:
        while not STOP.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_handled, args=(handle, conn), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return port


def _handled(handle: Any, conn: socket.socket) -> None:
    try:
        handle(conn)
    except OSError:
        pass
    finally:
        conn.close()


def reset_server(port: int) -> int:
    """Accepts, reads what the client sends, and resets the connection (SO_LINGER 0)."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(2)
        with contextlib.suppress(OSError):
            conn.recv(4096)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    return _serve(port, handle)


def silent_server(port: int) -> int:
    """Accepts and never answers: holds each connection until the client gives up (or 300 s)."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(1)
        for _ in range(300):
            if STOP.is_set():
                return
            try:
                if not conn.recv(65536):
                    return
            except TimeoutError:
                continue

    return _serve(port, handle)


def banner_server(port: int, banner: bytes) -> int:
    """Sends `banner` to every client at once (however large), then closes."""

    def handle(conn: socket.socket) -> None:
        conn.settimeout(10)
        conn.sendall(banner)

    return _serve(port, handle)


def silent_udp(port: int) -> int:
    """A UDP port that is open (no ICMP unreachable) and never answers."""
    _listener(port, socket.SOCK_DGRAM)
    return port


def plan_for(profile: str = "quick", declared: list[tuple[str, int]] | None = None, **settings: Any) -> Any:
    """A probe plan with one port_scan test (the catalogue's settings unless overridden)."""
    from workbench.probe.plan import ProbePlan, TestPlan

    defaults = {"quick_tcp_top_ports": 1000, "quick_udp_top_ports": 20, "full_udp_top_ports": 200}
    rate, budget = settings.pop("rate_per_s", 500), settings.pop("budget_s", 180)
    test = TestPlan("port_scan", rate, budget, {**defaults, "version_intensity": 5, **settings})
    return ProbePlan("127.0.0.1", profile, "lo", [test], declared_ports=declared or [])


def as_json(value: Any) -> Any:
    """A dataclass (TestRun) or anything else as plain JSON values."""
    from dataclasses import asdict, is_dataclass

    return asdict(value) if is_dataclass(value) else value


def tcp_packets(pcap: Path) -> list[dict[str, Any]]:
    """Every TCP packet of a capture as scapy reads it (an independent reader): number (1-based), time,
    ports, flags."""
    from scapy.layers.inet import TCP
    from scapy.utils import PcapReader

    found = []
    with PcapReader(str(pcap)) as packets:
        for number, packet in enumerate(packets, start=1):
            if TCP in packet:
                tcp = packet[TCP]
                found.append(
                    {"number": number, "time": float(packet.time), "sport": tcp.sport, "dport": tcp.dport,
                     "flags": str(tcp.flags)}
                )  # fmt: skip
    return found
