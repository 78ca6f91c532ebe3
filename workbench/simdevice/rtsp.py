"""An RTSP/1.0 server (the camera's video stream; no Debian package fits): OPTIONS and DESCRIBE, with no
authentication (defective) or Digest authentication with the unit's password, a lockout and failed logins
in the security log (clean). No media is sent."""

from __future__ import annotations

import collections
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from .devlog import DeviceLog
from .files import FIRMWARE, MODEL
from .lockout import Lockout
from .password import PasswordHolder
from .tcp import Handler, Server

REALM = MODEL
USER = "admin"
MAX_BODY = 65536
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"
SDP = (f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns={MODEL} live\r\ni=firmware {FIRMWARE}\r\nc=IN IP4 0.0.0.0\r\n"
       "t=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n")
PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')
SERVICE = "rtsp"
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 405: "Method Not Allowed",
           413: "Request Entity Too Large", 455: "Method Not Valid in This State", 503: "Service Unavailable"}


@dataclass
class RtspSettings:
    password: PasswordHolder | None = None      # None: no authentication at all
    crash_over: int | None = None               # a request line this long stops the server (defective)
    log: DeviceLog = field(default_factory=lambda: DeviceLog(None, "rtspd"))
    lockout: Lockout = field(default_factory=Lockout)
    nonces: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=1024))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def new_nonce(self) -> str:
        nonce = secrets.token_hex(16)
        with self.lock:
            self.nonces.append(nonce)
        return nonce

    def issued(self, nonce: str) -> bool:
        with self.lock:
            return nonce in self.nonces


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest_params(authorization: str) -> dict[str, str]:
    """The fields of a Digest Authorization header (empty for another scheme)."""
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "digest":
        return {}
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in PARAM.finditer(rest[:4096])}


def digest_valid(params: dict[str, str], method: str, settings: RtspSettings) -> bool:
    """RFC 2617 Digest (MD5, with or without qop=auth) for USER with the device password."""
    if settings.password is None:
        return False
    nonce, uri, given = params.get("nonce", ""), params.get("uri", ""), params.get("response", "")
    if params.get("username") != USER or params.get("realm") != REALM or not settings.issued(nonce):
        return False
    ha1, ha2 = md5(f"{USER}:{REALM}:{settings.password.get()}"), md5(f"{method}:{uri}")
    if params.get("qop") == "auth":
        expected = md5(f"{ha1}:{nonce}:{params.get('nc', '')}:{params.get('cnonce', '')}:auth:{ha2}")
    else:
        expected = md5(f"{ha1}:{nonce}:{ha2}")
    return hmac.compare_digest(expected, given.lower())


class RtspHandler(Handler):
    server: Server

    def handle(self) -> None:
        while not self.server.stopping.is_set():
            head = self.read_head()
            if head is None or not self.answer(head):
                return

    def answer(self, head: list[bytes]) -> bool:
        """Answer one request; False when the connection should end."""
        settings: RtspSettings = self.server.settings
        parts = head[0].decode("latin-1").split()
        headers = {}
        for line in head[1:]:
            name, sep, value = line.decode("latin-1").partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        cseq = headers.get("cseq", "0")
        cseq = cseq if cseq.isdigit() and len(cseq) <= 10 else "0"
        if settings.crash_over is not None and len(head[0]) >= settings.crash_over:
            # the planted input defect: a long URL overflows a fixed buffer and the daemon dies
            threading.Thread(target=self.server.stop, daemon=True).start()
            return False
        if len(parts) != 3 or not parts[2].startswith("RTSP/"):
            return self.reply(400, cseq, {}, keep=False)
        length = headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            return self.reply(413, cseq, {}, keep=False)
        if int(length):
            self.rfile.read(int(length))
        method, url = parts[0], parts[1]
        if method == "OPTIONS":
            return self.reply(200, cseq, {"Public": PUBLIC})
        if method not in PUBLIC.split(", "):
            return self.reply(405, cseq, {"Allow": PUBLIC})
        if settings.password is not None and not self.authorised(method, headers, cseq, settings):
            return True
        if method == "DESCRIBE":
            return self.reply(200, cseq, {"Content-Type": "application/sdp", "Content-Base": url[:512]}, SDP)
        return self.reply(455, cseq, {})

    def authorised(self, method: str, headers: dict[str, str], cseq: str, settings: RtspSettings) -> bool:
        client = self.client_address[0]
        wait = settings.lockout.retry_after(client)
        if wait:
            self.reply(503, cseq, {"Retry-After": str(wait)})
            return False
        authorization = headers.get("authorization")
        params = digest_params(authorization or "")
        if digest_valid(params, method, settings):
            settings.lockout.succeeded(client)
            return True
        if authorization is not None:
            user = params.get("username", "")
            settings.log.client_event("login failed", user, self.client_address, SERVICE)
            time.sleep(settings.lockout.failed_and_logged(client, settings.log, SERVICE))
        challenge = f'Digest realm="{REALM}", nonce="{settings.new_nonce()}", algorithm=MD5, qop="auth"'
        self.reply(401, cseq, {"WWW-Authenticate": challenge})
        return False

    def reply(self, status: int, cseq: str, headers: dict[str, str], body: str = "",
              keep: bool = True) -> bool:
        lines = [f"RTSP/1.0 {status} {REASONS[status]}", f"CSeq: {cseq}", f"Server: {MODEL} RTSP server"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body.encode())}")
        sent = self.send(("\r\n".join(lines) + "\r\n\r\n" + body).encode())
        return sent and keep
