"""A lab's Ed25519 signing key, as two files made by `workbench key new --out STEM`, and their loading.

STEM.key, the private key (mode 0600, never overwritten), JSON:

    {"format": "workbench-signing-key/1", "algorithm": "ed25519", "lab": ..., "inspector": ...,
     "key_id": ..., "created": ..., "expires": ..., "encrypted": true|false,
     "private_key": "-----BEGIN PRIVATE KEY-----..."}   (PKCS#8 PEM)

The PEM is encrypted with cryptography's BestAvailableEncryption when the environment variable
WORKBENCH_KEY_PASSPHRASE is set at `workbench key new`; `workbench run --sign` reads the same variable.

STEM.pub.json, the public key, for whoever verifies the lab's bundles (`workbench verify --trust`):

    {"format": "workbench-public-key/1", "algorithm": "ed25519", "lab": ..., "inspector": ...,
     "key_id": ..., "created": ..., "expires": ..., "public_key": "<base64 of the 32 raw bytes>"}

key_id is the first 16 hex digits of the SHA-256 of the raw public key; it is recomputed on loading,
never taken from the file. Times are ISO 8601 in UTC, to the second. Every file read is hostile:
size-capped, its fields checked, and any fault a SigningError of one line naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workbench.errors import WorkbenchError
from workbench.signing.dsse import EnvelopeError, b64decode

KEY_FORMAT = "workbench-signing-key/1"
PUBLIC_FORMAT = "workbench-public-key/1"
ALGORITHM = "ed25519"
PASSPHRASE_ENV = "WORKBENCH_KEY_PASSPHRASE"
MAX_KEY_FILE = 64 << 10
MAX_NAME = 200
NEW_KEY_HINT = "make a new one with workbench key new"


class SigningError(WorkbenchError):
    """A signing key cannot be made, read or used."""


@dataclass(frozen=True)
class PublicKey:
    lab: str
    inspector: str
    key_id: str
    created: datetime
    expires: datetime
    key: Ed25519PublicKey
    path: Path | None = None

    def describe(self) -> str:
        return f"key {self.key_id} ({self.lab}, {self.inspector})"


@dataclass(frozen=True)
class SigningKey:
    lab: str
    inspector: str
    key_id: str
    created: datetime
    expires: datetime
    private_key: Ed25519PrivateKey
    path: Path | None = None

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.lab, self.inspector, self.key_id, self.created, self.expires,
                         self.private_key.public_key(), self.path)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time with its zone, in UTC; ValueError otherwise."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("not a time")
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise ValueError("a time without its zone")
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise ValueError("a time out of range") from None


def load_signing_key(path: Path) -> SigningKey:
    """The private key of STEM.key, ready to sign; SigningError when missing, not a workbench key,
    locked by another passphrase, or expired."""
    data = _read_key_file(path, KEY_FORMAT)
    fields = _identity(data, path)
    pem = data.get("private_key")
    if not isinstance(pem, str) or not pem.isascii():
        raise SigningError("not a workbench signing key: no private key in it", path=str(path))
    private = _private_key(pem.encode("ascii"), bool(data.get("encrypted")), path)
    if key_id_of(private.public_key()) != fields["key_id"]:
        raise SigningError("the key file is damaged: its key_id does not match its key", path=str(path))
    key = SigningKey(**fields, private_key=private, path=path)
    if utc_now() > key.expires:
        raise SigningError(
            f"the key {key.key_id} ({key.lab}, {key.inspector}) expired on {key.expires.isoformat()}; "
            f"{NEW_KEY_HINT}", path=str(path))
    return key


def load_public_key(path: Path) -> PublicKey:
    """A trusted public key (STEM.pub.json); SigningError when missing or not a workbench public key."""
    data = _read_key_file(path, PUBLIC_FORMAT)
    fields = _identity(data, path)
    try:
        raw = b64decode(data.get("public_key"))  # type: ignore[arg-type]
        key = Ed25519PublicKey.from_public_bytes(raw)
    except (EnvelopeError, ValueError):
        raise SigningError("not a workbench public key: public_key is not an Ed25519 key in base64",
                           path=str(path)) from None
    if key_id_of(key) != fields["key_id"]:
        raise SigningError("the public key file is damaged: its key_id does not match its key",
                           path=str(path))
    return PublicKey(**fields, key=key, path=path)


def _read_key_file(path: Path, expected: str) -> dict[str, Any]:
    label = str(path)
    if not path.exists():
        raise SigningError("no such key file", path=label)
    if not path.is_file():
        raise SigningError("not a key file (a folder or a device)", path=label)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise SigningError(f"cannot read the key file: {exc.strerror or exc}", path=label) from None
    try:
        data = json.loads(raw) if len(raw) <= MAX_KEY_FILE else None
    except (ValueError, RecursionError):
        data = None
    found = data.get("format") if isinstance(data, dict) else None
    if found == expected:
        return data  # type: ignore[return-value]
    if found == PUBLIC_FORMAT:
        raise SigningError("this is a public key file (.pub.json): signing takes the private key "
                           "(STEM.key) made with workbench key new", path=label)
    if found == KEY_FORMAT:
        raise SigningError("this is a private key file (.key): give its public key file "
                           "(STEM.pub.json) instead; a private key is never handed to a verifier", path=label)
    what = "signing key (STEM.key)" if expected == KEY_FORMAT else "public key file (STEM.pub.json)"
    raise SigningError(f"not a workbench {what}: made with workbench key new?", path=label)


KEY_ID = re.compile(r"[0-9a-f]{16}")


def _identity(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """lab, inspector, key_id, created, expires of a key file, checked."""
    try:
        if data.get("algorithm") != ALGORITHM:
            raise ValueError(f"algorithm {data.get('algorithm')!r} (only {ALGORITHM})")
        lab, inspector = check_name(data.get("lab"), "lab"), check_name(data.get("inspector"), "inspector")
        key_id = data.get("key_id")
        if not isinstance(key_id, str) or not KEY_ID.fullmatch(key_id):
            raise ValueError("key_id is not 16 hex digits")
        created, expires = parse_time(data.get("created")), parse_time(data.get("expires"))
    except ValueError as exc:
        raise SigningError(f"a damaged key file: {exc}", path=str(path)) from None
    return {"lab": lab, "inspector": inspector, "key_id": key_id, "created": created, "expires": expires}


def check_name(value: Any, what: str) -> str:
    """A lab's or an inspector's name: text of 1..200 printable characters; ValueError otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is missing or empty")
    if len(value) > MAX_NAME or not value.isprintable():
        raise ValueError(f"{what} must be at most {MAX_NAME} printable characters")
    return value.strip()


def _private_key(pem: bytes, encrypted: bool, path: Path) -> Ed25519PrivateKey:
    passphrase = os.environ.get(PASSPHRASE_ENV) or None
    if encrypted and passphrase is None:
        raise SigningError(f"the key is encrypted: set {PASSPHRASE_ENV} to its passphrase", path=str(path))
    try:
        key = serialization.load_pem_private_key(
            pem, password=passphrase.encode("utf-8") if encrypted and passphrase else None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if encrypted:
            raise SigningError(f"wrong passphrase in {PASSPHRASE_ENV} for this key", path=str(path)) from None
        raise SigningError("not a workbench signing key: its private key is unreadable",
                           path=str(path)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError("not a workbench signing key: not an Ed25519 key", path=str(path))
    return key
