"""What `firmware diff` compares, kind by kind, declared once as data (one table below), and the
Arrow schema of each kind's diff table derived from it (the result folder's tables).

Per kind: the scan table it reads; `identity`, the columns that name a row (a file's path, an
account's source and user...); `pair_on`, the keys tried in turn to pair what the exact match
left (without it, the identity): a secret whose value changed in the same file and variable is
one `changed` row, not a `removed` and an `added`; `compared`, the columns whose difference is a
change (listed in `fields`); `context`, columns shown on both sides but never a change by
themselves (a line number, an offset: they shift when a file is edited); `evidence`, the column
holding the image path whose file's SHA-256 is joined in as `sha256` (evidence on both sides).

Derived columns, not in the scan tables: `sha256` (the SHA-256 of the file at the evidence path,
from the files table), `password_hash` (the stored hash from the scan's password_hashes scalar,
compared in full and shown masked), `fingerprint` (SHA-256 of a key's encoded bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from workbench.firmware.schema import TABLES
from workbench.tables import Column, TableSchema

CHANGES = ("added", "removed", "changed")


@dataclass(frozen=True)
class DiffKind:
    name: str
    table: str
    identity: tuple[str, ...]
    compared: tuple[str, ...]
    context: tuple[str, ...] = ()
    pair_on: tuple[tuple[str, ...], ...] | None = None  # None: on the identity
    evidence: str | None = None  # column with the image path whose file's sha256 is joined in
    doc: str = ""

    @property
    def pairings(self) -> tuple[tuple[str, ...], ...]:
        """The keys the rows left after the exact match are paired on, in turn."""
        return self.pair_on if self.pair_on is not None else (self.identity,)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns one side of the comparison holds (identity, compared, context)."""
        seen = dict.fromkeys((*self.identity, *self.compared, *self.context))
        return tuple(seen)


DERIVED: dict[str, tuple[pa.DataType, str]] = {
    "sha256": (pa.string(), "SHA-256 of the file at the row's image path (evidence)"),
    "password_hash": (pa.string(), "the stored hash or password, masked as a password (compared in full)"),
    "fingerprint": (pa.string(), "SHA-256 of the key's encoded bytes (a PEM block's DER, else the file)"),
}

# kind       table              identity                      compared / context / pairing
KINDS: dict[str, DiffKind] = {
    k.name: k
    for k in (
        DiffKind(
            "files", "files", ("path",),
            compared=("type", "sha256", "size", "mode", "uid", "gid", "link_target"),
            context=("arch",),
            doc="a file, folder or link of the image, by path",
        ),
        DiffKind(
            "accounts", "accounts", ("source", "user"),
            compared=(
                "uid", "gid", "shell", "login_shell", "hash_scheme", "password_hash", "weak_hash", "empty",
                "locked", "default_password", "password_hint",
            ),
            context=("line", "sha256"),
            evidence="source",
            doc="an account or stored password, by the file defining it and the user",
        ),
        DiffKind(
            "keys", "keys", ("path", "kind"),
            compared=(
                "fingerprint", "format", "key_type", "key_bits", "subject", "issuer", "not_before",
                "not_after", "self_signed", "encrypted",
            ),
            context=("offset", "sha256"),
            # a key replaced in its file is a change; certificates of a bundle pair by subject only
            pair_on=(("path", "kind", "subject"),),
            evidence="path",
            doc="a key or certificate, by file and kind (its fingerprint on both sides)",
        ),
        DiffKind(
            "secrets", "secrets", ("path", "kind", "name"),
            compared=("value",),
            context=("offset", "line", "sha256"),
            evidence="path",
            doc="a credential-like value, by file, kind and variable (value masked as the scan masks it)",
        ),
        DiffKind(
            "services", "services", ("name",),
            compared=("kind", "source", "command", "runs_as", "port", "enabled", "auth"),
            context=("line", "sha256"),
            pair_on=(("name", "source"), ("name",)),
            evidence="source",
            doc="a program the image starts, by name",
        ),
        DiffKind(
            "components", "components", ("name",),
            compared=("version", "path"),
            context=("evidence", "cpe", "sha256"),
            pair_on=(("name", "path"), ("name",)),
            evidence="path",
            doc="a software component, by name",
        ),
        DiffKind(
            "vulnerabilities", "vulnerabilities", ("vuln_id", "component"),
            compared=("version", "severity", "fixed_in", "path"),
            context=("summary", "sha256"),
            pair_on=(("vuln_id", "component", "path"), ("vuln_id", "component")),
            evidence="path",
            doc="a known vulnerability of a component: removed = fixed (or no longer matched), added = new",
        ),
        DiffKind(
            "binaries", "binaries", ("path",),
            compared=(
                "arch", "nx", "pie", "relro", "canary", "fortify", "stripped", "static", "rpath", "runpath",
            ),
            context=("sha256",),
            evidence="path",
            doc="an ELF program or library's hardening, by path",
        ),
    )
}  # fmt: skip


def _column_type(kind: DiffKind, column: str) -> tuple[pa.DataType, str]:
    if column in DERIVED and not (column == "sha256" and kind.table == "files"):
        return DERIVED[column]
    declared = TABLES[kind.table].column(column)
    return declared.type, declared.doc


def diff_schema(kind: DiffKind) -> TableSchema:
    """The diff table of a kind: change, the identity, fields, then old_/new_ of every compared
    and context column."""
    columns = [Column("change", pa.string(), "added | removed | changed")]
    for name in kind.identity:
        kind_type, doc = _column_type(kind, name)
        columns.append(Column(name, kind_type, doc))
    columns.append(Column("fields", pa.list_(pa.string()), "for `changed`: the compared columns that differ"))
    for name in (*kind.compared, *kind.context):
        if name in kind.identity:
            continue
        kind_type, doc = _column_type(kind, name)
        columns.append(Column(f"old_{name}", kind_type, f"old image: {doc}"))
        columns.append(Column(f"new_{name}", kind_type, f"new image: {doc}"))
    return TableSchema(kind.name, kind.doc, tuple(columns))


DIFF_TABLES: dict[str, TableSchema] = {name: diff_schema(kind) for name, kind in KINDS.items()}
