"""Device cases holding a probe run with the tests through the manufacturer's test access (catalogue 2026.4):
`password_change`, `update`, `device_session` and their tables (session, listeners, file_modes, device_log,
device_clock, updates, password_change), beside the port scan, access and brute-force rows they build on.

As `workbench probe` leaves them: the probe's capture (a pcap written with scapy, so every packet number a row
names exists; every address 127.0.0.1) and its results file, imported with origin probe, and a declaration.
Runs: `clean` (the unit as it should be), `defective` (one defect per check), `no_access` (the tests through
test access skipped), `errored` (they failed), `hostile` (what a hostile unit prints). A test changes a run's
spec before building its case (`unit_case(root, spec)`; `cut_install` makes the update test end as an install
still running at its timeout ends it); `with_image` adds a demo firmware image, analysed once per session and
copied. As the contract has it: the update test runs last (after device_session) and installs both images
under the genuine file's name; file_modes describes a link by its target; log_files says how far back each log
read reaches; device_log keeps untimed lines.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path
from typing import Any

import yaml
from scapy.layers.inet import IP, TCP
from scapy.utils import wrpcap

from workbench.case import Case, CaseInfo
from workbench.checks import CheckResult, get_check
from workbench.checks.context import EvidenceContext
from workbench.probe.results import ProbeResults, TestRun, TestStatus
from workbench.probe.vendor_access import VendorAccess

PACKETS = 120
SHELL_PORT = 2222
SCRIPT = "<script>alert(1)</script>"
LOG = "/var/log/messages"
ACCESS_TESTS = ("password_change", "update", "device_session")
UPDATER = "/sbin/acme-upgrade"  # the demo clean image's updater (demo_defective.img holds another)
UPLOADED = "/tmp/wb-update.k3/acme-c100-2.2.bin"  # both images, one after the other, under this name
TAMPERED_AT, GENUINE_AT = 3100.0, 3200.0  # the update test runs last, after the device session (3000)
Row = dict[str, Any]
Spec = dict[str, Any]

# fmt: off
TOOLS = {"port_scan": "nmap", "access": "http.client", "brute_force": "http.client",
         "password_change": "http.client, rtsp (Digest)", "update": "paramiko (SSH)",
         "device_session": "paramiko (SSH)"}
ACCESS = VendorAccess.model_validate({
    "shell": {"port": SHELL_PORT, "user": "root", "password": "test-shell-secret"},
    "logs": [LOG],
    "version_command": "cat /etc/version",
    "update": {"image": "acme-c100-2.2.bin", "upload_dir": "/tmp", "command": UPDATER + " {image}"},
    "password_change": {"documented_in": "Acme C100 user manual, 4.2 Changing the password",
                        "interface": "web", "port": 443, "tls": True, "path": "/password", "user": "admin",
                        "password": "unit-password-1", "applies_to": ["https", "rtsp"]},
})
DECLARATION: dict[str, Any] = {
    "manufacturer": "Acme", "model": "C100", "firmware_version": "2.1", "default_passwords": "user-set",
    "update": {"mechanism": "local upload of a signed image, and OTA from the vendor cloud", "signed": True},
    "logging": {"enabled": True, "time_source": "ntp"},
}


def run(name: str, status: TestStatus = TestStatus.COMPLETED, detail: str = "") -> TestRun:
    return TestRun(name, TOOLS[name], status, detail, [], 1000.0, 4000.0)


def row(test: str, packets: list[int], started: float = 1000.0, finished: float = 1000.5,
        **cells: Any) -> Row:
    return {"test": test, "started": started, "finished": finished, "packets": packets,
            "packet_count": len(packets), **cells}


def command(purpose: str, line: str, packets: list[int], started: float, *, test: str = "device_session",
            exit_status: int | None = 0, output: str = "", error: str = "") -> Row:
    return row(test, packets, started, started + 0.2, port=SHELL_PORT, purpose=purpose, command=line,
               exit_status=exit_status, output=output, output_bytes=len(output), error=error)


def listener(port: int, uid: int | None, process: str | None, user: str | None, *, pid: int | None = None,
             transport: str = "tcp", address: str = "0.0.0.0", source: str = "process") -> Row:
    seen = source == "process"
    return {"test": "device_session", "transport": transport, "port": port, "address": address, "uid": uid,
            "user": user, "pid": pid if seen else None, "process": process if seen else None,
            "command_line": f"/usr/sbin/{process} -p {port}" if seen and process else None,
            "uids": f"{uid} {uid} {uid} {uid}" if seen else None, "source": source}


def file_mode(path: str, mode: str | None, kind: str = "file", owner: str = "root", *,
              target: str | None = None, error: str | None = None) -> Row:
    """A file_modes row; `target`: a link described by what it points to (mode and owner the target's)."""
    on = mode is not None
    return {"test": "device_session", "path": path, "exists": on, "type": kind if on else None,
            "mode": mode, "uid": 0 if on else None, "gid": 0 if on else None, "owner": owner if on else None,
            "group": owner if on else None, "target": target, "error": error}


def broken_link(path: str, error: str | None) -> Row:
    """A link the session could not resolve: type `link`, its error (None: an older engine's link row)."""
    return {**file_mode(path, None), "exists": True, "type": "link", "error": error}


def log_file(earliest: float | None, *, whole: bool = False, untimed: int = 0, lines: int = 3000,
             latest: float = 3004.0, error: str | None = None, name: str = LOG) -> Row:
    """A log_files row: how far back the session's read of one log reaches (corrected times)."""
    read = error is None
    return {"test": "device_session", "file": name, "exists": read, "bytes": 900000 if read else None,
            "lines_read": lines if read else None, "whole_file": whole if read else None,
            "earliest": earliest, "latest": latest if read else None, "untimed_lines": untimed,
            "error": error}


def log_line(number: int, text: str, event: str, logged_at: float | None, in_window: bool | None) -> Row:
    """A device_log row; an untimed line (logged_at None) has in_window None."""
    return {"test": "device_session", "file": LOG, "line": number, "text": text, "event": event,
            "logged_at": logged_at, "in_window": in_window}


def attempts(port: int, protocol: str, outcomes: list[str], first: int) -> list[Row]:
    return [row("brute_force", [first + n], 2000.0 + n, 2000.05 + n, port=port, protocol=protocol,
                user="admin", attempt=n + 1, outcome=outcome, status="401")
            for n, outcome in enumerate(outcomes)]


def update(image: str, accepted: bool | None, before: str, after: str | None, packets: list[int],
           started: float, output: str = "", exit_status: int | None = None, uploaded: str = UPLOADED) -> Row:
    status = exit_status if exit_status is not None else (None if accepted is None else 0 if accepted else 1)
    return row("update", packets, started, started + 20, port=SHELL_PORT, image=image,
               file="acme-c100-2.2.bin", sha256="ab" * 32, size=4096,
               changed_offset=2048 if image == "tampered" else None,
               command=f"{UPDATER} {uploaded}", exit_status=status, accepted=accepted,
               version_before=before, version_after=after, output=output)


def step(name: str, protocol: str, port: int | None, accepted: bool | None, status: str, packets: list[int],
         detail: str = "") -> Row:
    return row("password_change", packets, 1500.0, 1500.2, step=name, protocol=protocol, port=port,
               user="admin", accepted=accepted, status=status, detail=detail or f"{name}: {status}")


def _update_commands(tampered_ok: bool) -> list[Row]:
    """The update test's commands on the unit, after the session's: the tampered attempt (packets 60-63), the
    genuine one (packets 65-67), the same name uploaded twice."""
    rows = []
    attempts = ((TAMPERED_AT, "tampered", 60, tampered_ok), (GENUINE_AT, "genuine", 65, True))
    for started, name, first, ok in attempts:
        rows += [
            command("version", "cat /etc/version", [first], started + 1, test="update", output="2.1"),
            command("upload", f"cat > {UPLOADED} && wc -c < {UPLOADED}", [first + 1], started + 2,
                    test="update", output="4096"),
            command("install", f"{UPDATER} {UPLOADED}", [first + 2 + (name == "tampered")], started + 5,
                    test="update", exit_status=0 if ok else 1),
        ]
    return rows


def cut_install(spec: Spec) -> Spec:
    """The tampered image's install still running at install_timeout_s: the test ends TIMED_OUT, no genuine
    attempt, nothing removed."""
    spec["tables"]["updates"] = [update("tampered", None, "2.1", None, [60, 61, 62], TAMPERED_AT)]
    spec["tables"]["session"] = [r for r in spec["tables"]["session"] if r["started"] < GENUINE_AT]
    (install,) = [r for r in spec["tables"]["session"] if r["purpose"] == "install"]
    install.update(exit_status=None, error="still running after 600 s (install_timeout_s)")
    detail = ("could not: finish the tampered install (still running after 600 s); no second image, nothing"
              " removed while an installer may use it")
    spec["tests"] = [run("update", TestStatus.TIMED_OUT, detail) if t.name == "update" else t
                     for t in spec["tests"]]
    return spec


def _session(listen_packets: list[int]) -> list[Row]:
    return [
        command("clock", "date +%s", [80], 3000.0, output="3000"),
        command("listeners", "for f in tcp tcp6 udp udp6; do ...; done", listen_packets, 3001.0),
        command("processes", "for p in 1 2 3; do ...; done", [83], 3002.0),
        command("file_modes", "find /etc/shadow -exec stat -c '%f %u %g %n' {} +", [84], 3003.0),
        command("logs", f"tail -c 262144 {LOG}", [85, 86], 3004.0),
    ]


def _failed_login(number: int, port: int, logged_at: float) -> Row:
    text = (f"2026-12-07T00:31:0{number % 10}Z c100 uhttpd[1234]: login failed for admin from 127.0.0.1"
            f" port {port}")
    return log_line(number, text, "failed_login", logged_at, 1000.0 <= logged_at <= 4000.0)


def clean() -> Spec:
    """The unit as it should be: every check's on-unit criterion holds."""
    ports = [row("port_scan", [1, 2], port=p, transport="tcp", state="open", service=s)
             for p, s in ((22, "ssh"), (443, "https"), (554, "rtsp"), (SHELL_PORT, "ssh"))]
    logins = ((3, 22, "ssh", "publickey"), (4, 443, "https", "401"), (5, 554, "rtsp", "401"),
              (6, SHELL_PORT, "ssh", "publickey,password"))
    access = [row("access", [n], transport="tcp", port=p, protocol=proto, request="try",
                  outcome="auth_required", status=status) for n, p, proto, status in logins]
    defaults = [row("default_credentials", [10 + n], 1900.0 + n, 1900.2 + n, port=p, protocol=proto,
                    user=user, password="a(5)", source="catalogue", accepted=False, status=status,
                    detail=status)
                for n, (p, proto, user, status) in enumerate(((443, "http-basic", "admin", "401"),
                                                              (554, "rtsp", "admin", "401")))]
    tables = {
        "ports": ports, "access": access, "logins": defaults,
        "bruteforce": attempts(443, "http-basic", ["rejected"] * 4 + ["locked"], first=20),
        "password_change": [
            step("change", "https", 443, True, "200", [30, 31]),
            step("new_password", "https", 443, True, "200", [32]),
            step("old_password", "https", 443, False, "401", [33]),
            step("new_password", "rtsp", 554, True, "200", [34]),
            step("old_password", "rtsp", 554, False, "401", [35]),
            step("restore", "https", 443, True, "200", [36], "the original set back: POST /password: 200"),
            step("restore", "https", 443, True, "200", [37], "the original password again: 200"),
        ],
        "updates": [
            update("tampered", False, "2.1", "2.1", [60, 61, 62, 63, 64], TAMPERED_AT,
                   f"acme-upgrade: signature check failed: {UPLOADED}"),
            update("genuine", True, "2.1", "2.2", [65, 66, 67], GENUINE_AT, "acme-upgrade: installed 2.2"),
        ],
        "session": [*_update_commands(tampered_ok=False), *_session([81, 82])],
        "listeners": [
            listener(22, 0, "dropbear", "root", pid=101),
            listener(SHELL_PORT, 0, "dropbear", "root", pid=102),
            listener(443, 33, "uhttpd", "www-data", pid=201),
            listener(443, 33, "uhttpd", "www-data", pid=201, address="::"),
            listener(554, 1001, "rtspd", "cam", pid=202),
            listener(123, 123, "ntpd", "ntp", pid=203, transport="udp"),
            listener(5000, 0, "camd", "root", pid=204, address="127.0.0.1"),  # loopback only: not a network
            listener(5000, 0, "camd", "root", pid=204, address="::1"),  # service
        ],
        "file_modes": [
            file_mode("/etc/shadow", "0600"), file_mode("/etc/gshadow", None),
            file_mode("/etc/ssl/private", "0700", "dir"), file_mode("/etc/ssl/private/device.key", "0600"),
            file_mode("/etc/dropbear", "0755", "dir"),
            file_mode("/etc/dropbear/dropbear_ed25519_host_key", "0600",
                      target="/var/lib/dropbear/dropbear_ed25519_host_key"),
            file_mode("/etc/ssh", "0755", "dir"), file_mode("/etc/ssh/ssh_host_ed25519_key.pub", "0644"),
            file_mode("/etc/ssh/sshd_config", "0644"),
        ],
        "device_clock": [{"test": "device_session", "device_time": 3000.4, "probe_time": 3000.0,
                          "offset_s": 0.4}],
        "device_log": [
            _failed_login(12, 40000, 500.0),  # before the run
            _failed_login(41, 51234, 2000.5), _failed_login(42, 51236, 2001.5),
            log_line(43, "2026-12-07T00:33:50Z c100 dropbear[90]: Child connection from 127.0.0.1:40000",
                     "login", 2950.0, True),
        ],
        "log_files": [log_file(500.0)],  # the tail read reaches back before the first wrong password
    }
    return {"tests": [run(n) for n in TOOLS], "tables": tables}


def defective() -> Spec:
    """One defect per check, each with the rows that show it."""
    spec = clean()
    tables = spec["tables"]
    tables["bruteforce"] = attempts(80, "http-basic", ["rejected"] * 20, first=20)
    tables["logins"] = [  # no password refused: the unit locked the probe out, or offered no password login
        row("default_credentials", [10], 1900.0, 1900.2, port=443, protocol="http-basic", user="admin",
            password="a(5)", source="catalogue", accepted=False, status="429",
            detail="locked out after 1 attempts; no more tried: 429 Too Many Requests"),
        row("default_credentials", [11], 1901.0, 1901.2, port=22, protocol="ssh", user="root",
            password="r(4)", source="catalogue", accepted=False, status="publickey",
            detail="password not offered"),
    ]
    tables["password_change"][2] = step("old_password", "https", 443, True, "200", [33])
    tables["updates"][0] = update("tampered", True, "2.1", "2.1", [60, 61, 62, 63, 64], TAMPERED_AT,
                                  "acme-upgrade: installed", exit_status=0)
    tables["session"] = [*_update_commands(tampered_ok=True), *_session([81, 82])]
    tables["listeners"] = [
        listener(22, 0, "dropbear", "root", pid=101), listener(23, 0, "telnetd", "root", pid=150),
        listener(80, 0, "lighttpd", "root", pid=160),
        listener(80, 0, "lighttpd", "root", pid=160, address="::"),
        listener(554, 0, None, "root", source="socket"), listener(1883, 0, "mosquitto", "root", pid=170),
        listener(8080, 1000, "httpd", "admin", pid=180),
    ]
    tables["file_modes"] = [
        file_mode("/etc/shadow", "0644", target="/var/shadow.rw"),  # a link to a file every user reads
        file_mode("/etc/ssl/private", "0755", "dir"),
        file_mode("/etc/ssl/private/device.key", "0644"), file_mode("/etc/ssh", "0755", "dir"),
        file_mode("/etc/ssh/sshd_config", "0644"), file_mode("/etc/ssh/ssh_host_rsa_key.pub", "0644"),
        file_mode("/etc/dropbear/dropbear_rsa_host_key", "0600"),
    ]
    tables["device_clock"] = [{"test": "device_session", "device_time": 6600.0, "probe_time": 3000.0,
                               "offset_s": 3600.0}]
    tables["device_log"] = [log_line(7, "c100 syslogd started", "other", 2.0, False)]
    tables["log_files"] = [log_file(2.0, whole=True, lines=7)]  # all of it read: no failed login in it
    return spec


def no_access() -> Spec:
    """No test access: the three tests skipped, as the runner skips them; the other tests' rows stay."""
    spec = clean()
    part = {"device_session": "shell", "update": "update", "password_change": "password_change"}
    spec["tests"] = [run(t.name, TestStatus.SKIPPED, f"no test access for it: test-access.yaml grants no"
                         f" `{part[t.name]}`") if t.name in ACCESS_TESTS else t for t in spec["tests"]]
    for table in ("password_change", "updates", "session", "listeners", "file_modes", "device_clock",
                  "device_log", "log_files"):
        spec["tables"].pop(table)
    spec["access"] = None
    return spec


def errored() -> Spec:
    """The tests through test access could not run: the shell refused, the update stopped at its budget."""
    spec = no_access()
    problems = {"password_change": (TestStatus.ERROR, "the change could not be made: connection refused"),
                "update": (TestStatus.TIMED_OUT, "stopped at its budget of 240 s"),
                "device_session": (TestStatus.ERROR, "ssh: authentication failed")}
    spec["tests"] = [run(t.name, *problems[t.name]) if t.name in problems else t for t in spec["tests"]]
    spec["access"] = ACCESS
    return spec


def hostile() -> Spec:
    """What a hostile unit prints: markup, control characters, absurd numbers, wrong types."""
    spec = defective()
    tables = spec["tables"]
    tables["listeners"] = [
        {**listener(23, 0, SCRIPT + "\x1b[2J" + "A" * 500, SCRIPT, pid=2**40), "command_line": SCRIPT * 50,
         "address": SCRIPT + "127.0.0.1"},
        {**listener(99999, 2**62, "x", "y", pid=-5), "uids": "\x00" * 9},
        listener(81, None, "nouid", None, pid=7),
        {"test": "device_session", "port": "eighty", "uid": "root", "source": 5},
    ]
    tables["file_modes"] = [
        file_mode("/etc/shadow", "99999"), file_mode("/etc/ssh/" + SCRIPT + "\n" + "k" * 2000, "7777"),
        {"path": None, "exists": "yes", "type": 3, "mode": 644},
        {**broken_link("/etc/ssl/private/" + SCRIPT, SCRIPT * 30 + "\x00"), "target": SCRIPT * 40},
    ]
    tables["device_clock"] = [{"test": "device_session", "device_time": 1e300, "probe_time": -1e300,
                               "offset_s": 1e300}]
    tables["device_log"] = [log_line(-5, SCRIPT * 40 + "\x07", "failed_login", 1e300, True),
                            {"file": SCRIPT, "line": "many", "event": 42, "in_window": "maybe"}]
    tables["log_files"] = [{**log_file(-1e300, name=LOG), "bytes": -5, "untimed_lines": "lots"},
                           log_file(None, name=SCRIPT * 20, error=SCRIPT + "\x1b[2J")]
    tables["updates"] = [
        update("tampered", True, SCRIPT + "\r\n" * 30, "9" * 5000, [-1, 0, 10**9], TAMPERED_AT, SCRIPT * 100),
        {"image": "genuine", "accepted": "yes", "version_before": 2.1, "exit_status": -3, "output": None},
    ]
    tables["password_change"] = [
        step("change", "https", 443, True, SCRIPT, [30]),
        step("new_password", SCRIPT, 443, True, "200", [32]),
        step("old_password", SCRIPT, 443, True, "200\r\nX-Injected: 1", [33], SCRIPT * 20),
        {"step": None, "accepted": "no", "port": -1},
    ]
    tables["session"] = [command("listeners", SCRIPT * 30, [10**12, -3], 3001.0, output="\x00" * 100)]
    return spec
# fmt: on


RUNS = {
    "clean": clean,
    "defective": defective,
    "no_access": no_access,
    "errored": errored,
    "hostile": hostile,
}


def capture(path: Path) -> Path:
    """PACKETS TCP packets between the probe and the device, both on 127.0.0.1."""
    wrpcap(
        str(path),
        [
            IP(src="127.0.0.1", dst="127.0.0.1") / TCP(sport=40000, dport=SHELL_PORT, seq=n) / f"p{n}"
            for n in range(1, PACKETS + 1)
        ],
    )
    return path


def unit_case(root: Path, spec: Spec, *, declaration: dict[str, Any] | None = DECLARATION) -> Case:
    """A case holding one probe run of `spec` (its capture and results, origin probe) and the declaration."""
    info = CaseInfo(
        device="IP camera",
        vendor="Acme",
        model="C100",
        firmware_version="2.1",
        level=3,
        inspectors=["test"],
        device_ips=["127.0.0.1"],
    )
    case = Case.create(root, info)
    pcap = capture(root.parent / f"{root.name}-probe.pcap")
    access = spec.get("access", ACCESS)
    results = ProbeResults(
        target="127.0.0.1",
        profile="quick",
        started="2026-12-07T00:30:00Z",
        finished="2026-12-07T00:40:00Z",
        interface="lo",
        capture_file=pcap.name,
        capture_sha256=hashlib.sha256(pcap.read_bytes()).hexdigest(),
        capture_packets=PACKETS,
        tools={"nmap": "7.93"},
        tests=spec["tests"],
        tables=spec["tables"],
        plan={"target": "127.0.0.1", "access": access.public() if access else None},
    )
    path = root.parent / f"{root.name}-results.json"
    results.write(path)
    case.import_artefact(pcap, "capture", origin="probe")
    case.import_artefact(path, "probe", origin="probe")
    if declaration is not None:
        source = root.parent / f"{root.name}-declaration.yaml"
        source.write_text(yaml.safe_dump(declaration, sort_keys=False))
        case.declare(source)
    return case


def spec_of(name: str) -> Spec:
    return copy.deepcopy(RUNS[name]())


_ANALYSED: dict[str, Path] = {}  # demo image -> a case that analysed it (its cache is copied)


def with_image(case: Case, image: str) -> Case:
    """Add sample_captures/demo_<image>.img; its analysis is made once per session, then copied."""
    from workbench.analysis import prepare
    from workbench.demo import SAMPLES

    case.add_artefact(SAMPLES / f"demo_{image}.img", "firmware")
    if image in _ANALYSED:
        shutil.copytree(_ANALYSED[image] / "cache", case.path / "cache", symlinks=True, dirs_exist_ok=True)
    else:
        prepare(case)
        _ANALYSED[image] = case.path
    return case


def run_check(case: Case, requirement_id: str, catalog: str | None = None) -> CheckResult:
    ctx = EvidenceContext.for_case(case.path, requirement_id, catalog)
    return get_check(requirement_id).run(ctx)


def text_of(result: CheckResult) -> str:
    return " ".join(result.reasons)


def packets_of(result: CheckResult) -> set[int]:
    return {e.packet for f in result.findings for e in f.evidence if e.packet is not None}


def notes_of(result: CheckResult) -> str:
    return " ".join(e.note for f in result.findings for e in f.evidence)


def assert_tame(result: CheckResult) -> None:
    """A result from hostile rows: one printable line per text, clipped, packets within the capture, and
    JSON that round-trips."""
    import json

    texts = [*result.reasons, *(f.summary for f in result.findings)]
    texts += [e.note for f in result.findings for e in f.evidence] + [
        e.path or "" for f in result.findings for e in f.evidence
    ]
    assert all(t.isprintable() and len(t) <= 2000 for t in texts), [t[:80] for t in texts if len(t) > 2000]
    assert all(0 < p <= PACKETS for p in packets_of(result))
    assert CheckResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def shows_probe_table(module: str, table: str) -> bool:
    from workbench.checks.page import load_page

    code = "\n".join(c for _text, c in load_page(module).steps)
    return f'ui.evidence_table(\n    session, "probe", "{table}",' in code


def final(case: Case, result: CheckResult, catalog: str | None = None) -> str:
    """The judgement's final verdict for `result` under the case's catalogue (or `catalog`)."""
    from workbench.judgement import final_verdict

    requirement = EvidenceContext.for_case(case.path, result.requirement_id, catalog).requirement
    return final_verdict(requirement, result, None, case.current_hashes()).verdict


def all_cases(root: Path) -> dict[str, Case]:
    """A case for each run, under `root`."""
    return {name: unit_case(root / name, spec_of(name)) for name in RUNS}


def with_update_command(spec: Spec, command: str) -> Spec:
    """The spec with the test access's update command (and its install rows) replaced."""
    assert ACCESS.update is not None
    changed = ACCESS.update.model_copy(update={"command": command})
    spec["access"] = ACCESS.model_copy(update={"update": changed})
    for row in spec["tables"].get("updates", []):
        if isinstance(row.get("command"), str):
            row["command"] = command.replace("{image}", UPLOADED)
    return spec
