"""One side of a firmware diff: a kind's rows of one scan with only the columns the kind needs,
and the derived ones (`sha256` of the evidence file, `password_hash`, a key's `fingerprint`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

import pandas as pd

from workbench.firmware.diff_kinds import DERIVED, DiffKind
from workbench.firmware.result import FirmwareScan
from workbench.firmware.schema import TABLES

PEM_READ = 64 << 10  # bytes read past a key's offset to find the end of its PEM block
MAX_KEY_FILE = 64 << 20  # a key found further into a file is not read for its fingerprint


class Side:
    """One scan, with what several kinds share read once (the files' SHA-256 by path)."""

    def __init__(self, scan: FirmwareScan) -> None:
        self.scan = scan
        self._file_sha: pd.Series | None = None

    def file_sha(self) -> pd.Series:
        """SHA-256 by image path (the first entry of a path given twice)."""
        if self._file_sha is None:
            files = self.scan.table("files", ("path", "sha256"))
            files = files.drop_duplicates("path", keep="first")
            self._file_sha = pd.Series(files["sha256"].to_numpy(object), index=files["path"].to_numpy(object))
        return self._file_sha

    def rows(self, kind: DiffKind) -> pd.DataFrame:
        """The kind's columns of this scan, derived columns filled in."""
        declared = set(TABLES[kind.table].names)
        wanted = [c for c in kind.columns if c in declared]
        if kind.evidence and kind.evidence not in wanted:
            wanted.append(kind.evidence)
        frame = self.scan.table(kind.table, wanted).reset_index(drop=True)
        derived = [c for c in kind.columns if c not in declared and c in DERIVED]
        if "sha256" in derived and kind.evidence:
            frame["sha256"] = self._evidence_sha(frame[kind.evidence])
        if "password_hash" in derived:
            frame["password_hash"] = self._password_hashes(frame)
        if "fingerprint" in derived:
            frame["fingerprint"] = self._fingerprints(frame)
        return frame[list(dict.fromkeys([*kind.columns, *wanted]))]

    def _evidence_sha(self, paths: pd.Series) -> pd.Series:
        shas = self.file_sha()
        found = shas.reindex(paths.to_numpy(object))
        return pd.Series(found.to_numpy(object), dtype=object).where(found.notna().to_numpy(), None)

    def _password_hashes(self, accounts: pd.DataFrame) -> pd.Series:
        """The stored hash of each account row (by source, user, line), None without one."""
        stored = pd.DataFrame(
            [
                (h.get("source"), h.get("user"), h.get("line"), h.get("stored"))
                for h in self.scan.password_hashes
                if isinstance(h, dict)
            ],
            columns=["source", "user", "line", "password_hash"],
            dtype=object,
        ).drop_duplicates(["source", "user", "line"], keep="first")
        if "line" not in accounts:
            return pd.Series([None] * len(accounts), dtype=object)
        keys = accounts[["source", "user", "line"]].astype(object)
        joined = keys.merge(stored, on=["source", "user", "line"], how="left")
        return joined["password_hash"].astype(object).where(joined["password_hash"].notna(), None)

    def _fingerprints(self, keys: pd.DataFrame) -> pd.Series:
        """Each key's fingerprint, its file read once (up to its last key plus a PEM block)."""
        reads: dict[str, bytes | None] = {}
        last = keys.groupby("path", dropna=True)["offset"].max().to_dict() if len(keys) else {}
        for path, offset in last.items():
            end = min(offset if isinstance(offset, int) and offset > 0 else 0, MAX_KEY_FILE) + PEM_READ
            reads[path] = self.scan.read_file(path, max_bytes=end)
        places = zip(keys["path"], keys["offset"], strict=True)
        return pd.Series([self._fingerprint(p, o, reads.get(p)) for p, o in places], dtype=object)

    def _fingerprint(self, path: Any, offset: Any, data: bytes | None) -> str | None:
        """SHA-256 of a key's encoded bytes: a PEM block's DER (base64 decoded), else the bytes of
        the whole file (a DER, OpenSSH or dropbear key file); None when neither can be read."""
        if not isinstance(path, str):
            return None
        start = offset if isinstance(offset, int) and offset >= 0 else 0
        if data is not None and data[start : start + 11] == b"-----BEGIN ":
            block = _pem_body(data[start:])
            if block is not None:
                return hashlib.sha256(block).hexdigest()
        known = self.file_sha().get(path)
        if isinstance(known, str):
            return known
        return None if data is None else hashlib.sha256(data).hexdigest()


def _pem_body(data: bytes) -> bytes | None:
    """The decoded body of the PEM block `data` starts with (header lines such as Proc-Type
    skipped), or its raw text when it does not decode; None without an END line."""
    end = data.find(b"-----END ", 11)
    if end < 0:
        return None
    lines = data[:end].splitlines()[1:]
    body = b"".join(line.strip() for line in lines if b":" not in line)
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return data[:end]
