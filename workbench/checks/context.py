"""What a check sees: one requirement, and the case's evidence, analysed once and cached.

Tables from several artefacts of one kind are concatenated, with `artefact` (the artefact's
name in the case) and `artefact_sha256` columns added so every row can be traced to its evidence;
an engine's own columns keep their names (the firmware `files` table's `sha256` is each file's).
`capture_rows` and `firmware_rows` give a check typed rows by the engine's declared schema
(workbench.tables): Python values of the declared types, `None` where a value is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.checks.base import EvidenceKind

if TYPE_CHECKING:
    from workbench.case import Artefact, Case
    from workbench.catalog import Requirement


@dataclass
class EvidenceContext:
    case: Case
    requirement: Requirement
    _tables: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False)
    _analyses: dict[str, list[tuple[Artefact, Any]]] = field(default_factory=dict, repr=False)

    @classmethod
    def for_case(
        cls, case_dir: str | Path, requirement_id: str, catalog: str | Path | None = None
    ) -> EvidenceContext:
        from workbench.case import Case, source_to_load
        from workbench.catalog import load_catalog

        case = Case.open(case_dir)
        cat = load_catalog(source_to_load(case.info, catalog))
        return cls(case=case, requirement=cat.get(requirement_id))

    # --- what evidence there is -------------------------------------------------------------
    @property
    def info(self) -> Any:
        return self.case.info

    @property
    def declaration(self) -> Any | None:
        return self.case.declaration

    @property
    def parameters(self) -> dict[str, Any]:
        """The requirement's parameters from the catalogue (e.g. a TLS floor)."""
        return dict(self.requirement.parameters or {})

    def artefacts(self, kind: EvidenceKind | str) -> list[Artefact]:
        """The case's artefacts of one evidence kind (what the live probe made is `probe` only)."""
        return [a for a in self.case.artefacts() if a.evidence_kind == str(kind)]

    def has(self, kind: EvidenceKind | str) -> bool:
        kind = EvidenceKind(kind)
        if kind is EvidenceKind.DECLARATION:
            return self.case.declaration is not None
        if kind is EvidenceKind.INSPECTOR:
            return True
        return bool(self.artefacts(kind))

    def hashes_of(self, kinds: Iterable[EvidenceKind | str]) -> tuple[str, ...]:
        hashes: list[str] = []
        for kind in sorted({EvidenceKind(k) for k in kinds}):
            if kind is EvidenceKind.DECLARATION:
                digest = self.case.declaration_sha256()
                if digest:
                    hashes.append(digest)
            elif kind is not EvidenceKind.INSPECTOR:
                hashes.extend(a.sha256 for a in self.artefacts(kind))
        return tuple(hashes)

    # --- analysed evidence ------------------------------------------------------------------
    def capture_table(self, name: str, columns: Iterable[str] = ()) -> pd.DataFrame:
        """A table of the capture engine (flows, tls, credentials, ...) over every capture (only
        `columns` if named: the others are not read from the cache)."""
        return self._table(EvidenceKind.CAPTURE, name, tuple(columns))

    def firmware_table(self, name: str, columns: Iterable[str] = ()) -> pd.DataFrame:
        """A table of the firmware engine (accounts, keys, binaries, ...) over every image (only
        `columns` if named)."""
        return self._table(EvidenceKind.FIRMWARE, name, tuple(columns))

    def capture_rows(self, name: str, columns: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
        """Typed rows of a capture table (only `columns` if named), with `artefact` and `artefact_sha256`."""
        from workbench.capture.schema import TABLES

        return TABLES[name].rows(self.capture_table(name, columns), columns)

    def firmware_rows(self, name: str, columns: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
        """Typed rows of a firmware table (only `columns` if named), with `artefact` and `artefact_sha256`."""
        from workbench.firmware.schema import TABLES

        return TABLES[name].rows(self.firmware_table(name, columns), columns)

    def probe_rows(self, name: str, columns: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
        """Typed rows of a table of the newest probe run (only `columns` if named), with `artefact`
        and `artefact_sha256` (the results file) and `capture`, `capture_sha256` (the probe's capture,
        which the rows' `packets` number into)."""
        from workbench.probe.schema import TABLES

        key = ("probe", name)
        if key not in self._tables:
            probe = self.probe()
            if probe is None:
                frame = pd.DataFrame(columns=["artefact", "artefact_sha256", "capture", "capture_sha256"])
            else:
                artefact, results = probe
                frame = results.frame(name)
                capture = self.probe_capture()
                frame.insert(0, "artefact", artefact.name)
                frame.insert(1, "artefact_sha256", artefact.sha256)
                frame.insert(2, "capture", capture.name if capture else "")
                frame.insert(3, "capture_sha256", capture.sha256 if capture else "")
                if "packets" in frame.columns:  # a hostile file's packet numbers past the capture's end
                    last = results.capture_packets
                    frame["packets"] = frame["packets"].map(lambda ps: _within(ps, last))
            self._tables[key] = frame
        return TABLES[name].rows(self._tables[key], columns)

    def probe(self) -> tuple[Artefact, Any] | None:
        """The newest probe run's results artefact and its ProbeResults (earlier runs stay in the case as
        evidence, superseded), or None when the device was not probed."""
        if "probe" not in self._analyses:
            from workbench.errors import MalformedInput
            from workbench.probe.results import ProbeResults, newest

            loaded = []
            for artefact in (a for a in self.artefacts(EvidenceKind.PROBE) if a.kind == "probe"):
                try:  # a results file that does not load is skipped, not every probe-judged check
                    loaded.append((artefact, ProbeResults.load(artefact.path)))
                except MalformedInput:
                    continue
            chosen = newest(loaded)
            self._analyses["probe"] = [chosen] if chosen else []
        found = self._analyses["probe"]
        return found[0] if found else None

    def probe_capture(self) -> Artefact | None:
        """The capture the newest probe run took (its `capture_sha256`), if it is in the case."""
        probe = self.probe()
        if probe is None:
            return None
        digest = probe[1].capture_sha256
        made = self.artefacts(EvidenceKind.PROBE)
        return next((a for a in made if a.kind == "capture" and a.sha256 == digest), None)

    def captures(self) -> list[tuple[Artefact, Any]]:
        """Each capture with its analysis, read from the case's cache once per context."""
        if "capture" not in self._analyses:
            from workbench.analysis import capture_analysis

            self._analyses["capture"] = [
                (a, capture_analysis(self.case, a)) for a in self.artefacts(EvidenceKind.CAPTURE)
            ]
        return self._analyses["capture"]

    def firmwares(self) -> list[tuple[Artefact, Any]]:
        """Each firmware image with its scan, read from the case's cache once per context."""
        if "firmware" not in self._analyses:
            from workbench.analysis import firmware_scan

            self._analyses["firmware"] = [
                (a, firmware_scan(self.case, a)) for a in self.artefacts(EvidenceKind.FIRMWARE)
            ]
        return self._analyses["firmware"]

    def _table(self, kind: EvidenceKind, name: str, columns: tuple[str, ...] = ()) -> pd.DataFrame:
        key = (str(kind), name, *columns)
        if key not in self._tables:
            whole = (str(kind), name)
            if columns and whole in self._tables:  # already read whole: no need to read again
                table = self._tables[whole]
                kept = [c for c in ("artefact", "artefact_sha256", *columns) if c in table.columns]
                self._tables[key] = table[kept]
                return self._tables[key]
            analysed = self.captures() if kind is EvidenceKind.CAPTURE else self.firmwares()
            frames = []
            for artefact, analysis in analysed:
                frame = _read(analysis, name, columns)
                if frame is None:
                    continue
                frame = frame.copy(deep=False)  # never the cache's own frame
                frame.insert(0, "artefact", artefact.name)
                frame.insert(1, "artefact_sha256", artefact.sha256)
                frames.append(frame)
            non_empty = [f for f in frames if not f.empty]
            if non_empty:
                table = pd.concat(non_empty, ignore_index=True)
            elif frames:
                table = frames[0]
            else:
                table = pd.DataFrame(columns=["artefact", "artefact_sha256"])
            self._tables[key] = table
        return self._tables[key]


def _read(analysis: Any, name: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
    """An analysis's table, only `columns` if named (read alone from its result folder when the
    analysis can)."""
    if name not in analysis.tables:
        return None
    if columns and hasattr(analysis, "table"):
        return analysis.table(name, columns)
    frame = analysis.tables[name]
    return frame[list(columns)] if columns else frame


def _within(numbers: Any, last: int) -> Any:
    """Packet numbers that exist in a capture of `last` packets (1-based); anything else as it is."""
    if not isinstance(numbers, list | tuple):
        return numbers
    return [n for n in numbers if isinstance(n, int) and 0 < n <= last]
