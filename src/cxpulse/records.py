"""Library results as plain JSON values (NaN and NaT become null, dates ISO text), shared by
the CLI's JSON output and the web API so both print the same numbers.

``utc=True`` writes a time without a zone with ``+00:00``: the store keeps times in UTC, and
the JSON API says so on every timestamp (its document declares them ``date-time``, which
needs a zone). Off by default: a frozen migration and the CLI's output keep their text."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd


def clean(value: Any, *, utc: bool = False) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:  # NaT is a datetime subclass: test it before the isoformat branch
        return None
    if utc and isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return clean(value.item(), utc=utc)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(k): clean(v, utc=utc) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v, utc=utc) for v in value]
    return value


def frame_records(df: pd.DataFrame, *, utc: bool = False) -> list[dict[str, Any]]:
    return [{str(k): clean(v, utc=utc) for k, v in row.items()} for row in df.to_dict("records")]
