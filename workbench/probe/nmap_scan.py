"""The port scan: nmap, run as a process, finds the open TCP and UDP ports and what answers on them.

One nmap run: a SYN scan as root (a connect scan otherwise) and a UDP scan, service and version
detection (`-sV`), the `banner` script, no ping and no name resolution, nmap's own rate limit and
host timeout. Its XML report is read with defusedxml (the device's own words are in it) into rows of
the `ports` table; a port that gave no answer is kept only when the manufacturer declares it.

UDP: a device that rate-limits its ICMP port-unreachable answers (Linux does, one a second after a
short burst) makes nmap slow down and retry for every closed port — 20 UDP ports took 17 s, and 74 s
with version detection of the ports left open|filtered, against a loopback server rate-limited that
way. `--defeat-icmp-ratelimit` stops waiting for those answers: the same scan takes under 2 s, a port
that answers is still `open`, and the ports that stay silent are `closed|filtered` instead of
`open|filtered` (kept for declared ports only, as the silent ports are).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

from workbench.probe._nmap_ports import port_spec, services_file, top_ports
from workbench.probe._nmap_report import collapsed_ports, read_report
from workbench.probe._nmap_services import detect_services, service_limit
from workbench.probe.clients_base import printable
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import TestRun, TestStatus

TEST = "port_scan"
KILL_MARGIN_S = 15.0  # nmap's own --host-timeout should end it; the process is killed this much later
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_OUTPUT_LINES = 200_000  # nmap's verbose output, read line by line, each line cut at 4 KiB
BANNER_CHARS = 1024
TEXT_CHARS = 200
NO_ANSWER = ("open|filtered", "closed|filtered", "filtered")  # kept for declared ports only
DISCOVERED = re.compile(r"^Discovered (open|open\|filtered) port (\d{1,5})/(tcp|udp) on ")
DEFAULTS = {"quick_tcp_top_ports": 1000, "quick_udp_top_ports": 20, "full_udp_top_ports": 200}


def port_scan(target: str, plan: ProbePlan, test: TestPlan, workdir: Path) -> tuple[TestRun, list[dict]]:
    """Scan `target` as the plan's profile says; the run and the `ports` rows."""
    run = TestRun(TEST, "nmap")
    nmap = shutil.which("nmap")
    if nmap is None:
        return _ended(run, TestStatus.ERROR, "nmap is not installed (Debian package nmap)"), []
    services = services_file(nmap)
    if services is None:
        return _ended(run, TestStatus.ERROR, "nmap's port list (nmap-services) was not found"), []
    tcp, udp = scanned_ports(plan, test, services)
    if not tcp and not udp:
        return _ended(run, TestStatus.SKIPPED, "no port to scan (the profile's settings name none)"), []
    notes: list[str] = []
    versions_cut: list[str] = []  # version detection cut short: the ports are found, their products not
    if udp and os.geteuid() != 0:
        udp, notes = [], ["UDP not scanned: nmap's UDP scan needs root"]
    xml = workdir / "nmap-port-scan.xml"
    run.command = nmap_command(nmap, target, tcp, udp, test, xml)
    run.started = time.time()
    try:
        process = _run(run.command, test.budget_s + KILL_MARGIN_S)
    except OSError as exc:
        run.finished = time.time()
        return _ended(run, TestStatus.ERROR, f"nmap could not be started: {exc}"), []
    run.finished = time.time()
    report = read_report(xml)
    declared = declared_ports(plan)
    found = [*process.discovered, *(report.ports or []), *collapsed_ports(report, declared)]
    unique = {(port["transport"], port["port"]): port for port in found if _kept(port, declared)}
    remaining = test.budget_s - (time.time() - run.started)
    over_budget = process.killed or report.host_timed_out
    if unique and not over_budget:
        opened = [key for key, port in unique.items() if port["state"] == "open"]
        detected, cut = detect_services(nmap, target, opened, test, workdir, remaining)
        over_budget = bool(cut) and remaining < service_limit(test)
        for key, service in detected.items():
            described = {k: v for k, v in service.items() if k not in ("state", "reason") and v is not None}
            unique[key] = {**unique[key], **described}
        versions_cut = cut
        run.finished = time.time()
    rows = [_row(port, run) for port in unique.values()]
    scanned = f"{len(tcp)} TCP and {len(udp)} UDP ports scanned"
    if over_budget:
        detail = f"stopped at its time budget ({test.budget_s:g} s); {len(rows)} ports found before that"
        return _ended(run, TestStatus.TIMED_OUT, detail, notes), rows
    if process.returncode != 0:
        detail = f"nmap failed (exit {process.returncode}): {printable(process.stderr, 300)}"
        return _ended(run, TestStatus.ERROR, detail, notes), rows
    if report.ports is None:
        detail = f"nmap's report could not be read ({report.problem}); {len(rows)} ports from its output"
        return _ended(run, TestStatus.PARTIAL, detail, notes), rows
    if not rows:
        return _ended(run, TestStatus.COMPLETED, f"no port answered ({scanned})", notes), rows
    status = TestStatus.PARTIAL if notes else TestStatus.COMPLETED
    return _ended(run, status, f"{len(rows)} ports found ({scanned})", notes + versions_cut), rows


