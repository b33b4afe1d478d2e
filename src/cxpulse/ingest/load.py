"""Write validated rows into a canonical table: upsert by natural key, counting what changed.

The comparison runs in the backend with Ibis: each incoming row is joined to the stored row
with the same key; a row without a match is new, a row whose columns all equal the stored ones
(null equals null) is unchanged, the others are updated. Only new and updated rows are written,
so importing the same file twice writes nothing the second time.

Rows go in chunks so a long import can report progress; the caller wraps all chunks in one
transaction, so the chunks are not visible, nor kept, until the import commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import ibis
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from cxpulse.schema import IMPORTS_TABLE, Table
from cxpulse.store import Store
from cxpulse.store.claim import until_commit

CHUNK_ROWS = 50_000

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    # The store keeps microseconds (DuckDB TIMESTAMP); the same unit here keeps compares exact.
    "timestamp": pa.timestamp("us"),
}

_OLD = "cxpulse_old__"
_POSITION = "cxpulse_position__"

NEW, CHANGED, UNCHANGED = 1, 2, 0


@dataclass(frozen=True)
class Written:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: Written) -> Written:
        return Written(
            self.new + other.new,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


def to_arrow(frame: pd.DataFrame, table: Table) -> pa.Table:
    """A validated frame as an Arrow table with exactly the table's columns and types."""
    schema = pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in table.columns])
    arrays = [pa.Array.from_pandas(frame[c.name]).cast(ARROW_TYPES[c.kind]) for c in table.columns]
    return pa.Table.from_arrays(arrays, schema=schema)


def classify(store: Store, table: Table, rows: pa.Table) -> npt.NDArray[np.int8]:
    """For each row: :data:`NEW` (no stored row has its key), :data:`CHANGED` (one has, with
    some different value) or :data:`UNCHANGED`. Null equals null in the comparison."""
    position = pa.array(np.arange(rows.num_rows, dtype=np.int64))
    incoming = ibis.memtable(rows.append_column(_POSITION, position))
    names = table.names
    old = store.table(table.name).rename({f"{_OLD}{n}": n for n in names})
    joined = incoming.left_join(old, incoming[table.key] == old[f"{_OLD}{table.key}"])
    same = ibis.and_(*(joined[n].identical_to(joined[f"{_OLD}{n}"]) for n in names))
    status = ibis.cases(
        (joined[f"{_OLD}{table.key}"].isnull(), NEW), (same, UNCHANGED), else_=CHANGED
    )
    found = joined.select(joined[_POSITION], status=status.cast("int8")).to_pyarrow()
    result = np.full(rows.num_rows, UNCHANGED, dtype=np.int8)
    result[found[_POSITION].to_numpy()] = found["status"].to_numpy()
    return result


def upsert_rows(
    store: Store,
    table: Table,
    rows: pa.Table,
    progress: Callable[[str], None],
    chunk_rows: int | None = None,
) -> Written:
    """Insert new rows and update changed ones, ``chunk_rows`` (default :data:`CHUNK_ROWS`)
    at a time, inside the caller's transaction: other imports into the same table wait until
    it ends. Writers that do not take turns (survey answers, webhooks) may still add a key
    after it was classified new: the database's unique key turns that insert into an update."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    until_commit(store, f"import:{table.name}")
    status = classify(store, table, rows)
    new = rows.filter(pa.array(status == NEW))
    changed = rows.filter(pa.array(status == CHANGED))
    written = Written(
        new.num_rows, changed.num_rows, rows.num_rows - new.num_rows - changed.num_rows
    )
    progress(
        f"{table.name}: {written.new:,} new rows, {written.updated:,} changed, "
        f"{written.unchanged:,} unchanged"
    )
    for verb, part in (("inserted", new), ("updated", changed)):
        for start in range(0, part.num_rows, chunk_rows):
            chunk = ibis.memtable(part.slice(start, chunk_rows))
            if verb == "inserted" and store.backend != "postgres":  # one writer process
                store.insert(table.name, chunk)
            else:
                store.upsert(table.name, chunk, on=table.key)
            done = min(start + chunk_rows, part.num_rows)
            progress(f"{table.name}: wrote {done:,} of {part.num_rows:,} {verb} rows")
    return written


def log_import(
    store: Store, table: Table, file: str, read: int, written: Written, rejected: int
) -> None:
    """Record the import in the workspace's import log (inside the import's transaction)."""
    row: dict[str, Any] = {
        "imported_at": datetime.now(UTC).replace(tzinfo=None),
        "table_name": table.name,
        "file": file,
        "rows_read": read,
        "rows_new": written.new,
        "rows_updated": written.updated,
        "rows_unchanged": written.unchanged,
        "rows_rejected": rejected,
    }
    schema = pa.schema(
        [("imported_at", pa.timestamp("us")), ("table_name", pa.string()), ("file", pa.string())]
        + [(k, pa.int64()) for k in row if k.startswith("rows_")]
    )
    store.insert(IMPORTS_TABLE, pa.Table.from_pylist([row], schema=schema))
