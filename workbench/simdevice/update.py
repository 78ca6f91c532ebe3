"""The camera's local update: the manufacturer's signing key, a genuine signed update file, and the unit's
/sbin/fw_upgrade (which checks the signature on the clean camera, and only a version header on the defective
one: the planted UPD-04 defect).

An update file is a header, a payload and a 64-byte Ed25519 signature over everything before it:

    ACME-FW\\nmodel=Acme C100\\nversion=2.1.1\\npayload=49152\\n\\n<payload><signature>
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .files import MODEL, write

UPDATE_VERSION = "2.1.1"
PAYLOAD_BYTES = 48 * 1024
SIGNATURE_BYTES = 64
MAGIC = "ACME-FW"


def vendor_key(workdir: Path, public_key: Path) -> Ed25519PrivateKey:
    """A fresh signing key: its private half stays with "the manufacturer" (the work dir's vendor/, outside
    the unit's file system), its public half goes to `public_key` on the unit."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (workdir / "vendor").mkdir(mode=0o700, exist_ok=True)
    write(workdir / "vendor/signing-key.pem", private.decode(), 0o600)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    write(public_key, public.decode(), 0o644)
    return key


def signed_update(key: Ed25519PrivateKey, path: Path, version: str = UPDATE_VERSION) -> Path:
    """A genuine update file for `version`: header, PAYLOAD_BYTES of payload, the signature."""
    header = f"{MAGIC}\nmodel={MODEL}\nversion={version}\npayload={PAYLOAD_BYTES}\n\n".encode()
    body = header + os.urandom(PAYLOAD_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body + key.sign(body))
    path.chmod(0o644)
    return path


# Both scripts run inside the unit's file system (chroot), with the unit's own tools (/usr is the host's).
_COMMON = r"""#!/bin/sh
# Acme C100 local update: fw_upgrade FILE installs a firmware update file.
image=${1:?usage: fw_upgrade FILE}
if [ ! -f "$image" ]; then echo "fw_upgrade: no such file: $image" >&2; exit 2; fi
size=$(wc -c < "$image")
if [ "$size" -le 64 ]; then echo "fw_upgrade: not an update file: $image" >&2; exit 2; fi
version=$(head -n 5 "$image" | sed -n 's/^version=\([0-9][0-9.]*\)$/\1/p' | head -n 1)
if [ "$(head -n 1 "$image")" != ACME-FW ] || [ -z "$version" ]; then
  echo "fw_upgrade: no version header: $image" >&2; exit 2
fi
"""

FW_UPGRADE_CLEAN = (
    _COMMON
    + r"""log() {
  printf '%s c100 fw_upgrade[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$" "$1" >> /var/log/messages
}
work=$(mktemp -d /tmp/fw_upgrade.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT
head -c $((size - 64)) "$image" > "$work/signed"
tail -c 64 "$image" > "$work/signature"
if ! OPENSSL_CONF=/dev/null openssl pkeyutl -verify -pubin -inkey /etc/keys/vendor.pub -rawin \
    -in "$work/signed" -sigfile "$work/signature" > "$work/openssl.out" 2>&1; then
  echo "fw_upgrade: signature check failed: $image" >&2
  log "update refused: bad signature"
  exit 1
fi
printf '%s\n' "$version" > /etc/version
log "update installed: $version"
echo "fw_upgrade: installed $version"
"""
)

# The planted UPD-04 defect: whatever carries a version header is installed; and nothing is logged (LOG-01).
FW_UPGRADE_DEFECTIVE = (
    _COMMON
    + r"""printf '%s\n' "$version" > /etc/version
echo "fw_upgrade: installed $version"
"""
)
