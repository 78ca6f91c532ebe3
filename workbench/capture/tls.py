"""TLS handshake messages: ClientHello / ServerHello parsing, JA3 and JA4, version and cipher names.

Parsers take one complete handshake message body and never read past it; a malformed message
raises `TlsError` (the caller keeps what it already learnt).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import struct
from functools import lru_cache
from importlib import resources

from workbench.errors import MalformedInput

MAX_RECORD = 16384 + 2048  # the largest TLSCiphertext the RFCs allow

JA4_VERSIONS = {
    0x0304: "13",
    0x0303: "12",
    0x0302: "11",
    0x0301: "10",
    0x0300: "s3",
    0x0002: "s2",
    0x0200: "s2",
    0xFEFF: "d1",
    0xFEFD: "d2",
    0xFEFC: "d3",
}
ALERTS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    21: "decryption_failed",
    22: "record_overflow",
    30: "decompression_failure",
    40: "handshake_failure",
    41: "no_certificate",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    60: "export_restriction",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation",
    109: "missing_extension",
    110: "unsupported_extension",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    115: "unknown_psk_identity",
    116: "certificate_required",
    120: "no_application_protocol",
}


class TlsError(MalformedInput):
    """A handshake message that is not well-formed."""


def is_grease(value: int) -> bool:
    return (value & 0x0F0F) == 0x0A0A and (value >> 8) == (value & 0xFF)


@lru_cache(maxsize=1)
def _cipher_table() -> dict[int, str]:
    text = resources.files("workbench.capture.data").joinpath("tls_ciphers.json").read_text()
    return {int(k, 16): v for k, v in json.loads(text)["suites"].items()}


def cipher_name(code: int) -> str:
    if is_grease(code):
        return f"GREASE_0x{code:04X}"
    return _cipher_table().get(code, f"0x{code:04X}")


def cipher_code(name: str) -> int | None:
    for code, value in _cipher_table().items():
        if value == name:
            return code
    return None


class ClientHello:
    __slots__ = (
        "version",
        "ciphers",
        "extensions",
        "sni",
        "alpn",
        "supported_versions",
        "groups",
        "point_formats",
        "signature_algorithms",
    )

    def __init__(self, version: int, ciphers: list[int]) -> None:
        self.version = version
        self.ciphers = ciphers
        self.extensions: list[int] = []
        self.sni: str | None = None
        self.alpn: list[str] = []
        self.supported_versions: list[int] = []
        self.groups: list[int] = []
        self.point_formats: list[int] = []
        self.signature_algorithms: list[int] = []

    def ja3_string(self) -> str:
        def join(values: list[int]) -> str:
            return "-".join(str(v) for v in values if not is_grease(v))

        return ",".join(
            [
                str(self.version),
                join(self.ciphers),
                join(self.extensions),
                join(self.groups),
                "-".join(str(v) for v in self.point_formats),
            ]
        )

    def ja3(self) -> str:
        return _md5(self.ja3_string())

    def shape(self) -> tuple:
        """What the fingerprints depend on (not the random, session id or key shares)."""
        return (
            self.version,
            tuple(self.ciphers),
            tuple(self.extensions),
            bool(self.sni) and not _is_ip(self.sni),
            tuple(self.alpn[:1]),
            tuple(self.supported_versions),
            tuple(self.signature_algorithms),
        )

    def ja4(self, transport: str = "t") -> str:
        return _ja4(self.shape(), transport)

    def key(self) -> tuple:
        """Everything the tls table derives from this hello except the SNI and ALPN values."""
        return (
            self.version,
            tuple(self.ciphers),
            tuple(self.extensions),
            tuple(self.groups),
            tuple(self.point_formats),
            tuple(self.supported_versions),
            tuple(self.signature_algorithms),
            bool(self.sni) and not _is_ip(self.sni),
            tuple(self.alpn[:1]),
        )


@lru_cache(maxsize=4096)
def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@lru_cache(maxsize=4096)
def _ja4(shape: tuple, transport: str) -> str:
    """JA4 (FoxIO): a_b_c; see https://github.com/FoxIO-LLC/ja4 (JA4 TLS client fingerprint)."""
    version, all_ciphers, all_extensions, domain, alpn_values, supported, signature_algorithms = shape
    versions = [v for v in supported if not is_grease(v)]
    top = max(versions) if versions else version
    ciphers = [c for c in all_ciphers if not is_grease(c)]
    extensions = [e for e in all_extensions if not is_grease(e)]
    alpn = _ja4_alpn(alpn_values[0]) if alpn_values else "00"
    part_a = (
        f"{transport}{JA4_VERSIONS.get(top, '00')}{'d' if domain else 'i'}"
        f"{min(len(ciphers), 99):02d}{min(len(extensions), 99):02d}{alpn}"
    )
    part_b = _ja4_hash(",".join(f"{c:04x}" for c in sorted(ciphers))) if ciphers else "000000000000"
    ext_text = ",".join(f"{e:04x}" for e in sorted(extensions) if e not in (0x0000, 0x0010))
    sigs = [s for s in signature_algorithms if not is_grease(s)]
    if sigs:
        ext_text += "_" + ",".join(f"{s:04x}" for s in sigs)
    part_c = _ja4_hash(ext_text) if extensions else "000000000000"
    return f"{part_a}_{part_b}_{part_c}"


@lru_cache(maxsize=4096)
def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _ja4_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _ja4_alpn(value: str) -> str:
    raw = value.encode("utf-8", "surrogateescape")
    if not raw:
        return "00"
    first, last = chr(raw[0]), chr(raw[-1])
    if first.isascii() and first.isalnum() and last.isascii() and last.isalnum():
        return first + last
    hexed = raw.hex()
    return hexed[0] + hexed[-1]


