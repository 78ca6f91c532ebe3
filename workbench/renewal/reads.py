"""What a requirement's check reads of a firmware image, seen by running it, as firmware diff kinds.

A verdict carried over to a new firmware version must not rest on anything the new image changed.
What a check reads is observed, not declared: the check runs on a context that notes each firmware
table it asks for (and which columns), and each file of an image it opens. `relevant_changes` then
keeps the rows of a firmware diff that touch what was read: an added or removed row of a kind read,
a changed row one of whose changed fields was read, any change of a file that was opened. The
engine's tables map to the diff's kinds by DIFF_KINDS (data, one place).
"""

from __future__ import annotations

import inspect
import types
from dataclasses import dataclass, field
from typing import Any

from workbench.checks.base import EvidenceKind
from workbench.checks.context import EvidenceContext
from workbench.i18n import N_, tr

ALL = None  # every column of a table was read
# firmware engine table -> the firmware diff's kinds a change of it shows in
DIFF_KINDS: dict[str, tuple[str, ...]] = {
    "files": ("files",),
    "layers": ("files",),  # the image's layout: what moved shows in files
    "accounts": ("accounts",),
    "keys": ("keys",),
    "secrets": ("secrets",),
    "binaries": ("binaries",),
    "components": ("components",),
    "vulnerabilities": ("vulnerabilities",),
    "services": ("services",),
    "update": ("files",),  # found from the update tools and scripts among the files
    "warnings": (),  # the scan's own notes, no evidence
}
DERIVED = {"layers", "update"}  # tables whose every column depends on any file
FILE_READS = ("lines", "read_file", "local_path")  # FirmwareScan methods opening a file of the image
SCAN_FACTS = {"password_hashes": "accounts"}  # scan attributes a check reads directly -> their table
RAW = ("tables", "table", "scalars", "folder")  # a check reading these itself: what it read is unknown
ALL_KINDS: tuple[str, ...] = tuple(sorted({k for kinds in DIFF_KINDS.values() for k in kinds}))
IDENTITY = {"artefact", "artefact_sha256"}  # added by the context, not the engine's
# the diff's derived fields (a stored password hash, a key's fingerprint): a check reading its kind at
# all may read them some other way (the scan's scalars, the key file itself)
ALWAYS_READ = {"password_hash", "fingerprint"}
SCHEMA_FACTS = {"model_fields", "model_fields_set", "model_config", "model_extra"}  # of a Declaration


@dataclass
class FirmwareReads:
    """Per diff kind the columns read (ALL: every one), and the image paths opened."""

    columns: dict[str, set[str] | None] = field(default_factory=dict)
    opened: set[str] = field(default_factory=set)
    declared: set[str] | None = field(default_factory=set)  # declaration fields read (ALL: every one)

    inside_table: bool = False  # the context itself is reading a table (noted by note_table)

    def note_table(self, table: str, columns: tuple[str, ...]) -> None:
        wanted: set[str] | None = set(columns) - IDENTITY if columns and table not in DERIVED else ALL
        for kind in DIFF_KINDS.get(table, ALL_KINDS):
            known = self.columns.get(kind, set())
            self.columns[kind] = ALL if known is ALL or wanted is ALL else known | wanted

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.columns) | ({"files"} if self.opened else set())))

    def everything(self) -> FirmwareReads:
        return FirmwareReads(columns=dict.fromkeys(ALL_KINDS, ALL), declared=ALL)

    def note_declared(self, name: str | None) -> None:
        """A field of the declaration read (None: all of it, e.g. dumped or iterated)."""
        if name is None or self.declared is None:
            self.declared = ALL
        else:
            self.declared.add(name)


@dataclass
class ReadingContext(EvidenceContext):
    """An EvidenceContext noting what of the firmware images the check reads."""

    reads: FirmwareReads = field(default_factory=FirmwareReads)

    def _table(self, kind: EvidenceKind, name: str, columns: tuple[str, ...] = ()) -> Any:
        if kind is not EvidenceKind.FIRMWARE:
            return super()._table(kind, name, columns)
        self.reads.note_table(name, tuple(columns))
        self.reads.inside_table = True
        try:
            return super()._table(kind, name, columns)
        finally:
            self.reads.inside_table = False

    def firmwares(self) -> list[tuple[Any, Any]]:
        return [(artefact, _NotingScan(scan, self.reads)) for artefact, scan in super().firmwares()]

    @property
    def declaration(self) -> Any | None:
        found = self.case.declaration
        return None if found is None else _NotingDeclaration(found, self.reads)


