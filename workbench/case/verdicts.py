"""The verdict store: inspector verdicts, one JSON file each, append-only.

    verdicts/<REQUIREMENT-ID>/<UTC timestamp, microseconds>-<uuid4>.json

Each record is written to a temporary file, synced, then hard-linked to its final name, which
fails rather than replace anything: a record is never overwritten, and a writer killed at any
point leaves either the whole record or none of it (plus, at worst, a temporary dot-file that
readers ignore and `problems()` reports). The newest record of a requirement is its verdict;
the older ones are its history.

Since record version 2 a verdict also says what it judged against: the catalogue edition and the
requirement's hash (workbench.catalog.fingerprint) as that catalogue has it, and, for a verdict
carried over from another case by a renewal, `carried_from`: that case's record it confirms.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.case.artefacts import valid_requirement_id
from workbench.errors import CaseError
from workbench.fsutil import atomic_write_json
from workbench.vocabulary import CHECK_VERDICTS, INSPECTOR_VERDICTS, NEEDS_RATIONALE

RECORDABLE = INSPECTOR_VERDICTS  # what an inspector may record
PROPOSABLE = CHECK_VERDICTS  # what a check may propose
MAX_RECORD_BYTES = 1 << 20
RECORD_SCHEMA_VERSION = 2  # 2: catalog_edition, requirement_sha256, carried_from (1 still reads)
_HEX = frozenset("0123456789abcdef")


def _value(verdict: Any) -> str:
    return str(verdict.value if isinstance(verdict, Enum) else verdict).strip().upper()


@dataclass(frozen=True)
class RecordedVerdict:
    id: str  # file stem: <timestamp>-<uuid>
    requirement_id: str
    verdict: str
    rationale: str
    inspector: str
    recorded_at: datetime
    evidence_refs: tuple[Any, ...] = ()
    artefact_hashes: dict[str, str] = field(default_factory=dict)  # name -> sha256 of what was judged
    automatic_verdict: str | None = None  # what the check proposed when the inspector decided
    workbench_version: str = ""
    supersedes: str | None = None  # id of the record that was latest when this one was written
    catalog_edition: str | None = None  # the edition the verdict was judged with (None: version 1)
    requirement_sha256: str | None = None  # the requirement's hash in that edition (None: version 1)
    carried_from: dict[str, Any] | None = None  # the other case's record this one carries over
    path: Path | None = None

    def stale_artefacts(self, current_hashes: dict[str, str]) -> list[str]:
        """Names of judged artefacts that have changed or are gone."""
        return sorted(n for n, h in self.artefact_hashes.items() if current_hashes.get(n) != h)

    def is_stale(self, current_hashes: dict[str, str]) -> bool:
        return bool(self.stale_artefacts(current_hashes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": RECORD_SCHEMA_VERSION,
            "id": self.id,
            "requirement_id": self.requirement_id,
            "verdict": self.verdict,
            "rationale": self.rationale,
            "inspector": self.inspector,
            "recorded_at": self.recorded_at.isoformat(timespec="microseconds"),
            "evidence_refs": list(self.evidence_refs),
            "artefact_hashes": dict(self.artefact_hashes),
            "automatic_verdict": self.automatic_verdict,
            "workbench_version": self.workbench_version,
            "supersedes": self.supersedes,
            "catalog_edition": self.catalog_edition,
            "requirement_sha256": self.requirement_sha256,
            "carried_from": None if self.carried_from is None else dict(self.carried_from),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> RecordedVerdict:
        recorded_at = datetime.fromisoformat(str(data["recorded_at"]))
        hashes = data.get("artefact_hashes") or {}
        refs = data.get("evidence_refs") or []
        if not isinstance(hashes, dict) or not isinstance(refs, list):
            raise ValueError("artefact_hashes must be a mapping and evidence_refs a list")
        verdict = _value(data["verdict"])
        if verdict not in RECORDABLE:
            raise ValueError(f"verdict {verdict!r} is not one an inspector records")
        return cls(
            id=str(data["id"]),
            requirement_id=str(data["requirement_id"]),
            verdict=verdict,
            rationale=str(data.get("rationale") or ""),
            inspector=str(data["inspector"]),
            recorded_at=recorded_at if recorded_at.tzinfo else recorded_at.replace(tzinfo=UTC),
            evidence_refs=tuple(refs),
            artefact_hashes={str(k): str(v) for k, v in hashes.items()},
            automatic_verdict=data.get("automatic_verdict"),
            workbench_version=str(data.get("workbench_version", "")),
            supersedes=data.get("supersedes"),
            catalog_edition=_optional_text(data.get("catalog_edition"), "catalog_edition"),
            requirement_sha256=_optional_hash(data.get("requirement_sha256")),
            carried_from=_carried_from(data.get("carried_from")),
            path=path,
        )


def _optional_text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be text")
    return value.strip()


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and set(value) <= _HEX


def _optional_hash(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _is_sha256(value.lower()):
        raise ValueError("requirement_sha256 is not a SHA-256 hex digest")
    return value.lower()


def _carried_from(value: Any) -> dict[str, Any] | None:
    """The carried-over record's description: a mapping of text keys to plain JSON data."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError("carried_from must be a mapping with text keys")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError("carried_from is not plain JSON data") from None
    return dict(value)


