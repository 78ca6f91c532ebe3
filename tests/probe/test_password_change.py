"""The password-change test (AUTH-04) against real servers on this machine's 127.0.0.1: the simulated clean
camera's own HTTPS (POST /password, Basic) and RTSP (Digest) servers sharing its password; small devices of
this file's that ignore the change, refuse it, answer it unclearly, refuse the restore, answer garbage or
reset, or bury the answer in 10 MB; nothing listening."""

from __future__ import annotations

import base64
import hashlib
import http.client
import http.server
import json
import re
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

from workbench.probe.password_change import password_change_test
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import ProbeResults, TestStatus
from workbench.probe.services import Service
from workbench.probe.vendor_access import PasswordChange, VendorAccess
from workbench.simdevice.files import strong_certificate
from workbench.simdevice.netns import in_netns, netns_problem

HOST = "127.0.0.1"
USER = "admin"
ORIGINAL = "label-Pw-7731"


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

    def __init__(self, mode: str, rtsp: Any = None, tls: ssl.SSLContext | None = None) -> None:
        super().__init__((HOST, 0), FormHandler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.mode, self.rtsp = mode, rtsp
        self.password = ORIGINAL
        self.posts: list[dict[str, str]] = []  # every form received, as sent
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
        if self.hostile():
            return
        if self.authorised():
            return self.answer(200, b"<html><title>cam</title>signed in</html>")
        return self.answer(401, b"sign in", {"WWW-Authenticate": 'Basic realm="cam"'})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(min(length, 4096)).decode()))
        self.server.posts.append(form)
        mode = self.server.mode
        if self.hostile():
            return
        if mode == "ignores":
            return self.answer(200, b"saved")
        if mode == "forbids" or (mode == "once" and self.server.changes):
            return self.answer(403, b"forbidden")
        if not self.authorised():
            return self.answer(401, b"sign in", {"WWW-Authenticate": 'Basic realm="cam"'})
        if form.get("current") != self.server.password:
            return self.answer(403, b"wrong current password")
        if len(form.get("new", "")) < 8 or form["new"] == self.server.password:
            return self.answer(400, b"bad new password")
        self.server.set_password(form["new"])
        if mode == "fails-after-restoring" and self.server.changes > 1:
            return self.answer(500, b"internal error")
        if mode == "redirects":
            return self.answer(303, b"", {"Location": "/saved"})
        return self.answer(200, b"x" * (10 << 20) if mode == "huge" else b"password changed")

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
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


