"""Key material: PEM blocks anywhere (also inside binaries), DER files, OpenSSH and dropbear
private keys, SSH public keys; certificates with subject, issuer, validity, self-signed."""

from __future__ import annotations

import base64
import contextlib
import re
import struct
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from workbench.errors import MalformedInput
from workbench.firmware.inventory import FileRecord

PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]{3,40})-----\r?\n(.{0,20000}?)-----END \1-----", re.S)
SSH_PUBLIC = re.compile(
    rb"^(?:[^\n]*\s)?(ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+) (AAAA[A-Za-z0-9+/=]+)", re.M
)
HOST_KEY_NAMES = re.compile(r"^(?:dropbear_\w+_host_key|ssh_host_\w*key)$")
CURVE_BITS = {b"nistp256": 256, b"nistp384": 384, b"nistp521": 521}
READ_LIMIT = 8 << 20


@dataclass
class KeyFinding:
    path: str
    offset: int
    kind: str
    format: str
    key_type: str | None = None
    key_bits: int | None = None
    subject: str | None = None
    issuer: str | None = None
    not_before: str | None = None
    not_after: str | None = None
    self_signed: bool | None = None
    encrypted: bool | None = None

    def row(self) -> dict:
        return dict(self.__dict__)


def describe_key(key) -> tuple[str, int | None]:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPrivateKey | dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PrivateKey | ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, None


def certificate_finding(cert: x509.Certificate, path: str, offset: int, fmt: str) -> KeyFinding:
    key_type, bits = describe_key(cert.public_key())
    self_signed = cert.issuer == cert.subject
    if self_signed:
        try:
            cert.verify_directly_issued_by(cert)
        # not signed by its own key, or a key type or algorithm cryptography cannot verify
        except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
            self_signed = False
    return KeyFinding(
        path,
        offset,
        "certificate",
        fmt,
        key_type,
        bits,
        cert.subject.rfc4514_string(),
        cert.issuer.rfc4514_string(),
        cert.not_valid_before_utc.isoformat(),
        cert.not_valid_after_utc.isoformat(),
        self_signed,
        False,
    )


