"""Real servers for the protocol-client tests, inside a private network namespace.

`run_driver(tmp_path, body)` writes a driver script (this module's servers + `body`) and runs it with
`unshare -n` after bringing `lo` up: every server listens on that namespace's 127.0.0.1 and nothing
leaves it. The body calls the probe's code and stores what the test asserts on in `RESULT`; the
driver writes it as JSON. The servers are the field's own (busybox telnetd and httpd, mosquitto,
dropbear) where one is installed, and small Python ones where none is (FTP: Debian's busybox has no
ftpd; Digest with lockout; a server that never answers).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import socket
import socketserver
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from netns_run import PROCESSES, run_in_netns, wait_port
from netns_run import stop_servers as stop_processes

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TELNET_USER, TELNET_PASSWORD = "admin", "camera1"
DIGEST_USER, DIGEST_PASSWORD = "admin", "digest9"
FTP_USER, FTP_PASSWORD = "ftpuser", "ftppass"
MQTT_USER, MQTT_PASSWORD = "mqttuser", "mqttpass"
LOCKOUT_AFTER = 3


# --- the launcher (in the test process): netns_run's, with this module's servers -----------------
def run_driver(tmp_path: Path, body: str, timeout: float = 240) -> dict[str, Any]:
    """Run `body` inside a fresh network namespace with this module's servers; its RESULT, parsed."""
    return run_in_netns(tmp_path, body, timeout, module="netns_clients")


# --- the servers (in the driver, inside the namespace) -------------------------------------------
SERVERS: list[socketserver.BaseServer] = []


def stop_servers() -> None:
    """netns_run's processes and sockets, then this module's Python servers."""
    stop_processes()
    for server in SERVERS:
        server.shutdown()
        server.server_close()
    SERVERS.clear()


atexit.register(stop_servers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(command: list[str], port: int, log: Path) -> int:
    handle = log.open("wb")
    PROCESSES.append(subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT))
    wait_port(port)
    return port


