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

All of them join the caller's :meth:`Store.transaction`, if any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import ibis
import pandas as pd
import pyarrow as pa
from ibis.expr.types import Table

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

Rows = Table | pa.Table | pd.DataFrame | Sequence[Mapping[str, Any]]
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

    def insert(self, table: str, rows: Rows, *, schema: Mapping[str, Any] | None = None) -> None:
        """Append ``rows`` to ``table`` (columns matched by name; those left out are NULL)."""
        if isinstance(rows, pa.Table) and self._native():
            self._insert_arrow(table, rows)
            return
        self.con.insert(table, _frame(rows, schema))  # type: ignore[attr-defined]

    def upsert(
        self, table: str, rows: Rows, *, on: str, schema: Mapping[str, Any] | None = None
    ) -> None:
        """Write ``rows``, replacing the stored rows with the same ``on`` key."""
        self.con.upsert(table, _frame(rows, schema), on=on)  # type: ignore[attr-defined]

    def replace_all(
        self, table: str, rows: Rows, *, schema: Mapping[str, Any] | None = None
    ) -> None:
        """Replace every row of ``table`` by ``rows`` (atomic inside a transaction)."""
        self.con.truncate_table(table)  # type: ignore[attr-defined]
        self.insert(table, rows, schema=schema)

    def update(self, table: str, where: Mapping[str, Any], values: Mapping[str, Any]) -> int:
        """Set ``values`` (column: new value) on the rows matching ``where``; returns how many
        rows matched."""
        if not values:
            raise ValueError("update needs at least one column to set")
        mark = self._mark()
        sets = ", ".join(f"{_ident(column, mark)} = {mark}" for column in values)
        condition, params = _where(where, mark)
        sql = f"UPDATE {_ident(table, mark)} SET {sets}{condition}"
        return self._run(sql, [*values.values(), *params])

    def delete_where(self, table: str, where: Mapping[str, Any]) -> int:
        """Delete the rows matching ``where``; returns how many there were."""
        mark = self._mark()
        condition, params = _where(where, mark)
        return self._run(f"DELETE FROM {_ident(table, mark)}{condition}", params)

    def base_tables(self) -> list[str]:
        """The stored tables of the workspace by name (not the views Ibis registers for
        in-memory frames, nor other schemas' tables)."""
        sql = ("SELECT table_name FROM information_schema.tables "
               "WHERE table_type = 'BASE TABLE' AND table_schema = current_schema()")  # fmt: skip
        names = self.con.sql(sql).to_pyarrow().column(0).to_pylist()  # type: ignore[attr-defined]
        return sorted(str(name) for name in names)

    def _run(self, sql: str, params: Sequence[Any]) -> int:
        raw = getattr(self.con, "con", None)
        if self.backend == "duckdb" and raw is not None:
            (count,) = raw.execute(sql, list(params)).fetchone()
            return int(count)
        if self.backend == "postgres":
            # the raw connection, because Ibis's raw_sql calls rollback() on error, which
            # psycopg forbids inside a transaction block and which would hide the real error
            cursor = self.con.con.execute(sql, list(params))  # type: ignore[attr-defined]
            return int(cursor.rowcount)
        raise NotImplementedError(f"keyed writes are not supported on {self.backend}")

    def _mark(self) -> str:
        """The driver's placeholder for a bound parameter."""
        return "%s" if self.backend == "postgres" else "?"

    def _native(self) -> bool:
        return self.backend == "duckdb" and hasattr(self.con, "con")

    def _insert_arrow(self, table: str, rows: pa.Table) -> None:
        # DuckDB scans the Arrow table in place: no pandas, no row-by-row insert
        raw = self.con.con  # type: ignore[attr-defined]
        view = f"_cxpulse_insert_{table}"
        listed = ", ".join(_ident(c) for c in rows.column_names)
        raw.register(view, rows)
        try:
            sql = f"INSERT INTO {_ident(table)} ({listed}) SELECT {listed} FROM {_ident(view)}"
            raw.execute(sql)
        finally:
            raw.unregister(view)


def _frame(rows: Rows, schema: Mapping[str, Any] | None) -> Table:
    if isinstance(rows, Table):
        return rows
    return ibis.memtable(rows, schema=None if schema is None else ibis.schema(dict(schema)))


def _where(where: Mapping[str, Any], mark: str) -> tuple[str, list[Any]]:
    """`` WHERE ...`` (or nothing) and its parameters, each bound through ``mark``."""
    parts: list[str] = []
    params: list[Any] = []
    for column, wanted in where.items():
        name = _ident(column, mark)
        if wanted is None:
            parts.append(f"{name} IS NULL")
        elif wanted is NOT_NULL:
            parts.append(f"{name} IS NOT NULL")
        elif isinstance(wanted, _MANY):
            listed = list(wanted)
            parts.append(f"{name} IN ({', '.join([mark] * len(listed))})" if listed else "FALSE")
            params += listed
        else:
            parts.append(f"{name} = {mark}")
            params.append(wanted)
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def _ident(identifier: str, mark: str = "?") -> str:
    """An SQL identifier, double-quoted (DuckDB and PostgreSQL); with psycopg's ``%s``
    placeholders a ``%`` in it is doubled, or psycopg would read it as one."""
    quoted = '"' + identifier.replace('"', '""') + '"'
    return quoted.replace("%", "%%") if mark == "%s" else quoted