class _NotingDeclaration:
    """A Declaration that notes each of its fields read (anything else read of it: all of them)."""

    def __init__(self, declaration: Any, reads: FirmwareReads) -> None:
        self._declaration = declaration
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        model = type(self._declaration)
        own = model.__dict__.get(name)
        if inspect.isfunction(own):  # the Declaration's own helper: what it reads is noted through us
            return types.MethodType(own, self)
        if name not in SCHEMA_FACTS:  # which fields were set says nothing of their values
            self._reads.note_declared(name if name in model.model_fields else None)
        return getattr(self._declaration, name)


class _NotingScan:
    """A FirmwareScan that notes each file of the image opened."""

    def __init__(self, scan: Any, reads: FirmwareReads) -> None:
        self._scan = scan
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._scan, name)
        if name in SCAN_FACTS:
            self._reads.note_table(SCAN_FACTS[name], ())
        elif name in RAW and not self._reads.inside_table:
            for table in DIFF_KINDS:
                self._reads.note_table(table, ())
        if name not in FILE_READS:
            return attribute

        def opening(image_path: str, *args: Any, **kwargs: Any) -> Any:
            self._reads.opened.add(str(image_path))
            return attribute(image_path, *args, **kwargs)

        return opening


def reads_of(requirement: Any, observed: FirmwareReads | None) -> FirmwareReads:
    """What a verdict on `requirement` rests on of a firmware image: what its check was seen to read;
    everything when the requirement names firmware evidence and nothing was observed (no check ran,
    or it raised: an inspector judged the image some other way)."""
    evidence = {str(getattr(e, "value", e)) for e in requirement.evidence}
    if observed is not None and (observed.columns or observed.opened or observed.declared is ALL
                                 or observed.declared):
        return observed
    if observed is not None and "firmware" not in evidence and "declaration" not in evidence:
        return observed  # the check read nothing of an image or the declaration: they do not matter
    return FirmwareReads().everything() if evidence & {"firmware", "declaration"} else FirmwareReads()


def relevant_changes(diff_tables: dict[str, Any], reads: FirmwareReads) -> dict[str, list[str]]:
    """Kind -> the rows of the firmware diff that touch what was read, each as `<change> <identity>`."""
    found: dict[str, list[str]] = {}
    for kind, frame in diff_tables.items():
        columns = reads.columns.get(kind, set())
        opened = reads.opened if kind == "files" else set()
        if frame is None or len(frame) == 0 or (columns == set() and not opened):
            continue
        labels = [_label(row) for row in frame.to_dict("records") if _touches(row, columns, opened)]
        if labels:
            found[kind] = labels
    return found


_CHANGES = {"added": N_("added {what}"), "removed": N_("removed {what}"), "changed": N_("changed {what}")}


def _label(row: dict[str, Any]) -> str:
    """`added /etc/inittab`: the change (in words of the current language) and what changed."""
    names = ("path", "source", "user", "name", "kind", "vuln_id", "component")
    said = " ".join(str(row[n]) for n in names if isinstance(row.get(n), str) and row[n])
    change = str(row.get("change", "changed"))
    if change in _CHANGES:
        return tr(_CHANGES[change], what=said).strip()
    return f"{change} {said}".strip()


def _touches(row: dict[str, Any], columns: set[str] | None, opened: set[str]) -> bool:
    if opened and row.get("path") in opened:
        return True
    if columns == set():
        return False
    if row.get("change") != "changed" or columns is ALL:
        return True
    fields = row.get("fields")
    if fields is None or isinstance(fields, str) or not hasattr(fields, "__iter__"):
        return True  # not saying which fields changed: assume what was read did
    return bool({str(f) for f in fields} & (columns | ALWAYS_READ))
