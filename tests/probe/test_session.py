"""The device session through a real SSH test shell (tests/probe/sshd_fixture.py) in a private network
namespace: listeners with their process and user, modes of sensitive paths (links described by their targets,
dangling links, loops, a listing cut at max_files_per_path), the log lines written during the probe with their
events and how far back each log read reaches, the unit's clock; a hostile unit (a hung command, 10 MB of
output, garbage, refused logins, nothing listening, a log that is not there); and the parsers on the unit's
raw output."""

from __future__ import annotations

import grp
import json
import pwd
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sshd_fixture import run_session_driver

from workbench.catalog import load_catalog
from workbench.probe import _session_files as files
from workbench.probe import _session_listeners as net
from workbench.probe import _session_logs as logs

SESSION = r"""
import pwd, sys
from datetime import datetime, timedelta, timezone
from workbench.probe.session import device_session_test
port, key = ssh_server(WORK, tools=TOOLS)
# listeners: this process's TCP on 127.0.0.1 and UDP on ::1, and a TCP one in a child that runs as uid 65534
tcp = socket.socket(); tcp.bind(("127.0.0.1", 0)); tcp.listen(); SOCKETS.append(tcp)
udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); udp.bind(("::1", 0)); SOCKETS.append(udp)
child = subprocess.Popen([sys.executable, "-c", "import os, socket, time; os.setgroups([]); "
    "os.setgid(65534); os.setuid(65534); s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
    "print(s.getsockname()[1], flush=True); time.sleep(300)"], stdout=subprocess.PIPE)
PROCESSES.append(child)
child_port = int(child.stdout.readline())
# sensitive paths: chosen modes, one owned by nobody, a missing path, a hostile name
secrets = WORK / "secrets"; (secrets / "sub").mkdir(parents=True)
made = {"shadow": 0o600, "public.txt": 0o644, "sub/key.pem": 0o640, "odd name $(touch PWNED) `id`": 0o604}
for name, mode in made.items():
    (secrets / name).write_text("secret\n"); (secrets / name).chmod(mode)
(secrets / "sub").chmod(0o750); secrets.chmod(0o711)
os.chown(secrets / "sub" / "key.pem", 65534, 65534)
hostile = secrets / "odd name $(touch PWNED) `id`"
# logs: syslog (the unit's zone) and ISO 8601 lines, old and recent; the ISO file larger than the tail read
now = time.time()
local = lambda t: datetime.fromtimestamp(t).astimezone()
def syslog(t, text):
    return local(t).strftime("%b ") + f"{local(t).day:2d} " + local(t).strftime("%H:%M:%S cam ") + text
recent, old = now - 5, now - 3 * 86400
messages = [syslog(old, "sshd[7]: Failed password for root from 127.0.0.1 port 4000 ssh2"),
            syslog(recent, "sshd[8]: Failed password for root from 127.0.0.1 port 4001 ssh2"),
            syslog(recent, "passwd[9]: password changed for admin"),
            syslog(recent, "fw_upgrade: firmware update started"),
            syslog(recent, "sshd[10]: Accepted password for root from 127.0.0.1"),
            syslog(recent, "kernel: eth0 link up"),
            "\tcontinued garbage \udcff <script>alert(1)</script>"]
(WORK / "messages").write_bytes("\n".join(messages).encode("utf-8", "surrogateescape") + b"\n")
utc = lambda t: datetime.fromtimestamp(t, timezone.utc)
india = timezone(timedelta(hours=5, minutes=30))
filler = [f"2020-01-01T00:00:{i % 60:02d}Z app: filler line {i:05d} " + "." * 60 for i in range(5000)]
app = filler + [utc(old).strftime("%Y-%m-%dT%H:%M:%SZ") + " auth: login failed for admin",
                utc(recent).strftime("%Y-%m-%dT%H:%M:%S.250Z") + " auth: authentication failure for admin",
                datetime.fromtimestamp(recent, india).isoformat() + " web: Password updated for admin",
                local(recent).strftime("%Y-%m-%d %H:%M:%S") + " web: session opened for admin",
                "no time here"]
(WORK / "app.log").write_text("\n".join(app) + "\n")
access_ = access(WORK, port, key_file=key.name, logs=[str(WORK / "messages"), str(WORK / "app.log")])
probe_plan, test = plan(access_, "device_session", sensitive_paths=[str(secrets), str(WORK / "nope"),
                        str(hostile)])
run, tables = device_session_test("127.0.0.1", probe_plan, test, probe_started=now - 30)
RESULT.update(run=as_json(run), tables=tables, ssh_port=port, tcp=tcp.getsockname()[1],
              udp=udp.getsockname()[1], child=child_port, child_pid=child.pid, me=os.getpid(),
              my_name=Path(f"/proc/{os.getpid()}/comm").read_text().strip(), secrets=str(secrets),
              hostile=str(hostile), pwned=(WORK / "PWNED").exists() or Path("PWNED").exists(),
              app_lines=len(filler), started=now - 30, old=old)
"""


