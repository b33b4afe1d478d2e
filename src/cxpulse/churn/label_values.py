"""The churn label of a user's table as 1 (churned), 0 (stayed) or missing (to score).

Accepted, in any case: 1/0, yes/no, true/false, y/n, churned/active (and booleans, 1.0/0.0);
blank cells are customers to score. Anything else is refused, naming the values found.
"""

from __future__ import annotations

import pandas as pd

from cxpulse.churn.errors import ChurnDataError

WORDS: dict[str, float] = {
    "1": 1.0,
    "0": 0.0,
    "1.0": 1.0,
    "0.0": 0.0,
    "yes": 1.0,
    "no": 0.0,
    "y": 1.0,
    "n": 0.0,
    "true": 1.0,
    "false": 0.0,
    "churned": 1.0,
    "active": 0.0,
}


def label_values(y: pd.Series, name: str) -> pd.Series:
    """``y`` as 1.0 / 0.0 / NaN (blank), or a ChurnDataError listing the values not understood."""
    text = y.map(lambda v: None if pd.isna(v) else str(v).strip().lower())
    text = text.map(lambda v: None if v == "" else v)
    out = text.map(lambda v: WORDS.get(v, float("nan")) if v is not None else float("nan"))
    bad = text.notna() & out.isna()
    if bad.any():
        found = sorted({str(v) for v in y[bad]})
        shown = ", ".join(repr(v) for v in found[:5]) + (", ..." if len(found) > 5 else "")
        raise ChurnDataError(
            f"label column {name!r} must say who churned: 1/0, yes/no, true/false or "
            f"churned/active (any case; blank = to score); {int(bad.sum()):,} rows hold "
            f"something else: {shown}"
        )
    return pd.Series(out.to_numpy(dtype=float), index=y.index, name=y.name)
