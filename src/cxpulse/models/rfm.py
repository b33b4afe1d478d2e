"""From raw transactions to the per-customer table the models fit: frequency, recency, T.

Definitions (as in Fader, Hardie & Lee 2005 and lifetimes):

* purchases of one customer on the same calendar day are one transaction (values summed);
* ``frequency`` = number of repeat transactions (days with a purchase after the first);
* ``recency`` = time from the first to the last transaction, ``T`` = time from the first
  transaction to the end of the calibration period, both in units of ``freq``
  ("D" days, "W" weeks of 7 days, "M" months of 365.2425/12 days);
* ``monetary_value`` = mean value of the repeat transactions (the first is left out, 0 when
  there is none), which is what the Gamma-Gamma model expects.

With weeks these reproduce the CDNOW summary of Fader, Hardie & Lee exactly (tests check it);
lifetimes gets the same with ``freq="D", freq_multiplier=7``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.models.errors import ModelInputError

DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.2425 / 12}
IntArray = npt.NDArray[np.int64]


def _require_columns(frame: pd.DataFrame, names: list[str]) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        shown = ", ".join(repr(str(c)) for c in frame.columns[:20])
        raise ModelInputError(f"transactions have no column {missing[0]!r}; columns: {shown}")


def _days(frame: pd.DataFrame, date_col: str) -> tuple[IntArray, Any]:
    raw = frame[date_col]
    if pd.api.types.is_datetime64_any_dtype(raw):
        stamps = raw
    else:
        stamps = pd.to_datetime(raw, errors="coerce")
    bad = stamps.isna().to_numpy()
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ModelInputError(
            f"column {date_col!r} has {int(bad.sum())} missing or unreadable date(s), first "
            f"{raw.iloc[first]!r} at index {frame.index[first]!r}"
        )
    tz = None
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        # the calendar day is the day in the data's own time zone: drop the zone, keep wall time
        tz = stamps.dt.tz
        stamps = stamps.dt.tz_localize(None)
    naive = stamps.to_numpy(dtype="datetime64[ns]")
    return naive.astype("datetime64[D]").astype(np.int64), tz


def _day(value: Any, name: str, tz: Any) -> int | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ModelInputError(f"{name} is not a date: {value!r} ({exc})") from None
    if pd.isna(stamp):
        raise ModelInputError(f"{name} is not a date: {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(tz) if tz is not None else stamp
        stamp = stamp.tz_localize(None)
    return int(stamp.to_datetime64().astype("datetime64[D]").astype(np.int64))


def _text(day: int) -> str:
    return str(np.datetime64(day, "D"))


def _values(frame: pd.DataFrame, value_col: str | None) -> npt.NDArray[np.float64]:
    if value_col is None:
        return np.ones(len(frame))
    series = frame[value_col]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise ModelInputError(f"column {value_col!r} must be numeric, not {series.dtype}")
    values = series.to_numpy(dtype=float, na_value=np.nan)
    for bad, what in ((~np.isfinite(values), "missing or infinite"), (values < 0, "negative")):
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise ModelInputError(
                f"column {value_col!r} has {int(bad.sum())} {what} value(s), first at index "
                f"{frame.index[first]!r}; net refunds out of the purchases they refund first"
            )
    return values


def _windows(
    days: IntArray, tz: Any, calibration_end: Any, observation_end: Any, holdout_end: Any
) -> tuple[int, int | None, int]:
    """(calibration end, holdout end, observation end) as day numbers, checked."""
    obs = _day(observation_end, "observation_end", tz)
    cal = _day(calibration_end, "calibration_end", tz)
    hold = _day(holdout_end, "holdout_end", tz)
    last = int(days.max())
    if cal is None:
        if hold is not None:
            raise ModelInputError("holdout_end needs calibration_end (where the holdout starts)")
        cal = last if obs is None else obs
    if hold is not None and hold <= cal:
        raise ModelInputError(
            f"holdout_end {_text(hold)} must be after calibration_end {_text(cal)}"
        )
    window_end = cal if hold is None else hold
    if obs is None:
        obs = max(last, window_end)
    elif obs < window_end:
        raise ModelInputError(
            f"observation_end {_text(obs)} is before the end of the last period {_text(window_end)}"
        )
    if not (days <= cal).any():
        raise ModelInputError(
            f"no transaction is dated on or before calibration_end {_text(cal)} "
            f"(the first is {_text(int(days.min()))})"
        )
    late = (days > window_end) & (days <= obs)
    if late.any():
        which = "holdout_end" if hold is not None else "calibration_end"
        advice = (
            f"pass observation_end='{_text(window_end)}' to leave them out"
            if hold is not None
            else f"pass holdout_end='{_text(last)}' to summarise them as a holdout "
            f"period, or observation_end='{_text(cal)}' to leave them out"
        )
        raise ModelInputError(
            f"{int(late.sum())} transaction(s) are dated after {which} {_text(window_end)} "
            f"(latest {_text(int(days[late].max()))}): {advice}"
        )
    return cal, hold, obs


def rfm_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    date_col: str,
    value_col: str | None = None,
    calibration_end: Any = None,
    observation_end: Any = None,
    freq: Literal["D", "W", "M"] = "W",
    holdout_end: Any = None,
) -> pd.DataFrame:
    """One row per customer: frequency, recency, T [, monetary_value] [, holdout columns].

    Periods are whole calendar days, ends included:

    * ``calibration_end``: T is measured up to this day (default: ``observation_end``);
    * ``holdout_end``: if given, the days after ``calibration_end`` up to this one form a
      holdout period, summarised as ``frequency_holdout`` (transaction days),
      ``monetary_value_holdout`` (their mean value, 0 if none) and ``duration_holdout``
      (its length in ``freq`` units), as lifetimes' ``calibration_and_holdout_data``.
      Customers whose first purchase falls in the holdout are not in the table;
    * ``observation_end``: transactions after this day are ignored (default: the last
      transaction, or the end of the last period if later). Transactions after the last
      period that are not excluded this way are an error rather than silently dropped.
    """
    if not isinstance(transactions, pd.DataFrame):
        kind = type(transactions).__name__
        raise ModelInputError(f"transactions must be a pandas DataFrame, not {kind}")
    if freq not in DAYS_PER_UNIT:
        raise ConfigError(f"freq must be 'D', 'W' or 'M', got {freq!r}")
    _require_columns(transactions, [customer_col, date_col] + ([value_col] if value_col else []))
    if len(transactions) == 0:
        raise ModelInputError("transactions are empty")
    customers = transactions[customer_col]
    if customers.isna().any():
        first = int(np.flatnonzero(customers.isna().to_numpy())[0])
        raise ModelInputError(
            f"column {customer_col!r} has missing customer ids, first at index "
            f"{transactions.index[first]!r}"
        )
    days, tz = _days(transactions, date_col)
    values = _values(transactions, value_col)
    cal, hold, obs = _windows(days, tz, calibration_end, observation_end, holdout_end)
    unit = DAYS_PER_UNIT[freq]

    keep = days <= obs
    codes, ids = pd.factorize(customers[keep], sort=True)
    daily = (
        pd.DataFrame({"c": codes, "d": days[keep], "v": values[keep]})
        .groupby(["c", "d"], sort=True)["v"]
        .sum()
    )
    c = daily.index.get_level_values("c").to_numpy(dtype=np.int64)
    d = daily.index.get_level_values("d").to_numpy(dtype=np.int64)
    v = daily.to_numpy(dtype=float)

    in_cal = d <= cal
    cc, dc, vc = c[in_cal], d[in_cal], v[in_cal]
    is_first = np.r_[True, cc[1:] != cc[:-1]]  # rows are sorted by customer, then day
    group = np.cumsum(is_first) - 1
    starts = np.flatnonzero(is_first)
    ends = np.r_[starts[1:], len(cc)] - 1
    frequency = (ends - starts).astype(np.int64)
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (dc[ends] - dc[starts]) / unit,
            "T": (cal - dc[starts]) / unit,
        },
        index=pd.Index(ids[cc[starts]], name=customer_col),
    )
    if value_col is not None:
        repeat_total = np.bincount(group, weights=np.where(is_first, 0.0, vc))
        out["monetary_value"] = repeat_total / np.maximum(frequency, 1)  # 0 when no repeat
    if hold is not None:
        # holdout rows of customers seen in the calibration period, matched by position
        seen = cc[starts]
        hc, hv = c[~in_cal], v[~in_cal]
        position = np.minimum(np.searchsorted(seen, hc), len(seen) - 1)
        known = seen[position] == hc
        counts = np.bincount(position[known], minlength=len(seen))
        out["frequency_holdout"] = counts.astype(np.int64)
        if value_col is not None:
            totals = np.bincount(position[known], weights=hv[known], minlength=len(seen))
            out["monetary_value_holdout"] = totals / np.maximum(counts, 1)
        out["duration_holdout"] = (hold - cal) / unit
    return out