class ServerHello:
    __slots__ = ("version", "cipher", "selected_version", "alpn")

    def __init__(self, version: int, cipher: int) -> None:
        self.version = version
        self.cipher = cipher
        self.selected_version: int | None = None
        self.alpn: str | None = None

    @property
    def negotiated(self) -> int:
        return self.selected_version or self.version


_U16 = [struct.Struct(f"!{n}H") for n in range(256)]


def _u16_list(data: bytes, pos: int, nbytes: int) -> list[int]:
    end = pos + nbytes
    if end > len(data):
        raise TlsError("list runs past its extension")
    count = max(nbytes, 0) // 2
    if count < 256:
        return list(_U16[count].unpack_from(data, pos))
    return list(struct.unpack_from(f"!{count}H", data, pos))


def _extensions(data: bytes, pos: int) -> list[tuple[int, bytes]]:
    if pos + 2 > len(data):
        return []
    (total,) = struct.unpack_from("!H", data, pos)
    pos += 2
    end = min(pos + total, len(data))
    out = []
    while pos + 4 <= end:
        etype, elen = struct.unpack_from("!HH", data, pos)
        pos += 4
        if pos + elen > end:
            raise TlsError("extension runs past the hello")
        out.append((etype, data[pos : pos + elen]))
        pos += elen
    return out


def parse_client_hello(body: bytes) -> ClientHello:
    if len(body) < 38:
        raise TlsError("ClientHello shorter than its fixed fields")
    (version,) = struct.unpack_from("!H", body, 0)
    pos = 34
    sid_len = body[pos]
    pos += 1 + sid_len
    if pos + 2 > len(body):
        raise TlsError("ClientHello cut in the session id")
    (clen,) = struct.unpack_from("!H", body, pos)
    pos += 2
    if pos + clen > len(body):
        raise TlsError("ClientHello cut in the cipher suites")
    hello = ClientHello(version, _u16_list(body, pos, clen))
    pos += clen
    if pos >= len(body):
        raise TlsError("ClientHello cut before compression methods")
    pos += 1 + body[pos]
    for etype, ext in _extensions(body, pos):
        hello.extensions.append(etype)
        try:
            _client_extension(hello, etype, ext)
        except (IndexError, struct.error, UnicodeDecodeError) as exc:
            raise TlsError(f"malformed extension {etype}: {exc}") from None
    return hello


def _client_extension(hello: ClientHello, etype: int, ext: bytes) -> None:
    if etype == 0 and len(ext) >= 5:  # server_name: list, type 0 = host_name
        (name_len,) = struct.unpack_from("!H", ext, 3)
        if ext[2] == 0:
            hello.sni = ext[5 : 5 + name_len].decode("utf-8", "backslashreplace")
    elif etype == 16 and len(ext) >= 2:  # ALPN
        pos, end = 2, min(2 + int.from_bytes(ext[:2], "big"), len(ext))
        while pos < end:
            n = ext[pos]
            hello.alpn.append(ext[pos + 1 : pos + 1 + n].decode("utf-8", "backslashreplace"))
            pos += 1 + n
    elif etype == 43 and ext:  # supported_versions
        hello.supported_versions = _u16_list(ext, 1, min(ext[0], len(ext) - 1))
    elif etype == 10 and len(ext) >= 2:  # supported_groups
        hello.groups = _u16_list(ext, 2, min(int.from_bytes(ext[:2], "big"), len(ext) - 2))
    elif etype == 11 and ext:  # ec_point_formats
        hello.point_formats = list(ext[1 : 1 + ext[0]])
    elif etype == 13 and len(ext) >= 2:  # signature_algorithms
        hello.signature_algorithms = _u16_list(ext, 2, min(int.from_bytes(ext[:2], "big"), len(ext) - 2))


def parse_server_hello(body: bytes) -> ServerHello:
    if len(body) < 38:
        raise TlsError("ServerHello shorter than its fixed fields")
    (version,) = struct.unpack_from("!H", body, 0)
    pos = 34
    pos += 1 + body[pos]
    if pos + 3 > len(body):
        raise TlsError("ServerHello cut before the cipher suite")
    (cipher,) = struct.unpack_from("!H", body, pos)
    hello = ServerHello(version, cipher)
    pos += 3
    for etype, ext in _extensions(body, pos):
        if etype == 43 and len(ext) >= 2:
            hello.selected_version = int.from_bytes(ext[:2], "big")
        elif etype == 16 and len(ext) >= 3:
            hello.alpn = ext[3 : 3 + ext[2]].decode("utf-8", "backslashreplace")
    return hello


def parse_certificate_list(body: bytes) -> list[bytes]:
    """DER certificates of a TLS 1.0-1.2 Certificate message."""
    if len(body) < 3:
        raise TlsError("Certificate message too short")
    total = int.from_bytes(body[:3], "big")
    pos, end = 3, min(3 + total, len(body))
    out = []
    while pos + 3 <= end and len(out) < 16:
        n = int.from_bytes(body[pos : pos + 3], "big")
        pos += 3
        if pos + n > end:
            raise TlsError("certificate runs past its message")
        out.append(body[pos : pos + n])
        pos += n
    return out


def alert_text(level: int, description: int) -> str:
    level_name = {1: "warning", 2: "fatal"}.get(level, f"level {level}")
    return f"{level_name}: {ALERTS.get(description, str(description))}"