@pytest.mark.parametrize("tools", ["host", "busybox", "minimal"])
def test_device_session_reads_the_unit(tmp_path: Path, tools: str) -> None:
    """With this machine's tools, with busybox's, and with only cat, ls, find, tail, wc, readlink, tr, date
    (no stat, head or grep: the probe's fallbacks)."""
    got = run_session_driver(tmp_path, f"TOOLS = {tools!r}\n" + SESSION)
    run, tables = got["run"], got["tables"]
    assert run["status"] == "completed", run["detail"]
    assert "SHA256:" in run["detail"]

    listeners = {(r["transport"], r["port"]): r for r in tables["listeners"]}
    mine = listeners[("tcp", got["tcp"])]
    assert (mine["address"], mine["pid"], mine["uid"], mine["user"], mine["source"]) == (
        "127.0.0.1",
        got["me"],
        0,
        "root",
        "process",
    )
    assert mine["process"] == got["my_name"] and mine["uids"] == "0 0 0 0"
    udp = listeners[("udp", got["udp"])]
    assert (udp["address"], udp["pid"], udp["source"]) == ("::1", got["me"], "process")
    nobody = listeners[("tcp", got["child"])]
    assert (nobody["pid"], nobody["uid"], nobody["uids"], nobody["source"]) == (
        got["child_pid"],
        65534,
        "65534 65534 65534 65534",
        "process",
    )
    assert nobody["user"] == pwd.getpwuid(65534).pw_name
    assert listeners[("tcp", got["ssh_port"])]["pid"] == got["me"]

    modes = {r["path"]: r for r in tables["file_modes"]}
    secrets = got["secrets"]
    assert (modes[secrets]["type"], modes[secrets]["mode"]) == ("dir", "0711")
    assert (modes[f"{secrets}/shadow"]["mode"], modes[f"{secrets}/shadow"]["owner"]) == ("0600", "root")
    assert modes[f"{secrets}/public.txt"]["mode"] == "0644"
    assert (modes[f"{secrets}/sub"]["type"], modes[f"{secrets}/sub"]["mode"]) == ("dir", "0750")
    key = modes[f"{secrets}/sub/key.pem"]
    assert (key["mode"], key["uid"], key["gid"]) == ("0640", 65534, 65534)
    assert (key["owner"], key["group"]) == (pwd.getpwuid(65534).pw_name, grp.getgrgid(65534).gr_name)
    hostile = [r for r in tables["file_modes"] if r["path"] == got["hostile"]]
    assert len(hostile) == 2 and {r["mode"] for r in hostile} == {"0604"}  # under secrets, and as a path
    assert not got["pwned"]  # the name was data, never run
    missing = [r for r in tables["file_modes"] if r["path"].endswith("/nope")]
    assert missing == [{**missing[0], "exists": False, "mode": None}]
    assert all(r["target"] is None and r["error"] is None for r in tables["file_modes"])  # no link here

    # the lines written during the probe, and the line without a time that follows one (in_window empty)
    events = {r["text"]: r["event"] for r in tables["device_log"]}
    assert len(tables["device_log"]) == 10, "\n".join(events)
    assert all(r["in_window"] is (True if r["logged_at"] else None) for r in tables["device_log"])
    by_event = sorted(r["event"] for r in tables["device_log"] if r["file"].endswith("messages"))
    assert by_event == ["failed_login", "login", "other", "other", "password_change", "update"]
    app = sorted((r["line"], r["event"]) for r in tables["device_log"] if r["file"].endswith("app.log"))
    first = got["app_lines"] + 2  # the old line is line app_lines + 1
    assert app == [(first, "failed_login"), (first + 1, "password_change"), (first + 2, "login"),
                   (first + 3, "other")]  # fmt: skip
    messages = sorted((r["line"], r["in_window"]) for r in tables["device_log"] if "messages" in r["file"])
    assert messages == [(2, True), (3, True), (4, True), (5, True), (6, True), (7, None)]
    assert "<script>" in next(r["text"] for r in tables["device_log"] if r["in_window"] is None)  # as text
    log = f"log {Path(got['secrets']).parent}/messages: 7 lines read, 1 without a readable time, 6 kept"
    assert log in run["detail"]
    # how far back each log read reaches: all of messages (to 3 days ago), only the end of app.log
    files = {Path(r["file"]).name: r for r in tables["log_files"]}
    assert set(files) == {"messages", "app.log"}
    messages_file, app_file = files["messages"], files["app.log"]
    assert (messages_file["exists"], messages_file["whole_file"], messages_file["lines_read"]) == (
        True, True, 7,
    )  # fmt: skip
    assert (messages_file["untimed_lines"], messages_file["error"]) == (1, None)
    assert messages_file["bytes"] == (Path(got["secrets"]).parent / "messages").stat().st_size
    assert messages_file["earliest"] < got["old"] + 60 and messages_file["latest"] > got["started"]
    assert (app_file["exists"], app_file["whole_file"], app_file["untimed_lines"]) == (True, False, 1)
    assert app_file["lines_read"] < got["app_lines"] and app_file["earliest"] < got["old"]  # 2020's filler

    (clock,) = tables["device_clock"]
    assert abs(clock["offset_s"]) < 5 and clock["device_time"] > 0

    session = tables["session"]
    assert {r["port"] for r in session} == {got["ssh_port"]}
    assert {"connect", "clock", "listeners", "processes", "file_modes", "logs"} <= {
        r["purpose"] for r in session
    }
    assert all(len(r["command"]) <= 1024 and len(r["output"]) <= 4096 for r in session)
    assert all(r["exit_status"] == 0 for r in session if r["purpose"] in ("clock", "logs"))


