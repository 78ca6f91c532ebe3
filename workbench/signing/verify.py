"""Who sealed a bundle: its signature.json checked against the public keys a verifier trusts.

signature.json is hostile input: read with a size cap, every field checked, every fault a `problem`
of one line, never an exception. Checked in order: present, a DSSE envelope of an in-toto statement,
its subject is the SHA-256 of this bundle's manifest.json, signed by a trusted key, the Ed25519
signature over DSSE's PAE, signed within the trusted key's validity. The signer's name and lab come
from the trusted public key file, never from the envelope's claims.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from workbench.errors import WorkbenchError
from workbench.sealed import MANIFEST, SIGNATURE, BundleSource
from workbench.signing.dsse import Envelope, EnvelopeError, pae, parse_envelope
from workbench.signing.keys import PublicKey
from workbench.signing.statement import PAYLOAD_TYPE, Seal, parse_statement

MAX_SIGNATURE_BYTES = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20
READ_ERRORS = (WorkbenchError, OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError)
TRUST_HINT = "give --trust to check who sealed it"


@dataclass
class SignatureReport:
    ok: bool = False
    signer: PublicKey | None = None  # the trusted key that made the signature
    problem: str | None = None  # why it failed, one line
    signed: bool = False  # the bundle holds signature.json
    checked: bool = False  # trusted keys were given
    seal: Seal | None = None  # the statement as signed (its names are claims until `ok`)

    @property
    def failed(self) -> bool:
        return self.problem is not None

    def line(self) -> str:
        if self.ok and self.signer and self.seal:
            s = self.signer
            return (f"SIGNATURE OK: sealed by {s.inspector}, {s.lab} (key {s.key_id}) "
                    f"at {self.seal.signed_at.isoformat()}")
        if self.problem:
            return f"SIGNATURE FAILED: {self.problem}"
        if not self.signed:
            return "SIGNATURE NOT CHECKED: the bundle is not signed"
        claims = self.seal
        assert claims is not None
        return (f"SIGNATURE NOT CHECKED: signed by key {printable(claims.key_id)} "
                f"(claims {printable(claims.lab)}, {printable(claims.inspector)}); {TRUST_HINT}")


def verify_signature(
    source: BundleSource, trusted: list[PublicKey], *, manifest_sha256: str | None = None
) -> SignatureReport:
    """Check the bundle's signature against `trusted`; without trusted keys, only what needs none
    (shape, subject) is checked and the report says the signer was not checked."""
    report = SignatureReport(checked=bool(trusted))
    if SIGNATURE not in source.names():
        if trusted:
            report.problem = "the bundle is not signed (it holds no signature.json)"
        return report
    report.signed = True
    try:
        envelope, seal = _read(source)
        actual = manifest_sha256 or _manifest_digest(source)
    except ValueError as exc:
        report.problem = str(exc)
        return report
    report.seal = seal
    if seal.manifest_sha256 != actual:
        report.problem = (f"the signature is for another manifest: {MANIFEST} changed after it was signed "
                          f"(signed {seal.manifest_sha256[:16]}…, now {actual[:16]}…)")
    elif trusted:
        report.signer, report.problem = _check_signer(envelope, seal, trusted)
        report.ok = report.problem is None
    return report


def _read(source: BundleSource) -> tuple[Envelope, Seal]:
    """The envelope and its statement; ValueError with a one-line reason."""
    try:
        raw = source.read_small(SIGNATURE, MAX_SIGNATURE_BYTES)
    except READ_ERRORS as exc:
        raise ValueError(f"{SIGNATURE} is unreadable or too large ({_short(exc)})") from None
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError):
        raise ValueError(f"{SIGNATURE} is not JSON") from None
    try:
        envelope = parse_envelope(data)
    except EnvelopeError as exc:
        raise ValueError(f"{SIGNATURE} is not a DSSE envelope: {exc}") from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise ValueError(f"{SIGNATURE} signs a payload of type {printable(envelope.payload_type)}, "
                         f"not an in-toto statement ({PAYLOAD_TYPE})")
    return envelope, parse_statement(envelope.body)


def _manifest_digest(source: BundleSource) -> str:
    if MANIFEST not in source.names():
        raise ValueError(f"the bundle has no {MANIFEST} for the signature to cover")
    try:
        return hashlib.sha256(source.read_small(MANIFEST, MAX_MANIFEST_BYTES)).hexdigest()
    except READ_ERRORS as exc:
        raise ValueError(f"{MANIFEST} is unreadable ({_short(exc)})") from None


def _check_signer(
    envelope: Envelope, seal: Seal, trusted: list[PublicKey]
) -> tuple[PublicKey | None, str | None]:
    """(the trusted key that signed, None) or (None, why not)."""
    message = pae(envelope.payload_type, envelope.body)
    candidates = [(key, sig) for keyid, sig in envelope.signatures for key in trusted if key.key_id == keyid]
    if not candidates:
        keyid = printable(envelope.signatures[0][0]) or "(none given)"
        return None, (f"signed by key {keyid} (claims {printable(seal.lab)}, {printable(seal.inspector)}), "
                      "which is not among the trusted keys")
    signer = next((key for key, sig in candidates if _valid(key, sig, message)), None)
    if signer is None:
        return None, ("the signature does not match "
                      f"(it does not verify with the trusted {candidates[0][0].describe()})")
    if seal.key_id != signer.key_id:
        return None, f"the signed statement names key {printable(seal.key_id)}, not the key that signed it"
    if seal.signed_at < signer.created:
        return None, (f"signed before the key was made (signed at {seal.signed_at.isoformat()}, "
                      f"{signer.describe()} made {signer.created.isoformat()})")
    if seal.signed_at > signer.expires:
        return None, (f"signed after the key expired (signed at {seal.signed_at.isoformat()}, "
                      f"{signer.describe()} expired on {signer.expires.isoformat()})")
    return signer, None


def _valid(key: PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def printable(text: str, limit: int = 80) -> str:
    """A claim from a hostile file, safe to print on a terminal: no control characters, bounded."""
    clean = "".join(c if c.isprintable() else "?" for c in text[: limit + 1])
    return clean if len(clean) <= limit else clean[:limit] + "…"


def _short(exc: BaseException) -> str:
    return printable(str(exc) or type(exc).__name__, 160)
