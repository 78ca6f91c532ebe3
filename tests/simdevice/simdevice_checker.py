"""Run inside the simulated device's namespace (as its CMD): connects to every port on 127.0.0.1 and asserts
what a client sees there. Usage: simdevice_checker.py VARIANT READY_FILE. Exit 0 when all holds."""

from __future__ import annotations

import base64
import ftplib
import hashlib
import http.client
import json
import socket
import ssl
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import telnetlib

HOST = "127.0.0.1"
TIMEOUT_S = 5.0
MAX_READ = 1 << 20


def open_ports(last: int = 10000) -> set[int]:
    found = set()
    for port in range(1, last + 1):
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((HOST, port)) == 0:
                found.add(port)
    return found


def listening_addresses() -> set[str]:
    """The local address (hex, as /proc/net/tcp* shows it) of every listening socket here."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":   # LISTEN
                found.add(fields[1].split(":")[0])
    return found


def telnet_login(port: int, user: str, password: str) -> bytes:
    with telnetlib.Telnet(HOST, port, TIMEOUT_S) as session:
        banner = session.read_until(b"login: ", TIMEOUT_S)
        assert b"Acme C100 login: " in banner, banner
        session.write(user.encode() + b"\r\n")
        assert b"Password: " in session.read_until(b"Password: ", TIMEOUT_S)
        session.write(password.encode() + b"\r\n")
        answer = session.expect([b"# ", b"login: "], TIMEOUT_S)[2]
        if b"# " in answer:
            canary = Path(f"/tmp/simdevice-canary-{port}")
            session.write(f"touch {canary}; $(touch {canary}) `touch {canary}`\r\n".encode())
            session.write(b"cat /etc/shadow\r\n")
            answer += session.read_until(b"sh: cat: not found", TIMEOUT_S)
            assert b"sh: touch: not found" in answer and not canary.exists(), answer   # a fake shell
        return answer


def http_get(port: int, path: str = "/", auth: tuple[str, str] | None = None,
             context: ssl.SSLContext | None = None,
             authorization: bytes | None = None) -> tuple[int, dict[str, str], str, float]:
    """Status, headers (lower-case names), body and the seconds the answer took."""
    if context is None:
        connection: http.client.HTTPConnection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
    else:
        connection = http.client.HTTPSConnection(HOST, port, timeout=TIMEOUT_S, context=context)
    headers: dict[str, str | bytes] = {}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    if authorization is not None:
        headers["Authorization"] = authorization
    started = time.monotonic()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read(MAX_READ).decode("utf-8", "replace")
    took = time.monotonic() - started
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body, took


def tls_client(version: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = context.maximum_version = version
    context.set_ciphers("ALL:@SECLEVEL=0")
    return context


def tls_version(port: int, version: ssl.TLSVersion) -> str | None:
    """The version negotiated when the client offers only `version`, None when the server refuses."""
    try:
        with socket.create_connection((HOST, port), TIMEOUT_S) as raw, \
                tls_client(version).wrap_socket(raw) as tls:
            return tls.version()
    except (ssl.SSLError, OSError):
        return None


def rtsp(port: int, method: str, authorization: str | None = None) -> tuple[int, str]:
    lines = [f"{method} rtsp://{HOST}:{port}/live RTSP/1.0", "CSeq: 7"]
    if authorization:
        lines.append(f"Authorization: {authorization}")
    with socket.create_connection((HOST, port), TIMEOUT_S) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data and len(data) < MAX_READ:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += sock.recv(4096)
    text = (head + b"\r\n\r\n" + body).decode("latin-1")
    assert text.startswith("RTSP/1.0 "), text[:200]
    assert "CSeq: 7" in text, text[:300]
    return int(text.split()[1]), text


def digest(challenge: str, method: str, uri: str, password: str) -> str:
    fields = dict(part.strip().split("=", 1) for part in challenge.split(" ", 1)[1].split(","))
    realm, nonce = fields["realm"].strip('"'), fields["nonce"].strip('"')
    ha1 = hashlib.md5(f"admin:{realm}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
    return f'Digest username="admin", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}"'


def challenge_of(text: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in text.split("\r\n")
                if line.lower().startswith("www-authenticate:"))


def mqtt_connack(port: int) -> bytes:
    client_id = b"checker"
    variable = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client_id).to_bytes(2, "big") + client_id
    with socket.create_connection((HOST, port), TIMEOUT_S) as sock:
        sock.sendall(b"\x10" + bytes([len(variable)]) + variable)
        return sock.recv(4)


def ssh_auth_methods(port: int) -> tuple[bytes, list[str]]:
    import paramiko

    with socket.create_connection((HOST, port), TIMEOUT_S) as sock:
        banner = sock.recv(256)
    transport = paramiko.Transport((HOST, port))
    try:
        transport.start_client(timeout=TIMEOUT_S)
        try:
            transport.auth_none("root")
        except paramiko.BadAuthenticationType as refused:
            return banner, list(refused.allowed_types)
        return banner, ["none"]
    finally:
        transport.close()


def check_defective(state: dict[str, object]) -> None:
    assert open_ports() == {21, 22, 23, 80, 443, 554, 1883, 2323, 8080}, open_ports()
    banner, methods = ssh_auth_methods(22)   # the test shell, on an undeclared port
    assert banner.startswith(b"SSH-2.0-dropbear") and methods == ["publickey"], (banner, methods)
    for port in (23, 2323):
        assert b"sh: cat: not found" in telnet_login(port, "root", "xc3511")
        assert b"sh: cat: not found" in telnet_login(port, "admin", "")
        assert b"Login incorrect" in telnet_login(port, "root", "wrong")
        assert b"xc3511" not in telnet_login(port, "root", "xc3511")   # the password is not echoed
    status, _, body, _ = http_get(80)
    assert status == 200 and "Acme C100" in body and "firmware 2.1" in body, (status, body)
    assert http_get(8080)[0] == 401
    timings = [http_get(8080, auth=("admin", f"wrong{n}"))[3] for n in range(8)]
    assert max(timings) < 1.0, timings                       # no login slows down
    assert http_get(8080, auth=("admin", "admin"))[0] == 200  # and none locks out
    with ftplib.FTP(HOST, timeout=TIMEOUT_S) as ftp:
        assert ftp.login().startswith("230")
        assert ftp.nlst() == []
    assert mqtt_connack(1883) == b"\x20\x02\x00\x00"
    assert tls_version(443, ssl.TLSVersion.TLSv1) == "TLSv1"
    assert tls_version(443, ssl.TLSVersion.TLSv1_2) is None
    status, text = rtsp(554, "DESCRIBE")
    assert status == 200 and "m=video" in text and "Acme C100" in text, text


def check_clean(state: dict[str, object]) -> None:
    assert open_ports() == {22, 443, 554}, open_ports()
    password = str(state["password"])
    assert len(password) >= 12 and password not in ("admin", "12345", "password")
    banner, methods = ssh_auth_methods(22)
    assert banner.startswith(b"SSH-2.0-dropbear"), banner
    assert methods == ["publickey"], methods
    assert tls_version(443, ssl.TLSVersion.TLSv1) is None
    assert tls_version(443, ssl.TLSVersion.TLSv1_1) is None
    assert tls_version(443, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    context = tls_client(ssl.TLSVersion.TLSv1_2)
    status, headers, body, _ = http_get(443, context=context)
    assert status == 401 and "Acme C100" in body and "firmware 2.1" in body, (status, body)
    assert headers["www-authenticate"].startswith("Basic")
    for name in ("strict-transport-security", "content-security-policy", "x-content-type-options",
                 "x-frame-options"):
        assert name in headers, headers
    assert http_get(443, auth=("admin", password), context=context)[0] == 200
    assert http_get(443, context=context, authorization=b"Basic \xff\xfe==")[0] == 401   # garbage: no crash
    assert http_get(443, auth=("admin", "admin"), context=context)[0] == 401   # no default: failure 1
    wrong = [http_get(443, auth=("admin", f"guess{n}"), context=context) for n in range(4)]   # failures 2-5
    assert [answer[0] for answer in wrong] == [401] * 4
    assert wrong[-1][3] > 3 * wrong[0][3], [answer[3] for answer in wrong]   # failures slow down
    status, headers, _, _ = http_get(443, auth=("admin", password), context=context)
    assert status == 429 and int(headers["retry-after"]) > 0, (status, headers)   # locked, even for the owner

    status, text = rtsp(554, "OPTIONS")
    assert status == 200
    status, text = rtsp(554, "DESCRIBE")
    assert status == 401 and challenge_of(text).startswith("Digest "), text
    uri = f"rtsp://{HOST}:554/live"
    status, text = rtsp(554, "DESCRIBE", digest(challenge_of(text), "DESCRIBE", uri, password))
    assert status == 200 and "m=video" in text, text
    for n in range(5):
        status, text = rtsp(554, "DESCRIBE")
        status, text = rtsp(554, "DESCRIBE", digest(challenge_of(text), "DESCRIBE", uri, f"guess{n}"))
        assert status == 401, text
    status, text = rtsp(554, "DESCRIBE")
    assert status == 503 and "Retry-After:" in text, text


def check_hostile(state: dict[str, object]) -> None:
    assert open_ports() == {2600, 2700, 4433, 8081}, open_ports()
    with socket.create_connection((HOST, 2600), TIMEOUT_S) as sock:
        sock.settimeout(1.0)
        sock.sendall(b"HELLO\r\n")
        try:
            got = sock.recv(100)
        except TimeoutError:
            got = None
        assert got is None, got
    assert tls_version(4433, ssl.TLSVersion.TLSv1_2) is None
    received = b""
    with socket.create_connection((HOST, 2700), TIMEOUT_S) as sock:
        while len(received) < 11 * MAX_READ and (chunk := sock.recv(65536)):
            received += chunk
    assert received.startswith(b"<script>") and len(received) >= 10 * MAX_READ, len(received)
    status, headers, body, _ = http_get(8081)
    assert status == 200 and "<title><script>" in body and "<script>" in headers["server"], (headers, body)


CHECKS: dict[str, Callable[[dict[str, object]], None]] = {
    "defective": check_defective, "clean": check_clean, "hostile": check_hostile}

if __name__ == "__main__":
    variant, ready_file = sys.argv[1], Path(sys.argv[2])
    assert listening_addresses() == {"0100007F"}, listening_addresses()   # 127.0.0.1 only
    CHECKS[variant](json.loads(ready_file.read_text()))
    print(f"checked {variant}: all as planted")
