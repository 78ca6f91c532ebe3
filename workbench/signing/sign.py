"""Sign a sealed bundle folder: signature.json, a DSSE envelope over an in-toto statement whose subject
is manifest.json (so it covers, through the manifest, every file the manifest lists).

Called by the batch after manifest.json and manifest.sha256 are written and before the zip is made.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from workbench.fsutil import atomic_write_bytes
from workbench.sealed.names import MANIFEST, SIGNATURE
from workbench.signing.dsse import b64encode, envelope, pae
from workbench.signing.keys import NEW_KEY_HINT, SigningError, SigningKey, raw_public, utc_now
from workbench.signing.statement import PAYLOAD_TYPE, statement


def sign_bundle(bundle_dir: Path, key: SigningKey) -> dict[str, Any]:
    """Write bundle_dir/signature.json (atomically) and give back the envelope written."""
    manifest = Path(bundle_dir) / MANIFEST
    try:
        digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    except OSError as exc:
        raise SigningError(f"cannot read the manifest to sign: {exc.strerror or exc}",
                           path=str(manifest)) from None
    signed_at = utc_now()
    if signed_at > key.expires:
        raise SigningError(f"the key {key.key_id} expired on {key.expires.isoformat()} during the run; "
                           f"{NEW_KEY_HINT}", path=str(key.path or ""))
    predicate = {
        "bundle": Path(bundle_dir).name,
        "lab": key.lab,
        "inspector": key.inspector,
        "key_id": key.key_id,
        "signed_at": signed_at.isoformat(),
        "key_expires": key.expires.isoformat(),
        "public_key": b64encode(raw_public(key.private_key.public_key())),
    }
    body = statement(digest, predicate)
    signature = key.private_key.sign(pae(PAYLOAD_TYPE, body))
    data = envelope(PAYLOAD_TYPE, body, [(key.key_id, signature)])
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    atomic_write_bytes(Path(bundle_dir) / SIGNATURE, text.encode("ascii"))
    return data
