"""DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse protocol.md v1.0.0): the
pre-authentication encoding that is signed, and the JSON envelope that carries the signature.

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

LEN is the ASCII decimal byte length, without leading zeros. The envelope is
`{"payload": b64(body), "payloadType": type, "signatures": [{"keyid", "sig": b64(sig)}]}`;
a verifier accepts standard and URL-safe base64. A keyid is a hint to choose the key, never proof.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

MAX_SIGNATURES = 16


class EnvelopeError(ValueError):
    """The envelope is not of DSSE's shape; the message says what is wrong."""


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    body: bytes
    signatures: list[tuple[str, bytes]]  # (keyid, signature bytes)


def pae(payload_type: str, body: bytes) -> bytes:
    """The bytes a DSSE signature is made over."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, with or without padding; EnvelopeError otherwise."""
    if not isinstance(text, str) or not text.isascii():
        raise EnvelopeError("not base64 text")
    padded = text + "=" * (-len(text) % 4)
    altchars = b"-_" if ("-" in text or "_" in text) else None
    try:
        return base64.b64decode(padded, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError("not valid base64") from None


def envelope(payload_type: str, body: bytes, signatures: list[tuple[str, bytes]]) -> dict[str, Any]:
    return {
        "payload": b64encode(body),
        "payloadType": payload_type,
        "signatures": [{"keyid": keyid, "sig": b64encode(sig)} for keyid, sig in signatures],
    }


def parse_envelope(data: Any) -> Envelope:
    """A decoded JSON envelope, checked for shape only (the signatures are not verified here)."""
    if not isinstance(data, dict):
        raise EnvelopeError(f"expected a JSON object, not {type(data).__name__}")
    payload_type, payload, signatures = data.get("payloadType"), data.get("payload"), data.get("signatures")
    if not isinstance(payload_type, str) or not payload_type:
        raise EnvelopeError("payloadType is missing or not text")
    if not isinstance(payload, str):
        raise EnvelopeError("payload is missing or not text")
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("signatures is missing, empty or not a list")
    if len(signatures) > MAX_SIGNATURES:
        raise EnvelopeError(f"more than {MAX_SIGNATURES} signatures")
    body = _decoded(payload, "payload")
    parsed = []
    for number, entry in enumerate(signatures, 1):
        if not isinstance(entry, dict):
            raise EnvelopeError(f"signature {number} is not a JSON object")
        keyid, sig = entry.get("keyid", ""), entry.get("sig")
        if not isinstance(keyid, str) or not isinstance(sig, str):
            raise EnvelopeError(f"signature {number}: keyid and sig must be text")
        parsed.append((keyid, _decoded(sig, f"signature {number}")))
    return Envelope(payload_type, body, parsed)


def _decoded(text: str, what: str) -> bytes:
    try:
        return b64decode(text)
    except EnvelopeError as exc:
        raise EnvelopeError(f"{what} is {exc}") from None
