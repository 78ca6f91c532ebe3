"""The result of a firmware scan: tables (pandas DataFrames) with the contract's columns."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.firmware import crypthash
from workbench.firmware.localpath import Resolver

COLUMNS: dict[str, list[str]] = {
    "layers": ["offset", "end", "format", "size", "extracted", "reason", "path"],
    "files": ["path", "size", "mode", "uid", "gid", "type", "arch", "sha256", "entropy", "link_target"],
    "accounts": [
        "source",
        "user",
        "uid",
        "gid",
        "shell",
        "login_shell",
        "hash_scheme",
        "weak_hash",
        "empty",
        "locked",
        "default_password",
        "password_hint",
        "line",
    ],
    "keys": [
        "path",
        "offset",
        "kind",
        "format",
        "key_type",
        "key_bits",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "self_signed",
        "encrypted",
    ],
    "secrets": ["path", "offset", "line", "kind", "name", "value"],
    "binaries": [
        "path",
        "arch",
        "nx",
        "pie",
        "relro",
        "canary",
        "fortify",
        "stripped",
        "static",
        "rpath",
        "runpath",
    ],
    "components": ["name", "version", "path", "evidence", "purl", "cpe"],
    "vulnerabilities": ["component", "version", "vuln_id", "summary", "severity", "fixed_in", "path"],
    "services": ["name", "kind", "source", "line", "command", "runs_as", "port", "enabled", "auth"],
    "update": ["kind", "path", "value", "secure", "detail"],
    "warnings": ["kind", "path", "message"],
}


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return _plain(value.item())
    return value


def frame(name: str, rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A table with exactly the contract's columns, values kept as Python objects."""
    rows = list(rows)
    columns = COLUMNS[name]
    return pd.DataFrame(
        {c: pd.Series([_plain(r.get(c)) for r in rows], dtype=object) for c in columns}, columns=columns
    )


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{c: _plain(v) for c, v in row.items()} for row in table.to_dict("records")]


@dataclass
class FirmwareScan:
    tables: dict[str, pd.DataFrame]
    image: dict[str, Any]
    password_hashes: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in COLUMNS and "tables" in self.__dict__:
            return self.tables[name]
        raise AttributeError(name)

    def local_path(self, image_path: str, *, follow_links: bool = True) -> Path | None:
        """The extracted copy of an image path (`/etc/shadow`, `/@0/kernel.bin`,
        `/a.zip!/b.conf`) on disk: a regular file or a folder inside the extraction, or None
        (not in the image, not extracted, extraction gone, `..` in the path, a link that
        leads nowhere). Links are followed inside the image, never out of the extraction;
        follow_links=False answers None for any path through a link. Open the result with
        O_NOFOLLOW all the same: the extraction folder is not read-only."""
        resolver = self.__dict__.get("_resolver")
        if resolver is None:
            links = {
                r["path"]: r["link_target"]
                for r in records(self.tables.get("files", frame("files", [])))
                if r.get("type") == "symlink" and r.get("link_target")
            }
            resolver = Resolver(self.image.get("mounts") or [], self.image.get("extraction_root"), links.get)
            self.__dict__["_resolver"] = resolver
        return resolver.resolve(image_path, follow_links=follow_links)

    def to_json(self, *, include_hashes: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"image": dict(self.image)}
        for name in COLUMNS:
            data[name] = records(self.tables.get(name, frame(name, [])))
        if include_hashes:
            data["password_hashes"] = [dict(h) for h in self.password_hashes]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FirmwareScan:
        tables = {name: frame(name, data.get(name) or []) for name in COLUMNS}
        return cls(
            tables=tables,
            image=dict(data.get("image") or {}),
            password_hashes=list(data.get("password_hashes") or []),
        )

    def match_passwords(
        self, candidates: Iterable[str], *, budget: float = 10.0, reveal: bool = False
    ) -> pd.DataFrame:
        """Stored passwords that equal one of `candidates` (e.g. derived from the device's MAC or
        serial: see `workbench.firmware.defaults.from_identifiers`). Columns: source, user,
        line, hash_scheme, candidate (masked unless revealed), tested (False: not testable)."""
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