def scanned_ports(plan: ProbePlan, test: TestPlan, services: Path) -> tuple[list[int], list[int]]:
    """(TCP ports, UDP ports) of the plan's profile: quick = nmap's top ports and the IoT ports the
    catalogue adds (quick_extra_tcp_ports, quick_extra_udp_ports), full = every TCP port; the declared
    ports are always added."""
    settings = {**DEFAULTS, **test.settings}
    declared = declared_ports(plan)
    declared_tcp = [p for t, p in declared if t == "tcp"]
    declared_udp = [p for t, p in declared if t == "udp"]
    if plan.profile == "full":
        tcp = list(range(1, 65536))
        udp = top_ports(services, "udp", int(settings["full_udp_top_ports"]))
    else:
        tcp = top_ports(services, "tcp", int(settings["quick_tcp_top_ports"])) + _ports(settings, "tcp")
        udp = top_ports(services, "udp", int(settings["quick_udp_top_ports"])) + _ports(settings, "udp")
    return sorted({*tcp, *declared_tcp}), sorted({*udp, *declared_udp})


def _ports(settings: dict[str, Any], transport: str) -> list[int]:
    listed = settings.get(f"quick_extra_{transport}_ports") or []
    return [p for p in listed if isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536]


def declared_ports(plan: ProbePlan) -> set[tuple[str, int]]:
    """The declared (transport, port) pairs that name a real TCP or UDP port (the rest are ignored)."""
    return {
        (transport.lower(), port)
        for transport, port in plan.declared_ports
        if isinstance(transport, str)
        and transport.lower() in ("tcp", "udp")
        and isinstance(port, int)
        and not isinstance(port, bool)
        and 0 < port < 65536
    }


def nmap_command(
    nmap: str, target: str, tcp: list[int], udp: list[int], test: TestPlan, xml: Path
) -> list[str]:
    command = [nmap, "-sS" if os.geteuid() == 0 else "-sT"]
    if udp:
        command += ["-sU", "--defeat-icmp-ratelimit"]
    command += ["--script", "banner", "--script-args", "banner.timeout=1s"]  # what each open port says first
    command += ["-Pn", "-n", "-v", "--max-rate", f"{max(test.rate_per_s, 1):g}"]
    command += [
        "--host-timeout",
        f"{max(1, int(test.budget_s))}s",
        "-p",
        port_spec(tcp, udp),
        "-oX",
        str(xml),
    ]
    if ipaddress.ip_address(target).version == 6:
        command.append("-6")
    return [*command, target]


# --- the process ---------------------------------------------------------------------------------
class _Process:
    def __init__(self) -> None:
        self.returncode: int | None = None
        self.killed = False
        self.stderr = ""
        self.discovered: list[dict[str, Any]] = []  # ports nmap announced while scanning (-v)


def _run(command: list[str], limit_s: float) -> _Process:
    """Run nmap; killed after `limit_s`. Its verbose output is read as it comes (the ports it
    announces are what a killed scan leaves), its stderr kept to the last 4 KiB."""
    outcome = _Process()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    readers = [
        threading.Thread(target=_announced, args=(process.stdout, outcome.discovered), daemon=True),
        threading.Thread(target=_tail, args=(process.stderr, outcome), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        outcome.returncode = process.wait(timeout=limit_s)
    except subprocess.TimeoutExpired:
        outcome.killed = True
        process.kill()
        outcome.returncode = process.wait()
    for reader in readers:
        reader.join(timeout=5)
    return outcome


def _announced(stream: IO[bytes], found: list[dict[str, Any]]) -> None:
    for count, raw in enumerate(iter(lambda: stream.readline(4096), b"")):
        match = DISCOVERED.match(raw.decode("ascii", errors="replace")) if count < MAX_OUTPUT_LINES else None
        if match:
            found.append({"transport": match[3], "port": int(match[2]), "state": match[1]})


def _tail(stream: IO[bytes], outcome: _Process) -> None:
    kept = b""
    for chunk in iter(lambda: stream.read(4096), b""):
        kept = (kept + chunk)[-4096:]
    outcome.stderr = kept.decode("utf-8", errors="replace")


def _kept(port: dict[str, Any], declared: set[tuple[str, int]]) -> bool:
    if not 0 < port["port"] < 65536 or port["transport"] not in ("tcp", "udp"):
        return False
    if port["state"] == "open":
        return True
    return port["state"] in NO_ANSWER and (port["transport"], port["port"]) in declared


def _row(port: dict[str, Any], run: TestRun) -> dict[str, Any]:
    def text(key: str, limit: int = TEXT_CHARS) -> str | None:
        value = port.get(key)
        return printable(value, limit) or None if isinstance(value, str) else None

    return {
        "test": TEST,
        "transport": port["transport"],
        "port": port["port"],
        "state": port["state"],
        "reason": text("reason"),
        "service": text("name"),
        "product": text("product"),
        "version": text("version"),
        "extrainfo": text("extrainfo"),
        "tunnel": text("tunnel"),
        "banner": text("banner", BANNER_CHARS),
        "started": run.started,
        "finished": run.finished,
    }


def _ended(run: TestRun, status: TestStatus, detail: str, notes: list[str] | None = None) -> TestRun:
    run.status = status
    run.detail = "; ".join([detail, *(notes or [])])
    if run.started is None:
        run.started = run.finished = time.time()
    return run
