"""Load the demo tables into a workspace, replacing what was there.

The demo owns its workspace: every canonical table is emptied first, then filled, all in one
transaction, so a failed or interrupted load leaves the previous contents in place.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from cxpulse import schema
from cxpulse.store import Store


def write_demo(store: Store, tables: Mapping[str, pa.Table]) -> dict[str, int]:
    """Replace the canonical tables of an already migrated workspace with ``tables`` (Arrow
    tables from :func:`cxpulse.demo.generate`); returns the rows written per table."""
    unknown = set(tables) - set(schema.TABLES)
    if unknown:
        raise KeyError(
            f"not canonical tables: {sorted(unknown)}; known: {', '.join(schema.TABLES)}"
        )
    missing = [name for name in schema.TABLES if not store.has_table(name)]
    if missing:
        raise ValueError(
            f"the workspace {store.location} has no table {', '.join(missing)}: "
            "run the migrations first (cxpulse.store.migrations.migrate)."
        )
    with store.transaction():
        for name in schema.TABLES:
            store.delete_where(name, {})
        for name, table in tables.items():
            _insert(store, name, table)
    return {name: int(table.num_rows) for name, table in tables.items()}


def _insert(store: Store, name: str, table: pa.Table) -> None:
    columns = schema.table(name).names
    if table.column_names != columns:
        raise ValueError(f"{name}: columns {table.column_names} do not match the schema {columns}")
    store.insert(name, table)
