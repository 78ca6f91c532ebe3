"""Rebuild a vendor's case from a sealed bundle, for `workbench reproduce`.

The case folder gets the bundle's case.yaml (through CaseInfo and Case.create), its declaration and
every artefact its register (case/artefacts.yaml) lists, with its kind: from the bundle's artefacts/,
else from a lab's case holding a file of the same SHA-256. Inspector verdicts are never copied: the
lab reproduces the automatic work, not the vendor's judgement.

Everything read from the bundle is hostile: a member is read at most up to the size the manifest
records and must have the manifest's hash; an artefact's name must be a valid case name (no path,
no `..`, no leading dot) before anything is written, and it is written only inside the case folder.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from workbench.case import Case, CaseInfo
from workbench.case.artefacts import KINDS, ORIGINS, valid_name, valid_requirement_id
from workbench.case.yamlio import MAX_YAML_BYTES, describe_validation, load_yaml_bytes
from workbench.errors import BundleError, WorkbenchError
from workbench.fsutil import CHUNK
from workbench.sealed import BundleView
from workbench.sealed.names import ARTEFACTS_DIR, CASE_DIR
from workbench.sealed.view import MAX_JSON_BYTES

SHA256 = re.compile(r"[0-9a-f]{64}")
DECLARATION = "declaration"  # the declaration's name among the evidence, as the case calls it
ADDED_BY = "workbench reproduce"


@dataclass
class RestoredArtefact:
    """One artefact of the bundle's register (or its declaration) and where the lab found it."""

    name: str
    kind: str
    sha256: str
    size: int | None = None
    origin: str | None = None
    requirement: str | None = None
    source: str | None = None  # "bundle" or "case"; None: not restored
    problem: str | None = None  # why it was not restored

    @property
    def evidence_kind(self) -> str:
        return "probe" if self.origin == "probe" else self.kind

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "sha256": self.sha256, "size": self.size,
                "origin": self.origin, "source": self.source, "problem": self.problem}