SESSION_LINKS = r"""
from datetime import datetime, timezone
from workbench.probe.session import device_session_test
port, key = ssh_server(WORK, tools=TOOLS)
# /etc-like: shadow a link to a world-readable file elsewhere, gshadow dangling, two links looping
etc, data = WORK / "etc", WORK / "data"; etc.mkdir(); data.mkdir()
(data / "shadow-real").write_text("root:$6$x:1::::::\n"); (data / "shadow-real").chmod(0o644)
(etc / "shadow").symlink_to("../data/shadow-real")
(etc / "gshadow").symlink_to(WORK / "nowhere" / "gshadow")
(etc / "loop-a").symlink_to("loop-b"); (etc / "loop-b").symlink_to("loop-a")
# ssl/private a link to a folder elsewhere, which links back to itself and to its parent
keys = WORK / "vault" / "keys"; keys.mkdir(parents=True); (WORK / "vault" / "note").write_text("n")
(keys / "key.pem").write_text("k"); (keys / "key.pem").chmod(0o640)
(keys / "self").symlink_to("."); (keys / "up").symlink_to("..")
(WORK / "ssl").mkdir(); (WORK / "ssl" / "private").symlink_to(keys)
many = WORK / "many"; many.mkdir()
for i in range(210):
    (many / f"f{i:03d}").write_text("x")
# logs: one rotated since the probe started (nothing older), one not there
started = time.time() - 30
stamp = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
(WORK / "rotated.log").write_text(f"{stamp(started + 20)} auth: login failed for admin\nno time\n")
logs = [str(WORK / "rotated.log"), str(WORK / "gone.log")]
access_ = access(WORK, port, key_file=key.name, logs=logs)
probe_plan, test = plan(access_, "device_session", sensitive_paths=[str(etc), str(WORK / "ssl" / "private")])
run, tables = device_session_test("127.0.0.1", probe_plan, test, probe_started=started)
probe_plan, test = plan(access(WORK, port, key_file=key.name), "device_session", sensitive_paths=[str(many)])
cut_run, cut_tables = device_session_test("127.0.0.1", probe_plan, test, probe_started=started)
RESULT.update(run=as_json(run), tables=tables, cut_run=as_json(cut_run), cut_rows=cut_tables["file_modes"],
              work=str(WORK), started=started)
"""


@pytest.mark.parametrize("tools", ["host", "minimal"])
def test_links_are_described_by_their_targets_and_logs_by_their_reach(tmp_path: Path, tools: str) -> None:
    """A link at or under a sensitive path is its target (a folder's contents listed through it); a link
    that cannot be resolved is a row with its error; loops end; a listing cut at max_files_per_path makes
    the test partial. A log that starts after the probe did says so; a missing one is a row with its error."""
    got = run_session_driver(tmp_path, f"TOOLS = {tools!r}\n" + SESSION_LINKS)
    work, run, tables = got["work"], got["run"], got["tables"]
    assert run["status"] == "completed", run["detail"]
    modes = {r["path"]: r for r in tables["file_modes"]}
    shadow = modes[f"{work}/etc/shadow"]
    assert (shadow["type"], shadow["mode"], shadow["owner"], shadow["target"], shadow["error"]) == (
        "file", "0644", "root", f"{work}/data/shadow-real", None,
    )  # fmt: skip
    gshadow = modes[f"{work}/etc/gshadow"]
    assert (gshadow["type"], gshadow["mode"], gshadow["exists"]) == ("link", None, True)
    assert "cannot be" in gshadow["error"]
    for name in ("loop-a", "loop-b"):
        loop = modes[f"{work}/etc/{name}"]
        assert (loop["type"], loop["mode"], loop["target"]) == ("link", None, None)
        assert "cannot be resolved" in loop["error"]
    private = modes[f"{work}/ssl/private"]
    assert (private["type"], private["mode"], private["target"]) == ("dir", "0755", f"{work}/vault/keys")
    key = modes[f"{work}/ssl/private/key.pem"]  # found through the link, named as the unit's software sees it
    assert (key["type"], key["mode"], key["target"]) == ("file", "0640", None)
    assert modes[f"{work}/ssl/private/self"]["target"] == f"{work}/vault/keys"
    up = modes[f"{work}/ssl/private/up"]
    assert (up["type"], up["target"]) == ("dir", f"{work}/vault")
    # the link to the parent folder is followed once, the links back into what was listed are not
    inside = f"{work}/ssl/private/"
    under = sorted(path[len(inside) :] for path in modes if path.startswith(inside))
    assert under == [
        "key.pem", "self", "up", "up/keys", "up/keys/key.pem", "up/keys/self", "up/keys/up", "up/note",
    ], under  # fmt: skip
    assert len(tables["file_modes"]) == len(modes)  # each path once

    rotated, gone = tables["log_files"]
    assert (rotated["exists"], rotated["whole_file"], rotated["lines_read"], rotated["untimed_lines"]) == (
        True, True, 2, 1,
    )  # fmt: skip
    assert rotated["earliest"] > got["started"]  # the log does not reach back to the probe's start
    assert rotated["earliest"] == rotated["latest"]
    assert (gone["exists"], gone["error"].startswith(f"cannot read {work}/gone.log")) == (False, True)
    kept = [(r["line"], r["event"], r["in_window"]) for r in tables["device_log"]]
    assert kept == [(1, "failed_login", True), (2, "other", None)]

    cut = got["cut_run"]
    assert cut["status"] == "partial" and f"list all of {work}/many (cut at 200 entries" in cut["detail"]
    assert len(got["cut_rows"]) == 200


