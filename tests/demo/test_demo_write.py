"""Loading the demo into a real DuckDB workspace file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from cxpulse import schema
from cxpulse.demo import generate, write_demo
from cxpulse.store import Store, open_store
from cxpulse.store.migrations import migrate

from .conftest import END


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "ws.duckdb")
    migrate(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return generate(0.003, seed=3, end=END)


def _counts(store: Store) -> dict[str, int]:
    return {name: int(store.table(name).count().execute()) for name in schema.TABLES}


def test_write_loads_every_table_and_returns_the_counts(
    store: Store, tables: dict[str, Any]
) -> None:
    counts = write_demo(store, tables)
    assert counts == {name: t.num_rows for name, t in tables.items()}
    assert _counts(store) == counts
    back = store.table("survey_responses").limit(5).to_pyarrow()
    assert back.schema.field("responded_at").type == pa.timestamp("us")
    assert back.schema.field("score").type == pa.int64()


def test_write_replaces_what_was_there(
    store: Store, tables: dict[str, Any], small: dict[str, Any]
) -> None:
    write_demo(store, tables)
    counts = write_demo(store, small)
    assert _counts(store) == counts
    assert counts["customers"] == small["customers"].num_rows


def test_a_failed_write_leaves_the_previous_data(store: Store, small: dict[str, Any]) -> None:
    before = write_demo(store, small)
    broken = dict(small)
    broken["mentions"] = small["mentions"].drop_columns(["url"])
    with pytest.raises(ValueError, match="mentions"):
        write_demo(store, broken)
    assert _counts(store) == before


def test_write_needs_a_migrated_workspace(tmp_path: Path, small: dict[str, Any]) -> None:
    bare = open_store(tmp_path / "bare.duckdb")
    try:
        with pytest.raises(ValueError, match="migrat"):
            write_demo(bare, small)
    finally:
        bare.close()


def test_the_portable_path_gives_the_same_rows(store: Store, small: dict[str, Any]) -> None:
    generic = Store(con=store.con, location=store.location, backend="generic")
    counts = write_demo(generic, small)
    assert _counts(store) == counts
    assert store.table("web_events").count().execute() == small["web_events"].num_rows
    rows = store.table("tickets").order_by("ticket_id").limit(3).to_pyarrow()
    assert rows.equals(small["tickets"].sort_by("ticket_id").slice(0, 3))


@pytest.mark.slow
def test_the_default_demo_builds_and_loads_in_well_under_20_seconds(tmp_path: Path) -> None:
    started = time.perf_counter()
    store = open_store(tmp_path / "demo.duckdb")
    migrate(store)
    counts = write_demo(store, generate())
    store.close()
    assert counts["web_events"] > 400_000
    assert time.perf_counter() - started < 20  # measured: about 3 s
