"""Take due work so that several worker processes never send the same message twice.

On PostgreSQL any number of workers may tick at once against one workspace:

- :func:`locked_rows` reads the due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` inside a
  transaction: a row another worker holds is skipped, not waited for, and a row it has already
  moved on (status changed) no longer matches, because PostgreSQL re-checks the condition on the
  newest version of a row it locks. The caller changes the rows' status before the block ends.
- :func:`exclusive` serialises a whole phase (deciding whom to invite, firing rules) with a
  session advisory lock, so two workers never take the same decision twice: those phases read
  what is done, then write, and the tables have no unique constraint to stop a duplicate.

DuckDB lets one process open the file, so there both are a plain transaction / nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import sqlglot.expressions as sge

from cxpulse.store.connect import Store


@contextmanager
def locked_rows(
    store: Store, due: Any, order_by: str, limit: int | None = None
) -> Iterator[pd.DataFrame]:
    """The rows of the Ibis table expression ``due`` (a filter of one stored table), held
    until the block ends; the block runs in one transaction, so what it writes commits with
    the claim. ``limit`` caps how many rows one worker takes at once."""
    expr = due.order_by(order_by)
    if limit is not None:
        expr = expr.limit(limit)
    with store.transaction():
        if store.backend == "postgres":
            yield _select_for_update(store, expr)
        else:
            yield expr.execute()


def _select_for_update(store: Store, expr: Any) -> pd.DataFrame:
    from ibis.backends.postgres.converter import PostgresPandasData

    con = store.con
    query = con.compiler.to_sqlglot(expr)
    if not isinstance(query, sge.Select):  # a filter of one table compiles to one SELECT
        raise TypeError(f"cannot lock the rows of {type(query).__name__} query")
    # wait=False is how sqlglot spells SKIP LOCKED
    query.set("locks", [sge.Lock(update=True, wait=False)])
    sql = query.sql(con.dialect)
    with con.con.cursor() as cursor:
        rows = cursor.execute(sql).fetchall()
    schema = expr.schema()
    frame = pd.DataFrame.from_records(rows, columns=schema.names, coerce_float=True)
    result: pd.DataFrame = PostgresPandasData.convert_table(frame, schema)
    return result


def advisory_key(name: str) -> int:
    """The 64-bit PostgreSQL advisory lock number of ``name`` (stable across processes)."""
    digest = hashlib.sha256(f"cxpulse:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def exclusive(store: Store, name: str) -> Iterator[None]:
    """Only one process at a time runs the block for ``name`` on this workspace (PostgreSQL:
    a session advisory lock, waited for; released even if the block fails)."""
    if store.backend != "postgres":
        yield
        return
    key = advisory_key(name)
    raw = store.con.con
    raw.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        yield
    finally:
        raw.execute("SELECT pg_advisory_unlock(%s)", (key,))


def until_commit(store: Store, name: str) -> None:
    """Wait until no other process holds ``name``, then hold it until the caller's
    transaction ends (PostgreSQL: a transaction advisory lock; elsewhere nothing, as one
    process holds the store). Two imports into one table take turns this way, so the second
    sees the first one's rows and counts them as unchanged instead of new."""
    if store.backend != "postgres":
        return
    store.con.con.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(name),))
