"""Fixtures for ingest tests: a migrated DuckDB workspace file in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cxpulse import schema
from cxpulse.settings import Settings
from cxpulse.store import Store, open_store
from cxpulse.store.migrations import migrate

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "ws.duckdb")
    migrate(store)
    yield store
    store.close()


@pytest.fixture
def paris() -> Settings:
    return Settings(timezone="Europe/Paris")


def stored(store: Store, table: str) -> pd.DataFrame:
    """A canonical table's rows, ordered by key, as plain Python values."""
    key = schema.table(table).key
    frame: pd.DataFrame = store.table(table).order_by(key).execute()
    return frame.reset_index(drop=True)


def records(store: Store, table: str) -> list[dict[str, Any]]:
    frame = stored(store, table).astype(object)
    rows = frame.where(frame.notna(), None).to_dict("records")
    return [{str(k): v for k, v in row.items()} for row in rows]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` exactly (no newline translation)."""
    path.write_bytes(text.encode(encoding))
    return path


SURVEY_HEADER = "response_id,customer_id,question_type,score,comment,responded_at"
