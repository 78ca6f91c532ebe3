"""The result of a firmware scan: tables (pandas DataFrames) built by their declared schemas
(workbench.firmware.schema), the image's facts, and safe access to the extracted files.

A scan is written as a result folder (workbench.columnar: one Parquet file per table, meta.json
with the image's facts and the password hashes as scalars); `FirmwareScan.open` reads it back,
each table on first use, or only the columns named (`table(name, columns)`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.columnar import FolderTables, ResultFolder
from workbench.firmware import crypthash
from workbench.firmware.localpath import MAX_READ, Resolver, read_regular, text_lines
from workbench.firmware.schema import TABLES
from workbench.tables import Misfit, plain_cell

ENGINE = "firmware"
RESULT_VERSION = "2"  # bump when a table or a scalar of the result changes shape or meaning

if TYPE_CHECKING:  # pandas is imported where a table is built (0.2 s: not for the command line's scan)
    import pandas as pd


def frame(
    name: str, rows: Iterable[dict[str, Any]], problems: list[dict[str, Any]] | None = None
) -> pd.DataFrame:
    """The table `name` with exactly its declared columns, each value converted to the column's
    declared type and kept as a Python object (None where missing), so that a table built by the
    engine and one read back from the cache are the same.

    A value from the image that does not fit its column (a uid past 64 bits, a port past 65535)
    is left empty (`TableSchema.fitted`) and, when `problems` is given, reported there as a
    warning row: a hostile image never ends the scan."""
    import pandas as pd

    schema = TABLES[name]
    rows = list(rows)
    misfits: list[Misfit] = []
    columns = {
        c.name: pd.Series(
            schema.fitted(c.name, [plain_cell(r.get(c.name)) for r in rows], misfits), dtype=object
        )
        for c in schema.columns
    }
    if problems is not None:
        problems.extend({"kind": "schema", "path": None, "message": m.message} for m in misfits)
    return pd.DataFrame(columns, columns=list(schema.names))


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{c: plain_cell(v) for c, v in row.items()} for row in table.to_dict("records")]


def _relocated(image: dict[str, Any], root: Path) -> dict[str, Any]:
    """The image's facts with its extraction folders moved from where they were to `root`
    (folders that were not inside the old extraction folder are dropped)."""
    old = image.get("extraction_root")
    if not old:
        return image

    def moved(folder: Any) -> str | None:
        if not isinstance(folder, str):
            return None
        relative = os.path.relpath(folder, old)
        if relative == ".." or relative.startswith("../") or os.path.isabs(relative):
            return None
        return str(root) if relative == "." else str(root / relative)

    mounts = [[mount, moved(folder)] for mount, folder in image.get("mounts") or []]
    return {
        **image,
        "extraction_root": str(root),
        "root": moved(image.get("root")),
        "mounts": [m for m in mounts if m[1] is not None],
    }


@dataclass
class FirmwareScan:
    tables: Mapping[str, pd.DataFrame]
    image: dict[str, Any]
    password_hashes: list[dict[str, Any]] = field(default_factory=list, repr=False)
    folder: ResultFolder | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES and "tables" in self.__dict__:
            return self.tables[name]
        raise AttributeError(name)

    @classmethod
    def open(
        cls, folder: str | os.PathLike[str], *, workdir: str | os.PathLike[str] | None = None
    ) -> FirmwareScan | None:
        """The scan written in a result folder (`scan_firmware(..., out=folder)`), or None when
        there is none there, or it is incomplete, damaged or of another result version: such a
        folder is never trusted, the caller scans again. workdir: the work folder the image was
        extracted under, where it is now (as `from_json`: a case folder moved or copied)."""
        opened = ResultFolder.open(folder, TABLES, engine=ENGINE, version=RESULT_VERSION)
        if opened is None:
            return None
        scalars = opened.scalars
        image, hashes = scalars.get("image"), scalars.get("password_hashes")
        if not isinstance(image, dict) or not isinstance(hashes, list):
            return None
        if workdir is not None and image.get("sha256"):
            image = _relocated(image, Path(workdir) / str(image["sha256"]))
        tables = FolderTables(opened, objects=True)
        return cls(tables=tables, image=image, password_hashes=hashes, folder=opened)

    def table(self, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Table `name` in the typed form of `tables`, only `columns` if named: read from the
        result folder without the other columns when the scan has one."""
        if name not in TABLES:
            raise KeyError(name)
        if isinstance(self.tables, FolderTables):
            return self.tables.columns(name, columns)
        frame_ = self.tables.get(name)
        if frame_ is None:
            frame_ = frame(name, [])
        return frame_ if columns is None else frame_[list(columns)]

    def local_path(self, image_path: str, *, follow_links: bool = True) -> Path | None:
        """The extracted copy of an image path (`/etc/shadow`, `/@0/kernel.bin`,
        `/a.zip!/b.conf`) on disk: a regular file or a folder inside the extraction, or None
        (not in the image, not extracted, extraction gone, `..` in the path, a link that
        leads nowhere). Links are followed inside the image, never out of the extraction;
        follow_links=False answers None for any path through a link. Open the result with
        O_NOFOLLOW all the same: the extraction folder is not read-only."""
        resolver = self.__dict__.get("_resolver")
        if resolver is None:
            files = self.table("files", ("path", "type", "link_target"))
            links = {
                path: target
                for path, kind, target in zip(files["path"], files["type"], files["link_target"], strict=True)
                if kind == "symlink" and target
            }
            resolver = Resolver(self.image.get("mounts") or [], self.image.get("extraction_root"), links.get)
            self.__dict__["_resolver"] = resolver
        return resolver.resolve(image_path, follow_links=follow_links)

    def read_file(self, image_path: str, max_bytes: int = MAX_READ) -> bytes | None:
        """At most `max_bytes` of a regular file of the image (found by `local_path`, opened
        without following a link), or None if it is not there or cannot be read."""
        found = self.local_path(image_path)
        return None if found is None else read_regular(found, max_bytes)

    def lines(self, image_path: str, max_bytes: int = MAX_READ) -> Iterator[tuple[int, str]]:
        """(1-based line number, text) of a text file of the image (UTF-8, undecodable bytes
        replaced) read up to `max_bytes`; nothing if it is not there or is binary (a NUL byte in
        its first 4 KiB)."""
        yield from text_lines(self.read_file(image_path, max_bytes))

    def to_json(self, *, include_hashes: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"image": dict(self.image)}
        for name in TABLES:
            data[name] = records(self.tables.get(name, frame(name, [])))
        if include_hashes:
            data["password_hashes"] = [dict(h) for h in self.password_hashes]
        return data

    @classmethod
    def from_json(
        cls, data: dict[str, Any], *, workdir: str | os.PathLike[str] | None = None
    ) -> FirmwareScan:
        """A scan from `to_json`'s data, its tables typed by their schemas as a fresh scan's.
        workdir: the work folder the image was extracted under (as given to `scan_firmware`),
        where the extraction is now: a scan read back from a case's cache after the case folder
        was moved or copied still finds its files (`local_path`)."""
        tables = {name: frame(name, data.get(name) or []) for name in TABLES}
        image = dict(data.get("image") or {})
        if workdir is not None and image.get("sha256"):
            image = _relocated(image, Path(workdir) / str(image["sha256"]))
        return cls(
            tables=tables,
            image=image,
            password_hashes=list(data.get("password_hashes") or []),
        )

    def match_passwords(
        self, candidates: Iterable[str], *, budget: float = 10.0, reveal: bool = False
    ) -> pd.DataFrame:
        """Stored passwords that equal one of `candidates` (e.g. derived from the device's MAC or
        serial: see `workbench.firmware.defaults.from_identifiers`). Columns: source, user,
        line, hash_scheme, candidate (masked unless revealed), tested (False: not testable)."""
        import pandas as pd

        pool = [c for c in candidates if c]
        rows = []
        for stored in self.password_hashes:
            scheme = stored["scheme"]
            value = stored["stored"]
            if scheme == "locked":
                value = crypthash.locked_inner(value)
                scheme = crypthash.identify(value) if value else "locked"
            outcome = crypthash.test_candidates(
                scheme, value, pool, budget=budget, user=stored.get("user", ""), realm=stored.get("realm", "")
            )
            if outcome.match is not None or (
                not outcome.testable and scheme not in ("empty", "locked", "unknown")
            ):
                rows.append(
                    {
                        "source": stored["source"],
                        "user": stored["user"],
                        "line": stored["line"],
                        "hash_scheme": scheme,
                        "candidate": outcome.match if reveal else crypthash.mask_password(outcome.match),
                        "tested": outcome.testable,
                    }
                )
        columns = ["source", "user", "line", "hash_scheme", "candidate", "tested"]
        return pd.DataFrame(rows, columns=columns)