NOT_ROOT = """
from workbench.probe.session import device_session_test
port, key = ssh_server(WORK, as_uid=65534)
tcp = socket.socket(); tcp.bind(("127.0.0.1", 0)); tcp.listen(); SOCKETS.append(tcp)
probe_plan, test = plan(access(WORK, port, key_file=key.name), "device_session", sensitive_paths=[])
run, tables = device_session_test("127.0.0.1", probe_plan, test, probe_started=time.time())
RESULT.update(run=as_json(run), tables=tables, tcp=tcp.getsockname()[1])
"""


def test_a_shell_that_is_not_root_sees_only_the_sockets_owner(tmp_path: Path) -> None:
    got = run_session_driver(tmp_path, NOT_ROOT)
    assert got["run"]["status"] == "completed", got["run"]["detail"]
    (mine,) = [r for r in got["tables"]["listeners"] if r["port"] == got["tcp"]]
    assert (mine["source"], mine["uid"], mine["user"], mine["pid"], mine["uids"]) == (
        "socket",
        0,
        "root",
        None,
        None,
    )
    assert "without their process" in got["run"]["detail"]


HOSTILE = r"""
import hashlib
from workbench.probe.session import device_session_test
from workbench.probe.shell import UnitShell, OUTPUT_LIMIT
port, key = ssh_server(WORK, banner="Welcome\x1b[2J <b>unit</b>\x07")
# generous time: under a loaded CI machine only the hung command (1 s) may be cut
probe_plan, test = plan(access(WORK, port, key_file=key.name), "device_session", budget_s=600,
                        exchange_timeout_s=60)
shell = UnitShell("127.0.0.1", probe_plan.access, test).connect()
hung = shell.run("sleep 60", "clock", timeout_s=1)
after = shell.run("echo still here", "clock")
huge = shell.run("head -c 10000000 /dev/zero | tr '\\0' A; echo oops >&2", "logs")
garbage = shell.run(r"printf '\377\376<b>x</b>\033[31m\000tail'; exit 3", "clock")
upload = os.urandom(3_000_000)
sent = shell.run(f"cat > {WORK}/up.bin && sha256sum {WORK}/up.bin", "upload", stdin=upload)
early = shell.run("exit 5", "upload", stdin=upload * 4)  # ends without reading its input
shell.close()
gone = UnitShell("127.0.0.1", probe_plan.access, test)
gone.run("true", "clock")  # never connected
RESULT.update(rows=shell.rows, huge_kept=len(huge.stdout), limit=OUTPUT_LIMIT, huge_bytes=huge.output_bytes,
              upload_sum=hashlib.sha256(upload).hexdigest(), gone=gone.rows)
# a wrong password, a wrong key, nothing listening, a server that never speaks
wrong_password = access(WORK, port, password="nope")
_, other_key = ssh_server(WORK, key=True)
outcomes = {}
for name, access_ in {"password": wrong_password, "key": access(WORK, port, key_file=other_key.name),
                      "refused": access(WORK, free_port(), password="x"),
                      "silent": access(WORK, silent_server(free_port()), password="x")}.items():
    probe_plan, test = plan(access_, "device_session", exchange_timeout_s=2)
    outcomes[name] = device_session_test("127.0.0.1", probe_plan, test, time.time())
RESULT["refused"] = {k: {"run": as_json(run), "tables": tables} for k, (run, tables) in outcomes.items()}
# a log that does not exist: a log_files row with the error; everything else ran: the test is completed
logs = ["/nonexistent/log", str(WORK / "up.bin")]
access_ = access(WORK, port, key_file=key.name, logs=logs)
probe_plan, test = plan(access_, "device_session", sensitive_paths=[])
run, tables = device_session_test("127.0.0.1", probe_plan, test, time.time())
RESULT["missing_log"] = {"run": as_json(run), "tables": tables}
"""


