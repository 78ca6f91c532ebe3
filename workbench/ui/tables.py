"""DataFrames shown safely: selected, filtered, every cell turned into escaped text, rows bounded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from numbers import Real
from typing import Any

import pandas as pd

from workbench.i18n import _, ntr
from workbench.ui.html import EVIDENCE_CLASS, MAX_CELL_CHARS, esc, text_of

MAX_ROWS = 200


def select(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    where: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Rows matching every `where` condition, restricted to `columns` (those that exist).

    A condition is a value (equality), a list/tuple/set of accepted values, or, for a key ending
    in "~" (`{"path~": "hostapd"}`), a regular expression searched in the text of the cell. A
    condition on a column the table lacks matches nothing, so an empty table stays empty.
    """
    result = frame
    for key, wanted in (where or {}).items():
        column = key.removesuffix("~")
        if column not in result.columns:
            return result.iloc[0:0]
        if key.endswith("~"):
            pattern = re.compile(str(wanted), re.IGNORECASE)
            mask = result[column].map(lambda v, p=pattern: bool(p.search(text_of(v))))
        elif isinstance(wanted, list | tuple | set | frozenset):
            mask = result[column].isin(list(wanted))
        else:
            mask = result[column].map(lambda v, w=wanted: _equal(v, w))
        result = result[mask.astype(bool)]
    if columns is not None:
        result = result[[c for c in columns if c in result.columns]]
    return result.reset_index(drop=True)


def _equal(value: Any, wanted: Any) -> bool:
    try:
        return bool(value == wanted)
    except (TypeError, ValueError):
        return False


def as_text(frame: pd.DataFrame, limit: int = MAX_CELL_CHARS) -> pd.DataFrame:
    """The same table with every cell as display text (lists joined, long values cut; TLS version
    codes by their names)."""
    if not len(frame.columns):
        return frame
    versions = tls_version_columns()

    def column_text(column: pd.Series) -> pd.Series:
        if column.name in versions:
            return column.map(lambda v: text_of(version_labels(v), limit))
        return column.map(lambda v: text_of(v, limit))

    return frame.apply(column_text)


@lru_cache(maxsize=1)
def tls_version_columns() -> frozenset[str]:
    """The capture tables' columns that hold TLS version codes."""
    from workbench.capture.schema import TLS_VERSION_COLUMNS

    return TLS_VERSION_COLUMNS


def version_labels(value: Any) -> Any:
    """A TLS version code (or a list of them) by name: 771 -> "TLS 1.2"; anything else (NaN) unchanged."""
    from workbench.capture.versions import label

    if isinstance(value, list | tuple):
        return [version_labels(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return version_labels(value.tolist())
    if isinstance(value, Real) and not isinstance(value, bool) and float(value).is_integer():
        return label(int(value))  # a float when pandas widened a column with missing values
    return value


def frame_html(
    frame: pd.DataFrame, max_rows: int = MAX_ROWS, limit: int = MAX_CELL_CHARS, evidence: bool = False
) -> str:
    """An escaped HTML table of at most `max_rows` rows, saying how many were left out. `evidence`: the
    cells are evidence (device data, file names), shown as they are: the table gets the class
    `wb-evidence`."""
    shown = as_text(frame.head(max_rows), limit)
    classes = EVIDENCE_CLASS if evidence else None
    table = shown.to_html(index=False, escape=True, border=0, na_rep="", classes=classes)
    if len(frame) > max_rows:
        left = len(frame) - max_rows
        note = ntr("{n} more rows not shown; the full table is in the case cache.",
                   "{n} more rows not shown; the full table is in the case cache.", left)
        table += f'<p class="muted">{esc(note)}</p>'
    return table


def frame_text(frame: pd.DataFrame, max_rows: int = MAX_ROWS, limit: int = MAX_CELL_CHARS) -> str:
    if frame.empty:
        return _("(no rows)")
    return as_text(frame.head(max_rows), limit).to_string(index=False)


def headed(frame: pd.DataFrame, labels: Iterable[str]) -> pd.DataFrame:
    """The frame with the columns named in `labels` (texts marked with N_) headed in the current language;
    the other columns (an engine table's, identifiers) keep their names."""
    names = set(labels)
    return frame.rename(columns={c: _(c) for c in frame.columns if c in names})


def certificates(tls: pd.DataFrame) -> pd.DataFrame:
    """One row per certificate seen in the TLS handshakes, with the packet and server it came from."""
    columns = [
        "packet",
        "server_ip",
        "server_port",
        "sni",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "key_type",
        "key_bits",
        "signature_algorithm",
        "self_signed",
        "expired",
    ]
    rows = []
    if "certificates" in tls.columns:
        for record in tls.to_dict("records"):
            for cert in record.get("certificates") or []:
                if not isinstance(cert, Mapping):
                    continue
                row = {k: record.get(k) for k in ("artefact", "packet", "server_ip", "server_port", "sni")}
                row.update({k: cert.get(k) for k in columns if k in cert})
                rows.append(row)
    return pd.DataFrame(rows, columns=["artefact", *columns])


def sensitive_files(files: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Password databases and key files of an image with their permissions, world-readable flagged."""
    columns = ["artefact", "path", "mode", "uid", "gid", "world_readable"]
    if files.empty or "path" not in files.columns:
        return pd.DataFrame(columns=columns)
    key_paths = set(keys["path"]) if "path" in keys.columns else set()
    wanted = files["path"].map(
        lambda p: isinstance(p, str) and (p in key_paths or p.rsplit("/", 1)[-1] in ("shadow", "gshadow"))
    )
    chosen = files[wanted.astype(bool)].copy()
    chosen["world_readable"] = chosen.get("mode", pd.Series(dtype=object)).map(_world_readable)
    return chosen[[c for c in columns if c in chosen.columns]].reset_index(drop=True)


def _world_readable(mode: Any) -> bool | None:
    if isinstance(mode, str) and len(mode) == 10 and mode[0] in "-dlcbps":  # "-rw-r--r--"
        return mode[7] == "r"
    try:
        value = int(mode, 8) if isinstance(mode, str) else int(mode)
    except (TypeError, ValueError):
        return None
    return bool(value & 0o004)
