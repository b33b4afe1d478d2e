from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from cxpulse.records import clean, frame_records


def test_missing_values_become_null() -> None:
    assert clean(float("nan")) is None
    assert clean(pd.NaT) is None
    assert clean(pd.NA) is None
    assert clean(np.float64("nan")) is None


def test_dates_numbers_and_containers() -> None:
    assert clean(date(2026, 1, 2)) == "2026-01-02"
    assert clean(pd.Timestamp("2026-01-02 03:04")) == "2026-01-02T03:04:00"
    assert clean(np.int64(3)) == 3 and isinstance(clean(np.int64(3)), int)
    assert clean({"a": [datetime(2026, 1, 1), float("nan")]}) == {
        "a": ["2026-01-01T00:00:00", None]
    }


def test_frame_records_with_empty_timestamps() -> None:
    df = pd.DataFrame({"at": [pd.Timestamp("2026-01-01"), pd.NaT], "n": [1, 2]})
    assert frame_records(df) == [{"at": "2026-01-01T00:00:00", "n": 1}, {"at": None, "n": 2}]
