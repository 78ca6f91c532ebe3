"""The clean camera's web interface: HTTPS only (TLS 1.2 and up, ECDHE with AES-GCM or ChaCha20), every page
behind HTTP Basic with the unit's own password, failures slowed down and a lockout after five, and the
security headers a browser needs."""

from __future__ import annotations

import base64
import binascii
import hmac
import html
import http.server
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .files import FIRMWARE, MODEL
from .lockout import Lockout
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
HANDSHAKE_TIMEOUT_S = 10.0


@dataclass
class WebSettings:
    password: str
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
    except (binascii.Error, UnicodeDecodeError):
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
        settings = self.server.settings
        client = self.client_address[0]
        wait = settings.lockout.retry_after(client)
        if wait:
            return self.page(429, "Too many failed sign-ins; try again later.", {"Retry-After": str(wait)})
        given = basic_credentials(self.headers.get("Authorization"))
        if given is not None and given[0] == USER and hmac.compare_digest(given[1], settings.password):
            settings.lockout.succeeded(client)
            return self.page(200, STATUS_PAGE)
        if given is not None:
            time.sleep(settings.lockout.failed(client))
        return self.page(401, LOGIN_PAGE, {"WWW-Authenticate": f'Basic realm="{MODEL}", charset="UTF-8"'})

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

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start(port: int, cert: Path, key: Path, password: str) -> HttpsServer:
    server = HttpsServer(port, tls_context(cert, key), WebSettings(password=password))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                     name=f"simdevice-https/{port}", daemon=True).start()
    return server
