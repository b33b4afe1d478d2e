"""Ibis expressions that give the same answer on every backend, where the obvious one does not.

Each was found by running every metric on DuckDB and on Spark over the same data
(tests/backends/test_spark_equivalence.py); use these instead of the Ibis method named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis

EPOCH = datetime(1970, 1, 1)


def seconds_between(later: Any, earlier: Any) -> Any:
    """Seconds from ``earlier`` to ``later`` (timestamps) as float64, to the microsecond.

    Not ``epoch_seconds()``: it keeps the fraction of a second on DuckDB but truncates to whole
    seconds on Spark. Not a millisecond ``delta``: DuckDB counts millisecond boundaries
    crossed, Spark truncates the difference. Microseconds are exact on DuckDB, Spark and
    PostgreSQL.
    """
    return later.delta(earlier, unit="microsecond").cast("float64") / 1e6


def epoch_seconds(ts: Any) -> Any:
    """Seconds since 1970-01-01 of a naive-UTC timestamp, to the microsecond (float64)."""
    return seconds_between(ts, ibis.literal(EPOCH, type="timestamp"))


def strip(text: Any) -> Any:
    """``text`` without leading and trailing whitespace.

    Not ``.strip()``: Ibis 12 compiles it for Spark as ``TRIM(' \\t\\n\\r\\v\\f' FROM x)`` and
    Spark reads ``\\v`` and ``\\f`` as the letters v and f, so "facebook" became "acebook".
    """
    return text.re_replace(r"^\s+|\s+$", "")
