"""The password-change test (AUTH-04) against real servers on this machine's 127.0.0.1: the simulated clean
camera's own HTTPS (POST /password, Basic) and RTSP (Digest) servers sharing its password, with the probe run
to its end, interrupted (SIGINT) or killed right after the unit logged the change; small devices of this
file's that ignore the change, pretend to make it, refuse it (any 4xx), answer it unclearly, refuse the
restore, answer garbage or reset, echo the new password, serve `/` to anyone, or bury the answer in 10 MB;
nothing listening. The recovery file
(test-access.recovery) is read here independently of the probe's code."""

from __future__ import annotations

import base64
import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from workbench.probe.password_change import fresh_password, password_change_test
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import ProbeResults, TestStatus
from workbench.probe.services import Service
from workbench.probe.vendor_access import PasswordChange, VendorAccess
from workbench.simdevice.files import strong_certificate
from workbench.simdevice.netns import in_netns, netns_problem

HOST = "127.0.0.1"
USER = "admin"
ORIGINAL = "label-Pw-7731"
EARLIER = "earlier-Run_4Xq9"  # what an earlier, killed run left on the unit and in its recovery file
RECOVERY = "test-access.recovery"


# --- the devices ----------------------------------------------------------------------------------
class Rtsp(socketserver.ThreadingTCPServer):
    """DESCRIBE behind RTSP Digest (MD5, qop=auth) with `password`, which the web form may change."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__((HOST, 0), RtspHandler)
        self.password = ORIGINAL


class RtspHandler(socketserver.StreamRequestHandler):
    server: Rtsp
    timeout = 5

    def handle(self) -> None:
        nonce = base64.b16encode(bytes(8)).decode()
        while head := self.read_head():
            cseq = re.search(r"^CSeq: *(\d+)", head, re.M | re.I)
            auth = dict(
                re.findall(r'(\w+)="?([^",]*)"?', head.partition("Authorization:")[2].split("\r\n")[0])
            )
            status = "401 Unauthorized"
            if auth:
                md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
                ha1, ha2 = md5(f"{USER}:cam:{self.server.password}"), md5(f"DESCRIBE:{auth.get('uri')}")
                expected = md5(f"{ha1}:{nonce}:{auth.get('nc')}:{auth.get('cnonce')}:auth:{ha2}")
                status = "200 OK" if auth.get("response") == expected else status
            challenge = f'WWW-Authenticate: Digest realm="cam", nonce="{nonce}", qop="auth"\r\n'
            self.wfile.write(
                f"RTSP/1.0 {status}\r\nCSeq: {cseq[1] if cseq else 0}\r\n"
                f"{challenge if status[0] == '4' else ''}Content-Length: 0\r\n\r\n".encode()
            )

    def read_head(self) -> str:
        lines = []
        while (line := self.rfile.readline(4096)) not in (b"", b"\r\n", b"\n"):
            lines.append(line.decode("latin-1"))
        return "".join(lines)


class FormDevice(http.server.ThreadingHTTPServer):
    """A web interface behind HTTP Basic with a `POST /password` form (fields current, new) answering as
    `mode` says; the RTSP server given follows every change."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self, mode: str, recovery: Path, rtsp: Any = None, tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__((HOST, 0), FormHandler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.mode, self.rtsp, self.recovery = mode, rtsp, recovery
        self.password = ORIGINAL
        self.public = False  # GET / answered 200 to anyone, as many cameras do
        self.posts: list[dict[str, str]] = []  # every form received, as sent
        self.recovery_seen: list[str | None] = []  # the recovery file's password when each form came in
        self.auths: list[str] = []  # the passwords of every GET's Basic Authorization
        self.gets = 0
        self.changes = 0

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def set_password(self, password: str) -> None:
        self.password = password
        self.changes += 1
        if self.rtsp is not None:
            self.rtsp.password = password

    def handle_error(self, request: object, client_address: object) -> None:
        """A client hanging up: no traceback."""