def test_a_hostile_unit_gives_rows_not_crashes(tmp_path: Path) -> None:
    got = run_session_driver(tmp_path, HOSTILE)
    connect, hung, after, huge, garbage, sent, early = got["rows"]
    assert connect["purpose"] == "connect" and "SHA256:" in connect["output"]
    assert "\x1b" not in connect["output"] and "\x07" not in connect["output"] and "unit" in connect["output"]
    assert hung["exit_status"] is None and hung["error"].startswith("cut after")
    assert (after["exit_status"], after["output"]) == (0, "still here")
    assert huge["exit_status"] == 0 and huge["output_bytes"] == 10_000_000 + len("oops\n")
    assert got["huge_kept"] == got["limit"] and len(huge["output"]) <= 4096
    assert garbage["exit_status"] == 3, garbage
    assert garbage["output"].isprintable() and "<b>x</b>" in garbage["output"]
    assert sent["exit_status"] == 0 and sent["output"].startswith(got["upload_sum"]), sent
    assert (early["exit_status"], early["error"]) == (5, ""), early
    (gone,) = got["gone"]
    assert gone["exit_status"] is None and "not run" in gone["error"]

    refused = got["refused"]
    for name in ("password", "key"):
        run = refused[name]["run"]
        assert run["status"] == "error" and "login refused for root" in run["detail"], run
        (row,) = refused[name]["tables"]["session"]
        assert row["purpose"] == "connect" and "login refused" in row["error"]
        assert not any(refused[name]["tables"][t] for t in ("listeners", "file_modes", "device_log"))
    assert refused["refused"]["run"]["status"] == "error"
    assert "refused" in refused["refused"]["run"]["detail"]
    assert (
        refused["silent"]["run"]["status"] == "error" and refused["silent"]["tables"]["session"][0]["error"]
    )

    missing = got["missing_log"]
    assert missing["run"]["status"] == "completed" and "/nonexistent/log" in missing["run"]["detail"]
    (row,) = [r for r in missing["tables"]["session"] if "/nonexistent/log" in r["command"]]
    assert (
        row["purpose"] == "logs"
        and row["exit_status"] != 0
        and "cannot read /nonexistent/log" in row["error"]
    )
    assert missing["tables"]["listeners"] and missing["tables"]["device_clock"]  # the other parts ran
    absent, binary = missing["tables"]["log_files"]
    assert (absent["file"], absent["exists"], absent["bytes"], absent["lines_read"]) == (
        "/nonexistent/log", False, None, None,
    )  # fmt: skip
    assert absent["error"] == row["error"] and binary["exists"] and binary["bytes"] == 3_000_000


# --- the parsers, on raw output a unit could print ----------------------------------------------------
NET = """#file tcp
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1
   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 2222 1
   2: 0100007F:0016 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3333 1
   3: garbage
#file tcp6
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 4444 1
   1: 0000000000000000FFFF00000100007F:01BB 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 5555 1
#file udp
   0: 00000000:0202 00000000:0000 07 00000000:00000000 00:00000000 00000000   65534    0 6666 2
   1: 0100007F:0203 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 7777 2
#file udp6
   0: 00000000000000000000000001000000:1633 00000000000000000000000000000000:0000 07 0:0 0:0 0 0 0 8888 2
"""


def test_proc_net_listeners_are_parsed() -> None:
    sockets = net.parse_net(
        NET + "#file bogus\n   0: 0100007F:0016 00000000:0000 0A 0 0 0 0 0 9999\n\x00\xff"
    )
    got = {(s.transport, s.address, s.port, s.uid, s.inode) for s in sockets}
    assert got == {
        ("tcp", "127.0.0.1", 22, 0, 1111), ("tcp", "0.0.0.0", 80, 33, 2222), ("tcp", "::", 8080, 0, 4444),
        ("tcp", "::ffff:127.0.0.1", 443, 0, 5555), ("udp", "0.0.0.0", 514, 65534, 6666),
        ("udp", "::1", 5683, 0, 8888),
    }  # fmt: skip


