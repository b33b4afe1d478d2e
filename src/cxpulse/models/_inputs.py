"""Checks on what users pass to the models, with messages that say what is wrong and where."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxpulse.models._fit import FloatArray
from cxpulse.models.errors import ModelInputError


def require_frame(df: object, what: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ModelInputError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ModelInputError(f"{what} is empty: there is nothing to fit")
    return df


def _where(df: pd.DataFrame, mask: npt.NDArray[np.bool_]) -> str:
    first = int(np.flatnonzero(mask)[0])
    return f"{int(mask.sum())} row(s), first at index {df.index[first]!r}"


def column(df: pd.DataFrame, name: str, meaning: str) -> FloatArray:
    """A numeric, finite column as float64."""
    if name not in df.columns:
        shown = ", ".join(repr(str(c)) for c in df.columns[:20])
        raise ModelInputError(
            f"column {name!r} ({meaning}) is missing; the columns are {shown}. "
            "Name the right ones in the call, e.g. fit(df, frequency_col='x', recency_col='t_x')"
        )
    series = df[name]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise ModelInputError(f"column {name!r} ({meaning}) must be numeric, not {series.dtype}")
    values = series.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise ModelInputError(f"column {name!r} has missing or infinite values ({_where(df, bad)})")
    return values


def check(df: pd.DataFrame, bad: npt.NDArray[np.bool_], message: str) -> None:
    if bad.any():
        raise ModelInputError(f"{message} ({_where(df, bad)})")


def weights(df: pd.DataFrame, weights_col: str | None) -> FloatArray:
    if weights_col is None:
        return np.ones(len(df))
    w = column(df, weights_col, "number of customers with this row's pattern")
    check(df, w < 0, f"column {weights_col!r} has negative weights")
    if not w.sum() > 0:
        raise ModelInputError(f"column {weights_col!r} sums to 0: no customers to fit")
    return w


def integer_valued(df: pd.DataFrame, values: FloatArray, name: str) -> None:
    check(df, values != np.round(values), f"column {name!r} must hold whole numbers")


def rfm_arrays(
    df: object,
    frequency_col: str,
    recency_col: str,
    T_col: str,
    weights_col: str | None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """frequency, recency, T and weights of a (continuous-time) RFM table, checked."""
    frame = require_frame(df, "the RFM table")
    x = column(frame, frequency_col, "number of repeat purchases")
    tx = column(frame, recency_col, "time from first to last purchase")
    T = column(frame, T_col, "time from first purchase to the end of the calibration period")
    w = weights(frame, weights_col)
    check(frame, x < 0, f"column {frequency_col!r} has negative values")
    integer_valued(frame, x, frequency_col)
    check(frame, tx < 0, f"column {recency_col!r} has negative values")
    check(
        frame,
        tx > T,
        f"{recency_col!r} is larger than {T_col!r}: recency is measured up to the last purchase, "
        "T up to the end of the period, so recency <= T",
    )
    check(
        frame,
        (x == 0) & (tx != 0),
        f"{recency_col!r} is not 0 where {frequency_col!r} is 0: without repeat purchases the "
        "first and last purchase are the same",
    )
    if not np.any((x > 0) & (w > 0)):
        raise ModelInputError(
            f"no customer has {frequency_col!r} > 0: without repeat purchases there is nothing "
            "to learn purchase rates or drop-out from (check the column, or the period length)"
        )
    if not T.max() > 0:
        raise ModelInputError(f"column {T_col!r} is 0 everywhere: no time was observed")
    return x, tx, T, w


def as_float(value: Any, name: str) -> FloatArray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"{name} must be numbers: {exc}") from None
    if not np.all(np.isfinite(array)):
        raise ModelInputError(f"{name} has missing or infinite values")
    if np.any(array < 0):
        raise ModelInputError(f"{name} has negative values")
    return array


def history(frequency: Any, recency: Any, T: Any) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Prediction inputs as broadcastable float arrays, checked (recency <= T)."""
    x, tx, age = as_float(frequency, "frequency"), as_float(recency, "recency"), as_float(T, "T")
    # a relative tolerance: recency and T often come from separate float divisions
    if np.any(tx > age * (1 + 1e-12) + 1e-12):
        raise ModelInputError("recency is larger than T for some customers; recency <= T")
    return x, tx, age
