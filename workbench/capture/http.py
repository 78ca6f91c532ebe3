"""HTTP/1.x (and RTSP) message heads, Basic/Digest credentials, form posts, firmware-like transfers."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl

from workbench.capture.sizes import DIGITS, decimal_size

MAX_HEAD = 16 * 1024
MAX_FORM = 64 * 1024
MAGIC_BYTES = 64

METHODS = (
    b"GET ",
    b"POST ",
    b"HEAD ",
    b"PUT ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
    b"TRACE ",
    b"PROPFIND ",
    b"SUBSCRIBE ",
    b"NOTIFY ",
    b"M-SEARCH ",
)
RTSP_METHODS = (
    b"DESCRIBE ",
    b"SETUP ",
    b"PLAY ",
    b"PAUSE ",
    b"TEARDOWN ",
    b"ANNOUNCE ",
    b"RECORD ",
    b"GET_PARAMETER ",
    b"SET_PARAMETER ",
)

PASSWORD_KEYS = re.compile(r"pass|pwd|passwd|secret|pin$|passcode|credential", re.I)
USER_KEYS = re.compile(r"^(user|username|user_name|usr|login|email|mail|account|uid|name|id)$", re.I)


class Head:
    def __init__(self, first: str, headers: dict[str, str]) -> None:
        self.first = first
        self.headers = headers

    def get(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_length(self) -> int | None:
        """The body's size; None if absent, not a number or past 2**63-1 (`length_too_large`)."""
        digits = self.length_digits
        return None if digits is None else decimal_size(digits)

    @property
    def length_too_large(self) -> bool:
        digits = self.length_digits
        return digits is not None and decimal_size(digits) is None

    @property
    def length_digits(self) -> str | None:
        value = (self.get("content-length") or "").strip()
        return value if DIGITS.fullmatch(value) else None

    @property
    def chunked(self) -> bool:
        return "chunked" in (self.get("transfer-encoding") or "").lower()


def parse_head(raw: bytes) -> Head:
    lines = raw.decode("latin-1").split("\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and len(headers) < 200:
            headers.setdefault(name.strip().lower(), value.strip())
    return Head(lines[0].rstrip("\r"), headers)


def authorization(value: str) -> tuple[str, str | None, str | None, str] | None:
    """(scheme, user, secret, detail) of an Authorization header with credentials."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8", "backslashreplace")
        except (binascii.Error, ValueError):
            return ("basic", None, rest.strip(), "HTTP Basic (not valid base64)")
        user, sep, password = decoded.partition(":")
        return ("basic", user, password if sep else None, "HTTP Basic")
    if scheme.lower() == "digest":
        params = dict(re.findall(r'(\w+)\s*=\s*"?([^",]*)"?', rest))
        detail = f"HTTP Digest, realm {params.get('realm', '')!r}, algorithm {params.get('algorithm', 'MD5')}"
        return ("digest", params.get("username"), params.get("response"), detail)
    return None


def form_credentials(body: bytes) -> tuple[str | None, str, str] | None:
    """(user, password, password field name) from an urlencoded form with a password-like field."""
    try:
        fields = parse_qsl(
            body.decode("utf-8", "backslashreplace"), keep_blank_values=True, max_num_fields=200
        )
    except ValueError:
        return None
    user = None
    secret = None
    for key, value in fields:
        if secret is None and PASSWORD_KEYS.search(key):
            secret = (key, value)
        elif user is None and USER_KEYS.match(key):
            user = value
    if secret is None:
        return None
    return user, secret[1], secret[0]


class HttpParser:
    """One direction of an HTTP/RTSP connection, fed in order; reports complete messages.

    `feed(data, number)` returns how many more bytes of this direction can be skipped unseen
    (a body whose first bytes are already kept), so the reassembler need not buffer them.
    """

    def __init__(self, on_message, from_client: bool) -> None:
        self.on_message = on_message  # on_message(head, body_start, body_size, packets, complete_body)
        self.from_client = from_client
        self.buf = bytearray()
        self.state = "head"
        self.head: Head | None = None
        self.packets: list[int] = []
        self.body_left = 0
        self.keep = 0
        self.body = bytearray()
        self.closed = False
        self.expect_no_body = 0  # responses to HEAD requests

    def feed(self, data: bytes, number: int) -> int:
        if self.closed:
            return 0
        self.buf += data
        if not self.packets or self.packets[-1] != number:
            self.packets.append(number)
        while self.buf and not self.closed:
            if self.state == "head":
                if not self._take_head():
                    break
            elif self.state == "body":
                take = min(self.body_left, len(self.buf))
                if len(self.body) < self.keep:
                    self.body += self.buf[: min(take, self.keep - len(self.body))]
                del self.buf[:take]
                self.body_left -= take
                if self.body_left == 0:
                    self._done()
                elif len(self.body) >= self.keep:
                    skip = self.body_left
                    self.body_left = 0
                    self._done()
                    return skip
            elif self.state == "chunked":
                if not self.body:
                    self._skip_chunk_header()
                self.body += self.buf[: MAGIC_BYTES - len(self.body)]
                self.buf.clear()
                if len(self.body) >= MAGIC_BYTES:
                    self._done()
                    self.closed = True  # do not walk the chunks of a whole download
            elif self.state == "until-close":
                self.body += self.buf[: self.keep - len(self.body)]
                self.buf.clear()
                if len(self.body) >= self.keep:
                    self._done()
                    self.closed = True
        return 0

    def _take_head(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        sep = 4
        if end < 0:
            end = self.buf.find(b"\n\n")
            sep = 2
        if end < 0:
            if len(self.buf) > MAX_HEAD:
                self.closed = True
            return False
        self.head = parse_head(bytes(self.buf[:end]))
        del self.buf[: end + sep]
        self.packets = self.packets[-1:]
        self.body = bytearray()
        length = self.head.content_length
        first = self.head.first
        no_body = False
        if not self.from_client:
            status = first.split(" ", 2)[1] if first.count(" ") >= 1 else ""
            no_body = status.startswith("1") or status in ("204", "304") or self._pop_head_request()
        unframed = length is None and not self.head.chunked and not self.head.length_too_large
        if no_body or length == 0 or (self.from_client and unframed):
            self._done()
            return True
        ctype = (self.head.get("content-type") or "").lower()
        self.keep = MAX_FORM if self.from_client and "x-www-form-urlencoded" in ctype else MAGIC_BYTES
        if length is not None:
            self.state, self.body_left = "body", length
        elif self.head.chunked:
            self.state = "chunked"
        else:  # no length, or one past 2**63-1: the body runs to the end of the connection
            self.state = "until-close"
        return True

    def _skip_chunk_header(self) -> None:
        nl = self.buf.find(b"\r\n")
        if 0 <= nl <= 16:
            del self.buf[: nl + 2]

    def _pop_head_request(self) -> bool:
        if self.expect_no_body > 0:
            self.expect_no_body -= 1
            return True
        return False

    def _done(self) -> None:
        assert self.head is not None
        self.on_message(self.head, bytes(self.body), self.head.content_length, list(self.packets))
        self.state = "head"
        self.head = None
        self.packets = []

    def finish(self) -> None:
        """End of data: report a message whose body was still being read."""
        if self.head is not None and not self.closed and self.state != "head":
            self._done()