def telnetd(work: Path) -> int:
    """busybox telnetd whose "login" is this test's script: it accepts TELNET_USER/TELNET_PASSWORD and
    then prints a fake `# ` prompt — it never starts a shell."""
    script = work / "fake-login.sh"
    script.write_text(
        "#!/bin/sh\n"
        "printf 'fakecam login: '\n"
        "read -r user\n"
        "printf 'Password: '\n"
        "read -r pass\n"
        "user=$(printf %s \"$user\" | tr -d '\\r'); pass=$(printf %s \"$pass\" | tr -d '\\r')\n"
        f"if [ \"$user\" = '{TELNET_USER}' ] && [ \"$pass\" = '{TELNET_PASSWORD}' ]; then\n"
        "  printf '\\r\\nBusyBox v1.35 built-in shell (ash)\\r\\n\\r\\n# '\n"
        "  sleep 5\n"
        "else\n"
        "  printf '\\r\\nLogin incorrect\\r\\n'\n"
        "fi\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    port = free_port()
    return spawn(
        ["busybox", "telnetd", "-F", "-K", "-b", f"127.0.0.1:{port}", "-p", str(port), "-l", str(script)],
        port,
        work / "telnetd.log",
    )


def telnetd_open(work: Path) -> int:
    """busybox telnetd that shows a (fake) shell prompt at once, with no login."""
    script = work / "fake-shell.sh"
    script.write_text("#!/bin/sh\nprintf '\\r\\n~ # '\nsleep 5\n", encoding="utf-8")
    script.chmod(0o755)
    port = free_port()
    return spawn(
        ["busybox", "telnetd", "-F", "-K", "-b", f"127.0.0.1:{port}", "-p", str(port), "-l", str(script)],
        port,
        work / "telnetd-open.log",
    )


def httpd_basic(work: Path, title: str = "IPCam C100 firmware 2.1.7", body: str = "") -> int:
    """busybox httpd with Basic auth admin:admin on everything."""
    root = work / "www"
    root.mkdir(exist_ok=True)
    (root / "index.html").write_text(
        f"<html><head><title>{title}</title></head><body><h1>Acme IPCam</h1>{body}</body></html>",
        encoding="utf-8",
    )
    conf = work / "httpd.conf"
    conf.write_text("/:admin:admin\n", encoding="utf-8")
    port = free_port()
    return spawn(
        [
            "busybox",
            "httpd",
            "-f",
            "-p",
            f"127.0.0.1:{port}",
            "-h",
            str(root),
            "-c",
            str(conf),
            "-r",
            "IPCam",
        ],
        port,
        work / "httpd.log",
    )


def httpd_open(work: Path, page: str) -> int:
    """busybox httpd serving `page` as / without any credentials."""
    root = work / "www-open"
    root.mkdir(exist_ok=True)
    (root / "index.html").write_text(page, encoding="utf-8")
    port = free_port()
    return spawn(
        ["busybox", "httpd", "-f", "-p", f"127.0.0.1:{port}", "-h", str(root)], port, work / "httpd-open.log"
    )


def mosquitto(work: Path, anonymous: bool) -> int:
    port = free_port()
    name = "open" if anonymous else "auth"
    conf = work / f"mosquitto-{name}.conf"
    lines = [
        f"listener {port} 127.0.0.1",
        "user root",
        "persistence false",
        f"allow_anonymous {'true' if anonymous else 'false'}",
    ]
    if not anonymous:
        passwd = work / "mosquitto.passwd"
        subprocess.run(
            ["mosquitto_passwd", "-b", "-c", str(passwd), MQTT_USER, MQTT_PASSWORD],
            check=True,
            capture_output=True,
            timeout=30,
        )
        lines.append(f"password_file {passwd}")
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spawn(["mosquitto", "-c", str(conf)], port, work / f"mosquitto-{name}.log")


def dropbear(work: Path, passwords: bool) -> int:
    """dropbear with an ed25519 host key of its own; `passwords=False` offers public keys only (-s)."""
    key = work / f"dropbear-{passwords}.key"
    if not key.exists():
        subprocess.run(
            ["dropbearkey", "-t", "ed25519", "-f", str(key)], check=True, capture_output=True, timeout=30
        )
    port = free_port()
    command = [
        "dropbear",
        "-F",
        "-E",
        "-r",
        str(key),
        "-p",
        f"127.0.0.1:{port}",
        "-P",
        str(work / f"dropbear-{port}.pid"),
    ]
    if not passwords:
        command.append("-s")
    return spawn(command, port, work / f"dropbear-{port}.log")


class _Threaded(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(handler: type[socketserver.BaseRequestHandler], **state: Any) -> int:
    server = _Threaded(("127.0.0.1", 0), handler)
    for name, value in state.items():
        setattr(server, name, value)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SERVERS.append(server)
    return int(server.server_address[1])


class _FtpHandler(socketserver.StreamRequestHandler):
    """The login part of FTP (RFC 959): anonymous, or FTP_USER/FTP_PASSWORD; nothing else."""

    def handle(self) -> None:
        self.wfile.write(b"220 fakecam FTP ready\r\n")
        user = ""
        for _ in range(20):
            line = self.rfile.readline(1024).decode("latin-1").strip()
            if not line:
                return
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "USER":
                user = arg
                self.wfile.write(b"331 Password required\r\n")
            elif verb == "PASS":
                ok = user == "anonymous" or (user, arg) == (FTP_USER, FTP_PASSWORD)
                self.wfile.write(b"230 Logged in\r\n" if ok else b"530 Login incorrect\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:
                self.wfile.write(b"502 Not implemented\r\n")


def ftpd() -> int:
    return _serve(_FtpHandler)


class _DigestHandler(socketserver.StreamRequestHandler):
    """HTTP/1.1 or RTSP/1.0 (as the request says) with Digest (MD5, qop=auth) for DIGEST_USER; after
    LOCKOUT_AFTER failures every request gets 429 with Retry-After (HTTP) or 403 + Retry-After (RTSP)."""

    def handle(self) -> None:
        for _ in range(10):
            request = self.rfile.readline(8192).decode("latin-1").strip()
            if not request:
                return
            headers: dict[str, str] = {}
            while True:
                line = self.rfile.readline(8192).decode("latin-1").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            method, target, version = (request.split(" ") + ["", "", ""])[:3]
            cseq = f"CSeq: {headers['cseq']}\r\n" if "cseq" in headers else ""
            server: Any = self.server
            if server.failures >= LOCKOUT_AFTER:
                code = "429 Too Many Requests" if version.startswith("HTTP") else "403 Forbidden"
                self._send(version, code, cseq + "Retry-After: 60\r\n")
                continue
            auth = headers.get("authorization", "")
            if auth.startswith("Digest "):
                p = dict(re.findall(r'(\w+)="?([^",]*)"?', auth[7:]))
                ha1 = _md5(f"{DIGEST_USER}:fakecam:{DIGEST_PASSWORD}")
                ha2 = _md5(f"{method}:{target}")
                expect = _md5(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:auth:{ha2}")
                if (p.get("username"), p.get("response"), p.get("uri")) == (DIGEST_USER, expect, target):
                    self._send(version, "200 OK", cseq, b"<html><title>ok</title>welcome</html>")
                    continue
                server.failures += 1
            nonce = os.urandom(8).hex()
            challenge = f'WWW-Authenticate: Digest realm="fakecam", nonce="{nonce}", qop="auth"\r\n'
            self._send(version, "401 Unauthorized", cseq + challenge)

    def _send(self, version: str, code: str, headers: str, body: bytes = b"") -> None:
        proto = "RTSP/1.0" if version.startswith("RTSP") else "HTTP/1.1"
        head = f"{proto} {code}\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
        self.wfile.write(head.encode("latin-1") + body)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_server() -> int:
    return _serve(_DigestHandler, failures=0)


class _SilentHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        time.sleep(30)  # accepts, then never answers


def silent_server() -> int:
    return _serve(_SilentHandler)


class _HostileHttpHandler(socketserver.StreamRequestHandler):
    """GET / answered with `<script>` in the title, then 10 MB of body; any path echoed unescaped."""

    def handle(self) -> None:
        request = self.rfile.readline(16384)
        while self.rfile.readline(16384).strip():
            pass
        parts = request.split(b" ")
        path = parts[1] if len(parts) > 1 else b"/"
        if len(parts) < 3 or not parts[2].startswith(b"HTTP/"):
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        if path != b"/":
            page = b"<html><body>Not found: " + path + b"</body></html>"
            self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n" % len(page) + page)
            return
        head = (
            b"HTTP/1.1 200 OK\r\nServer: EvilCam<script>x</script>\r\nContent-Length: 10485760\r\n"
            b"X-Frame-Options: DENY\r\n\r\n"
        )
        self.wfile.write(
            head + b"<html><head><title><script>alert(1)</script>Cam \x1b[31mFW 9.9</title>"
            b"</head><body><p>Model X-9 firmware 9.9.1</p>"
        )
        try:
            chunk = b"A" * 65536
            for _ in range(160):
                self.wfile.write(chunk)
        except OSError:
            pass


def hostile_http() -> int:
    return _serve(_HostileHttpHandler)


class _FragileHttpHandler(socketserver.StreamRequestHandler):
    """Answers `GET / HTTP/1.1`; anything else makes it stop listening for good (a crashed service)."""

    def handle(self) -> None:
        request = self.rfile.readline(16384)
        if request.startswith(b"GET / HTTP/1.1"):
            while self.rfile.readline(16384).strip():
                pass
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            return
        server: Any = self.server
        server.socket.close()  # no one is let in again


def fragile_http() -> int:
    return _serve(_FragileHttpHandler)


def https_server(work: Path) -> int:
    """openssl s_server -www (a status page over TLS) with a self-signed certificate of its own."""
    key, cert = work / "tls.key", work / "tls.crt"
    request = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(cert),
        "-subj",
        "/CN=fakecam",
        "-days",
        "2",
    ]
    subprocess.run(request, check=True, capture_output=True, timeout=60)
    port = free_port()
    return spawn(
        [
            "openssl",
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            f"127.0.0.1:{port}",
            "-key",
            str(key),
            "-cert",
            str(cert),
        ],
        port,
        work / "s_server.log",
    )
