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

The models take :meth:`Encoding.codes`: numbers as float and each category as the float code
of its value among those kept on the whole table (missing and values not seen then: NaN, or
the "other" code in a grouped column). Codes are computed by pandas in one pass; scikit-learn's
imputer and ordinal encoder on text columns walked every cell in Python, which was a quarter
of each gradient-boosting fit on 240k rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
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
    categories: dict[str, list[str]] = field(default_factory=dict)
    """Per category column, the values kept (most common first); code = position."""
    grouped: list[str] = field(default_factory=list)
    """Category columns whose other values share one code (``len(categories[c])``)."""

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
        """The feature columns as a user reads them (rules, reasons): numbers as float
        (missing = NaN), categories as text (missing = None)."""
        out = pd.DataFrame(index=df.index)
        for c in self.numeric:
            out[c] = as_number(df[c])
        for c in self.categorical:
            text = as_text(df[c])
            values = text.to_numpy(dtype=object)
            values[text.isna().to_numpy()] = None
            out[c] = values
        return out

    def codes(self, df: pd.DataFrame) -> pd.DataFrame:
        """The feature columns as numbers for the models: numbers as float, categories as the
        code of their value in :attr:`categories` (NaN when missing, or not kept and the
        column is not grouped; the "other" code when not kept and the column is grouped)."""
        out = pd.DataFrame(index=df.index)
        for c in self.numeric:
            out[c] = as_number(df[c])
        for c in self.categorical:
            text = as_text(df[c])
            kept = self.categories[c]
            code = pd.Categorical(text, categories=kept).codes.astype(float)
            unknown = code < 0
            other = float(len(kept)) if c in self.grouped else np.nan
            code[unknown] = np.where(text.isna().to_numpy()[unknown], np.nan, other)
            out[c] = code
        return out


def as_text(col: pd.Series) -> pd.Series:
    """The column as stripped text, missing markers as NA (vectorised: one pass per column)."""
    text = col.astype(str).str.strip()
    missing = col.isna().to_numpy() | text.str.lower().isin(MISSING_MARKERS).to_numpy()
    return text.astype("string").mask(missing)


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
    categories: dict[str, list[str]] = {}
    grouped: list[str] = []
    for c in features:
        col = df[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            numeric.append(c)
            continue
        text = as_text(col)
        filled = col[text.notna().to_numpy()]
        numbers = pd.to_numeric(filled, errors="coerce")
        if len(filled) and numbers.notna().all():
            numeric.append(c)
            blanks = len(col) - len(filled)
            if blanks:
                notes.append(f"{c}: numbers with {blanks:,} blank cells, read as missing")
            continue
        counts = text.dropna().value_counts(sort=True)
        distinct = len(counts)
        if len(filled) >= 20 and distinct > ID_LIKE_SHARE * len(filled):
            left_out.append(c)
            notes.append(
                f"{c}: left out, looks like an id ({distinct:,} different values in "
                f"{len(filled):,} rows)"
            )
            continue
        categorical.append(c)
        # most common first, ties by value, so the codes do not depend on row order
        order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if distinct > MAX_CATEGORIES:
            grouped.append(c)
            order = order[: MAX_CATEGORIES - 1]
        categories[c] = [str(v) for v, _ in order]
        if distinct > MAX_CATEGORIES:
            notes.append(
                f"{c}: category with {distinct:,} values; the {MAX_CATEGORIES - 1} most common "
                "are kept, the rest grouped as other"
            )
    return Encoding(numeric, categorical, left_out, notes, categories, grouped)
