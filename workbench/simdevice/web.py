"""The clean camera's web interface: HTTPS only (TLS 1.2 and up, ECDHE with AES-GCM or ChaCha20), every page
behind HTTP Basic with the unit's own password, failures slowed down and a lockout after five, the
security headers a browser needs, and the documented way to change the password (POST /password, the
user manual's 4.2). Failed logins, lockouts and password changes go to the unit's security log."""

from __future__ import annotations

import base64
import hmac
import html
import http.server
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from .devlog import DeviceLog
from .files import FIRMWARE, MODEL
from .lockout import Lockout
from .password import PasswordHolder, unacceptable
from .tcp import HOST

USER = "admin"
SUITES = "ECDHE+AESGCM:ECDHE+CHACHA20"
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
LOGIN_PAGE = (f"<!DOCTYPE html><html><head><title>{MODEL} - sign in</title></head><body><h1>{MODEL}</h1>"
              f"<p>firmware {FIRMWARE}</p><p>Sign in with the password on the unit's label.</p>"
              "</body></html>")
STATUS_PAGE = (f"<!DOCTYPE html><html><head><title>{MODEL}</title></head><body><h1>{MODEL}</h1>"
               f"<p>firmware {FIRMWARE}</p><p>Signed in.</p></body></html>")
PASSWORD_PAGE = (f"<!DOCTYPE html><html><head><title>{MODEL} - change password</title></head><body>"
                 f"<h1>{MODEL}</h1><form method=\"post\" action=\"/password\">"
                 "<label>Current password <input type=\"password\" name=\"current\"></label>"
                 "<label>New password (8 characters or more) <input type=\"password\" name=\"new\"></label>"
                 "<button>Change</button></form></body></html>")
PASSWORD_PATH = "/password"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM = 4096
HANDSHAKE_TIMEOUT_S = 10.0
SERVICE = "https"


@dataclass
class WebSettings:
    password: PasswordHolder
    log: DeviceLog
    lockout: Lockout = field(default_factory=Lockout)


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(SUITES)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_RENEGOTIATION
    context.load_cert_chain(cert, key)
    return context


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        user, sep, password = base64.b64decode(header[6:1030].strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):   # binascii.Error, or a character outside ASCII
        return None
    return (user, password) if sep else None


class WebHandler(http.server.BaseHTTPRequestHandler):
    server: HttpsServer
    timeout = 30

    def version_string(self) -> str:
        return "uhttpd"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(HANDSHAKE_TIMEOUT_S)
        self.connection.do_handshake()    # here, in the client's thread, not in the accept loop
        self.connection.settimeout(self.timeout)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Quiet: the device keeps no access log on stderr."""

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if self.signed_in():
            self.page(200, PASSWORD_PAGE if self.path == PASSWORD_PATH else STATUS_PAGE)

    def do_POST(self) -> None:
        if self.path != PASSWORD_PATH:
            return self.page(404, "No such page.")
        if self.signed_in():
            self.change_password()

    def signed_in(self) -> bool:
        """HTTP Basic as admin with the current password; otherwise the answer (401, 429) is sent."""
        settings = self.server.settings
        client = self.client_address[0]
        wait = settings.lockout.retry_after(client)
        if wait:
            self.page(429, "Too many failed sign-ins; try again later.", {"Retry-After": str(wait)})
            return False
        given = basic_credentials(self.headers.get("Authorization"))
        if given is not None and given[0] == USER and hmac.compare_digest(given[1], settings.password.get()):
            settings.lockout.succeeded(client)
            return True
        if given is not None:
            self.failed(given[0], "login failed")
        self.page(401, LOGIN_PAGE, {"WWW-Authenticate": f'Basic realm="{MODEL}", charset="UTF-8"'})
        return False

    def failed(self, user: str, what: str, detail: str = "") -> None:
        """A wrong password: logged, counted toward the lockout, answered later each time."""
        settings = self.server.settings
        settings.log.client_event(what, user, self.client_address, SERVICE, detail)
        time.sleep(settings.lockout.failed_and_logged(self.client_address[0], settings.log, SERVICE))

    def change_password(self) -> None:
        settings = self.server.settings
        form = self.form()
        if form is None:
            return self.page(400, f"Send the form as {FORM_TYPE}.")
        current, new = form.get("current", ""), form.get("new", "")
        if not hmac.compare_digest(current.encode(), settings.password.get().encode()):
            self.failed(USER, "password change refused", "wrong current password")
            return self.page(403, "The current password is wrong.")
        problem = unacceptable(new, current)
        if problem:
            return self.page(400, f"Password not changed: {problem}.")
        settings.password.set(new)
        settings.log.client_event("password changed", USER, self.client_address, SERVICE)
        self.page(200, "password changed")

    def form(self) -> dict[str, str] | None:
        """The posted form's fields (the first value of each), None when it is not a form or too large."""
        kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        length = self.headers.get("Content-Length", "")
        if kind != FORM_TYPE or not length.isdigit() or int(length) > MAX_FORM:
            return None
        body = self.rfile.read(int(length)).decode("utf-8", "replace")
        try:
            fields = urllib.parse.parse_qs(body, keep_blank_values=True, max_num_fields=16)
        except ValueError:
            return None
        return {name: values[0] for name, values in fields.items()}

    def page(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        if not body.startswith("<!DOCTYPE"):
            body = f"<!DOCTYPE html><html><body><p>{html.escape(body)}</p></body></html>"
        data = body.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class HttpsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, port: int, context: ssl.SSLContext, settings: WebSettings) -> None:
        super().__init__((HOST, port), WebHandler)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.settings = settings

    def handle_error(self, request: object, client_address: object) -> None:
        """A failed handshake (TLS 1.0, a weak suite) or a client that hangs up: no traceback."""

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                         name=f"simdevice-https/{self.server_address[1]}", daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