def test_socket_holders_and_processes_are_parsed() -> None:
    listing = (
        "/proc/1/fd/:\nlrwx------ 1 root root 64 Jan 1 00:00 3 -> socket:[1111]\n"
        "/proc/50/fd/:\nlrwx------ 1 root root 64 Jan 1 00:00 4 -> socket:[2222]\n"
        "/proc/51/fd/:\nlrwx------ 1 www www 64 Jan 1 00:00 4 -> socket:[2222]\n"
        "/proc/77/fd/5 socket:[6666]\nnonsense -> socket:[bad]\n"
    )
    assert net.parse_fds(listing) == {1111: 1, 2222: 50, 6666: 77}
    status = (
        "#pid 50\nName:\tlighttpd\nUid:\t0\t33\t33\t33\nGid:\t0\t0\t0\t0\n#comm lighttpd\n\n#cmdline "
        "lighttpd\0-f\0/etc/lighttpd.conf\0\n#pid 77\nUid:\tx y\n#comm \x1b[31mevil\n\n#cmdline \n#pid abc\n"
    )
    processes = net.parse_processes(status)
    assert (
        processes[50].uids == [0, 33, 33, 33]
        and processes[50].command_line == "lighttpd -f /etc/lighttpd.conf"
    )
    assert processes[77].uids is None and processes[77].name == "[31mevil"
    users = net.parse_ids("root:x:0:0::/root:/bin/sh\nwww:x:33:33::/:/bin/false\nbroken\n:x:5:5\n")
    assert users == {0: "root", 33: "www"}
    rows = net.listener_rows(net.parse_net(NET), {1111: 1, 2222: 50, 6666: 77}, processes, users)
    web = next(r for r in rows if r["port"] == 80)
    assert (web["uid"], web["user"], web["pid"], web["uids"], web["source"]) == (
        33,
        "www",
        50,
        "0 33 33 33",
        "process",
    )
    syslog = next(r for r in rows if r["port"] == 514)
    assert (syslog["uid"], syslog["pid"], syslog["source"]) == (65534, 77, "socket")  # no Uid: line
    assert net.process_command([5, 6]).startswith("for p in 5 6;")


def test_file_listings_are_parsed() -> None:
    text = (
        "#root /etc/ssl/private\n#path /etc/ssl/private\n41ed 0 0\n"
        "#path /etc/ssl/private/k ey.pem\n81a0 0 42\n"
        "#path /etc/ssl/private/link\n#link /data/real\n81a4 0 0\n#path /etc/ssl/private/dangling\n#link \n"
        "#unreadable\n#path /etc/ssl/private/ls\n-rw-r----- 1 0 42 512 Jan  1 00:00 /etc/ssl/private/ls\n"
        "garbage line\n#incomplete\n#more\n"
    )
    listing = files.parse_listing(text)
    assert (listing.root, listing.more, listing.incomplete) == ("/etc/ssl/private", True, True)
    assert listing.entries is not None
    got = [(e.path, e.mode, e.uid, e.gid, e.link, e.target) for e in listing.entries]
    assert got == [
        ("/etc/ssl/private", 0o40755, 0, 0, False, ""),
        ("/etc/ssl/private/k ey.pem", 0o100640, 0, 42, False, ""),
        ("/etc/ssl/private/link", 0o100644, 0, 0, True, "/data/real"),
        ("/etc/ssl/private/dangling", None, None, None, True, ""),
        ("/etc/ssl/private/ls", 0o100640, 0, 42, False, ""),
    ]  # fmt: skip
    assert files.parse_listing("#missing\n").entries is None
    rows = files.file_rows("/etc/ssl/private", listing.entries, 4, {0: "root"}, {42: "ssl-cert"})
    assert [(r["type"], r["mode"], r["owner"], r["group"], r["target"], bool(r["error"])) for r in rows] == [
        ("dir", "0755", "root", None, None, False), ("file", "0640", "root", "ssl-cert", None, False),
        ("file", "0644", "root", None, "/data/real", False), ("link", None, None, None, None, True),
    ]  # fmt: skip
    assert "'/a b $(x)'" in files.listing_command("/a b $(x)", 5)


