"""The engine's own errors for malformed members are MalformedInput (a ValueError, so the finders
that skip a bad key go on); a certificate that names itself as issuer but is signed by another
key is not self-signed."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workbench.errors import MalformedInput
from workbench.firmware.keys import certificate_finding, parse_openssh_private, ssh_blob_key


def test_malformed_ssh_keys_raise_malformed_input():
    with pytest.raises(MalformedInput, match="openssh-key-v1"):
        parse_openssh_private(base64.b64encode(b"not a key at all"))
    with pytest.raises(MalformedInput, match="past the end"):
        ssh_blob_key(b"\x00\x00\x00\x07ssh-rsa\xff\xff\xff\xff")  # a length longer than the blob
    assert issubclass(MalformedInput, ValueError)


def _certificate(
    signer: ec.EllipticCurvePrivateKey, subject_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "camera.local")])
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(subject_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=30))
        .sign(signer, hashes.SHA256())
    )


def test_self_signed_only_when_its_own_key_verifies_it():
    own, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    assert certificate_finding(_certificate(own, own), "/c.pem", 0, "PEM").self_signed is True
    forged = certificate_finding(_certificate(other, own), "/c.pem", 0, "PEM")
    assert forged.self_signed is False and forged.subject == forged.issuer  # InvalidSignature