def start_device(
    servers: list[Any], mode: str, tmp_path: Path | None = None, rtsp: bool = True
) -> FormDevice:
    camera_rtsp = Rtsp() if rtsp else None
    if camera_rtsp is not None:
        threading.Thread(target=camera_rtsp.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    context = None
    if tmp_path is not None:
        cert, key = strong_certificate(tmp_path)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    device = FormDevice(mode, camera_rtsp, context)
    threading.Thread(target=device.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    servers += [s for s in (camera_rtsp, device) if s is not None]
    return device


def run_test(
    port: int,
    tls: bool,
    services: list[Service],
    applies_to: list[str],
    budget: float = 60,
    rate: float = 20,
    password: str = ORIGINAL,
) -> tuple[Any, list[dict[str, Any]]]:
    change = PasswordChange(
        documented_in="user manual 4.2",
        port=port,
        tls=tls,
        user=USER,
        password=password,
        applies_to=applies_to,
    )
    test = TestPlan("password_change", rate, budget, {"exchange_timeout_s": 3})
    plan = ProbePlan(HOST, "quick", "lo", [test], access=VendorAccess(password_change=change))
    run, tables = password_change_test(HOST, services, plan, test)
    assert set(tables) == {"password_change"}
    return run, tables["password_change"]


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


# --- the tests ------------------------------------------------------------------------------------
CAMERA_RUN = """
import dataclasses, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_password_change import ORIGINAL, web_status
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
out["file"] = (unit / "admin-password.txt").read_text()
out["https"] = web_status(443, True, state["password"])
out["rtsp"] = clients_rtsp.login("127.0.0.1", 554, "admin", state["password"], 5).accepted
out["log"] = log.read_text().splitlines()
wrong = access.password_change.model_copy(update={"password": ORIGINAL})
out["wrong_run"], out["wrong_rows"] = run(access.model_copy(update={"password_change": wrong}))
out["wrong_log"] = log.read_text().splitlines()[len(out["log"]):]
out["wrong_file"] = (unit / "admin-password.txt").read_text()
Path(sys.argv[2]).write_text(json.dumps(out))
"""


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The simulated clean camera started as the product starts it (`python -m workbench.simdevice`, in a
    private namespace of its own, its HTTPS on 443 and RTSP on 554), with CAMERA_RUN as its command: the test
    run with the test access the camera grants (its test-access.yaml), then with a wrong current password."""
    problem = netns_problem()
    if problem:
        pytest.skip(f"the simulated camera runs in a private network namespace: {problem}")
    tmp_path = tmp_path_factory.mktemp("camera")
    driver, ready, out = tmp_path / "camera_run.py", tmp_path / "ready.json", tmp_path / "out.json"
    driver.write_text(CAMERA_RUN)
    command = [sys.executable, "-m", "workbench.simdevice", "--variant", "clean", "--workdir",
               str(tmp_path / "camera"), "--ready-file", str(ready), "--",
               sys.executable, str(driver), str(ready), str(out), str(Path(__file__).parent)]  # fmt: skip
    done = subprocess.run(in_netns(command), capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return dict(json.loads(out.read_text()))


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
    assert run["status"] == "partial" and "did not accept the change" in run["detail"]
    assert len(got["wrong_log"]) == 1 and "login failed" in got["wrong_log"][0]  # nothing else was tried
    assert got["wrong_file"] == got["original"] + "\n"


def test_a_form_that_changes_https_and_rtsp(servers: list[Any], tmp_path: Path) -> None:
    """This file's honest device: the same run, and the form's two posts as sent."""
    device = start_device(servers, "honest", tmp_path)
    rtsp_port = device.rtsp.server_address[1]
    services = [Service("tcp", device.port, "https"), Service("tcp", rtsp_port, "rtsp")]
    run, rows = run_test(device.port, True, services, ["https", "rtsp"])
    assert [r["accepted"] for r in rows] == [True, True, False, True, False, True, True]
    new = device.posts[0]["new"]
    assert device.posts == [{"current": ORIGINAL, "new": new}, {"current": new, "new": ORIGINAL}]
    assert len(new) >= 16 and new != ORIGINAL
    assert run.status is TestStatus.COMPLETED, run.detail
    assert device.password == ORIGINAL and device.rtsp.password == ORIGINAL
    assert web_status(device.port, True, new) == 401
    no_password_in(rows, run.detail, ORIGINAL, new)


def test_old_password_still_works_on_rtsp(servers: list[Any]) -> None:
    """The change "succeeds" (200) but nothing changes: the rows show the old password let in."""
    device = start_device(servers, "ignores")
    rtsp_port = device.rtsp.server_address[1]
    services = [Service("tcp", device.port, "http"), Service("tcp", rtsp_port, "rtsp")]
    run, rows = run_test(device.port, False, services, ["rtsp"])
    assert steps(rows) == [
        ("change", "http", True),
        ("new_password", "rtsp", False),
        ("old_password", "rtsp", True),
        ("restore", "http", True),
        ("restore", "http", True),
    ]
    assert run.status is TestStatus.COMPLETED and "new refused, old accepted" in run.detail
    assert device.rtsp.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200


def test_refused_change_tries_no_password(servers: list[Any]) -> None:
    device = start_device(servers, "forbids", rtsp=False)
    listener = socket.create_server((HOST, 0))  # an RTSP port that notes any connection
    listener.setblocking(False)
    try:
        rtsp = Service("tcp", listener.getsockname()[1], "rtsp")
        run, rows = run_test(
            device.port, False, [Service("tcp", device.port, "http"), rtsp], ["http", "rtsp"]
        )
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert steps(rows) == [("change", "http", False)] and rows[0]["status"] == "403"
    assert len(device.posts) == 1 and device.gets == 0
    assert run.status is TestStatus.PARTIAL and "did not accept the change" in run.detail
    assert "403" in run.detail and "new and old not tried" in run.detail


def test_nothing_listening_is_an_error() -> None:
    port = free_port()
    run, rows = run_test(port, True, [Service("tcp", port, "https")], ["https"])
    assert steps(rows) == [("change", "https", None)] and rows[0]["status"] == "refused"
    assert run.status is TestStatus.ERROR and "connection refused" in run.detail
    assert "NOT RESTORED" not in run.detail  # nothing reached the device: nothing to set back
    no_password_in(rows, run.detail, ORIGINAL)


def test_declared_service_not_open(servers: list[Any]) -> None:
    device = start_device(servers, "honest", rtsp=False)
    run, rows = run_test(device.port, False, [Service("tcp", device.port, "http")], ["http", "rtsp"])
    missing = [r for r in rows if r["protocol"] == "rtsp"]
    assert [(r["step"], r["port"], r["accepted"]) for r in missing] == [("new_password", None, None)]
    assert "no open rtsp port" in missing[0]["detail"]
    assert run.status is TestStatus.PARTIAL and "rtsp: not found open" in run.detail
    no_password_in(rows, run.detail, ORIGINAL, device.posts[0]["new"])
    assert device.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200


def test_unclear_answer_that_changed_the_password_is_set_back(servers: list[Any]) -> None:
    """A 303 is not taken as accepted, but the change took: the original, refused, shows it, and it is set
    back before anything else."""
    device = start_device(servers, "redirects", rtsp=False)
    run, rows = run_test(device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [
        ("change", "http", False),
        ("restore", "http", False),
        ("restore", "http", False),  # the restore's own 303 is not a 2xx: the original tried tells
        ("restore", "http", True),
    ]
    assert rows[0]["status"] == "303" and "/saved" in rows[0]["detail"]
    assert run.status is TestStatus.PARTIAL and "NOT RESTORED" not in run.detail
    assert device.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200


def test_failed_restore_gives_the_new_password_in_full(servers: list[Any]) -> None:
    device = start_device(servers, "once", rtsp=False)
    run, rows = run_test(device.port, False, [Service("tcp", device.port, "http")], ["http"])
    new = device.password
    assert new != ORIGINAL and device.posts[0]["new"] == new
    assert steps(rows)[-1] == ("restore", "http", False) and rows[-1]["status"] == "403"
    assert run.status is TestStatus.PARTIAL
    assert run.detail.startswith("UNIT NOT RESTORED") and repr(new) in run.detail
    assert ORIGINAL not in run.detail
    assert web_status(device.port, False, new) == 200  # the lab gets back in with what the detail gives
    no_password_in(rows, "", ORIGINAL, new)


def test_restore_answered_unclearly_is_judged_by_the_original(servers: list[Any]) -> None:
    device = start_device(servers, "fails-after-restoring", rtsp=False)
    run, rows = run_test(device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows)[-2:] == [("restore", "http", False), ("restore", "http", True)]
    assert rows[-2]["status"] == "500" and run.status is TestStatus.COMPLETED, run.detail
    assert device.password == ORIGINAL and web_status(device.port, False, ORIGINAL) == 200


@pytest.mark.parametrize("mode", ["garbage", "reset"])
def test_hostile_answers_to_the_change(servers: list[Any], mode: str) -> None:
    """No answer that tells: ERROR, and since the form may have reached the device, the password it was sent
    is given in full."""
    device = start_device(servers, mode, rtsp=False)
    run, rows = run_test(device.port, False, [Service("tcp", device.port, "http")], ["http"])
    assert steps(rows) == [("change", "http", None), ("restore", "http", None)]
    assert run.status is TestStatus.ERROR and "the change could not be made" in run.detail
    assert run.detail.startswith("UNIT NOT RESTORED") and repr(device.posts[0]["new"]) in run.detail
    no_password_in(rows, "", ORIGINAL, device.posts[0]["new"])


def test_huge_answer_to_the_change(servers: list[Any], tmp_path: Path) -> None:
    device = start_device(servers, "huge", tmp_path)
    services = [Service("tcp", device.port, "https"), Service("tcp", device.rtsp.server_address[1], "rtsp")]
    run, rows = run_test(device.port, True, services, ["https", "rtsp"])
    assert run.status is TestStatus.COMPLETED, run.detail
    assert [r["accepted"] for r in rows] == [True, True, False, True, False, True, True]
    assert device.password == ORIGINAL and device.rtsp.password == ORIGINAL


def test_budget_spent_the_original_is_still_set_back(servers: list[Any]) -> None:
    device = start_device(servers, "honest")
    services = [Service("tcp", device.port, "http"), Service("tcp", device.rtsp.server_address[1], "rtsp")]
    run, rows = run_test(device.port, False, services, ["http", "rtsp"], budget=0.5, rate=2)
    assert run.status is TestStatus.TIMED_OUT
    assert steps(rows) == [("change", "http", True), ("restore", "http", True), ("restore", "http", True)]
    assert device.password == ORIGINAL and device.rtsp.password == ORIGINAL
