"""Small keyed reads and writes on the hot path: a few rows by key, a few rows replaced by key.

Ibis is the way every metric and most writes reach the store; for a handful of rows it costs
more than the work itself (compiling the expression, converting the answer to pandas, a
temporary table for the upsert: about 20 ms a call, measured on the survey answer endpoint
where four such calls per batch capped it at about 130 answers a second). On DuckDB these two
operations go to the native connection with bound parameters and an Arrow table instead; on
other backends they stay Ibis expressions, so the results are the same everywhere
(tests/store/test_keyed.py runs both paths).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import ibis
import pyarrow as pa
from ibis.backends.sql.datatypes import DuckDBType

from cxpulse.store.connect import Store
from cxpulse.store.writes import quote


def rows_where_in(
    store: Store,
    table: str,
    column: str,
    values: Iterable[str],
    columns: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The rows of ``table`` whose ``column`` is one of ``values`` (strings), as dicts of
    plain Python values (None for NULL, naive UTC datetimes)."""
    wanted = sorted(set(values))
    if not wanted:
        return []
    if _native(store):
        listed = ", ".join(quote(c) for c in columns) if columns else "*"
        cursor = store.con.con.execute(
            f"SELECT {listed} FROM {quote(table)} "
            f"WHERE {quote(column)} IN (SELECT UNNEST(?::VARCHAR[]))",
            [wanted],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    t = store.table(table)
    expr = t.filter(t[column].isin(wanted))
    if columns:
        expr = expr.select(*columns)
    arrow: pa.Table = expr.to_pyarrow()
    return list(arrow.to_pylist())


def replace_rows(
    store: Store,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    key: str,
    schema: Mapping[str, Any],
    *,
    stored: Collection[str] | None = None,
) -> None:
    """Write ``rows`` (every column of ``schema``), replacing the stored rows with the same
    ``key``, atomically (inside the caller's :meth:`Store.transaction`, if any).
    ``stored``: when the caller has just read them, the keys of ``rows`` already stored (the
    others are new, and deleting nothing is the fast case: one statement); None looks for
    every key."""
    if not rows:
        return
    # a new data version for the table at the end of the transaction (stored results that
    # read it are dropped): every write does this, public survey answers included
    store.versions.note(table)
    if not _native(store):
        frame = ibis.memtable(list(rows), schema=ibis.schema(dict(schema)))
        with store.transaction():
            store.con.upsert(table, frame, on=key)
        return
    con = store.con.con
    insert = _insert_sql(table, tuple((c, ibis.dtype(t)) for c, t in schema.items()))
    values = [[row.get(c) for row in rows] for c in schema]
    if stored is None:
        stored = [str(row[key]) for row in rows]
    if not stored:
        with store.transaction():  # its end commits the new version with the rows
            con.execute(insert, values)
        return
    with store.transaction():
        con.execute(
            f"DELETE FROM {quote(table)} WHERE {quote(key)} IN (SELECT UNNEST(?::VARCHAR[]))",
            [sorted(stored)],
        )
        con.execute(insert, values)


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, schema: tuple[tuple[str, Any], ...]) -> str:
    # one list parameter per column, zipped by UNNEST: cheaper than registering an Arrow table
    # (1.8 against 3.2 ms for 32 rows, and Arrow's scan holds the GIL the web server needs).
    # BY NAME: a column added by a later migration sits at the end of the stored table.
    unnested = ", ".join(
        f"UNNEST(?::{DuckDBType.to_string(dtype)}[]) AS {quote(name)}" for name, dtype in schema
    )
    return f"INSERT INTO {quote(table)} BY NAME SELECT {unnested}"


def _native(store: Store) -> bool:
    return store.backend == "duckdb" and hasattr(store.con, "con")
