"""X.509 certificates seen in TLS handshakes, summarised with `cryptography`."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa


def _key(cert: x509.Certificate) -> tuple[str, int | None]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):  # unsupported or malformed key: report, do not fail
        return "unknown", None
    return key_facts(key)


def key_facts(key: Any) -> tuple[str, int | None]:
    """A public key's type (`RSA`, `EC`, `DSA`, `Ed25519`, `Ed448`, else its class) and size in bits."""
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, None


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        # signature does not verify, key or algorithm unsupported: self-issued still
        return True
    return True


def describe(der: bytes, at: float | None) -> dict[str, Any]:
    """One certificate as a dict of the `tls.certificates` contract, judged at time `at`.

    The dict is shared by every handshake that showed the same certificate in the same state:
    treat it as read-only.
    """
    parsed = _parse(der)
    if "error" in parsed:
        return parsed["_public"]
    when = datetime.fromtimestamp(at, UTC) if at else datetime.now(UTC)
    return _judged(der, when > parsed["_not_after"], when < parsed["_not_before"])


@lru_cache(maxsize=1024)
def _judged(der: bytes, expired: bool, not_yet_valid: bool) -> dict[str, Any]:
    out = dict(_parse(der)["_public"])
    out["expired"] = expired
    out["not_yet_valid"] = not_yet_valid
    return out


@lru_cache(maxsize=512)
def _parse(der: bytes) -> dict[str, Any]:
    """The time-independent part (cached: a device meets the same servers again and again).

    `cryptography` parses some fields only when they are read: a certificate damaged there is
    reported like one that does not load at all, never raised into the analysis.
    """
    try:
        return _fields(x509.load_der_x509_certificate(der))
    except Exception as exc:  # any error of the library on hostile bytes: one certificate, not the analysis
        return {"error": True, "_public": {"error": f"certificate cannot be parsed: {exc}", "size": len(der)}}


def _fields(cert: x509.Certificate) -> dict[str, Any]:
    key_type, key_bits = _key(cert)
    try:
        sig = cert.signature_algorithm_oid._name  # noqa: SLF001 - the readable OID name
    except (ValueError, AttributeError):  # an unparsable or unnamed algorithm
        sig = "unknown"
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    public = {
        "subject": _name(cert.subject),
        "issuer": _name(cert.issuer),
        "not_before": not_before.isoformat(),
        "not_after": not_after.isoformat(),
        "key_type": key_type,
        "key_bits": key_bits,
        "signature_algorithm": sig,
        "self_signed": _self_signed(cert),
    }
    return {"_public": public, "_not_before": not_before, "_not_after": not_after}


def _name(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except ValueError:  # an attribute that cannot be written as RFC 4514 text
        return str(name)
