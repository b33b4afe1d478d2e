"""PostgreSQL specifics of the store: how Ibis's in-memory tables and upserts reach the server.

Every write of cxpulse (imports, upserts of outbox rows, scores) hands Ibis an in-memory table,
which Ibis 12 turns into a PostgreSQL temporary table. Four things change here, on the
connection :func:`adapt` is given; the tables, types and names stay Ibis's own:

- **Loading**: Ibis fills the table with one INSERT per row; ``COPY`` does the same faster
  (importing 100,000 survey responses: 46 s with the INSERTs, 14 s with COPY, measured on the
  2-core dev machine; DuckDB: 4 s).
- **Lifetime**: dropped after the call that needed them (:mod:`cxpulse.store.scratch`).
- **Upserts**: Ibis compiles ``upsert`` to ``MERGE``, which in PostgreSQL 15 is not safe when
  another session inserts the same key at the same time (both insert, or one fails with a
  unique violation). Where the key has a unique index (migration 14) the upsert is
  ``INSERT ... ON CONFLICT (key) DO UPDATE``, which PostgreSQL makes atomic per row.
- **Errors** of ``raw_sql`` (the migrations' statements) propagate as PostgreSQL raised them,
  a missing privilege included, instead of psycopg's refusal of Ibis's ``rollback()`` inside a
  transaction block.
"""

from __future__ import annotations

import contextlib
import functools
import types
from collections.abc import Callable
from typing import Any

import sqlglot as sg
import sqlglot.expressions as sge


def connect(url: str) -> Any:
    """An Ibis connection to the PostgreSQL database of ``url``, adapted (:func:`adapt`).

    libpq reads the URL itself, so everything it knows works as with ``psql``: a password
    from ``PGPASSWORD``, ``~/.pgpass`` (or ``PGPASSFILE``), a ``?service=NAME`` of
    ``pg_service.conf``, ``?sslmode=...``, and ``PGHOST``/``PGPORT``/``PGUSER`` for what the
    URL leaves out (Ibis's own URL parsing sets port 5432 and drops the rest)."""
    import ibis
    import psycopg

    backend = ibis.postgres.from_connection(psycopg.connect(url, autocommit=True))
    adapt(backend)
    return backend


def reconnect(backend: Any) -> Any:
    """A new adapted Ibis connection to the same database as ``backend``, as the same role:
    libpq's parameters of the open connection (which hold no password) and the password it
    used, wherever libpq found it (the URL, PGPASSWORD, ~/.pgpass). A reader of its own, so
    a long read holds neither the connection nor the lock of the one writes go through."""
    import ibis
    import psycopg

    info = backend.con.info
    extra = {"password": info.password} if info.password else {}
    reader = ibis.postgres.from_connection(psycopg.connect(info.dsn, autocommit=True, **extra))
    adapt(reader)
    return reader


def adapt(backend: Any) -> None:
    """Make this Ibis PostgreSQL connection load in-memory tables with COPY, upsert with
    ``ON CONFLICT`` where the key is unique, and fail in ``raw_sql`` with the real error."""
    backend._cxpulse_unique = set()
    backend._register_in_memory_table = types.MethodType(_register_with_copy, backend)
    backend.raw_sql = types.MethodType(_raw_sql, backend)
    original = backend._build_upsert_from_table
    backend._build_upsert_from_table = functools.partial(_build_upsert, backend, original)


def _raw_sql(self: Any, query: Any, **kwargs: Any) -> Any:
    # Ibis's raw_sql, but for its rollback() after an error: psycopg forbids one inside a
    # transaction block (a migration, Store.transaction), so a statement refused for a missing
    # privilege surfaced as "Explicit rollback() forbidden", reported as a bug. On this
    # autocommit connection a failed statement outside a block has nothing to roll back; inside
    # one, the block's exit rolls back.
    with contextlib.suppress(AttributeError):
        query = query.sql(dialect=self.dialect)
    cursor = self.con.cursor()
    try:
        cursor.execute(query, **kwargs)
    except Exception:
        cursor.close()
        if not self.con.autocommit:  # a connection not made by connect(): as Ibis does
            self.con.rollback()
        raise
    return cursor


def _register_with_copy(self: Any, op: Any) -> None:
    schema = op.schema
    if null_columns := schema.null_fields:  # Ibis's own check, kept
        raise TypeError(f"postgres cannot hold null-typed columns; got {null_columns}")
    quoted = self.compiler.quoted
    name = sg.to_identifier(op.name, quoted=quoted)
    create = sge.Create(
        kind="TABLE",
        this=sge.Schema(this=name, expressions=schema.to_sqlglot_column_defs(self.dialect)),
        properties=sge.Properties(expressions=[sge.TemporaryProperty()]),
    ).sql(self.dialect)
    table = op.data.to_pyarrow(schema)
    columns = ", ".join(sg.to_identifier(c, quoted=True).sql(self.dialect) for c in schema.names)
    target = name.sql(self.dialect)
    con = self.con
    with con.cursor() as cursor, con.transaction():
        cursor.execute(create)
        with cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for batch in table.to_batches():
                values = [column.to_pylist() for column in batch.columns]
                for row in zip(*values, strict=True):
                    copy.write_row(row)


def _build_upsert(
    backend: Any,
    original: Callable[..., Any],
    *,
    target: str,
    source: Any,
    on: str,
    db: str | None = None,
    catalog: str | None = None,
) -> Any:
    if not _unique(backend, target, on):  # no unique index (a table of a plugin): Ibis's MERGE
        return original(target=target, source=source, on=on, db=db, catalog=catalog)
    columns = backend._get_columns_to_insert(target=target, source=source, db=db, catalog=catalog)

    def q(name: str) -> str:
        return sg.to_identifier(name, quoted=True).sql("postgres")

    listed = ", ".join(q(c) for c in columns)
    updates = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in columns if c != on)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    table = sge.table_(target, db=db, catalog=catalog, quoted=True).sql("postgres")
    select = backend.compile(source)
    return (
        f"INSERT INTO {table} ({listed}) SELECT {listed} FROM ({select}) AS s "
        f"ON CONFLICT ({q(on)}) {action}"
    )


def _unique(backend: Any, table: str, column: str) -> bool:
    """Whether ``table.column`` alone has a unique index ``ON CONFLICT`` can use (not partial,
    not deferrable; remembered once found: the migrations add indexes, nothing drops them)."""
    if (table, column) in backend._cxpulse_unique:
        return True
    with backend.con.cursor() as cursor:
        found = cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass(%s) AND i.indisunique "
            "AND i.indimmediate AND i.indpred IS NULL AND i.indnatts = 1 AND a.attname = %s",
            (sg.to_identifier(table, quoted=True).sql("postgres"), column),
        ).fetchone()
    if found:
        backend._cxpulse_unique.add((table, column))
    return found is not None
