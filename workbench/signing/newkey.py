"""Make a lab's key pair: STEM.key (private, 0600) and STEM.pub.json (public); formats in keys.py.

Both files are created exclusively (a temporary file made with O_EXCL, then linked to its name, which
fails if the name exists): a key is never overwritten, and never written inside a device case (a
folder holding case.yaml, or below one) or an evidence bundle (a folder holding manifest.json).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from workbench.fsutil import atomic_write_bytes
from workbench.sealed.names import MANIFEST
from workbench.signing.dsse import b64encode
from workbench.signing.keys import (
    ALGORITHM,
    KEY_FORMAT,
    PUBLIC_FORMAT,
    SigningError,
    SigningKey,
    check_name,
    key_id_of,
    raw_public,
    utc_now,
)

CASE_MARK = "case.yaml"
MAX_VALID_DAYS = 36500


def key_paths(stem: Path) -> tuple[Path, Path]:
    """(STEM.key, STEM.pub.json); a stem given as NAME.key counts as NAME."""
    if stem.suffix == ".key":
        stem = stem.with_suffix("")
    return stem.with_name(stem.name + ".key"), stem.with_name(stem.name + ".pub.json")


def refuse_case_or_bundle(folder: Path) -> None:
    """SigningError when `folder` (which may not exist yet) or a folder above it is a device case or
    an evidence bundle."""
    for place in (folder.resolve(), *folder.resolve().parents):
        for mark, what in ((CASE_MARK, "a case"), (MANIFEST, "a bundle")):
            if (place / mark).is_file():
                raise SigningError(f"a key file is never written into a bundle or a case: {place} is {what} "
                                   f"(it holds {mark})", path=str(folder))


def create_key_pair(
    stem: Path, *, lab: str, inspector: str, valid_days: int = 730, passphrase: str | None = None
) -> tuple[Path, Path, SigningKey]:
    """Write a new key pair at STEM; its (private path, public path, key)."""
    try:
        lab, inspector = check_name(lab, "--lab"), check_name(inspector, "--inspector")
    except ValueError as exc:
        raise SigningError(str(exc)) from None
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise SigningError(f"--valid-days must be between 1 and {MAX_VALID_DAYS}")
    private_path, public_path = key_paths(stem)
    refuse_case_or_bundle(private_path.parent)
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise SigningError("already exists: a key file is never overwritten", path=str(path))
    try:
        private_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SigningError(f"cannot make the key's folder: {exc.strerror or exc}",
                           path=str(private_path.parent)) from None
    private = Ed25519PrivateKey.generate()
    created = utc_now()
    key = SigningKey(lab, inspector, key_id_of(private.public_key()), created,
                     created + timedelta(days=valid_days), private, private_path)
    identity = {"algorithm": ALGORITHM, "lab": lab, "inspector": inspector, "key_id": key.key_id,
                "created": created.isoformat(), "expires": key.expires.isoformat()}
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")) if passphrase
        else serialization.NoEncryption())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    secret = {"format": KEY_FORMAT, **identity, "encrypted": bool(passphrase),
              "private_key": pem.decode("ascii")}
    public = {"format": PUBLIC_FORMAT, **identity, "public_key": b64encode(raw_public(private.public_key()))}
    _write_new(private_path, secret, 0o600)
    try:
        _write_new(public_path, public, 0o644)
    except BaseException:
        private_path.unlink(missing_ok=True)
        raise
    return private_path, public_path, key


def _write_new(path: Path, data: dict[str, object], mode: int) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        atomic_write_bytes(path, text.encode("utf-8"), exclusive=True)  # its temporary file is 0600
    except FileExistsError:
        raise SigningError("already exists: a key file is never overwritten", path=str(path)) from None
    except OSError as exc:
        raise SigningError(f"cannot write the key file: {exc.strerror or exc}", path=str(path)) from None
    os.chmod(path, mode)
