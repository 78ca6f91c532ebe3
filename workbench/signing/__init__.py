"""Signed evidence bundles: a lab's Ed25519 key (`workbench key new`), the signature the batch writes
into a bundle (`workbench run --sign KEY`: signature.json, a DSSE envelope over an in-toto statement
about manifest.json) and its check against trusted public keys (`workbench verify --trust PUB`).

Imports the sealed bundle's names and reader, never the batch (which imports this).
"""

from workbench.signing.keys import (
    PASSPHRASE_ENV,
    PublicKey,
    SigningError,
    SigningKey,
    load_public_key,
    load_signing_key,
)
from workbench.signing.newkey import create_key_pair
from workbench.signing.sign import sign_bundle
from workbench.signing.verify import SignatureReport, verify_signature

__all__ = [
    "PASSPHRASE_ENV", "PublicKey", "SignatureReport", "SigningError", "SigningKey", "create_key_pair",
    "load_public_key", "load_signing_key", "sign_bundle", "verify_signature",
]
