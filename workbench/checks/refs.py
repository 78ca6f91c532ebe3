"""Evidence references as an inspector records them, read back: a finding's label
(`EvidenceRef.label()`: "fw.img · /etc/shadow · offset 0x1c", "cap.pcap · packet 12") or an attachment's
("attachment: NAME (sha256 HEX)", as the verdict widget offers it). The one reader of that text: the
staleness rule hashes what a verdict cites, the carry rule follows the image paths it cites, and
`workbench case verdict` checks the attachments it names."""

from __future__ import annotations

import re
from typing import Any

SEPARATOR = " · "  # between the parts of a label
ATTACHMENT = re.compile(
    r"\s*attachment\s*:\s*(?P<name>.*?)(?:\s*\(sha256 (?P<sha>[0-9a-f]{64})\))?\s*", re.IGNORECASE | re.DOTALL
)
PACKET = re.compile(r"packet (\d+)")
OFFSET = re.compile(r"offset 0x([0-9a-f]+)")


def attachment_label(name: str, sha256: str) -> str:
    return f"attachment: {name} (sha256 {sha256})"


def ref_fields(ref: Any) -> dict[str, Any]:
    """A reference as a mapping: as recorded when it is one; parsed from a label (`artefact`, and
    `path`, `packet`, `offset` when the label has them) or an attachment's (`artefact`, `attachment`
    True, `sha256` when given); `{}` for anything else. Free text reads as an `artefact` name that the
    caller finds among the case's artefacts, or not."""
    if isinstance(ref, dict):
        return ref
    if not isinstance(ref, str):
        return {}
    attachment = ATTACHMENT.fullmatch(ref)
    if attachment is not None:
        found = {"artefact": attachment["name"], "attachment": True}
        return found | ({"sha256": attachment["sha"]} if attachment["sha"] else {})
    artefact, *parts = [part.strip() for part in ref.split("·")]
    if not artefact:
        return {}
    fields: dict[str, Any] = {"artefact": artefact}
    for part in parts:
        if part.startswith("/"):
            fields.setdefault("path", part)
        elif PACKET.fullmatch(part):
            fields.setdefault("packet", int(part[len("packet "):]))
        elif OFFSET.fullmatch(part):
            fields.setdefault("offset", int(part[len("offset 0x"):], 16))
    return fields
