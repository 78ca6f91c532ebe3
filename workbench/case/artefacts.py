"""Artefacts: evidence files copied into the case, hashed on entry, read-only, listed in artefacts.yaml."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.case import sniff
from workbench.errors import CaseError
from workbench.fsutil import CHUNK, reading
from workbench.i18n import N_, _

KINDS = ("capture", "firmware", "vuln-feed", "attachment", "probe")
ORIGINS = ("probe",)  # who made an artefact, when not the lab's own file: the live probe
RESERVED_NAMES = {"declaration", "declaration.yaml", "artefacts.yaml", "case.yaml"}
INCOMING_PREFIX = ".incoming-"
# an evidence kind's name inside a sentence (English: the code itself); the catalogue's kinds and the case's
KIND_NAMES = {
    "capture": N_("capture"),
    "firmware": N_("firmware"),
    "vuln-feed": N_("vuln-feed"),
    "attachment": N_("attachment"),
    "probe": N_("probe"),
    "declaration": N_("declaration"),
    "inspector": N_("inspector"),
}


def kind_name(kind: object) -> str:
    """An evidence kind (capture, firmware, declaration, …) named in the current language; an unknown
    kind as it is. English keeps the code (`capture`), Japanese says パケットキャプチャ."""
    word = str(getattr(kind, "value", kind))
    return _(KIND_NAMES[word]) if word in KIND_NAMES else word


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}")
_REQUIREMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Artefact:
    name: str
    kind: str
    sha256: str
    size: int
    added_at: str  # UTC, ISO 8601
    path: Path  # absolute
    original_name: str = ""
    added_by: str = ""
    requirement: str | None = None  # attachments: the requirement they document
    note: str | None = None
    origin: str | None = None  # "probe": made by `workbench probe` (its capture and its results)

    @property
    def evidence_kind(self) -> str:
        """The kind of evidence for the checks and staleness: whatever the live probe made is
        `probe` evidence (its capture records the lab's own traffic to the device, not the
        device's behaviour in use, so the capture checks do not read it)."""
        return "probe" if self.origin == "probe" else self.kind

    def record(self) -> dict[str, Any]:
        """The entry written to artefacts.yaml (the path is implied by the name)."""
        entry: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "added_at": self.added_at,
            "original_name": self.original_name,
            "added_by": self.added_by,
        }
        if self.requirement:
            entry["requirement"] = self.requirement
        if self.note:
            entry["note"] = self.note
        if self.origin:
            entry["origin"] = self.origin
        return entry

    @classmethod
    def from_record(cls, entry: dict[str, Any], folder: Path) -> Artefact:
        name = str(entry["name"])
        if not valid_name(name):
            raise ValueError(f"invalid artefact name {name!r}")
        return cls(
            name=name,
            kind=str(entry["kind"]),
            sha256=str(entry["sha256"]),
            size=int(entry["size"]),
            added_at=str(entry["added_at"]),
            path=folder / name,
            original_name=str(entry.get("original_name", "")),
            added_by=str(entry.get("added_by", "")),
            requirement=entry.get("requirement"),
            note=entry.get("note"),
            origin=entry.get("origin") if entry.get("origin") in ORIGINS else None,
        )


def valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name)) and name.lower() not in RESERVED_NAMES


def valid_requirement_id(requirement_id: str) -> bool:
    return bool(_REQUIREMENT_ID.fullmatch(requirement_id))


def default_name(original: str, kind: str, sha256: str) -> str:
    """A safe file name derived from the source's name (no path, no leading dot, no odd characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9._+-]+", "_", Path(original).name).lstrip("._-+")[:200]
    return cleaned if valid_name(cleaned) else f"{kind}-{sha256[:12]}"


@dataclass(frozen=True)
class Incoming:
    """A verified, hashed copy of a source file waiting in the artefacts folder under a temporary name."""

    tmp: Path
    sha256: str
    size: int
    original_name: str

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)


def copy_in(src: Path, folder: Path, kind: str) -> Incoming:
    """Copy src into folder under a temporary name, hashing while streaming; refuse the wrong kind.

    The kind is judged on the copy's own bytes (not a second read of the source), so what is
    sniffed is exactly what is stored.
    """
    label = str(src)
    with reading(label, CaseError):
        source = open(src, "rb")  # noqa: SIM115 (closed below)
    tmp = folder / f"{INCOMING_PREFIX}{uuid.uuid4().hex}.tmp"
    try:
        with source:
            if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                raise CaseError("not a regular file", path=label)
            digest = hashlib.sha256()
            head = bytearray()
            size = 0
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    if len(head) < sniff.HEAD_BYTES:
                        head += chunk[: sniff.HEAD_BYTES - len(head)]
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
        incoming = Incoming(tmp=tmp, sha256=digest.hexdigest(), size=size, original_name=Path(src).name)
        problem = kind_problem(kind, bytes(head), tmp, incoming.original_name)
        if problem:
            raise CaseError(problem, path=label)
        return incoming
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CaseError(f"cannot copy into the case: {exc.strerror or exc}", path=label) from None
        raise


SIGNING_KEY_MARK = b'"workbench-signing-key/'  # the format of `workbench key new`'s private key file


def kind_problem(kind: str, head: bytes, copy: Path, original_name: str) -> str | None:
    if not head:
        return f"empty file; an empty {kind} is not evidence"
    if SIGNING_KEY_MARK in head:
        return ("a lab's private signing key never enters a case (it would travel in the bundle); "
                "keep it outside, and give its .pub.json to whoever verifies")
    if kind == "capture":
        return sniff.capture_problem(head)
    if kind == "vuln-feed":
        return sniff.vuln_feed_problem(head, copy, original_name)
    if kind == "probe":
        return sniff.probe_results_problem(copy)
    return None  # firmware is an opaque image; attachments are documents and photos of any type