def test_log_times_events_and_line_numbers() -> None:
    clock = logs.DeviceClock(device_time=1_767_225_600, zone_s=3600, offset_s=0.0)  # 2026-01-01T00:00:00Z
    assert logs.logged_at("2025-12-31T23:59:58Z sshd: x", clock) == 1_767_225_598
    assert logs.logged_at("[2025-12-31T23:59:58.5+01:00] x", clock) == 1_767_225_598.5 - 3600
    assert logs.logged_at("2026-01-01 01:00:00 x", clock) == 1_767_225_600  # the unit's zone
    assert logs.logged_at("Jan  1 00:59:59 cam sshd: x", clock) == 1_767_225_599
    assert logs.logged_at("<34>Dec 31 23:00:00 cam x", clock) == 1_767_218_400  # last December
    unreadable = ("Feb 30 10:00:00 x", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T25:00:00Z")
    for garbage in (*unreadable, "", "\xff\x00"):
        assert logs.logged_at(garbage, clock) is None
    events = load_catalog("2026.4").live_tests["device_session"]["log_events"]
    rules = logs.EventRules.from_settings({**events, "broken": ["(unclosed"]})
    assert rules.broken == ["broken: (unclosed"]
    assert rules.event("sshd[1]: Failed password for root") == "failed_login"
    assert rules.event("Invalid user admin from 127.0.0.1") == "failed_login"
    assert rules.event("PASSWORD CHANGED for admin") == "password_change"
    assert rules.event("Firmware upgrade done") == "update"
    assert rules.event("link up") == "other"
    output = b"#size 30\n#lines 3\n" + b"ne one\nline two\r\nline three\n"  # the tail starts inside line 1
    tail = logs.read_tail(output, 24)
    assert tail == logs.LogTail(30, False, [(2, b"line two"), (3, b"line three")])
    whole = logs.read_tail(b"#size 12\n#lines 1\n" + b"only\npartial", 100)
    assert whole == logs.LogTail(12, True, [(1, b"only"), (2, b"partial")])
    assert logs.read_tail(b"#size 0\n#lines 0\n", 10) == logs.LogTail(0, True, [])
    assert logs.read_tail(b"sh: can't open\n", 10) is None
    assert logs.read_tail(b"#size x\n#lines 1\n", 9) is None


def test_log_lines_kept_and_how_far_back_they_reach() -> None:
    """Lines in the window, and the untimed ones right after a kept line; the earliest and latest time read
    with the unit's clock offset taken off."""
    clock = logs.DeviceClock(device_time=1_767_225_700, zone_s=0, offset_s=100.0)  # the unit 100 s ahead
    lines = [
        (1, b"untimed before anything"), (2, b"2026-01-01T00:00:00Z old: auth failed"),
        (3, b"  untimed after old"), (4, b"2026-01-01T00:01:45Z sshd: login failed"),
        (5, b"  its continuation"), (6, b"\xff\xfe"), (7, b"2026-01-01T00:01:50Z kernel: up"),
        (8, b"2026-01-01T09:00:00Z the future"), (9, b"untimed after"),
    ]  # fmt: skip
    rules = logs.EventRules.from_settings(load_catalog("2026.4").live_tests["device_session"]["log_events"])
    window = (1_767_225_600.0, 1_767_225_620.0)  # this machine's time: 00:00:00 to 00:00:20
    rows, count = logs.log_rows("/var/log/messages", lines, clock, rules, window)
    assert [(r["line"], r["in_window"], r["event"]) for r in rows] == [
        (4, True, "failed_login"), (5, None, "other"), (6, None, "other"), (7, True, "other"),
    ]  # fmt: skip
    assert (count.read, count.timeless, count.kept) == (9, 5, 4)
    assert (count.earliest, count.latest) == (1_767_225_600 - 100, 1_767_258_000 - 100)
    row = logs.file_row("/var/log/messages", logs.LogTail(900, False, lines), count)
    assert (row["bytes"], row["whole_file"], row["lines_read"], row["untimed_lines"], row["exists"]) == (
        900, False, 9, 5, True,
    )  # fmt: skip
    assert row["earliest"] == 1_767_225_500 and row["error"] is None
    missing = logs.file_row("/x", None, None, "cannot read /x: \x1b[31mNo such file")
    assert (missing["exists"], missing["bytes"], missing["earliest"]) == (False, None, None)
    assert "\x1b" not in missing["error"]


RUNNER = r"""
from workbench.probe.runner import run_probe
from workbench.probe.plan import ProbePlan
port, key = ssh_server(WORK)
(WORK / "fw.bin").write_bytes(os.urandom(5000))
(WORK / "messages").write_text("no time\n")
update = {"image": "fw.bin", "upload_dir": str(WORK), "command": "true {image}"}
access_ = access(WORK, port, key_file=key.name, logs=[str(WORK / "messages")], update=update,
                 version_command="echo 1.0")
_, session = plan(access_, "device_session", sensitive_paths=[str(WORK / "fw.bin")])
_, upgrade = plan(access_, "update")
probe = ProbePlan("127.0.0.1", "quick", "lo", [session, upgrade], access=access_)  # TEST_ORDER's
done = run_probe(probe, WORK)
RESULT.update(results=str(done.results_path), capture=str(done.capture_path), port=port)
"""


def test_the_runner_records_the_session_with_its_packets(tmp_path: Path) -> None:
    """Through run_probe: the rows fit the tables' schema, each command's row names packets of the shell's
    port from the evidence capture (read back with scapy), the results keep no secret of the access."""
    from netns_run import tcp_packets

    from workbench.probe.results import ProbeResults

    got = run_session_driver(tmp_path, RUNNER)
    results = ProbeResults.load(Path(got["results"]))
    statuses = [(t.name, t.status) for t in results.tests]
    assert statuses == [("device_session", "completed"), ("update", "completed")], results.tests
    for table in ("session", "listeners", "file_modes", "device_log", "log_files", "device_clock", "updates"):
        results.frame(table)
    assert not results.warnings, results.warnings
    packets = tcp_packets(Path(got["capture"]))
    on_port = {p["number"] for p in packets if got["port"] in (p["sport"], p["dport"])}
    session = results.tables["session"]
    assert all(r["packet_count"] > 0 and set(r["packets"]) <= on_port for r in session), session
    assert all(r["packet_count"] > 0 for r in results.tables["updates"])
    key_file = results.plan["access"]["shell"]["key_file"]
    assert key_file == Path(key_file).name  # a name only
    assert "PRIVATE KEY" not in Path(got["results"]).read_text()


# --- the simulated cameras' own test access ------------------------------------------------------------
CAMERA = r"""
import dataclasses, json, sys, time
from pathlib import Path
from workbench.catalog import load_catalog
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.session import device_session_test
from workbench.probe.update import update_test
from workbench.probe.vendor_access import load_access
state = json.loads(Path(sys.argv[1]).read_text())
catalog = load_catalog("2026.4")
def test_plan(name, **more):
    values = {**catalog.live_tests[name], **more}
    return TestPlan(name, float(values.pop("rate_per_s")), float(values.pop("budget_s")), values)
access = load_access(Path(state["access"]))
probe = ProbePlan("127.0.0.1", "quick", "lo", [], access=access)
started = time.time()
out = {"state": state}
paths = catalog.get("SEC-03").parameters["sensitive_paths"]
session = test_plan("device_session", sensitive_paths=paths)
run, out["session"] = device_session_test("127.0.0.1", probe, session, started)  # TEST_ORDER: the update last
out["session_run"] = dataclasses.asdict(run)
run, out["update"] = update_test("127.0.0.1", probe, test_plan("update"))
out["update_run"] = dataclasses.asdict(run)
run, out["after"] = device_session_test("127.0.0.1", probe, test_plan("device_session"), started)
out["after_run"] = dataclasses.asdict(run)  # the log again, with the updater's lines
Path(sys.argv[2]).write_text(json.dumps(out))
"""


@pytest.fixture(scope="module", params=["defective", "clean"])
def camera(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The simulated camera started as the product starts it (`python -m workbench.simdevice`, its own
    namespace), CAMERA as its command: the device session, the update test, and the session's log again,
    through the test access the camera grants (WORKDIR/test-access.yaml, read by the probe's loader)."""
    from workbench.simdevice.netns import in_netns, netns_problem

    problem = netns_problem()
    if problem:
        pytest.skip(f"the simulated camera runs in a private network namespace: {problem}")
    tmp_path = tmp_path_factory.mktemp(request.param)
    driver, ready, out = tmp_path / "camera.py", tmp_path / "ready.json", tmp_path / "out.json"
    driver.write_text(CAMERA)
    command = [sys.executable, "-m", "workbench.simdevice", "--variant", request.param, "--workdir",
               str(tmp_path / "camera"), "--ready-file", str(ready), "--", sys.executable, str(driver),
               str(ready), str(out)]  # fmt: skip
    done = subprocess.run(in_netns(command), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"variant": request.param, **json.loads(out.read_text())}


def test_the_simulated_camera_through_its_test_access(camera: dict[str, Any]) -> None:
    """What docs/SIMDEVICE.md plants on each camera, found by the probe: ATK-07 (who runs each server),
    SEC-03 (the mode of /etc/shadow), UPD-01/UPD-04 (tampered and genuine update), LOG-01 (updates logged)."""
    clean = camera["variant"] == "clean"
    assert camera["update_run"]["status"] == "completed", camera["update_run"]["detail"]
    assert camera["session_run"]["status"] == "completed", camera["session_run"]["detail"]
    assert camera["after_run"]["status"] == "completed", camera["after_run"]["detail"]
    tampered, genuine = camera["update"]["updates"]
    assert (tampered["image"], tampered["accepted"], genuine["image"], genuine["accepted"]) == (
        "tampered",
        not clean,
        "genuine",
        True,
    )
    assert genuine["version_after"] == "2.1.1" and tampered["version_before"] == "2.1"
    assert (tampered["version_after"] == "2.1") is clean

    session = camera["session"]
    listeners = {r["port"]: r for r in session["listeners"] if r["transport"] == "tcp"}
    assert set(camera["state"]["ports"]) <= set(listeners)
    for port in camera["state"]["ports"]:
        row = listeners[port]
        assert row["source"] == "process", row
        if port == 22:  # the state names the PID namespace's launcher; dropbear holds the socket
            assert row["process"] == "dropbear", row
        else:
            assert row["pid"] == camera["state"]["pids"][str(port)], row
        expected = 65534 if clean and port in (443, 554) else 0  # the clean camera's web and RTSP: nobody
        assert row["uid"] == expected, row
    (shadow,) = [r for r in session["file_modes"] if r["path"] == "/etc/shadow"]
    assert shadow["mode"] == ("0600" if clean else "0644") and shadow["owner"] == "root"
    (log,) = session["log_files"]
    assert (log["file"], log["exists"], log["whole_file"]) == ("/var/log/messages", True, True)
    assert log["earliest"] is not None and log["latest"] >= log["earliest"]
    # the updater's own lines (the boot lines naming "firmware 2.1" match the catalogue's update regex too)
    assert not any("fw_upgrade" in r["text"] for r in session["device_log"])  # before the update
    after = camera["after"]["device_log"]
    updates = [r for r in after if r["event"] == "update" and "fw_upgrade" in r["text"]]
    assert [("refused" in r["text"], r["in_window"]) for r in updates] == (
        [(True, True), (False, True)] if clean else []
    ), updates
    (clock,) = session["device_clock"]
    assert abs(clock["offset_s"]) < 5
