"""Library results as plain JSON values (NaN and NaT become null, dates ISO text), shared by
the CLI's JSON output and the web API so both print the same numbers."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd


def clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:  # NaT is a datetime subclass: test it before the isoformat branch
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return clean(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): clean(v) for k, v in row.items()} for row in df.to_dict("records")]
