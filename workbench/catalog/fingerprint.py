"""What a verdict judged against: a fingerprint of one requirement's text, criteria and parameters.

The requirement hash (scheme "requirement/1") is the SHA-256 of the UTF-8 canonical JSON of the
requirement as loaded and validated, without its `mappings` (a mapping to another standard changes no
criterion) and its `translations` (the text in another language restates the same criteria, so a new or
corrected translation never makes a verdict stale): keys sorted, separators "," and ":", non-ASCII kept,
fields at their model default omitted, like the catalogue's content hash (workbench/case/catalogref.py).
A verdict records it; when the requirement of the catalogue it is judged with hashes differently, the
requirement changed.
"""

from __future__ import annotations

import hashlib
import json

from workbench.catalog.model import Requirement

REQUIREMENT_HASH_SCHEME = "requirement/1"
_NOT_HASHED = {"mappings", "translations"}


def requirement_sha256(requirement: Requirement) -> str:
    """The hash of `requirement`'s text, criteria and parameters (scheme requirement/1)."""
    data = requirement.model_dump(mode="json", exclude_defaults=True, exclude=_NOT_HASHED)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
