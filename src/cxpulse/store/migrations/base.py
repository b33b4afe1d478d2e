"""What a migration is, and the few words every frozen migration uses.

A migration module writes out the tables and columns it created as they were on the day it
was written, and never changes afterwards: a workspace written then must upgrade to exactly
what a new one holds. Migration modules import nothing above :mod:`cxpulse.store`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

from cxpulse.store.connect import Store

# short names for the column types, so a migration's tables read like the DDL they are
S = dt.string
I = dt.int64  # noqa: E741 - a column type, next to S, F, B, T and D
F = dt.float64
B = dt.boolean
T = dt.Timestamp()
D = dt.date


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Store], None]


def create_tables(store: Store, tables: dict[str, dict[str, dt.DataType]]) -> None:
    for name, columns in tables.items():
        store.con.create_table(name, schema=ibis.schema(columns))


def add_column(store: Store, table: str, column: str, sql_type: str) -> None:
    """Append ``column`` to ``table`` unless it is there (Ibis has no portable ALTER TABLE,
    and this SQL is plain enough for DuckDB and PostgreSQL)."""
    if column not in store.table(table).columns:
        store.con.raw_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def lookup_indexes(store: Store, indexes: tuple[tuple[str, str, str], ...]) -> None:
    """Create ``(index, table, column)`` indexes where the engine has them; elsewhere lookups
    stay scans (correct, only slower)."""
    if store.backend not in ("duckdb", "postgres"):
        return
    for name, table, column in indexes:
        store.con.raw_sql(f'CREATE INDEX IF NOT EXISTS {name} ON {table} ("{column}")')