def _evidence_ref(ref: Any) -> str | dict[str, Any]:
    if is_dataclass(ref) and not isinstance(ref, type):
        ref = {k: v for k, v in asdict(ref).items() if v not in (None, "")}
    if isinstance(ref, str):
        if not ref.strip():
            raise CaseError("an evidence reference is empty")
        return ref.strip()
    if isinstance(ref, dict):
        try:
            json.dumps(ref)
        except (TypeError, ValueError):
            raise CaseError(f"evidence reference is not plain data: {ref!r}") from None
        return ref
    raise CaseError(f"evidence reference must be text or a mapping, not {type(ref).__name__}")


class VerdictStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _folder(self, requirement_id: str) -> Path:
        if not isinstance(requirement_id, str) or not valid_requirement_id(requirement_id):
            raise CaseError(f"invalid requirement id {requirement_id!r}")
        return self.root / requirement_id

    # --- writing --------------------------------------------------------------------------------
    def record(
        self,
        requirement_id: str,
        verdict: Any,
        rationale: str,
        inspector: str,
        evidence_refs: list[Any] | tuple[Any, ...] = (),
        artefact_hashes: dict[str, str] | None = None,
        *,
        automatic_verdict: Any = None,
        catalog_edition: str | None = None,
        requirement_sha256: str | None = None,
        carried_from: dict[str, Any] | None = None,
    ) -> RecordedVerdict:
        """Append a verdict. `catalog_edition` and `requirement_sha256`: what it is judged against (the
        requirement as that catalogue has it); `carried_from`: the other case's record it carries over."""
        folder = self._folder(requirement_id)
        value = _value(verdict)
        if value not in RECORDABLE:
            raise CaseError(f"an inspector records one of {', '.join(RECORDABLE)}, not {value!r}")
        rationale = (rationale or "").strip()
        if value in NEEDS_RATIONALE and not rationale:
            raise CaseError(f"a {value} verdict needs a rationale: say why")
        inspector = (inspector or "").strip()
        if not inspector:
            raise CaseError("a verdict needs the inspector's name")
        hashes = {str(k): str(v).lower() for k, v in (artefact_hashes or {}).items()}
        bad = [k for k, v in hashes.items() if not _is_sha256(v)]
        if bad:
            raise CaseError(f"artefact hash of {bad[0]!r} is not a SHA-256 hex digest")
        auto = None if automatic_verdict is None else _value(automatic_verdict)
        if auto is not None and auto not in PROPOSABLE:
            raise CaseError(f"unknown automatic verdict {auto!r}")
        try:
            edition = _optional_text(catalog_edition, "catalog_edition")
            requirement_hash = _optional_hash(requirement_sha256)
            carried = _carried_from(carried_from)
        except ValueError as exc:
            raise CaseError(f"cannot record the verdict for {requirement_id}: {exc}") from None
        now = datetime.now(UTC)
        previous = self.latest(requirement_id)
        record = RecordedVerdict(
            id=f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{uuid.uuid4()}",
            requirement_id=requirement_id,
            verdict=value,
            rationale=rationale,
            inspector=inspector,
            recorded_at=now,
            evidence_refs=tuple(_evidence_ref(r) for r in evidence_refs),
            artefact_hashes=hashes,
            automatic_verdict=auto,
            workbench_version=__version__,
            supersedes=previous.id if previous else None,
            catalog_edition=edition,
            requirement_sha256=requirement_hash,
            carried_from=carried,
        )
        path = folder / f"{record.id}.json"
        try:
            atomic_write_json(path, record.to_dict(), exclusive=True)
        except OSError as exc:
            raise CaseError(f"cannot record the verdict: {exc.strerror or exc}", path=str(path)) from None
        return replace(record, path=path)

    # --- reading --------------------------------------------------------------------------------
    def _scan(self, requirement_id: str) -> tuple[list[RecordedVerdict], list[str]]:
        folder = self._folder(requirement_id)
        records: list[RecordedVerdict] = []
        problems: list[str] = []
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except FileNotFoundError:
            return records, problems
        for entry in entries:
            where = f"verdicts/{requirement_id}/{entry.name}"
            if entry.name.startswith("."):
                problems.append(f"{where}: temporary file left by an interrupted write (ignored)")
                continue
            if not entry.name.endswith(".json") or not entry.is_file(follow_symlinks=False):
                problems.append(f"{where}: not a verdict record (ignored)")
                continue
            try:
                with open(entry.path, "rb") as handle:
                    raw = handle.read(MAX_RECORD_BYTES + 1)
                if len(raw) > MAX_RECORD_BYTES:
                    raise ValueError("too large for a verdict record")
                record = RecordedVerdict.from_dict(json.loads(raw), Path(entry.path))
                if record.requirement_id != requirement_id or record.id != entry.name[: -len(".json")]:
                    raise ValueError("its requirement id or record id does not match its place in the store")
            except (OSError, ValueError, KeyError, TypeError) as exc:
                problems.append(f"{where}: unreadable record (ignored): {exc}")
                continue
            records.append(record)
        records.sort(key=lambda r: (r.recorded_at, r.id))
        return records, problems

    def history(self, requirement_id: str) -> list[RecordedVerdict]:
        """Every readable record of a requirement, oldest first."""
        return self._scan(requirement_id)[0]

    def latest(self, requirement_id: str) -> RecordedVerdict | None:
        records = self.history(requirement_id)
        return records[-1] if records else None

    def requirement_ids(self) -> list[str]:
        try:
            return sorted(
                e.name for e in os.scandir(self.root) if e.is_dir() and valid_requirement_id(e.name)
            )
        except FileNotFoundError:
            return []

    def all_latest(self) -> dict[str, RecordedVerdict]:
        latest = {rid: self.latest(rid) for rid in self.requirement_ids()}
        return {rid: record for rid, record in latest.items() if record is not None}

    def problems(self) -> list[str]:
        """Leftover temporary files and unreadable records, each ignored by the readers."""
        found: list[str] = []
        try:
            for entry in sorted(os.scandir(self.root), key=lambda e: e.name):
                if not (entry.is_dir() and valid_requirement_id(entry.name)):
                    found.append(f"verdicts/{entry.name}: not a requirement folder (ignored)")
        except FileNotFoundError:
            return found
        for rid in self.requirement_ids():
            found += self._scan(rid)[1]
        return found
