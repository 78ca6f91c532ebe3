"""The in-toto Statement v1 a bundle's signature carries: its subject is manifest.json with its SHA-256,
its predicate who sealed the bundle, with which key, when.

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "manifest.json", "digest": {"sha256": "<hex>"}}],
     "predicateType": "urn:inspector-workbench:bundle-seal:v1",
     "predicate": {"bundle", "lab", "inspector", "key_id", "signed_at", "key_expires", "public_key"}}

The predicate's names are the signer's claims: a verifier takes the signer's identity from the public
key it trusts, never from here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from workbench.sealed.names import MANIFEST
from workbench.signing.keys import parse_time

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "urn:inspector-workbench:bundle-seal:v1"
SHA256 = re.compile(r"[0-9a-f]{64}")
PREDICATE_FIELDS = ("bundle", "lab", "inspector", "key_id", "signed_at", "key_expires", "public_key")


@dataclass(frozen=True)
class Seal:
    """A statement read back: the manifest's digest and the predicate's (unverified) claims."""

    manifest_sha256: str
    bundle: str
    lab: str
    inspector: str
    key_id: str
    signed_at: datetime


def statement(manifest_sha256: str, predicate: dict[str, str]) -> bytes:
    data = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": MANIFEST, "digest": {"sha256": manifest_sha256}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def parse_statement(body: bytes) -> Seal:
    """The statement's seal; ValueError with the reason when it is not one of ours."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("the signed payload is not JSON") from None
    if not isinstance(data, dict) or data.get("_type") != STATEMENT_TYPE:
        raise ValueError("the signed payload is not an in-toto Statement v1")
    if data.get("predicateType") != PREDICATE_TYPE:
        raise ValueError("the signed statement is not a workbench bundle seal")
    subjects = data.get("subject")
    digest = None
    for subject in subjects if isinstance(subjects, list) else []:
        if isinstance(subject, dict) and subject.get("name") == MANIFEST:
            digests = subject.get("digest")
            digest = digests.get("sha256") if isinstance(digests, dict) else None
    if not isinstance(digest, str) or not SHA256.fullmatch(digest):
        raise ValueError(f"the signed statement has no SHA-256 of {MANIFEST} as its subject")
    predicate = data.get("predicate")
    if not (isinstance(predicate, dict) and all(isinstance(predicate.get(n), str) for n in PREDICATE_FIELDS)):
        raise ValueError(f"the signed statement's predicate lacks one of {', '.join(PREDICATE_FIELDS)}")
    try:
        signed_at = parse_time(predicate["signed_at"])
    except ValueError:
        raise ValueError("the signed statement's signed_at is not a time with its zone") from None
    return Seal(digest, predicate["bundle"], predicate["lab"], predicate["inspector"], predicate["key_id"],
                signed_at)
