"""What a sealed bundle says, read back as data: its manifest, results, outcomes and case records.

Every member is hostile input: JSON and YAML are read with a size cap, and a member that is missing
or unreadable is a BundleError naming it. Integrity is `workbench.batch.verify`'s job; a caller that
relies on the content verifies first.
"""

from __future__ import annotations

import json
from typing import IO, Any

from workbench.errors import BundleError
from workbench.sealed.names import ARTEFACTS_DIR, CASE_DIR, FORMATS_DIR, MANIFEST, OUTCOMES_DIR, RESULTS
from workbench.sealed.source import BundleSource

MAX_JSON_BYTES = 64 << 20


class BundleView:
    def __init__(self, source: BundleSource) -> None:
        self.source = source
        self._names = set(source.names())

    @property
    def label(self) -> str:
        return self.source.label

    def has(self, rel: str) -> bool:
        return rel in self._names

    def names(self, under: str = "") -> list[str]:
        prefix = under.rstrip("/") + "/" if under else ""
        return sorted(n for n in self._names if n.startswith(prefix))

    def read_bytes(self, rel: str, limit: int = MAX_JSON_BYTES) -> bytes:
        if rel not in self._names:
            raise BundleError("the bundle holds no such file", path=f"{self.label}:{rel}")
        return self.source.read_small(rel, limit)

    def read_json(self, rel: str, limit: int = MAX_JSON_BYTES) -> Any:
        try:
            return json.loads(self.read_bytes(rel, limit))
        except ValueError as exc:
            raise BundleError(f"not readable JSON: {exc}", path=f"{self.label}:{rel}") from None

    def open(self, rel: str) -> Any:
        """A stream of a member (for artefacts, which may be large): `with view.open(rel) as f`."""
        if rel not in self._names:
            raise BundleError("the bundle holds no such file", path=f"{self.label}:{rel}")
        return self.source.open(rel)

    def manifest(self) -> dict[str, Any]:
        return _mapping(self.read_json(MANIFEST), MANIFEST)

    def results(self) -> dict[str, Any]:
        return _mapping(self.read_json(RESULTS), RESULTS)

    def outcome_ids(self) -> list[str]:
        return [n[len(OUTCOMES_DIR) + 1:-5] for n in self.names(OUTCOMES_DIR) if n.endswith(".json")]

    def outcome(self, requirement_id: str) -> dict[str, Any] | None:
        """The batch's outcome of a requirement (workbench.judgement.outcome's shape), or None."""
        rel = f"{OUTCOMES_DIR}/{requirement_id}.json"
        return _mapping(self.read_json(rel), rel) if rel in self._names else None

    def case_record(self, name: str) -> bytes | None:
        """A copied case record (`case.yaml`, `declaration.yaml`, `artefacts.yaml`), or None."""
        rel = f"{CASE_DIR}/{name}"
        return self.read_bytes(rel, 16 << 20) if rel in self._names else None

    def artefact_names(self) -> list[str]:
        """Artefacts archived in the bundle (`run --with-artefacts`)."""
        return [n[len(ARTEFACTS_DIR) + 1:] for n in self.names(ARTEFACTS_DIR)]

    def open_artefact(self, name: str) -> IO[bytes]:
        return self.open(f"{ARTEFACTS_DIR}/{name}")

    def format_files(self) -> list[str]:
        return self.names(FORMATS_DIR)


def _mapping(data: Any, rel: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BundleError(f"expected a JSON object, not {type(data).__name__}", path=rel)
    return data