@dataclass
class RebuiltCase:
    case: Case
    artefacts: list[RestoredArtefact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    declarations: set[str] = field(default_factory=set)  # SHA-256 of every declaration the register records

    @property
    def missing(self) -> list[RestoredArtefact]:
        return [a for a in self.artefacts if a.source is None]

    def restored_hashes(self) -> set[str]:
        return {a.sha256 for a in self.artefacts if a.source is not None}

    def name_of(self, sha256: str) -> str:
        return next((a.name for a in self.artefacts if a.sha256 == sha256), f"sha256 {sha256[:12]}…")


class VerifiedMembers:
    """A verified bundle's members, each read again against the manifest's size and hash (the
    folder may change after `verify`)."""

    def __init__(self, view: BundleView, manifest: dict[str, Any]) -> None:
        self.view = view
        outputs = manifest.get("outputs") if isinstance(manifest.get("outputs"), list) else []
        self.entries = {
            e["path"]: e for e in outputs
            if isinstance(e, dict) and isinstance(e.get("path"), str)
            and isinstance(e.get("size"), int) and isinstance(e.get("sha256"), str)
        }

    def has(self, rel: str) -> bool:
        return rel in self.entries and self.view.has(rel)

    def entry(self, rel: str) -> tuple[int, str]:
        entry = self.entries.get(rel)
        if entry is None or not self.view.has(rel):
            raise BundleError("the bundle holds no such file", path=f"{self.view.label}:{rel}")
        return int(entry["size"]), str(entry["sha256"])

    def read(self, rel: str, limit: int = MAX_JSON_BYTES) -> bytes:
        """A small member's bytes (a record, an outcome): BundleError beyond `limit` or when it changed."""
        size, digest = self.entry(rel)
        if size > limit:
            raise BundleError(f"larger than {limit} bytes: not a record", path=f"{self.view.label}:{rel}")
        data = self.view.read_bytes(rel, size)
        if hashlib.sha256(data).hexdigest() != digest:
            raise BundleError("changed since it was verified", path=f"{self.view.label}:{rel}")
        return data


def read_case_info(members: VerifiedMembers) -> CaseInfo:
    """The bundle's case.yaml as CaseInfo (BundleError naming the field when it is not one)."""
    rel = f"{CASE_DIR}/case.yaml"
    label = f"{members.view.label}:{rel}"
    if not members.has(rel):
        raise BundleError("the bundle holds no case record: it cannot be reproduced", path=label)
    try:
        data = load_yaml_bytes(members.read(rel, MAX_YAML_BYTES), name=label)
        if not isinstance(data, dict):
            raise BundleError("expected a mapping of fields", path=label)
        return CaseInfo.model_validate(data)
    except ValidationError as exc:
        raise BundleError(describe_validation(exc), path=label) from None


def rebuild_case(
    members: VerifiedMembers, info: CaseInfo, target: Path, *, lab_case: Path | None = None
) -> RebuiltCase:
    """The case at `target` (which must be absent or empty) with the bundle's declaration and artefacts."""
    rebuilt = RebuiltCase(Case.create(target, info))
    staging = target.parent / ".reproduce-staging"
    staging.mkdir(exist_ok=True)
    try:
        declaration = _restore_declaration(members, rebuilt.case, staging)
        if declaration is not None:
            rebuilt.artefacts.append(declaration)
        entries, rebuilt.declarations, warnings = register_entries(members)
        rebuilt.warnings += warnings
        lab = _lab_artefacts(lab_case)
        for entry in entries:
            if entry.problem is None:
                _restore_artefact(members, rebuilt.case, entry, staging, lab)
            rebuilt.artefacts.append(entry)
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return rebuilt


def register_entries(members: VerifiedMembers) -> tuple[list[RestoredArtefact], set[str], list[str]]:
    """Every artefact the bundle's register lists (an unusable entry carries its problem), the
    hashes of the declarations it records, and warnings."""
    rel = f"{CASE_DIR}/artefacts.yaml"
    if not members.has(rel):
        return [], set(), [f"the bundle holds no artefact register ({rel}): no artefact is restored"]
    try:
        data = load_yaml_bytes(members.read(rel, MAX_YAML_BYTES), name=rel)
    except WorkbenchError as exc:
        return [], set(), [f"the bundle's artefact register is unreadable: {exc}"]
    record = data if isinstance(data, dict) else {}
    listed = record.get("artefacts")
    declared = record.get("declarations") if isinstance(record.get("declarations"), list) else []
    hashes = {str(d.get("sha256")) for d in declared if isinstance(d, dict) and d.get("sha256")}
    if not isinstance(listed, list):
        return [], hashes, [f"the bundle's artefact register ({rel}) lists no artefacts"]
    return [_entry(item, index) for index, item in enumerate(listed)], hashes, []


def _entry(item: Any, index: int) -> RestoredArtefact:
    record = item if isinstance(item, dict) else {}
    name = str(record.get("name", f"entry {index + 1}"))[:200]
    kind = str(record.get("kind", ""))[:40]
    digest = str(record.get("sha256", "")).lower()
    size = record.get("size")
    origin = record.get("origin") if record.get("origin") in ORIGINS else None
    requirement = record.get("requirement")
    if not (isinstance(requirement, str) and valid_requirement_id(requirement)):
        requirement = None
    entry = RestoredArtefact(
        name=name, kind=kind, sha256=digest,
        size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
        origin=origin,
        requirement=requirement,
    )
    if not valid_name(name):
        entry.problem = f"unsafe artefact name refused: {name!r}"
    elif kind not in KINDS:
        entry.problem = f"unknown artefact kind {kind!r}"
    elif not SHA256.fullmatch(digest):
        entry.problem = "the register records no valid SHA-256 for it"
    elif entry.size is None:
        entry.problem = "the register records no valid size for it"
    return entry


def _restore_declaration(members: VerifiedMembers, case: Case, staging: Path) -> RestoredArtefact | None:
    rel = f"{CASE_DIR}/declaration.yaml"
    if not members.has(rel):
        return None
    size, digest = members.entry(rel)
    restored = RestoredArtefact(DECLARATION, DECLARATION, digest, size)
    try:
        data = members.read(rel, MAX_YAML_BYTES)
    except WorkbenchError as exc:
        restored.problem = f"the bundle's declaration cannot be read: {exc.message}"
        return restored
    path = staging / "declaration.yaml"
    path.write_bytes(data)
    try:
        case.declare(path, added_by=ADDED_BY)
        restored.source = "bundle"
    except WorkbenchError as exc:
        restored.problem = f"the bundle's declaration is not valid: {exc.message}"
    finally:
        path.unlink(missing_ok=True)
    return restored


def _lab_artefacts(lab_case: Path | None) -> dict[str, Path] | None:
    """sha256 -> file of a lab's case (`--case`), as its register records them; None without one."""
    if lab_case is None:
        return None
    return {a.sha256: Path(a.path) for a in Case.open(lab_case).artefacts()}


def _restore_artefact(
    members: VerifiedMembers, case: Case, entry: RestoredArtefact, staging: Path, lab: dict[str, Path] | None
) -> None:
    staged = staging / entry.name  # a valid name: no separator, no leading dot
    problems = []
    for source, fetch in (("bundle", _from_bundle), ("case", _from_lab_case)):
        problem = fetch(members, entry, staged, lab)
        if problem is None:
            entry.source = source
            break
        staged.unlink(missing_ok=True)
        if problem:
            problems.append(problem)
    if entry.source is None:
        entry.problem = "; ".join(problems) or (
            "not in the bundle (give --case with a case holding it)" if lab is None
            else "neither in the bundle nor in the case given"
        )
        return
    try:
        case.import_artefact(staged, entry.kind, entry.name, origin=entry.origin, added_by=ADDED_BY,
                             requirement=entry.requirement if entry.kind == "attachment" else None)
    except WorkbenchError as exc:
        entry.source, entry.problem = None, f"the case refused it: {exc.message}"
    finally:
        staged.unlink(missing_ok=True)


def _from_bundle(members: VerifiedMembers, entry: RestoredArtefact, staged: Path, lab: Any) -> str | None:
    """Stage the bundle's copy: None when done, "" when the bundle holds none, else the problem."""
    rel = f"{ARTEFACTS_DIR}/{entry.name}"
    if not members.has(rel):
        return ""
    size, digest = members.entry(rel)
    if digest != entry.sha256:
        return "the bundle's copy does not have the register's SHA-256"
    with members.view.open(rel) as stream:
        problem = stage(stream, staged, size, entry.sha256)
    return None if problem is None else f"the bundle's copy {problem}"


def _from_lab_case(
    members: VerifiedMembers, entry: RestoredArtefact, staged: Path, lab: dict[str, Path] | None
) -> str | None:
    """Stage the lab case's file of that SHA-256: None when done, "" when it has none, else the problem."""
    if lab is None or entry.sha256 not in lab:
        return ""
    try:
        with open(lab[entry.sha256], "rb") as stream:
            problem = stage(stream, staged, int(entry.size or 0), entry.sha256)
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    return None if problem is None else f"the case's copy {problem}"


def stage(stream: IO[bytes], dest: Path, limit: int, sha256: str) -> str | None:
    """Copy at most `limit` bytes of `stream` to a new file `dest`; why it is not the file
    expected (larger than `limit`, another SHA-256), or None."""
    digest = hashlib.sha256()
    seen = 0
    with open(dest, "xb") as out:
        while seen <= limit:
            chunk = stream.read(min(CHUNK, limit + 1 - seen))
            if not chunk:
                break
            seen += len(chunk)
            if seen > limit:
                return f"is larger than the {limit} bytes recorded"
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        return "does not have the recorded SHA-256"
    return None
