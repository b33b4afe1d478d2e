"""Fixtures for the demo tests: one small generated company, queried with DuckDB SQL.

Generated once per test session at scale 0.02 (2,000 customers, 200k web hits) with a fixed
end date, so the planted patterns are checked on the same data a user would get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pandas as pd
import pytest

from cxpulse.demo import generate

END = dt.date(2026, 1, 1)
SCALE = 0.02

Query = Callable[[str], pd.DataFrame]


@pytest.fixture(scope="session")
def tables() -> dict[str, Any]:
    return generate(SCALE, seed=7, end=END)


@pytest.fixture(scope="session")
def sql(tables: dict[str, Any]) -> Iterator[Query]:
    """Run SQL over the generated Arrow tables (registered under their canonical names)."""
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)

    def query(text: str) -> pd.DataFrame:
        return con.sql(text).df()

    yield query
    con.close()
