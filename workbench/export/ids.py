"""Identifiers derived from the bundle, never drawn at random: the same bundle gives the same bytes."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:inspector-workbench:export")  # never change it


def stable_uuid(bundle: str, *parts: object) -> str:
    """A version-5 UUID of the bundle's name and `parts` (what the id names inside the bundle)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join([bundle, *(str(p) for p in parts)])))
