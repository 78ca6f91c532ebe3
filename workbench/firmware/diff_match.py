"""Matching one kind's rows of two scans by joins, never row by row: what is unchanged goes,
what is left is paired into `changed` rows or stays `added` / `removed`.

1. exact: identity and every compared column equal (a multiset match: the n-th of equal rows on
   one side meets the n-th on the other, so duplicates never crash nor vanish);
2. pairing: what is left, on each of the kind's `pairings` in turn (again the n-th with the
   n-th): a pair is one `changed` row naming the columns that differ;
3. the rest: `removed` (old side) and `added` (new side).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.firmware.diff_kinds import DiffKind

ROW, OCCURRENCE = "__row", "__occurrence"


def _numbered(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The key columns, the row's position and its occurrence among rows of equal keys."""
    part = frame[list(keys)].copy()
    part[ROW] = np.arange(len(frame))
    part[OCCURRENCE] = part.groupby(list(keys), dropna=False, sort=False).cumcount() if len(part) else 0
    return part


def _pairs(old: pd.DataFrame, new: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in `old`, in `new`) of the rows paired on `keys` (n-th with n-th)."""
    if old.empty or new.empty:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    joined = _numbered(old, keys).merge(
        _numbered(new, keys), on=[*keys, OCCURRENCE], how="inner", suffixes=("_old", "_new")
    )
    return joined[f"{ROW}_old"].to_numpy(np.int64), joined[f"{ROW}_new"].to_numpy(np.int64)


def _differing(old: pd.DataFrame, new: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Per pair (rows aligned), whether each compared column differs (null equals null)."""
    flags = {}
    for column in columns:
        a = old[column].reset_index(drop=True)
        b = new[column].reset_index(drop=True)
        same = (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
        flags[column] = ~same
    return pd.DataFrame(flags, index=range(len(old)))


def match_kind(kind: DiffKind, old: pd.DataFrame, new: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """`removed` (old rows), `added` (new rows) and `changed`: the old and new rows of each pair
    side by side (`old`, `new`, aligned) with `fields`, the compared columns that differ."""
    old = old.reset_index(drop=True)
    new = new.reset_index(drop=True)
    same_old, same_new = _pairs(old, new, (*kind.identity, *kind.compared))
    old_left = np.setdiff1d(np.arange(len(old)), same_old)
    new_left = np.setdiff1d(np.arange(len(new)), same_new)
    paired_old: list[np.ndarray] = []
    paired_new: list[np.ndarray] = []
    for keys in kind.pairings:
        rows_old, rows_new = _pairs(old.iloc[old_left], new.iloc[new_left], keys)
        paired_old.append(old_left[rows_old])
        paired_new.append(new_left[rows_new])
        old_left = np.setdiff1d(old_left, old_left[rows_old])
        new_left = np.setdiff1d(new_left, new_left[rows_new])
    pair_old = np.concatenate(paired_old) if paired_old else np.empty(0, dtype=np.int64)
    pair_new = np.concatenate(paired_new) if paired_new else np.empty(0, dtype=np.int64)
    order = np.argsort(pair_old, kind="stable")  # in the old scan's order
    before = old.iloc[pair_old[order]].reset_index(drop=True)
    after = new.iloc[pair_new[order]].reset_index(drop=True)
    differ = _differing(before, after, kind.compared)
    names = np.array(kind.compared, dtype=object)
    matrix = differ.to_numpy(bool)
    fields = pd.Series([list(names[flags]) for flags in matrix], dtype=object)
    real = matrix.any(axis=1) if len(matrix) else np.zeros(0, dtype=bool)  # a pair equal in all: no change
    return {
        "removed": old.iloc[old_left].reset_index(drop=True),
        "added": new.iloc[new_left].reset_index(drop=True),
        "old": before[real].reset_index(drop=True),
        "new": after[real].reset_index(drop=True),
        "fields": fields[real].reset_index(drop=True),
    }
