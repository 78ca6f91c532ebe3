"""A device case: one folder holding everything about one inspection.

    case.yaml          CaseInfo
    declaration.yaml   the manufacturer's declaration (optional); earlier versions in declarations/
    artefacts/         evidence files, read-only; artefacts.yaml records each one
    verdicts/          inspector verdicts, append-only (VerdictStore)
    cache/             derived analyses, deletable

The case stores and never judges. Every write is atomic; writers of the registry hold a lock,
so two inspectors adding at the same time both land; evidence is never replaced.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack

from pydantic import ValidationError

from workbench.case.artefacts import (
    INCOMING_PREFIX,
    KINDS,
    ORIGINS,
    Artefact,
    copy_in,
    default_name,
    valid_name,
    valid_requirement_id,
)
from workbench.case.declaration import Declaration, load_declaration, parse_declaration
from workbench.case.info import CaseInfo
from workbench.case.integrity import ArtefactIntegrity, IntegrityReport
from workbench.case.lock import locked
from workbench.case.verdicts import VerdictStore
from workbench.case.yamlio import describe_validation, dump_yaml, read_limited, read_yaml
from workbench.errors import CaseError
from workbench.fsutil import atomic_write_bytes, atomic_write_text, sha256_file


class AddOptions(TypedDict, total=False):
    """What may be said about an artefact as it enters the case."""

    requirement: str | None  # attachments: the requirement they document
    note: str | None
    added_by: str | None
    origin: str | None  # "probe": made by the live probe


CASE_FILE = "case.yaml"
REGISTRY_FILE = "artefacts.yaml"
DECLARATION_FILE = "declaration.yaml"
DECLARATION_KEY = "declaration"  # its name in current_hashes() and in evidence references
LOCK_FILE = ".case.lock"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def current_user(explicit: str | None = None) -> str:
    if explicit and explicit.strip():
        return explicit.strip()
    for variable in ("USER", "LOGNAME"):
        if os.environ.get(variable):
            return os.environ[variable]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Case:
    def __init__(self, path: Path, info: CaseInfo) -> None:
        self.path = path
        self.info = info
        self._declaration: tuple[tuple[int, int, int], Declaration] | None = None
        self._artefacts: tuple[tuple[int, int, int], tuple[Artefact, ...]] | None = None
        self._digests: dict[Path, tuple[tuple[int, int, int, int], str]] = {}

    # --- creating and opening -------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike[str], info: CaseInfo) -> Case:
        root = Path(path).absolute()
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            what = "a folder that is not empty" if root.is_dir() else "a file"
            raise CaseError(f"refusing to create a case: already {what}", path=str(path))
        try:
            for sub in ("artefacts", "verdicts", "cache"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            atomic_write_text(root / REGISTRY_FILE, dump_yaml(_empty_registry()), exclusive=True)
            atomic_write_text(root / CASE_FILE, dump_yaml(info.to_yaml_dict()), exclusive=True)
        except FileExistsError:
            raise CaseError("refusing to create a case: one was just created there", path=str(path)) from None
        except OSError as exc:
            raise CaseError(f"cannot create the case: {exc.strerror or exc}", path=str(path)) from None
        return cls(root, info)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Case:
        root = Path(path).absolute()
        if not root.is_dir():
            raise CaseError("no such case folder", path=str(path))
        if not (root / CASE_FILE).is_file():
            raise CaseError(
                f"not a device case (no {CASE_FILE}); create one with `workbench case new`", path=str(path)
            )
        data = read_yaml(root / CASE_FILE, name=str(root / CASE_FILE))
        if not isinstance(data, dict):
            raise CaseError("expected a mapping of fields", path=str(root / CASE_FILE))
        try:
            info = CaseInfo.model_validate(data)
        except ValidationError as exc:
            raise CaseError(describe_validation(exc), path=str(root / CASE_FILE)) from None
        return cls(root, info)

    def __repr__(self) -> str:
        return f"Case({str(self.path)!r}, {self.info.vendor} {self.info.model})"

    # --- folders --------------------------------------------------------------------------------
    @property
    def artefacts_dir(self) -> Path:
        return self.path / "artefacts"

    @property
    def cache_dir(self) -> Path:
        return self.path / "cache"

    @property
    def verdicts(self) -> VerdictStore:
        return VerdictStore(self.path / "verdicts")

    # --- artefacts ------------------------------------------------------------------------------
    def artefacts(self, kind: str | None = None) -> list[Artefact]:
        if kind is not None and kind not in KINDS:
            raise CaseError(f"unknown artefact kind {kind!r}; one of {', '.join(KINDS)}")
        return [a for a in self._recorded_artefacts() if kind is None or a.kind == kind]

    def _recorded_artefacts(self) -> tuple[Artefact, ...]:
        """The registry's artefacts, re-read only when artefacts.yaml was replaced since."""
        path = self.path / REGISTRY_FILE
        try:
            st = os.stat(path)
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            key = (0, 0, 0)
        if self._artefacts is not None and self._artefacts[0] == key:
            return self._artefacts[1]
        found = []
        for entry in self._read_registry()["artefacts"]:
            try:
                found.append(Artefact.from_record(entry, self.artefacts_dir))
            except (KeyError, TypeError, ValueError) as exc:
                raise CaseError(f"damaged artefact record: {exc}", path=str(path)) from None
        self._artefacts = (key, tuple(found))
        return self._artefacts[1]

    def artefact(self, name: str) -> Artefact:
        for artefact in self.artefacts():
            if artefact.name == name:
                return artefact
        raise CaseError(f"no artefact named {name!r} in the case", path=str(self.path))

    def add_artefact(
        self, src: str | os.PathLike[str], kind: str, name: str | None = None, **options: Unpack[AddOptions]
    ) -> Artefact:
        """Copy src into the case; the artefact already holding the same content if there is one."""
        return self.import_artefact(src, kind, name, **options)[0]

    def import_artefact(
        self,
        src: str | os.PathLike[str],
        kind: str,
        name: str | None = None,
        *,
        requirement: str | None = None,
        note: str | None = None,
        added_by: str | None = None,
        origin: str | None = None,
    ) -> tuple[Artefact, bool]:
        """Like add_artefact, also saying whether the artefact is new (False: same content already in)."""
        if kind not in KINDS:
            raise CaseError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}", path=str(src))
        if name is not None and not valid_name(name):
            raise CaseError(
                f"invalid artefact name {name!r}: letters, digits, '.', '_', '+', '-'; not starting with"
                " a dot; not a reserved name",
                path=str(src),
            )
        if requirement is not None:
            if kind != "attachment":
                raise CaseError("--requirement applies to attachments only", path=str(src))
            if not valid_requirement_id(requirement):
                raise CaseError(f"invalid requirement id {requirement!r}", path=str(src))
        if note is not None:
            note = " ".join(note.split())[:2000] or None
        if origin is not None and origin not in ORIGINS:
            raise CaseError(f"unknown origin {origin!r}; one of {', '.join(ORIGINS)}", path=str(src))
        if kind == "probe" and origin != "probe":
            raise CaseError("probe results enter a case only from `workbench probe`", path=str(src))
        self.artefacts_dir.mkdir(exist_ok=True)
        incoming = copy_in(Path(src), self.artefacts_dir, kind)
        try:
            with locked(self.path / LOCK_FILE):
                registry = self._read_registry()
                existing = [Artefact.from_record(e, self.artefacts_dir) for e in registry["artefacts"]]
                same = next((a for a in existing if a.sha256 == incoming.sha256), None)
                if same is not None:
                    return same, False
                final_name = name or default_name(incoming.original_name, kind, incoming.sha256)
                if any(a.name == final_name for a in existing):
                    raise CaseError(
                        f"the case already holds a different artefact named {final_name!r}; evidence is never"
                        " replaced: add this file under another --name",
                        path=str(src),
                    )
                artefact = Artefact(
                    name=final_name,
                    kind=kind,
                    sha256=incoming.sha256,
                    size=incoming.size,
                    added_at=utc_now(),
                    path=self.artefacts_dir / final_name,
                    original_name=incoming.original_name,
                    added_by=current_user(added_by),
                    requirement=requirement,
                    note=note,
                    origin=origin,
                )
                os.chmod(incoming.tmp, 0o444)
                try:
                    os.link(incoming.tmp, artefact.path)  # never replaces an existing file
                except FileExistsError:
                    raise CaseError(
                        f"artefacts/{final_name} exists but is not recorded in {REGISTRY_FILE}; "
                        "refusing to replace it (run `workbench case status` to see the case's integrity)",
                        path=str(src),
                    ) from None
                try:
                    registry["artefacts"].append(artefact.record())
                    self._write_registry(registry)
                except BaseException:
                    artefact.path.unlink(missing_ok=True)
                    raise
                return artefact, True
        except OSError as exc:
            raise CaseError(f"cannot add to the case: {exc.strerror or exc}", path=str(src)) from None
        finally:
            incoming.discard()

    # --- declaration ----------------------------------------------------------------------------
    @property
    def declaration_path(self) -> Path:
        return self.path / DECLARATION_FILE

    @property
    def declaration(self) -> Declaration | None:
        """The manufacturer's declaration, or None if none was declared (CaseError if it is invalid)."""
        try:
            st = os.stat(self.declaration_path)
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        if self._declaration is None or self._declaration[0] != key:
            self._declaration = (key, load_declaration(self.declaration_path))
        return self._declaration[1]

    def declaration_sha256(self) -> str | None:
        try:
            return sha256_file(self.declaration_path)
        except FileNotFoundError:
            return None

    def record_device_ip(self, address: str) -> bool:
        """Record another address of the device (the live probe targets recorded addresses only).
        Returns False when it was already recorded. case.yaml is rewritten atomically, under the lock."""
        with locked(self.path / LOCK_FILE):
            current = Case.open(self.path).info
            if address in current.device_ips:
                self.info = current
                return False
            try:
                info = CaseInfo.model_validate(
                    {**current.model_dump(), "device_ips": [*current.device_ips, address]}
                )
            except ValidationError as exc:
                raise CaseError(describe_validation(exc), path=str(self.path / CASE_FILE)) from None
            atomic_write_text(self.path / CASE_FILE, dump_yaml(info.to_yaml_dict()))
            self.info = info
            return True

    def declare(
        self, src: str | os.PathLike[str], *, added_by: str | None = None
    ) -> tuple[Declaration, bool]:
        """Validate src and make it the case's declaration; the previous one is archived, not lost.

        Returns the declaration and whether it changed (False: the same content was already declared).
        """
        data = read_limited(Path(src), label=str(src), what="declaration file")
        declaration = parse_declaration(data, name=str(src))
        digest = hashlib.sha256(data).hexdigest()
        try:
            with locked(self.path / LOCK_FILE):
                previous = self.declaration_sha256()
                if previous == digest:
                    return declaration, False
                registry = self._read_registry()
                entry: dict[str, Any] = {
                    "sha256": digest,
                    "size": len(data),
                    "added_at": utc_now(),
                    "original_name": Path(src).name,
                    "added_by": current_user(added_by),
                }
                if previous is not None:
                    archive = self.path / "declarations" / f"{previous}.yaml"
                    archive.parent.mkdir(exist_ok=True)
                    if not archive.exists():
                        os.link(self.declaration_path, archive)
                    entry["replaces"] = previous
                atomic_write_bytes(self.declaration_path, data)
                os.chmod(self.declaration_path, 0o444)
                registry["declarations"].append(entry)
                self._write_registry(registry)
        except OSError as exc:
            raise CaseError(f"cannot write the declaration: {exc.strerror or exc}", path=str(src)) from None
        self._declaration = None
        return declaration, True

    def current_hashes(self, *, recompute: bool = False) -> dict[str, str]:
        """name -> sha256 of every artefact and of the declaration (key 'declaration').

        By default artefact hashes are the recorded ones (artefacts are read-only); with
        recompute=True each file is hashed again, and a missing file is left out.
        """
        if recompute:
            hashes = self.verify_artefacts().actual_hashes()
        else:
            hashes = {a.name: a.sha256 for a in self.artefacts()}
        declared = self.declaration_sha256()
        if declared:
            hashes[DECLARATION_KEY] = declared
        return hashes

    def judged_hashes(self, kinds: Iterable[str], requirement_id: str | None = None) -> dict[str, str]:
        """name -> sha256 of what a verdict rests on: the artefacts of the evidence kinds named
        (a vulnerability feed counts with firmware), attachments for the requirement or the whole
        case, and the declaration if "declaration" is named."""
        wanted = {str(getattr(k, "value", k)) for k in kinds}
        if "firmware" in wanted:
            wanted.add("vuln-feed")
        hashes = {
            a.name: a.sha256
            for a in self.artefacts()
            if a.evidence_kind in wanted
            or (a.kind == "attachment" and a.requirement in (None, requirement_id))
        }
        declared = self.declaration_sha256() if "declaration" in wanted else None
        if declared:
            hashes[DECLARATION_KEY] = declared
        return hashes

    # --- integrity ------------------------------------------------------------------------------
    def verify_artefacts(self) -> IntegrityReport:
        """Hash every artefact again and compare with what was recorded when it entered the case.

        Within one Case object a file whose inode, size, mtime and ctime are unchanged is not read twice.
        """
        report = IntegrityReport()
        recorded = self.artefacts()
        for artefact in recorded:
            actual = self._file_digest(artefact.path)
            status = "missing" if actual is None else ("ok" if actual == artefact.sha256 else "changed")
            report.items.append(
                ArtefactIntegrity(artefact.name, artefact.kind, artefact.sha256, actual, status)
            )
        declarations = self._read_registry()["declarations"]
        if declarations:
            expected = str(declarations[-1].get("sha256", ""))
            actual = self.declaration_sha256()
            status = "missing" if actual is None else ("ok" if actual == expected else "changed")
            report.items.append(ArtefactIntegrity(DECLARATION_KEY, "declaration", expected, actual, status))
        names = {a.name for a in recorded}
        if self.artefacts_dir.is_dir():
            for entry in sorted(os.scandir(self.artefacts_dir), key=lambda e: e.name):
                if entry.name.startswith(INCOMING_PREFIX):
                    report.leftovers.append(entry.name)
                elif entry.name not in names:
                    report.unrecorded.append(entry.name)
        return report

    def _file_digest(self, path: Path) -> str | None:
        """SHA-256 of a file now (None if gone), hashed again only when its inode, size or times changed:
        the notebooks and the batch ask once per requirement."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        known = self._digests.get(path)
        if known is not None and known[0] == key:
            return known[1]
        try:
            digest = sha256_file(path)
        except FileNotFoundError:
            return None
        self._digests[path] = (key, digest)
        return digest

    # --- registry -------------------------------------------------------------------------------
    def _read_registry(self) -> dict[str, Any]:
        path = self.path / REGISTRY_FILE
        if not path.exists():
            return _empty_registry()
        data = read_yaml(path)
        if data is None:
            return _empty_registry()
        if not isinstance(data, dict) or not isinstance(data.get("artefacts", []), list):
            raise CaseError("damaged registry: expected a mapping with an 'artefacts' list", path=str(path))
        data.setdefault("artefacts", [])
        data.setdefault("declarations", [])
        return data

    def _write_registry(self, registry: dict[str, Any]) -> None:
        atomic_write_text(self.path / REGISTRY_FILE, dump_yaml(registry))


def _empty_registry() -> dict[str, Any]:
    return {"schema_version": 1, "artefacts": [], "declarations": []}


def is_read_only(path: Path) -> bool:
    return not (os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
