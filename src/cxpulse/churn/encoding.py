"""Which feature columns are numbers, which are categories, and which are left out, and why.

Decided once on the whole table before cross-validation (so a fold never meets a column read
differently), and said to the user (:attr:`Encoding.notes`):

- a text column whose filled cells all read as numbers is **numeric**; blank cells and the
  usual missing markers ("NA", "null", "-", "?") are missing values, not a category (the Telco
  sample's ``TotalCharges`` has 11 blank cells among 7,043 numbers);
- booleans are numbers (0/1);
- other text is a **category**; an id-like text column (more than half of its filled cells
  distinct) is left out, since one-hot encoding it would learn nothing that carries over to new
  customers; a category with more than :data:`MAX_CATEGORIES` values keeps its most common ones
  and groups the rest as "other".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

MAX_CATEGORIES = 30
"""Category values kept per column (the rest become "other"); gradient boosting allows 255."""
ID_LIKE_SHARE = 0.5
"""A text column with more distinct values than this share of its filled cells is id-like."""
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "?"})


@dataclass(frozen=True)
class Encoding:
    """The columns used as numbers and as categories, those left out, and a note per decision
    that a user would not guess (numbers read from text, ids left out, categories grouped)."""

    numeric: list[str]
    categorical: list[str]
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def describe(self) -> list[str]:
        """How the columns were read, in lines a user can check."""
        lines = []
        if self.numeric:
            lines.append(f"numbers: {', '.join(self.numeric)}")
        if self.categorical:
            lines.append(f"categories (text values, one per value): {', '.join(self.categorical)}")
        return [*lines, *self.notes]

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """The feature columns as the models take them: numbers as float (missing = NaN),
        categories as text (missing = None)."""
        out = pd.DataFrame(index=df.index)
        for c in self.numeric:
            out[c] = as_number(df[c])
        for c in self.categorical:
            out[c] = [None if _missing(v) else str(v).strip() for v in df[c]]
        return out


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in MISSING_MARKERS
    return bool(pd.isna(value))  # type: ignore[call-overload]


def as_number(col: pd.Series) -> pd.Series:
    """The column as float, missing markers as NaN (cells that are not numbers become NaN)."""
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    cleaned = col.map(lambda v: None if _missing(v) else v)
    return pd.to_numeric(cleaned, errors="coerce").astype(float)


def encode(df: pd.DataFrame, features: Sequence[str]) -> Encoding:
    """Decide how each of ``features`` is read (see the module docstring)."""
    numeric: list[str] = []
    categorical: list[str] = []
    left_out: list[str] = []
    notes: list[str] = []
    for c in features:
        col = df[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            numeric.append(c)
            continue
        filled = col[[not _missing(v) for v in col]]
        numbers = pd.to_numeric(filled, errors="coerce")
        if len(filled) and numbers.notna().all():
            numeric.append(c)
            blanks = len(col) - len(filled)
            if blanks:
                notes.append(f"{c}: numbers with {blanks:,} blank cells, read as missing")
            continue
        distinct = filled.astype(str).str.strip().nunique()
        if len(filled) >= 20 and distinct > ID_LIKE_SHARE * len(filled):
            left_out.append(c)
            notes.append(
                f"{c}: left out, looks like an id ({distinct:,} different values in "
                f"{len(filled):,} rows)"
            )
            continue
        categorical.append(c)
        if distinct > MAX_CATEGORIES:
            notes.append(
                f"{c}: category with {distinct:,} values; the {MAX_CATEGORIES - 1} most common "
                "are kept, the rest grouped as other"
            )
    return Encoding(numeric, categorical, left_out, notes)
