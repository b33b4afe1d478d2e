"""The store's writes: rows inserted, upserted or replaced, and rows updated or deleted by key.

Every module above the store writes through these :class:`~cxpulse.store.Store` methods (as
sqlite-utils' ``Table.insert/upsert/update/delete_where``), never by reaching into the backend
connection or quoting values into SQL text itself:

- ``insert``, ``upsert`` and ``replace_all`` take rows (an Ibis table, an Arrow table, a pandas
  frame or a list of dicts with an optional schema) and go through Ibis, so they work on every
  writable backend; a change of strategy (PostgreSQL's ``ON CONFLICT``, say) happens here once.
- ``update`` and ``delete_where`` run one statement with **bound parameters** (no value is ever
  written into the SQL text) on DuckDB's and PostgreSQL's own connections, and return how many
  rows they changed. A ``where`` maps columns to what they must hold: a value (``=``), ``None``
  (``IS NULL``), :data:`NOT_NULL`, or a list/tuple/set of values (``IN``; an empty one matches
  nothing). Several columns must all match; an empty ``where`` matches every row.

All of them join the caller's :meth:`Store.transaction`, if any. A write to the source table of
a derived table (:mod:`cxpulse.store.derived`) notes the keys it touches and runs in a
transaction (the caller's, or its own), at whose end the derived rows are brought up to date.
Every write notes its table, which gets a new data version at the end of that transaction
(:mod:`cxpulse.store.results`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import ibis
import pandas as pd
import pyarrow as pa
import sqlglot.expressions as sge
from ibis.expr.types import Table

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

    from cxpulse.store.derived import Derived, Maintainer
    from cxpulse.store.results import Versions

Rows: TypeAlias = Table | pa.Table | pd.DataFrame | Sequence[Mapping[str, Any]]
"""What the row writes accept."""


class _NotNull:
    def __repr__(self) -> str:
        return "NOT_NULL"


NOT_NULL: Final = _NotNull()
"""In a ``where``: the column holds any value but NULL."""

_MANY = (list, tuple, set, frozenset)


class Writes:
    """The write methods of :class:`~cxpulse.store.Store` (its ``con`` and ``backend``)."""

    con: BaseBackend
    backend: str
    derived: Derived
    versions: Versions

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[None]: ...

    def insert(self, table: str, rows: Rows, *, schema: Mapping[str, Any] | None = None) -> None:
        """Append ``rows`` to ``table`` (columns matched by name; those left out are NULL)."""
        with self._changing(table) as maintainers:
            if isinstance(rows, pa.Table) and self._native():
                self._note_rows(table, maintainers, rows)
                self._insert_arrow(table, rows)
                return
            frame = _frame(rows, schema)
            self._note_rows(table, maintainers, frame)
            self.con.insert(table, frame)  # type: ignore[attr-defined]

    def upsert(
        self, table: str, rows: Rows, *, on: str, schema: Mapping[str, Any] | None = None
    ) -> None:
        """Write ``rows``, replacing the stored rows with the same ``on`` key."""
        frame = _frame(rows, schema)
        with self._changing(table) as maintainers:
            self._note_rows(table, maintainers, frame)
            for m in maintainers:  # the rows about to be replaced may have had other keys
                stored = self.con.table(table)
                replaced = stored.filter(stored[on].isin(frame[on]))
                self.derived.changed(table, replaced[m.key].to_pyarrow())
            self.con.upsert(table, frame, on=on)  # type: ignore[attr-defined]

    def replace_all(
        self, table: str, rows: Rows, *, schema: Mapping[str, Any] | None = None
    ) -> None:
        """Replace every row of ``table`` by ``rows`` (atomic inside a transaction)."""
        with self._changing(table) as maintainers:
            if maintainers:
                self.derived.changed(table)
            self.con.truncate_table(table)  # type: ignore[attr-defined]
            self.insert(table, rows, schema=schema)

    def update(self, table: str, where: Mapping[str, Any], values: Mapping[str, Any]) -> int:
        """Set ``values`` (column: new value) on the rows matching ``where``; returns how many
        rows matched."""
        if not values:
            raise ValueError("update needs at least one column to set")
        with self._changing(table) as maintainers:
            self._note_where(table, maintainers, where)
            for m in maintainers:
                if m.key in values:  # rows moved to another key: that key changes too
                    self.derived.changed(table, pa.array([values[m.key]]))
            sql = self._sql()
            sets = ", ".join(f"{sql.ident(c)} = {sql.value(v)}" for c, v in values.items())
            condition = sql.where(where)
            return self._run(sql, f"UPDATE {sql.ident(table)} SET {sets}", table, condition)

    def delete_where(self, table: str, where: Mapping[str, Any]) -> int:
        """Delete the rows matching ``where``; returns how many there were."""
        with self._changing(table) as maintainers:
            self._note_where(table, maintainers, where)
            sql = self._sql()
            condition = sql.where(where)
            return self._run(sql, f"DELETE FROM {sql.ident(table)}", table, condition)

    # -- derived tables: what a write changes ---------------------------------------------
    @contextmanager
    def _changing(self, table: str) -> Iterator[list[Maintainer]]:
        """Around a write to ``table``: the maintainers that need the keys it touches (none
        when no derived table depends on it); the write then runs in a transaction, whose
        end brings the derived tables up to date."""
        # every write runs in a transaction, at whose end its table gets a new data version
        # (committed with it: a stored result never outlives the data it was computed from)
        self.versions.note(table)
        with self.transaction():
            if not self.derived.watched(self, table):  # type: ignore[arg-type]
                yield []
                return
            yield self.derived.wants(table)

    def _note_rows(self, table: str, maintainers: list[Maintainer], rows: Table | pa.Table) -> None:
        for m in maintainers:
            # a maintainer that refreshes from the earliest touched time needs the rows' times
            at = m.since.column if m.since is not None else None
            if isinstance(rows, pa.Table):
                times = rows.column(at) if at is not None and at in rows.column_names else None
                self.derived.changed(table, rows.column(m.key), times)
            else:
                times = rows[at].to_pyarrow() if at is not None and at in rows.columns else None
                self.derived.changed(table, rows[m.key].to_pyarrow(), times)

    def _note_where(
        self, table: str, maintainers: list[Maintainer], where: Mapping[str, Any]
    ) -> None:
        """The keys of the rows matching ``where``, read before they change or go."""
        for m in maintainers:
            if not where:
                self.derived.changed(table)
                continue
            sql = self._sql()
            condition = sql.where(where)
            statement = f"SELECT DISTINCT {sql.ident(m.key)} FROM {sql.ident(table)}{condition}"
            self.derived.changed(table, pa.array(self._rows(sql, statement)))

    def _rows(self, sql: _Sql, statement: str) -> list[Any]:
        """The first column of a SELECT with the bound parameters of ``sql``."""
        raw = getattr(self.con, "con", None)
        if self.backend == "duckdb" and raw is not None:
            return [r[0] for r in raw.execute(statement, sql.params).fetchall()]
        if self.backend == "postgres":
            return [r[0] for r in self.con.con.execute(statement, sql.params).fetchall()]  # type: ignore[attr-defined]
        return list(self.con.sql(statement).to_pyarrow().column(0).to_pylist())  # type: ignore[attr-defined]

    def base_tables(self) -> list[str]:
        """The stored tables of the workspace by name (not the views Ibis registers for
        in-memory frames, nor other schemas' tables)."""
        sql = ("SELECT table_name FROM information_schema.tables "
               "WHERE table_type = 'BASE TABLE' AND table_schema = current_schema()")  # fmt: skip
        names = self.con.sql(sql).to_pyarrow().column(0).to_pylist()  # type: ignore[attr-defined]
        return sorted(str(name) for name in names)

    def _sql(self) -> _Sql:
        return _Sql(self.backend, getattr(self.con, "dialect", None))

    def _run(self, sql: _Sql, statement: str, table: str, condition: str) -> int:
        raw = getattr(self.con, "con", None)
        if self.backend == "duckdb" and raw is not None:
            (count,) = raw.execute(statement + condition, sql.params).fetchone()
            return int(count)
        if self.backend == "postgres":
            # the raw connection, because Ibis's raw_sql calls rollback() on error, which
            # psycopg forbids inside a transaction block and which would hide the real error
            cursor = self.con.con.execute(statement + condition, sql.params)  # type: ignore[attr-defined]
            return int(cursor.rowcount)
        # any other SQL backend: count first (drivers report changed rows differently)
        counted = f"SELECT COUNT(*) FROM {sql.ident(table)}{condition}"
        count = int(self.con.sql(counted).to_pyarrow().column(0)[0].as_py())  # type: ignore[attr-defined]
        if count:
            self.con.raw_sql(statement + condition)  # type: ignore[attr-defined]
        return count

    def _native(self) -> bool:
        return self.backend == "duckdb" and hasattr(self.con, "con")

    def _insert_arrow(self, table: str, rows: pa.Table) -> None:
        # DuckDB scans the Arrow table in place: no pandas, no row-by-row insert
        raw = self.con.con  # type: ignore[attr-defined]
        view = f"_cxpulse_insert_{table}"
        listed = ", ".join(quote(c) for c in rows.column_names)
        raw.register(view, rows)
        try:
            sql = f"INSERT INTO {quote(table)} ({listed}) SELECT {listed} FROM {quote(view)}"
            raw.execute(sql)
        finally:
            raw.unregister(view)


def _frame(rows: Rows, schema: Mapping[str, Any] | None) -> Table:
    if isinstance(rows, Table):
        return rows
    return ibis.memtable(rows, schema=None if schema is None else ibis.schema(dict(schema)))


class _Sql:
    """The parts of one statement: quoted identifiers, and values bound as parameters (the
    driver's ``?`` or ``%s``), or on a backend whose placeholder cxpulse does not know,
    written as literals of its dialect by sqlglot (never quoted by hand)."""

    def __init__(self, backend: str, dialect: Any) -> None:
        self.mark = {"duckdb": "?", "postgres": "%s"}.get(backend)
        self.dialect = dialect
        self.params: list[Any] = []

    def ident(self, name: str) -> str:
        quoted = quote(name)
        # psycopg would read a % of a name as the start of a placeholder
        return quoted.replace("%", "%%") if self.mark == "%s" else quoted

    def value(self, value: Any) -> str:
        if self.mark is None:
            return str(sge.convert(value).sql(self.dialect))
        self.params.append(value)
        return self.mark

    def where(self, where: Mapping[str, Any]) -> str:
        """`` WHERE ...`` (or nothing: every row)."""
        parts: list[str] = []
        for column, wanted in where.items():
            name = self.ident(column)
            if wanted is None:
                parts.append(f"{name} IS NULL")
            elif wanted is NOT_NULL:
                parts.append(f"{name} IS NOT NULL")
            elif isinstance(wanted, _MANY):
                listed = ", ".join(self.value(v) for v in wanted)
                parts.append(f"{name} IN ({listed})" if listed else "FALSE")
            else:
                parts.append(f"{name} = {self.value(wanted)}")
        return " WHERE " + " AND ".join(parts) if parts else ""


def quote(identifier: str) -> str:
    """An SQL identifier, double-quoted (DuckDB, PostgreSQL and the SQL standard)."""
    return '"' + identifier.replace('"', '""') + '"'