def _ssh_string(blob: bytes, pos: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", blob, pos)
    if length > len(blob) - pos - 4:
        raise MalformedInput("bad SSH string: a length past the end of the key")
    return blob[pos + 4 : pos + 4 + length], pos + 4 + length


def ssh_blob_key(blob: bytes) -> tuple[str, int | None]:
    """Type and size from an SSH wire-format key (public blob, or dropbear's private file)."""
    name, pos = _ssh_string(blob, 0)
    if name == b"ssh-rsa":
        first, pos = _ssh_string(blob, pos)
        second, pos = _ssh_string(blob, pos)
        modulus = second if len(second) > len(first) else first  # public: e, n; dropbear: e, n too
        return "RSA", len(modulus.lstrip(b"\0")) * 8
    if name == b"ssh-dss":
        p, pos = _ssh_string(blob, pos)
        return "DSA", len(p.lstrip(b"\0")) * 8
    if name.startswith(b"ecdsa-sha2-"):
        curve, pos = _ssh_string(blob, pos)
        return "EC", CURVE_BITS.get(curve)
    if name == b"ssh-ed25519":
        return "Ed25519", 256
    return name.decode("ascii", "replace"), None


def parse_openssh_private(body: bytes) -> tuple[str, int | None, bool]:
    blob = base64.b64decode(b"".join(body.split()))
    if not blob.startswith(b"openssh-key-v1\0"):
        raise MalformedInput("not an openssh-key-v1 private key")
    pos = len(b"openssh-key-v1\0")
    cipher, pos = _ssh_string(blob, pos)
    _kdf, pos = _ssh_string(blob, pos)
    _kdfopts, pos = _ssh_string(blob, pos)
    pos += 4  # number of keys
    public, pos = _ssh_string(blob, pos)
    key_type, bits = ssh_blob_key(public)
    return key_type, bits, cipher != b"none"


def _pem_finding(record: FileRecord, offset: int, label: str, block: bytes) -> KeyFinding | None:
    text = block
    host = bool(HOST_KEY_NAMES.match(record.name))
    if label == "CERTIFICATE" or label == "TRUSTED CERTIFICATE":
        try:
            return certificate_finding(x509.load_pem_x509_certificate(text), record.path, offset, "PEM")
        except ValueError:
            return KeyFinding(record.path, offset, "certificate", "PEM")
    if label.endswith("PRIVATE KEY"):
        kind = "ssh_host_key" if host else "private_key"
        if label == "OPENSSH PRIVATE KEY":
            body = text.split(b"-----", 3)[2] if text.count(b"-----") >= 4 else b""
            try:
                key_type, bits, encrypted = parse_openssh_private(body)
            except (ValueError, struct.error, base64.binascii.Error):
                return KeyFinding(record.path, offset, kind, "OpenSSH")
            return KeyFinding(record.path, offset, kind, "OpenSSH", key_type, bits, encrypted=encrypted)
        encrypted = label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in text
        finding = KeyFinding(
            record.path,
            offset,
            kind,
            "PEM",
            encrypted=encrypted,
            key_type={"RSA PRIVATE KEY": "RSA", "EC PRIVATE KEY": "EC", "DSA PRIVATE KEY": "DSA"}.get(label),
        )
        if not encrypted:
            with contextlib.suppress(ValueError, TypeError):
                finding.key_type, finding.key_bits = describe_key(
                    serialization.load_pem_private_key(text, password=None)
                )
        return finding
    if label.endswith("PUBLIC KEY"):
        finding = KeyFinding(record.path, offset, "public_key", "PEM", encrypted=False)
        with contextlib.suppress(ValueError, TypeError):
            finding.key_type, finding.key_bits = describe_key(serialization.load_pem_public_key(text))
        return finding
    return None


def _der_finding(record: FileRecord, data: bytes) -> KeyFinding | None:
    try:
        return certificate_finding(x509.load_der_x509_certificate(data), record.path, 0, "DER")
    except ValueError:
        pass
    try:
        key = serialization.load_der_private_key(data, password=None)
        key_type, bits = describe_key(key)
        return KeyFinding(record.path, 0, "private_key", "DER", key_type, bits, encrypted=False)
    except TypeError:  # a password is needed
        return KeyFinding(record.path, 0, "private_key", "DER", encrypted=True)
    except ValueError:
        pass
    try:
        key_type, bits = describe_key(serialization.load_der_public_key(data))
        return KeyFinding(record.path, 0, "public_key", "DER", key_type, bits, encrypted=False)
    except ValueError:
        return None


def _dropbear_finding(record: FileRecord, data: bytes) -> KeyFinding | None:
    if data[4:8] not in (b"ssh-", b"ecds"):
        return None
    try:
        key_type, bits = ssh_blob_key(data)
    except (ValueError, struct.error):
        return None
    return KeyFinding(record.path, 0, "ssh_host_key", "dropbear", key_type, bits, encrypted=False)


def scan_file(record: FileRecord, data: bytes) -> list[KeyFinding]:
    findings: list[KeyFinding] = []
    if b"-----BEGIN " in data:
        for match in PEM_BLOCK.finditer(data):
            finding = _pem_finding(record, match.start(), match.group(1).decode(), match.group(0))
            if finding:
                findings.append(finding)
    if findings:
        return findings
    if record.type in ("certificate", "key") and data[:1] == b"\x30":
        finding = _der_finding(record, data)
        return [finding] if finding else []
    if data[:4] == b"\0\0\0\x07" or data[:4] == b"\0\0\0\x0b" or data[:4] == b"\0\0\0\x13":
        finding = _dropbear_finding(record, data)
        return [finding] if finding else []
    if record.type in ("config", "text", "key") and b"AAAA" in data:
        for match in SSH_PUBLIC.finditer(data):
            try:
                key_type, bits = ssh_blob_key(base64.b64decode(match.group(2)))
            except (ValueError, struct.error, base64.binascii.Error):
                continue
            findings.append(
                KeyFinding(
                    record.path, match.start(1), "public_key", "OpenSSH", key_type, bits, encrypted=False
                )
            )
    return findings


def keys_in(record: FileRecord, data: bytes) -> list[KeyFinding]:
    """The key material of one file, `data` its first bytes (READ_LIMIT at most are searched)."""
    if record.kind != "file" or record.size == 0:
        return []
    return scan_file(record, data[:READ_LIMIT])
