"""Logins in clear-text dialogues: telnet, FTP, SMTP, POP3, IMAP and MQTT CONNECT.

Each parser reads the reassembled, size-capped bytes of one TCP connection: a list of chunks
`(from_client, packet_number, data)` in arrival order, and reports through `emit`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from workbench.capture.marks import Mark, packet_at
from workbench.capture.sizes import WARNING_KIND, decimal_size, oversized

Chunk = tuple[bool, int, bytes]
Emit = Callable[..., None]  # emit(protocol, username, secret, packets, detail)
Download = Callable[..., None]  # download(path, size, packets, detail)
Warn = Callable[[str, str, int | None], None]  # warn(kind, message, packet), as WarningLog.add

_LOGIN_PROMPT = re.compile(rb"(login|username|user name|user)\s*:\s*$", re.I)
_PASS_PROMPT = re.compile(rb"(password|passwd|passcode)\s*:\s*$", re.I)
_REJECTED = re.compile(rb"incorrect|failed|denied|invalid|bad password", re.I)


class Side:
    """One direction's bytes with the packet number of every offset."""

    def __init__(self, chunks: list[Chunk], from_client: bool) -> None:
        parts: list[bytes] = []
        self.marks: list[Mark] = []
        offset = 0
        for c2s, number, data in chunks:
            if c2s == from_client and data:
                self.marks.append((offset, number))
                parts.append(data)
                offset += len(data)
        self.data = b"".join(parts)

    def packet_at(self, offset: int) -> int:
        return packet_at(self.marks, offset)

    def packets_between(self, start: int, end: int) -> list[int]:
        return sorted({self.packet_at(start), *(n for o, n in self.marks if start <= o < end)})


def line_events(chunks: list[Chunk]) -> list[tuple[int, bool, bytes]]:
    """Complete lines of both directions, each with the packet where it starts, in arrival order."""
    events: list[tuple[int, bool, bytes]] = []
    pending: dict[bool, tuple[int, bytearray]] = {}
    for c2s, number, data in chunks:
        start, buf = pending.get(c2s, (number, bytearray()))
        if not buf:
            start = number
        buf += data
        while True:
            nl = buf.find(b"\n")
            if nl < 0:
                break
            events.append((start, c2s, bytes(buf[:nl]).rstrip(b"\r")))
            del buf[: nl + 1]
            start = number
        if len(buf) > 4096:  # no line ending: not a line protocol any more
            buf.clear()
        pending[c2s] = (start, buf)
    for c2s, (start, buf) in pending.items():
        if buf:
            events.append((start, c2s, bytes(buf)))
    events.sort(key=lambda e: e[0])
    return events


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def _b64(raw: bytes) -> bytes | None:
    try:
        return base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


