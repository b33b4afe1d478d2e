"""Arrow helpers: fixed-width ids, nulls, schema-exact tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from cxpulse.demo.arrow import build, chronological_ids, numbered, take, timestamps
from cxpulse.demo.calendar import NULL_TIME


def test_numbered_ids_are_zero_padded_with_nulls() -> None:
    ids = numbered("C", np.array([1, 42, 7]), 6, missing=np.array([False, False, True]))
    assert ids.to_pylist() == ["C000001", "C000042", None]
    ids.validate(full=True)
    assert numbered("E", np.array([1234567]), 3).to_pylist() == ["E1234567"]  # widens


def test_chronological_ids_follow_time() -> None:
    ids = chronological_ids("T", np.array([30, 10, 20]), 3)
    assert ids.to_pylist() == ["T003", "T001", "T002"]


def test_take_and_timestamps_map_missing_to_null() -> None:
    assert take(pa.array(["a", "b"]), np.array([1, -1])).to_pylist() == ["b", None]
    ts = timestamps(np.array([0, NULL_TIME]))
    assert ts.type == pa.timestamp("us") and ts.null_count == 1


def test_build_fills_source_turns_nan_into_null_and_checks_columns() -> None:
    table = build(
        "mentions",
        {
            "mention_id": pa.array(["M1", "M2"]),
            "platform": pa.array(["x", "google"]),
            "customer_id": pa.array([None, "C000001"], type=pa.string()),
            "author": pa.array(["@a", "B."]),
            "posted_at": timestamps(np.array([0, 1])),
            "rating": np.array([np.nan, 4.0]),
            "text": pa.array(["hi", "ok"]),
            "language": pa.array(["en", "fr"]),
            "sentiment": np.array([0.1, 0.2]),
            "url": pa.array(["u1", "u2"]),
            "responded_at": timestamps(np.array([NULL_TIME, 5])),
        },
    )
    assert table.column("source").to_pylist() == ["demo", "demo"]
    assert table.column("rating").to_pylist() == [None, 4.0]
    with pytest.raises(KeyError, match="not in the schema"):
        build("mentions", {"nope": np.array([1])})
    with pytest.raises(KeyError, match="was not generated"):
        build("mentions", {"mention_id": pa.array(["M1"])})