class FormHandler(http.server.BaseHTTPRequestHandler):
    server: FormDevice

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Quiet."""

    def hostile(self) -> bool:
        if self.server.mode == "garbage":
            self.wfile.write(b"\x00\xff\xfe<script>garbage\r\n\r\n" * 50)
            self.close_connection = True
            return True
        if self.server.mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            self.close_connection = True
            return True
        return False

    def authorised(self) -> bool:
        header = self.headers.get("Authorization") or ""
        expected = "Basic " + base64.b64encode(f"{USER}:{self.server.password}".encode()).decode()
        return header == expected

    def do_GET(self) -> None:
        self.server.gets += 1
        given = (self.headers.get("Authorization") or "").removeprefix("Basic ")
        self.server.auths.append(base64.b64decode(given).decode().partition(":")[2] if given else "")
        if self.hostile():
            return
        if self.server.mode == "error":
            return self.answer(500, b"internal error")
        if self.authorised() or self.server.public:
            return self.answer(200, b"<html><title>cam</title>signed in</html>")
        return self.answer(401, b"sign in", {"WWW-Authenticate": 'Basic realm="cam"'})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(min(length, 4096)).decode()))
        self.server.posts.append(form)
        self.server.recovery_seen.append(recovery_password(self.server.recovery))
        mode = self.server.mode
        if self.hostile():
            return
        if mode == "ignores":
            return self.answer(200, b"saved")
        if mode == "echoes":  # turns the new password down, naming it
            return self.answer(400, b"", reason=f"new password {form.get('new', '')} too weak")
        if mode.startswith("status-"):  # a refusal that is not about the current password
            return self.answer(
                int(mode[7:]), b"refused", {"Retry-After": "300"} if mode == "status-429" else {}
            )
        if mode == "forbids" or (mode == "once" and self.server.changes):
            return self.answer(403, b"forbidden")
        if not self.authorised():
            return self.answer(401, b"sign in", {"WWW-Authenticate": 'Basic realm="cam"'})
        if form.get("current") != self.server.password:
            return self.answer(403, b"wrong current password")
        if mode == "pretends":  # says saved, changes nothing
            return self.answer(200, b"password changed")
        if len(form.get("new", "")) < 8 or form["new"] == self.server.password:
            return self.answer(400, b"bad new password")
        self.server.set_password(form["new"])
        if mode == "fails-after-restoring" and self.server.changes > 1:
            return self.answer(500, b"internal error")
        if mode == "redirects":
            return self.answer(303, b"", {"Location": "/saved"})
        return self.answer(200, b"x" * (10 << 20) if mode == "huge" else b"password changed")

    def answer(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, reason: str | None = None
    ) -> None:
        self.send_response(status, reason)
        for name, value in {**(headers or {}), "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the probe reads 64 KiB of a huge body and hangs up
            self.close_connection = True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def servers() -> Iterator[list[Any]]:
    """Servers started by a test, stopped after it."""
    started: list[Any] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def recovery_password(path: Path) -> str | None:
    """The password line of a recovery file (None when there is none), read as the lab would."""
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    return next((line.removeprefix("password: ") for line in lines if line.startswith("password: ")), "")


def start_device(
    servers: list[Any], mode: str, tmp_path: Path, rtsp: bool = True, tls: bool = False
) -> FormDevice:
    """A FormDevice watching the recovery file the probe writes beside `tmp_path`'s test access."""
    camera_rtsp = Rtsp() if rtsp else None
    if camera_rtsp is not None:
        threading.Thread(target=camera_rtsp.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    context = None
    if tls:
        cert, key = strong_certificate(tmp_path)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    device = FormDevice(mode, tmp_path / RECOVERY, camera_rtsp, context)
    threading.Thread(target=device.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    servers += [s for s in (camera_rtsp, device) if s is not None]
    return device


def run_test(*args: Any, **kwargs: Any) -> tuple[Any, list[dict[str, Any]]]:
    """run_plan's run and rows."""
    run, rows, _ = run_plan(*args, **kwargs)
    return run, rows


def run_plan(
    base: Path,
    port: int,
    tls: bool,
    services: list[Service],
    applies_to: list[str],
    budget: float = 60,
    rate: float = 20,
    password: str = ORIGINAL,
) -> tuple[Any, list[dict[str, Any]], ProbePlan]:
    """run_test, with the plan after the run (its `scrub`)."""
    change = PasswordChange(
        documented_in="user manual 4.2",
        port=port,
        tls=tls,
        user=USER,
        password=password,
        applies_to=applies_to,
    )
    test = TestPlan("password_change", rate, budget, {"exchange_timeout_s": 3})
    access = VendorAccess(password_change=change, base=base)  # base: the folder of test-access.yaml
    plan = ProbePlan(HOST, "quick", "lo", [test], access=access)
    run, tables = password_change_test(HOST, services, plan, test)
    assert set(tables) == {"password_change"}
    return run, tables["password_change"], plan


def steps(rows: list[dict[str, Any]]) -> list[tuple[str, str, bool | None]]:
    return [(r["step"], r["protocol"], r["accepted"]) for r in rows]


# --- independent checks (not the probe's code) ----------------------------------------------------
def web_status(port: int, tls: bool, password: str) -> int:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    conn = (
        http.client.HTTPSConnection(HOST, port, timeout=5, context=context)
        if tls
        else http.client.HTTPConnection(HOST, port, timeout=5)
    )
    token = base64.b64encode(f"{USER}:{password}".encode()).decode()
    try:
        conn.request("GET", "/", headers={"Authorization": f"Basic {token}"})
        return conn.getresponse().status
    finally:
        conn.close()


def no_password_in(rows: list[dict[str, Any]], detail: str, *passwords: str) -> None:
    """No password in the rows or `detail`; the rows fit the table's schema."""
    results = ProbeResults(HOST, "quick", "2026-12-07T00:00:00+00:00")
    results.add_rows("password_change", rows)
    assert len(results.frame("password_change")) == len(rows) and results.warnings == []
    stored = json.dumps(rows) + detail
    for password in passwords:
        assert password not in stored
    for row in rows:
        assert "password" not in row
        assert len(row["detail"]) <= 200 and row["detail"].isprintable()


def left_as_found(base: Path) -> None:
    """No recovery file left: the probe knew the unit had its original password again."""
    assert not (base / RECOVERY).exists()


# --- the simulated clean camera -------------------------------------------------------------------
CAMERA_RUN = """
import dataclasses, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_password_change import ORIGINAL, RECOVERY, web_status
from workbench.probe import clients_rtsp
from workbench.probe.password_change import password_change_test
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.services import Service
from workbench.probe.vendor_access import load_access
state = json.loads(Path(sys.argv[1]).read_text())
unit, log = Path(state["workdir"]), Path(state["workdir"]) / "rootfs/var/log/messages"
access = load_access(Path(state["access"]))  # what the camera grants the lab, used as the probe uses it
services = [Service("tcp", 443, "https"), Service("tcp", 554, "rtsp")]
test = TestPlan("password_change", 2, 60, {"exchange_timeout_s": 5})  # the catalogue's settings
def run(access):
    plan = ProbePlan("127.0.0.1", "quick", "lo", [test], access=access)
    done, tables = password_change_test("127.0.0.1", services, plan, test)
    return dataclasses.asdict(done), tables["password_change"]
out = {"original": state["password"], "granted": access.password_change.model_dump(mode="json")}
out["run"], out["rows"] = run(access)
out["recovery_left"] = (Path(state["access"]).parent / RECOVERY).exists()
out["file"] = (unit / "admin-password.txt").read_text()
out["https"] = web_status(443, True, state["password"])
out["rtsp"] = clients_rtsp.login("127.0.0.1", 554, "admin", state["password"], 5).accepted
out["log"] = log.read_text().splitlines()
wrong = access.password_change.model_copy(update={"password": ORIGINAL})
out["wrong_run"], out["wrong_rows"] = run(access.model_copy(update={"password_change": wrong}))
out["wrong_log"] = log.read_text().splitlines()[len(out["log"]):]
out["wrong_file"] = (unit / "admin-password.txt").read_text()
out["wrong_recovery_left"] = (Path(state["access"]).parent / RECOVERY).exists()
Path(sys.argv[2]).write_text(json.dumps(out))
"""


def run_camera(tmp_path: Path, driver_text: str, *extra: str) -> dict[str, Any]:
    """The simulated clean camera started as the product starts it (`python -m workbench.simdevice`, in a
    private namespace of its own, its HTTPS on 443 and RTSP on 554), with `driver_text` as its command
    (argv: the ready file, the output file, this folder, `extra`); the driver's JSON output."""
    problem = netns_problem()
    if problem:
        pytest.skip(f"the simulated camera runs in a private network namespace: {problem}")
    driver, ready, out = tmp_path / "driver.py", tmp_path / "ready.json", tmp_path / "out.json"
    driver.write_text(driver_text)
    command = [sys.executable, "-m", "workbench.simdevice", "--variant", "clean", "--workdir",
               str(tmp_path / "camera"), "--ready-file", str(ready), "--",
               sys.executable, str(driver), str(ready), str(out), str(Path(__file__).parent),
               *extra]  # fmt: skip
    done = subprocess.run(in_netns(command), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return dict(json.loads(out.read_text()))


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The test run on the clean camera with the test access it grants (its test-access.yaml), then with a
    wrong current password."""
    return run_camera(tmp_path_factory.mktemp("camera"), CAMERA_RUN)


PROBE = """
import dataclasses, json, sys, time
from pathlib import Path
from workbench.probe import runner
from workbench.probe.password_change import password_change_test
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.services import Service
from workbench.probe.vendor_access import load_access
ready, how, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
if sys.argv[4:] == ["hold"]:  # after the change, wait for the driver's signal, however busy the machine is
    import signal, threading
    from workbench.probe import password_change as module
    tried, interrupted = module.try_services, threading.Event()
    def on_ctrl_c(signum, frame):  # Python's own (KeyboardInterrupt), and the held test goes on
        interrupted.set()
        signal.default_int_handler(signum, frame)
    signal.signal(signal.SIGINT, on_ctrl_c)
    def held(change, services):
        out.with_suffix(".held").touch()  # the signal comes now, not while a finalizer runs (that loses it)
        interrupted.wait(120)
        tried(change, services)
    module.try_services = held
access = load_access(Path(json.loads(ready.read_text())["access"]))
services = [Service("tcp", 443, "https"), Service("tcp", 554, "rtsp")]
test = TestPlan("password_change", 2, 60, {"exchange_timeout_s": 5})
plan = ProbePlan("127.0.0.1", "quick", "lo", [test], access=access)
body = lambda: password_change_test("127.0.0.1", services, plan, test)
try:  # "runner": in a daemon thread of its own, as the probe's runner runs every test
    done, tables = runner._guarded(test, body) if how == "runner" else body()
except KeyboardInterrupt:
    out.write_text(json.dumps({"ended": "interrupted"}))
    raise SystemExit(130)
got = {"ended": "finished", "run": dataclasses.asdict(done), "rows": tables["password_change"]}
out.write_text(json.dumps(got))
"""

STOPPED_RUNS = """
import json, signal, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_password_change import PROBE, RECOVERY, recovery_password, web_status
ready, here = Path(sys.argv[1]), Path(sys.argv[2]).parent
state = json.loads(ready.read_text())
unit, original = Path(state["workdir"]), state["password"]
log, recovery = unit / "rootfs/var/log/messages", Path(state["access"]).parent / RECOVERY
(here / "probe.py").write_text(PROBE)

def run(name, how, stop):
    # the probe in a process of its own; `stop` sent to it once it waits right after the change took
    out, before = here / f"{name}.json", log.stat().st_size
    with open(here / f"{name}.stderr", "w") as err:
        hold = ["hold"] if stop else []
        argv = [sys.executable, str(here / "probe.py"), str(ready), how, str(out), *hold]
        probe = subprocess.Popen(argv, stderr=err)
        while stop and probe.poll() is None and not out.with_suffix(".held").exists():
            time.sleep(0.01)
        if stop and probe.poll() is None:
            probe.send_signal(stop)
        code = probe.wait(timeout=120)
    got = json.loads(out.read_text()) if out.exists() else {"ended": "killed"}
    left = recovery_password(recovery)
    got.update(code=code, stderr=(here / f"{name}.stderr").read_text(), recovery_left=left,
               log=log.read_bytes()[before:].decode(errors="replace").splitlines(),
               unit_password=(unit / "admin-password.txt").read_text().rstrip("\\n"))
    if left is not None:  # what the lab would do: log in with the file's password
        got["recovery_mode"] = oct(recovery.stat().st_mode & 0o777)
        got["recovery_text"] = recovery.read_text()
        got["recovery_works"] = web_status(443, True, left)
    got["original_works"] = web_status(443, True, original)
    return got

runs = {"original": original}
runs["interrupted"] = run("interrupted", "direct", signal.SIGINT)
runs["killed"] = run("killed", "direct", signal.SIGKILL)
runs["after_killed"] = run("after_killed", "direct", None)
runs["runner_interrupted"] = run("runner_interrupted", "runner", signal.SIGINT)
runs["after_runner"] = run("after_runner", "direct", None)
Path(sys.argv[2]).write_text(json.dumps(runs))
"""


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Probe runs stopped on the clean camera right after it logged "password changed": SIGINT to a probe
    running the test itself (its restore runs), SIGKILL (nothing runs: the recovery file is all there is), a
    run after it, SIGINT to a probe running it in the runner's daemon thread (killed at exit with the
    process, like a test the runner abandoned), a run after that."""
    return run_camera(tmp_path_factory.mktemp("stopped"), STOPPED_RUNS)


def test_the_clean_camera_changed_tried_and_restored(camera: dict[str, Any]) -> None:
    got = camera
    original, rows = got["original"], got["rows"]
    granted = got["granted"]
    assert (granted["port"], granted["tls"], granted["path"], granted["applies_to"]) == (
        443, True, "/password", ["https", "rtsp"]
    )  # fmt: skip
    assert steps(rows) == [
        ("change", "https", True),
        ("new_password", "https", True),
        ("old_password", "https", False),
        ("new_password", "rtsp", True),
        ("old_password", "rtsp", False),
        ("restore", "https", True),
        ("restore", "https", True),
    ]
    assert [r["status"] for r in rows] == ["200", "200", "401", "200", "401", "200", "200"]
    assert [r["port"] for r in rows] == [443] * 3 + [554] * 2 + [443] * 2
    assert all(r["user"] == USER and r["test"] == "password_change" for r in rows)
    assert all(r["started"] <= r["finished"] for r in rows)
    assert got["run"]["status"] == "completed", got["run"]["detail"]
    assert "https/443: new accepted, old refused" in got["run"]["detail"]
    assert "rtsp/554: new accepted, old refused" in got["run"]["detail"]
    # the unit has its original password again, on both interfaces (its own file, logins made here)
    assert got["file"] == original + "\n" and got["https"] == 200 and got["rtsp"] is True
    assert got["recovery_left"] is False
    changed = [line for line in got["log"] if "password changed for admin" in line]
    assert len(changed) == 2  # the change and the restore
    failed = [line for line in got["log"] if "login failed" in line]
    assert (
        len(failed) == 2 and failed[0].endswith("(https)") and failed[1].endswith("(rtsp)")
    )  # one a service
    no_password_in(rows, got["run"]["detail"], original)


def test_the_clean_camera_with_a_wrong_current_password(camera: dict[str, Any]) -> None:
    got = camera
    rows, run = got["wrong_rows"], got["wrong_run"]
    assert steps(rows) == [("change", "https", False)] and rows[0]["status"] == "401"
    assert (
        run["status"] == "partial" and "refused the current password test-access.yaml gives" in run["detail"]
    )
    assert len(got["wrong_log"]) == 1 and "login failed" in got["wrong_log"][0]  # nothing else was tried
    assert got["wrong_file"] == got["original"] + "\n" and got["wrong_recovery_left"] is False


def test_the_clean_camera_interrupted_sets_the_original_back(stopped: dict[str, Any]) -> None:
    """Ctrl-C right after the change: the restore still runs (then the interrupt goes on)."""
    got, original = stopped["interrupted"], stopped["original"]
    assert got["ended"] == "interrupted" and got["code"] == 130, got["stderr"][-2000:]
    assert [line for line in got["log"] if "password changed" in line][1:]  # the restore's change
    assert got["unit_password"] == original and got["original_works"] == 200
    assert got["recovery_left"] is None
    assert original not in got["stderr"]


def test_the_clean_camera_killed_leaves_a_recovery_file_that_works(stopped: dict[str, Any]) -> None:
    """Killed outright right after the change (no restore can run): the file holds the unit's password."""
    got, original = stopped["killed"], stopped["original"]
    assert got["ended"] == "killed" and got["code"] == -signal.SIGKILL
    left = got["recovery_left"]
    assert left and left == got["unit_password"] != original and len(left) == 16
    assert got["recovery_works"] == 200 and got["original_works"] == 401
    assert got["recovery_mode"] == "0o600"
    header = got["recovery_text"].splitlines()[0]
    assert "password_change" in header and "127.0.0.1" in header and "recovery" in header


def test_the_clean_camera_next_run_recovers_first(stopped: dict[str, Any]) -> None:
    """The run after the killed one sets the original back with the file's password, then does the test."""
    got, original, earlier = stopped["after_killed"], stopped["original"], stopped["killed"]["recovery_left"]
    assert got["ended"] == "finished" and got["run"]["status"] == "completed", got["run"]["detail"]
    assert steps(got["rows"])[:3] == [
        ("restore", "https", True),  # current: the file's password, new: the original
        ("restore", "https", True),  # the original works
        ("change", "https", True),
    ]
    assert "an earlier run's recovery file" in got["run"]["detail"]
    assert "its password set the original back" in got["run"]["detail"]
    assert got["unit_password"] == original and got["original_works"] == 200 and got["recovery_left"] is None
    no_password_in(got["rows"], got["run"]["detail"] + got["stderr"], original, earlier)


def test_the_clean_camera_ctrl_c_under_the_runner(stopped: dict[str, Any]) -> None:
    """Ctrl-C while the runner's daemon thread runs the test: the runner waits for the test to set the
    original back, then the interrupt goes on; the next run finds the original and no file."""
    got, original = stopped["runner_interrupted"], stopped["original"]
    assert got["ended"] == "interrupted", got["stderr"][-2000:]
    assert "letting password_change leave the unit as it found it" in got["stderr"]
    assert "did not finish" not in got["stderr"]
    assert [line for line in got["log"] if "password changed" in line][1:]  # the restore's change
    assert got["unit_password"] == original and got["original_works"] == 200 and got["recovery_left"] is None
    after = stopped["after_runner"]
    assert after["ended"] == "finished" and after["run"]["status"] == "completed", after["run"]["detail"]
    assert after["unit_password"] == original and after["original_works"] == 200
    assert after["recovery_left"] is None
    no_password_in(after["rows"], after["run"]["detail"] + got["stderr"], original)


# --- small devices of this file's -----------------------------------------------------------------
def test_fresh_password_fits_common_rules() -> None:
    made = {fresh_password(ORIGINAL) for _ in range(500)}
    assert len(made) == 500
    for new in made:
        assert len(new) == 16 and new.count("_") == 1 and new[0] != "_" != new[-1]
        assert re.fullmatch(r"[A-Za-z0-9_]+", new)
        assert re.search("[a-z]", new) and re.search("[A-Z]", new) and re.search("[0-9]", new)


def test_a_form_that_changes_https_and_rtsp(servers: list[Any], tmp_path: Path) -> None:
    """This file's honest device: the same run, and the form's two posts as sent; the recovery file held the
    new password before the change reached the device, and is gone once the original works again."""
    device = start_device(servers, "honest", tmp_path, tls=True)
    rtsp_port = device.rtsp.server_address[1]
    services = [Service("tcp", device.port, "https"), Service("tcp", rtsp_port, "rtsp")]
    run, rows, plan = run_plan(tmp_path, device.port, True, services, ["https", "rtsp"])
    assert [r["accepted"] for r in rows] == [True, True, False, True, False, True, True]
    new = device.posts[0]["new"]
    assert new in plan.scrub and ORIGINAL not in plan.scrub  # the runner writes "(set)" for it
    assert device.posts == [{"current": ORIGINAL, "new": new}, {"current": new, "new": ORIGINAL}]
    assert device.recovery_seen == [new, new]
    assert len(new) == 16 and new != ORIGINAL
    assert run.status is TestStatus.COMPLETED, run.detail
    assert device.password == ORIGINAL and device.rtsp.password == ORIGINAL
    assert web_status(device.port, True, new) == 401
    left_as_found(tmp_path)
    no_password_in(rows, run.detail, ORIGINAL, new)


def test_old_password_still_works_on_rtsp(servers: list[Any], tmp_path: Path) -> None:
    """The change "succeeds" (200) but nothing changes: new refused, old accepted: the change did not take."""
    device = start_device(servers, "ignores", tmp_path)
    rtsp_port = device.rtsp.server_address[1]
    services = [Service("tcp", device.port, "http"), Service("tcp", rtsp_port, "rtsp")]
    run, rows = run_test(tmp_path, device.port, False, services, ["rtsp"])
    assert steps(rows) == [
        ("change", "http", True),
        ("new_password", "rtsp", False),
        ("old_password", "rtsp", True),
        ("restore", "http", True),
        ("restore", "http", True),
    ]
    assert rows[2]["detail"].startswith("change did not take")
    assert run.status is TestStatus.COMPLETED and "new refused, old accepted" in run.detail
    assert "the change did not take here" in run.detail
    assert device.rtsp.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200
    left_as_found(tmp_path)


def test_change_that_did_not_take_on_the_web_port(servers: list[Any], tmp_path: Path) -> None:
    """The form says saved and changes nothing: the restore, refused with the new password as the current
    one (401), is checked with the original, which works."""
    device = start_device(servers, "pretends", tmp_path, rtsp=False)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [
        ("change", "http", True),
        ("new_password", "http", False),
        ("old_password", "http", True),
        ("restore", "http", False),
        ("restore", "http", True),
    ]
    assert rows[2]["detail"].startswith("change did not take") and rows[3]["status"] == "401"
    assert run.status is TestStatus.COMPLETED and "NOT RESTORED" not in run.detail
    assert device.password == ORIGINAL and device.changes == 0
    left_as_found(tmp_path)


def test_new_password_that_does_not_tell_spares_the_old(servers: list[Any], tmp_path: Path) -> None:
    """A service answering 500: the new password does not tell, so the old one is not sent there."""
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    broken = start_device(servers, "error", tmp_path / "unused", rtsp=False)
    services = [Service("tcp", broken.port, "http")]
    run, rows = run_test(tmp_path, device.port, False, services, ["http"])
    assert steps(rows) == [
        ("change", "http", True),
        ("new_password", "http", None),
        ("old_password", "http", None),
        ("restore", "http", True),
        ("restore", "http", True),
    ]
    assert rows[2]["detail"].startswith("not tried") and rows[2]["port"] == broken.port
    assert broken.auths == [device.posts[0]["new"]]  # one login there, with the new password only
    assert run.status is TestStatus.PARTIAL and "the old password not tried" in run.detail
    assert device.password == ORIGINAL
    left_as_found(tmp_path)


def test_refused_change_tries_no_password(servers: list[Any], tmp_path: Path) -> None:
    device = start_device(servers, "forbids", tmp_path, rtsp=False)
    listener = socket.create_server((HOST, 0))  # an RTSP port that notes any connection
    listener.setblocking(False)
    try:
        rtsp = Service("tcp", listener.getsockname()[1], "rtsp")
        run, rows = run_test(
            tmp_path, device.port, False, [Service("tcp", device.port, "http"), rtsp], ["http", "rtsp"]
        )
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert steps(rows) == [("change", "http", False)] and rows[0]["status"] == "403"
    assert len(device.posts) == 1 and device.gets == 0
    assert run.status is TestStatus.PARTIAL and "did not accept the change" in run.detail
    assert "refused the current password" in run.detail and "nothing else tried" in run.detail
    left_as_found(tmp_path)


@pytest.mark.parametrize("status", [400, 404, 405, 415, 422, 429])
def test_other_refusals_are_recorded_and_nothing_tried(
    servers: list[Any], tmp_path: Path, status: int
) -> None:
    """A 4xx that is not about the current password (the new one against the unit's rules, a CSRF form, an
    earlier lockout): the row records it, no password is tried anywhere."""
    device = start_device(servers, f"status-{status}", tmp_path, rtsp=False)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [("change", "http", False)] and rows[0]["status"] == str(status)
    assert len(device.posts) == 1 and device.gets == 0
    assert device.recovery_seen == [device.posts[0]["new"]]
    assert run.status is TestStatus.PARTIAL and "did not accept the change" in run.detail
    assert "nothing else tried" in run.detail and "current password" not in run.detail
    left_as_found(tmp_path)
    no_password_in(rows, run.detail, ORIGINAL, device.posts[0]["new"])


def test_nothing_listening_is_an_error(tmp_path: Path) -> None:
    port = free_port()
    run, rows = run_test(tmp_path, port, True, [Service("tcp", port, "https")], ["https"])
    assert steps(rows) == [("change", "https", None)] and rows[0]["status"] == "refused"
    assert run.status is TestStatus.ERROR and "connection refused" in run.detail
    assert "NOT RESTORED" not in run.detail  # nothing reached the device: nothing to set back
    left_as_found(tmp_path)
    no_password_in(rows, run.detail, ORIGINAL)


def test_no_recovery_file_no_change(servers: list[Any], tmp_path: Path) -> None:
    """The recovery file cannot be written (its folder is gone): the password is not changed."""
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    missing = tmp_path / "gone"
    run, rows = run_test(missing, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert rows == [] and device.posts == [] and device.gets == 0
    assert run.status is TestStatus.ERROR and f"cannot write {missing / RECOVERY}" in run.detail
    assert "the password was not changed" in run.detail


def test_declared_service_not_open(servers: list[Any], tmp_path: Path) -> None:
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    services = [Service("tcp", device.port, "http")]
    run, rows = run_test(tmp_path, device.port, False, services, ["http", "rtsp"])
    missing = [r for r in rows if r["protocol"] == "rtsp"]
    assert [(r["step"], r["port"], r["accepted"]) for r in missing] == [("new_password", None, None)]
    assert "no open rtsp port" in missing[0]["detail"]
    assert run.status is TestStatus.PARTIAL and "rtsp: not found open" in run.detail
    no_password_in(rows, run.detail, ORIGINAL, device.posts[0]["new"])
    assert device.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200
    left_as_found(tmp_path)


def test_unclear_answer_that_changed_the_password_is_set_back(servers: list[Any], tmp_path: Path) -> None:
    """A 303 is not taken as accepted, but the change took: the original, refused, shows it, and it is set
    back before anything else."""
    device = start_device(servers, "redirects", tmp_path, rtsp=False)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [
        ("change", "http", False),
        ("restore", "http", False),
        ("restore", "http", False),  # the restore's own 303 is not a 2xx: the original tried tells
        ("restore", "http", True),
    ]
    assert rows[0]["status"] == "303" and "/saved" in rows[0]["detail"]
    assert run.status is TestStatus.PARTIAL and "NOT RESTORED" not in run.detail
    assert "did not tell whether it took" in run.detail
    assert device.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200
    left_as_found(tmp_path)


def test_failed_restore_leaves_the_recovery_file(servers: list[Any], tmp_path: Path) -> None:
    """The unit refuses the restore: it is stranded with the new password, which only the recovery file
    (0600, saying what it is) holds; the results name the file, never the password."""
    device = start_device(servers, "once", tmp_path, rtsp=False)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    new, path = device.password, tmp_path / RECOVERY
    assert new != ORIGINAL and device.posts[0]["new"] == new
    assert steps(rows)[-2:] == [("restore", "http", False), ("restore", "http", False)]
    assert [r["status"] for r in rows[-2:]] == ["403", "401"]  # refused with the new one: the original?
    assert run.status is TestStatus.PARTIAL
    assert run.detail.startswith(f"UNIT NOT RESTORED: its password may now be the one in {path}")
    assert recovery_password(path) == new and os.stat(path).st_mode & 0o777 == 0o600
    header = path.read_text().splitlines()[0]
    assert HOST in header and "password_change" in header
    assert web_status(device.port, False, recovery_password(path) or "") == 200  # the lab gets back in
    no_password_in(rows, run.detail, ORIGINAL, new)


def test_restore_answered_unclearly_is_judged_by_the_original(servers: list[Any], tmp_path: Path) -> None:
    device = start_device(servers, "fails-after-restoring", tmp_path, rtsp=False)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows)[-2:] == [("restore", "http", False), ("restore", "http", True)]
    assert rows[-2]["status"] == "500" and run.status is TestStatus.COMPLETED, run.detail
    assert device.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200
    left_as_found(tmp_path)


@pytest.mark.parametrize("mode", ["garbage", "reset"])
def test_hostile_answers_to_the_change(servers: list[Any], tmp_path: Path, mode: str) -> None:
    """No answer that tells: ERROR, and since the form may have reached the device, the recovery file keeps
    the password it was sent."""
    device = start_device(servers, mode, tmp_path, rtsp=False)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [("change", "http", None), ("restore", "http", None)]
    assert run.status is TestStatus.ERROR and "the change could not be made" in run.detail
    assert run.detail.startswith("UNIT NOT RESTORED") and str(tmp_path / RECOVERY) in run.detail
    assert recovery_password(tmp_path / RECOVERY) == device.posts[0]["new"]
    no_password_in(rows, run.detail, ORIGINAL, device.posts[0]["new"])


def test_huge_answer_to_the_change(servers: list[Any], tmp_path: Path) -> None:
    device = start_device(servers, "huge", tmp_path, tls=True)
    services = [Service("tcp", device.port, "https"), Service("tcp", device.rtsp.server_address[1], "rtsp")]
    run, rows = run_test(tmp_path, device.port, True, services, ["https", "rtsp"])
    assert run.status is TestStatus.COMPLETED, run.detail
    assert [r["accepted"] for r in rows] == [True, True, False, True, False, True, True]
    assert device.password == ORIGINAL and device.rtsp.password == ORIGINAL
    left_as_found(tmp_path)


def test_budget_spent_the_original_is_still_set_back(servers: list[Any], tmp_path: Path) -> None:
    device = start_device(servers, "honest", tmp_path)
    services = [Service("tcp", device.port, "http"), Service("tcp", device.rtsp.server_address[1], "rtsp")]
    run, rows = run_test(tmp_path, device.port, False, services, ["http", "rtsp"], budget=0.5, rate=2)
    assert run.status is TestStatus.TIMED_OUT
    assert steps(rows) == [("change", "http", True), ("restore", "http", True), ("restore", "http", True)]
    assert device.password == ORIGINAL and device.rtsp.password == ORIGINAL
    left_as_found(tmp_path)


# --- a recovery file an earlier run left ----------------------------------------------------------
def earlier_run(tmp_path: Path, password: str) -> Path:
    path = tmp_path / RECOVERY
    path.write_text(f"# left by an earlier run\npassword: {password}\n")
    path.chmod(0o600)
    return path


def test_an_earlier_recovery_file_sets_the_original_back_first(servers: list[Any], tmp_path: Path) -> None:
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    device.set_password(EARLIER)  # an earlier run was killed after its change
    earlier_run(tmp_path, EARLIER)
    run, rows, plan = run_plan(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows)[:3] == [("restore", "http", True), ("restore", "http", True), ("change", "http", True)]
    assert plan.scrub == {EARLIER, device.posts[1]["new"]}
    assert device.posts[0] == {"current": EARLIER, "new": ORIGINAL}
    assert device.recovery_seen[1] == device.posts[1]["new"]  # this run's own file, written after
    assert run.status is TestStatus.COMPLETED and "its password set the original back" in run.detail
    assert device.password == ORIGINAL
    left_as_found(tmp_path)
    no_password_in(rows, run.detail, ORIGINAL, EARLIER, device.posts[1]["new"])


def test_an_earlier_recovery_file_when_the_unit_has_its_original(servers: list[Any], tmp_path: Path) -> None:
    """The earlier run was killed before its change reached the unit: its password is refused, the original
    works, the file goes and the test goes on."""
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    earlier_run(tmp_path, EARLIER)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows)[:3] == [
        ("restore", "http", False),
        ("restore", "http", True),
        ("change", "http", True),
    ]
    assert run.status is TestStatus.COMPLETED and "the unit had its original password" in run.detail
    assert device.password == ORIGINAL
    left_as_found(tmp_path)
    no_password_in(rows, run.detail, ORIGINAL, EARLIER)


def test_an_earlier_recovery_file_that_does_not_restore_is_kept(servers: list[Any], tmp_path: Path) -> None:
    """Neither the file's password nor the original works: nothing is changed, the file stays as it was."""
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    device.set_password("someone-elses-9")
    path = earlier_run(tmp_path, EARLIER)
    before = path.read_bytes()
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [("restore", "http", False), ("restore", "http", False)]
    assert device.posts == [{"current": EARLIER, "new": ORIGINAL}]  # no change made
    assert run.status is TestStatus.ERROR
    assert run.detail.startswith(f"UNIT NOT RESTORED: its password may now be the one in {path}")
    assert "the password was not changed" in run.detail
    assert path.read_bytes() == before
    no_password_in(rows, run.detail, ORIGINAL, EARLIER)


# --- a web port that serves / to anyone -----------------------------------------------------------
def test_public_root_never_confirms_a_restore(servers: list[Any], tmp_path: Path) -> None:
    """GET / answers 200 without a password: a 2xx with one tells nothing. The original is set back (the
    device did), but that cannot be shown: the recovery file stays and the detail says so."""
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    device.public = True
    run, rows, plan = run_plan(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    new, path = device.posts[0]["new"], tmp_path / RECOVERY
    assert steps(rows) == [
        ("change", "http", True),
        ("new_password", "http", None),
        ("old_password", "http", None),
        ("restore", "http", True),  # the form set the original back
        ("restore", "http", None),  # the original on GET /: served to anyone, does not tell
    ]
    assert "not 401" in rows[1]["detail"] and "not 401" in rows[4]["detail"]
    assert device.auths == [new, "", ORIGINAL, ""]  # the old password never sent to a page that cannot tell
    assert device.password == ORIGINAL and new in plan.scrub
    assert run.detail.startswith(
        f"UNIT NOT RESTORED: the restore could not be confirmed (GET / on http tcp/{device.port} is served"
    )
    assert f"its password may now be the one in {path}" in run.detail
    assert "set back could not be confirmed" in run.detail and run.status is TestStatus.PARTIAL
    assert recovery_password(path) == new  # kept: the lab sees what the unit may have
    no_password_in(rows, run.detail, ORIGINAL, new)


def test_public_root_after_an_unclear_change(servers: list[Any], tmp_path: Path) -> None:
    """A 303 to the change where / is served to anyone: the original's 200 does not say the unit still has
    it; the original is set back all the same, and the restore is reported as not confirmed."""
    device = start_device(servers, "redirects", tmp_path, rtsp=False)
    device.public = True
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [
        ("change", "http", False),
        ("restore", "http", None),  # did the change take? the original on GET / does not tell
        ("restore", "http", False),  # the form, current = the new one: 303
        ("restore", "http", None),
    ]
    assert device.posts[1] == {"current": device.posts[0]["new"], "new": ORIGINAL}
    assert device.password == ORIGINAL
    assert "still has its original" not in run.detail
    assert run.detail.startswith("UNIT NOT RESTORED: the restore could not be confirmed")
    assert str(tmp_path / RECOVERY) in run.detail
    assert recovery_password(tmp_path / RECOVERY) == device.posts[0]["new"]
    no_password_in(rows, run.detail, ORIGINAL, device.posts[0]["new"])


def test_public_root_keeps_an_earlier_recovery_file(servers: list[Any], tmp_path: Path) -> None:
    """An earlier run's file, and / served to anyone: the original cannot be shown to work, the file stays
    as it was and nothing is changed."""
    device = start_device(servers, "honest", tmp_path, rtsp=False)
    device.set_password(EARLIER)
    device.public = True
    path = earlier_run(tmp_path, EARLIER)
    before = path.read_bytes()
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [("restore", "http", True), ("restore", "http", None)]
    assert device.posts == [{"current": EARLIER, "new": ORIGINAL}] and path.read_bytes() == before
    assert run.status is TestStatus.ERROR and "the password was not changed" in run.detail
    assert run.detail.startswith("UNIT NOT RESTORED: the restore could not be confirmed")
    no_password_in(rows, run.detail, ORIGINAL, EARLIER)


def test_an_echoed_password_is_shown_as_set(servers: list[Any], tmp_path: Path) -> None:
    """The unit names the new password in its answer: the row shows "(set)", not even its length."""
    device = start_device(servers, "echoes", tmp_path, rtsp=False)
    run, rows = run_test(tmp_path, device.port, False, [Service("tcp", device.port, "http")], ["http"])
    new = device.posts[0]["new"]
    assert steps(rows) == [("change", "http", False)]
    assert "new password (set) too weak" in rows[0]["detail"] and "*" not in rows[0]["detail"]
    assert "new password (set) too weak" in run.detail
    no_password_in(rows, run.detail, ORIGINAL, new, new[0] + "*")