# --- telnet ------------------------------------------------------------------------------------
def strip_iac(data: bytes) -> bytes:
    """Telnet data with option negotiation and subnegotiation removed (IAC IAC -> 0xFF)."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b != 0xFF:
            out.append(b)
            i += 1
            continue
        if i + 1 >= n:
            break
        cmd = data[i + 1]
        if cmd == 0xFF:
            out.append(0xFF)
            i += 2
        elif 0xFB <= cmd <= 0xFE:
            i += 3
        elif cmd == 0xFA:  # subnegotiation until IAC SE
            end = data.find(b"\xff\xf0", i + 2)
            i = n if end < 0 else end + 2
        else:
            i += 2
    return bytes(out)


def telnet(chunks: list[Chunk], emit: Emit) -> None:
    expecting: str | None = None
    typed = bytearray()
    typed_packets: list[int] = []
    user: str | None = None
    user_packets: list[int] = []
    server_tail = b""
    found: list[tuple[str | None, str, list[int], int]] = []
    for c2s, number, raw in chunks:
        data = strip_iac(raw)
        if not c2s:
            server_tail = (server_tail + data)[-256:]
            stripped = server_tail.rstrip(b"\x00")
            if _PASS_PROMPT.search(stripped):
                expecting, typed, typed_packets = "pass", bytearray(), []
                server_tail = b""
            elif _LOGIN_PROMPT.search(stripped):
                expecting, typed, typed_packets = "user", bytearray(), []
                server_tail = b""
            if found and _REJECTED.search(data):
                found[-1] = (*found[-1][:3], -1)
            continue
        if expecting is None:
            continue
        for b in data:
            if b in (0x0D, 0x0A, 0x00):
                if not typed and b != 0x0D:
                    continue
                text = _text(bytes(typed))
                typed_packets.append(number)
                if expecting == "user":
                    user, user_packets = text, typed_packets
                else:
                    found.append((user, text, user_packets + typed_packets, 1))
                    user, user_packets = None, []
                expecting, typed, typed_packets = None, bytearray(), []
                break
            if b in (0x08, 0x7F):
                if typed:
                    typed.pop()
            else:
                typed.append(b)
            if not typed_packets or typed_packets[-1] != number:
                typed_packets.append(number)
    for username, secret, packets, status in found:
        detail = "telnet login" + (", rejected by the server" if status < 0 else "")
        emit("telnet", username, secret, packets, detail)
    if user is not None:
        emit("telnet", user, None, user_packets, "telnet user name sent; no password prompt seen")


# --- FTP, POP3, IMAP, SMTP ---------------------------------------------------------------------
def _command(line: bytes) -> tuple[bytes, bytes]:
    """A client command line as (VERB in capitals, argument)."""
    verb, _, arg = line.partition(b" ")
    return verb.upper(), arg


class _UserPass:
    """USER name, then PASS secret (FTP, POP3): the login a PASS completes, with both packets."""

    def __init__(self) -> None:
        self.user: tuple[str, int] | None = None

    def command(self, verb: bytes, arg: bytes, number: int) -> tuple[str | None, str, list[int]] | None:
        """(name, secret, packets) after a PASS; None after anything else (a USER is remembered)."""
        if verb == b"USER":
            self.user = (_text(arg), number)
        elif verb == b"PASS":
            name, packets = (self.user[0], [self.user[1], number]) if self.user else (None, [number])
            return name, _text(arg), packets
        return None


class _AwaitingReply:
    """The last login a client sent (FTP, POP3, SMTP), reported once the server answers it, or
    as it is when the dialogue ends unanswered; a login the client replaces is not reported."""

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self.login: list | None = None  # [protocol, username, secret, packets, detail]

    def sent(self, login: list | None) -> None:
        """A login the client sent; None (nothing readable in what it sent) keeps the one before."""
        if login is not None:
            self.login = login

    def answered(self, accepted: bool) -> None:
        if self.login is not None:
            self.login[4] += ", accepted" if accepted else ", rejected"
            self.ended()

    def ended(self) -> None:
        if self.login is not None:
            self.emit(*self.login)
            self.login = None


def ftp(chunks: list[Chunk], emit: Emit, download: Download, warn: Warn | None = None) -> None:
    logins = _UserPass()
    awaiting = _AwaitingReply(emit)
    retr: list | None = None
    for number, c2s, line in line_events(chunks):
        if c2s:
            verb, arg = _command(line)
            login = logins.command(verb, arg, number)
            if login:
                anon = login[0] is not None and login[0].lower() in ("anonymous", "ftp")
                awaiting.sent(["ftp", *login, "anonymous login" if anon else "FTP login"])
                logins.user = None
            elif verb == b"AUTH" and arg.upper().startswith((b"TLS", b"SSL")):
                break
            elif verb == b"RETR":
                retr = [_text(arg), None, [number], "FTP RETR"]
        else:
            code = line[:3]
            if code in (b"230", b"530", b"332"):
                awaiting.answered(code == b"230")
            if retr is not None and code in (b"150", b"125", b"226", b"550"):
                size = re.search(rb"\((\d+) bytes\)", line)
                if size:
                    retr[1] = decimal_size(size.group(1))
                    if retr[1] is None and warn is not None:
                        warn(WARNING_KIND, oversized("FTP transfer size", size.group(1)), number)
                retr[2].append(number)
                if code != b"150" and code != b"125":
                    retr[3] += ", refused" if code == b"550" else ""
                    download(*retr)
                    retr = None
    awaiting.ended()
    if retr is not None:
        download(*retr)


def pop3(chunks: list[Chunk], emit: Emit) -> None:
    logins = _UserPass()
    awaiting = _AwaitingReply(emit)
    for number, c2s, line in line_events(chunks):
        if c2s:
            verb, arg = _command(line)
            login = logins.command(verb, arg, number)
            if login:
                awaiting.sent(["pop3", *login, "POP3 USER/PASS"])
            elif verb == b"APOP":
                name, _, digest = arg.partition(b" ")
                awaiting.sent(["pop3", _text(name), _text(digest), [number], "POP3 APOP (digest)"])
            elif verb == b"STLS":
                break
        elif line[:1] in (b"+", b"-"):
            awaiting.answered(line.startswith(b"+OK"))
    awaiting.ended()


def _imap_args(raw: bytes) -> list[str]:
    args, i = [], 0
    while i < len(raw) and len(args) < 4:
        if raw[i : i + 1] == b" ":
            i += 1
        elif raw[i : i + 1] == b'"':
            j, out = i + 1, bytearray()
            while j < len(raw) and raw[j : j + 1] != b'"':
                if raw[j : j + 1] == b"\\" and j + 1 < len(raw):
                    j += 1
                out += raw[j : j + 1]
                j += 1
            args.append(_text(bytes(out)))
            i = j + 1
        else:
            j = raw.find(b" ", i)
            j = len(raw) if j < 0 else j
            args.append(_text(raw[i:j]))
            i = j
    return args


def imap(chunks: list[Chunk], emit: Emit) -> None:
    pending: dict[bytes, list] = {}
    plain_tag: tuple[bytes, int] | None = None
    for number, c2s, line in line_events(chunks):
        if c2s:
            if plain_tag is not None:
                decoded = _b64(line)
                if decoded and decoded.count(b"\0") == 2:
                    _, user, password = decoded.split(b"\0")
                    pending[plain_tag[0]] = [
                        "imap",
                        _text(user),
                        _text(password),
                        [plain_tag[1], number],
                        "IMAP AUTHENTICATE PLAIN",
                    ]
                plain_tag = None
                continue
            parts = line.split(b" ", 2)
            if len(parts) >= 2 and parts[1].upper() == b"LOGIN" and len(parts) == 3:
                args = _imap_args(parts[2])
                if args:
                    pending[parts[0]] = [
                        "imap",
                        args[0],
                        args[1] if len(args) > 1 else None,
                        [number],
                        "IMAP LOGIN",
                    ]
            elif len(parts) >= 3 and parts[1].upper() == b"AUTHENTICATE" and parts[2].upper() == b"PLAIN":
                plain_tag = (parts[0], number)
            elif len(parts) >= 2 and parts[1].upper() == b"STARTTLS":
                break
        else:
            tag, _, rest = line.partition(b" ")
            if tag in pending:
                cred = pending.pop(tag)
                cred[4] += ", accepted" if rest.upper().startswith(b"OK") else ", rejected"
                emit(*cred)
    for cred in pending.values():
        emit(*cred)


def smtp(chunks: list[Chunk], emit: Emit) -> None:
    mode: str | None = None
    user: tuple[str, int] | None = None
    start = 0
    awaiting = _AwaitingReply(emit)
    for number, c2s, line in line_events(chunks):
        if c2s:
            upper = line.upper()
            if mode is None and upper.startswith(b"AUTH PLAIN"):
                mode, start = "plain", number
                rest = line[10:].strip()
                if rest:
                    awaiting.sent(_smtp_plain(rest, [number]))
                    mode = None
            elif mode is None and upper.startswith(b"AUTH LOGIN"):
                mode, start = "login-user", number
                rest = line[10:].strip()
                if rest and (decoded := _b64(rest)) is not None:
                    user, mode = (_text(decoded), number), "login-pass"
            elif mode == "plain":
                awaiting.sent(_smtp_plain(line, [start, number]))
                mode = None
            elif mode == "login-user":
                decoded = _b64(line)
                user, mode = ((_text(decoded), number), "login-pass") if decoded is not None else (None, None)
            elif mode == "login-pass":
                decoded = _b64(line)
                if decoded is not None:
                    packets = [start, number] + ([user[1]] if user else [])
                    name = user[0] if user else None
                    awaiting.sent(["smtp", name, _text(decoded), packets, "SMTP AUTH LOGIN"])
                mode = None
            elif upper.startswith(b"STARTTLS"):
                break
        elif line[:3] in (b"235", b"535", b"454"):
            awaiting.answered(line.startswith(b"235"))
    awaiting.ended()


def _smtp_plain(raw: bytes, packets: list[int]) -> list | None:
    decoded = _b64(raw)
    if not decoded or decoded.count(b"\0") != 2:
        return None
    _, user, password = decoded.split(b"\0")
    return ["smtp", _text(user), _text(password), packets, "SMTP AUTH PLAIN"]


# --- MQTT ---------------------------------------------------------------------------------------
def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    for _ in range(4):
        if pos >= len(data):
            raise ValueError("varint runs past the end")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
    raise ValueError("varint longer than 4 bytes")


def _field(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    if pos + 2 > end:
        raise ValueError("field runs past the packet")
    n = int.from_bytes(data[pos : pos + 2], "big")
    if pos + 2 + n > end:
        raise ValueError("field runs past the packet")
    return data[pos + 2 : pos + 2 + n], pos + 2 + n


MQTT_LEVELS = {3: "3.1", 4: "3.1.1", 5: "5.0"}


def parse_mqtt_connect(data: bytes) -> dict | None:
    """Fields of an MQTT CONNECT at the start of data (3.1, 3.1.1 and 5.0), or None."""
    if len(data) < 2 or data[0] != 0x10:
        return None
    try:
        length, pos = _varint(data, 1)
        end = min(pos + length, len(data))
        name, pos = _field(data, pos, end)
        if name not in (b"MQTT", b"MQIsdp") or pos + 4 > end:
            return None
        level, flags = data[pos], data[pos + 1]
        pos += 4
        if level == 5:
            props, pos = _varint(data, pos)
            pos += props
        client_id, pos = _field(data, pos, end)
        out: dict = {
            "level": MQTT_LEVELS.get(level, str(level)),
            "client_id": _text(client_id),
            "username": None,
            "password": None,
            "end": pos,
        }
        if flags & 0x04:
            if level == 5:
                props, pos = _varint(data, pos)
                pos += props
            _, pos = _field(data, pos, end)
            _, pos = _field(data, pos, end)
        if flags & 0x80:
            user, pos = _field(data, pos, end)
            out["username"] = _text(user)
        if flags & 0x40:
            password, pos = _field(data, pos, end)
            out["password"] = _text(password)
        out["end"] = pos
        return out
    except ValueError:
        return None


def mqtt(chunks: list[Chunk], emit: Emit) -> None:
    client, server = Side(chunks, True), Side(chunks, False)
    connect = parse_mqtt_connect(client.data)
    if not connect or (connect["username"] is None and connect["password"] is None):
        return
    detail = f"MQTT {connect['level']} CONNECT, client id {connect['client_id']!r}"
    ack = server.data
    if len(ack) >= 4 and ack[0] == 0x20:
        detail += ", accepted" if ack[3] == 0 else f", refused (code {ack[3]})"
    packets = client.packets_between(0, connect["end"])
    emit("mqtt", connect["username"], connect["password"], packets, detail)
