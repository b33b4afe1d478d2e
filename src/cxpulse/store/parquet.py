"""A workspace as a folder of Parquet files: one ``<table>.parquet`` per canonical table, plus the
settings and the CX index weights the metrics read.

The folder is what a data team hands to Spark (or any engine that reads Parquet): the same
metric definitions then run there (:mod:`cxpulse.store.spark`). Timestamps are written as UTC
instants (``isAdjustedToUTC``) in microseconds, the resolution Spark reads; the canonical tables
hold naive UTC, so nothing shifts on the way out or back in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ibis.backends.sql.datatypes import DuckDBType

from cxpulse import schema
from cxpulse.errors import CxpulseError, WorkspaceError
from cxpulse.schema import CX_WEIGHTS_TABLE, SETTINGS_TABLE
from cxpulse.settings import Settings
from cxpulse.store.writes import quote

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.store.connect import Store

SUFFIX = ".parquet"
SIDE_TABLES = (SETTINGS_TABLE, CX_WEIGHTS_TABLE)
"""Operational tables the metrics read besides the canonical ones (exported when present)."""
SETTINGS_SCHEMA: dict[str, dt.DataType] = {"key": dt.string, "value": dt.string}
BATCH_ROWS = 200_000  # bounded memory for large tables (10M web events at demo scale 1)


class ParquetFileError(CxpulseError, ValueError):
    """A Parquet file of a workspace folder is missing or does not match the canonical schema."""


@dataclass(frozen=True)
class TransferReport:
    """Rows written per table (export) or loaded per table (import)."""

    folder: Path
    rows: dict[str, int]

    def summary(self, verb: str) -> str:
        parts = ", ".join(f"{n:,} {name}" for name, n in self.rows.items())
        where = "to" if verb == "Exported" else "from"
        return f"{verb} {len(self.rows)} tables ({parts}) {where} {self.folder}"


def file_name(table: str) -> str:
    return f"{table}{SUFFIX}"


def expected_schema(table: str) -> dict[str, dt.DataType]:
    """The columns a ``<table>.parquet`` file must have (canonical tables and settings)."""
    if table == SETTINGS_TABLE:
        return dict(SETTINGS_SCHEMA)
    return schema.table(table).ibis_schema()


# -- export ----------------------------------------------------------------------------------
def export_parquet(ws: Context, folder: str | Path) -> TransferReport:
    """Write every canonical table, the settings and (when set) the CX index weights of ``ws``
    as ``<table>.parquet`` files in ``folder`` (created if needed; existing files replaced)."""
    out = Path(folder).expanduser()
    if out.exists() and not out.is_dir():
        raise WorkspaceError(f"{out} is a file; give a folder to export the Parquet files into.")
    out.mkdir(parents=True, exist_ok=True)
    store = ws.store
    names = [*schema.TABLES, *(name for name in SIDE_TABLES if store.has_table(name))]
    rows = {name: _export_table(store, name, out / file_name(name)) for name in names}
    return TransferReport(out, rows)


def _export_table(store: Store, name: str, path: Path) -> int:
    table = store.table(name)
    if name in schema.TABLES or name == SETTINGS_TABLE:
        wanted = expected_schema(name)
        table = table.select(*[table[c].cast(t).name(c) for c, t in wanted.items()])
    target = _file_schema(table.schema())
    partial = path.with_name(f".{path.name}.partial")
    written = 0
    # write beside the target and rename, so an interrupted export never leaves half a file
    with pq.ParquetWriter(partial, target) as writer:
        for batch in table.to_pyarrow_batches(chunk_size=BATCH_ROWS):
            chunk = pa.Table.from_batches([batch])
            writer.write_table(_to_file_types(chunk, target))
            written += chunk.num_rows
    partial.replace(path)
    return written


def _file_schema(ibis_schema: Any) -> pa.Schema:
    fields = []
    for field in ibis_schema.to_pyarrow():
        if pa.types.is_timestamp(field.type):
            field = field.with_type(pa.timestamp("us", tz="UTC"))
        fields.append(field)
    return pa.schema(fields)


def _to_file_types(chunk: pa.Table, target: pa.Schema) -> pa.Table:
    columns = []
    for field in target:
        col = chunk.column(field.name)
        if pa.types.is_timestamp(field.type) and pa.types.is_timestamp(col.type):
            # naive UTC (the store) -> UTC instants: same numbers, the zone made explicit
            col = pc.cast(col.cast(pa.timestamp(col.type.unit)), pa.timestamp("us"), safe=False)
            col = col.cast(field.type)
        else:
            col = col.cast(field.type)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=target)


# -- checking a folder -------------------------------------------------------------------------
def check_columns(
    label: str,
    actual: Mapping[str, dt.DataType],
    table: str,
    wanted: Mapping[str, dt.DataType] | None = None,
) -> None:
    """Refuse a file whose columns are not ``table``'s (``wanted``, by default the canonical
    ones): missing, unknown or of the wrong type."""
    wanted = wanted if wanted is not None else expected_schema(table)
    docs = f" `cxpulse tables {table}` documents them." if table in schema.TABLES else ""
    missing = [c for c in wanted if c not in actual]
    if missing:
        raise ParquetFileError(
            f"{label} has no column {', '.join(repr(c) for c in missing)}, which {table} needs "
            f"(columns: {', '.join(wanted)}).{docs}"
        )
    extra = [c for c in actual if c not in wanted]
    if extra:
        raise ParquetFileError(
            f"{label} has column {', '.join(repr(c) for c in extra)}, which {table} does not "
            f"have (columns: {', '.join(wanted)}). Is it the file of another table?"
        )
    for name, want in wanted.items():
        got = actual[name]
        if not _compatible(got, want):
            raise ParquetFileError(f"{label}, column {name!r}: found {got}, expected {want}.{docs}")


def _compatible(got: dt.DataType, want: dt.DataType) -> bool:
    if got.is_null():  # a column with no value at all
        return True
    if want.is_timestamp():
        return bool(got.is_timestamp())
    if want.is_floating():
        return bool(got.is_numeric())
    if want.is_integer():
        return bool(got.is_integer())
    if want.is_boolean():
        return bool(got.is_boolean())
    if want.is_string():
        return bool(got.is_string())
    return bool(got == want)


# -- import ------------------------------------------------------------------------------------
def import_parquet(ws: Context, folder: str | Path, *, replace: bool = False) -> TransferReport:
    """Load a folder written by :func:`export_parquet` (or by any tool writing the canonical
    columns) into ``ws``, in one transaction: each table present replaces that table's rows;
    the settings file, if present, replaces the settings.

    Every file is checked before anything is written. A workspace that already holds rows is
    refused unless ``replace`` is true (to merge files into data, use ``cxpulse import``,
    which matches rows on their natural key).
    """
    src = Path(folder).expanduser()
    if not src.is_dir():
        raise WorkspaceError(f"no folder {src}: give the folder `cxpulse parquet export` wrote.")
    store = ws.store
    present = [
        name
        for name in [*schema.TABLES, *SIDE_TABLES]
        if (src / file_name(name)).exists() and store.has_table(name)
    ]
    if not any(name in schema.TABLES for name in present):
        raise ParquetFileError(
            f"{src} holds none of the files {', '.join(file_name(t) for t in schema.TABLES)}."
        )
    for name in present:
        path = src / file_name(name)
        check_columns(
            str(path), _file_columns(path), name, dict(store.table(name).schema().items())
        )
    if not replace:
        busy = {n: c for n, c in ws.counts().items() if c and n in present}
        if busy:
            held = ", ".join(f"{c:,} {n}" for n, c in busy.items())
            raise WorkspaceError(
                f"the workspace {store.location} already holds data ({held}). Use --replace to "
                "replace those tables with the files, or `cxpulse import FILE --table T` to "
                "merge one file into a table."
            )
    rows: dict[str, int] = {}
    # bounded: the files and the derived tables rebuilt from them at the commit (the sessions
    # of every web hit) spill to disk past the limit instead of growing with the rows
    with store.memory_bounded(), store.transaction():
        for name in present:
            rows[name] = _load_table(store, name, src / file_name(name))
    if SETTINGS_TABLE in present:
        ws.settings = Settings.from_rows(store.table(SETTINGS_TABLE).execute().to_dict("records"))
    return TransferReport(src, rows)


def _file_columns(path: Path) -> dict[str, dt.DataType]:
    try:
        arrow = pq.read_schema(path) if path.is_file() else pq.ParquetDataset(path).schema
    except (OSError, pa.ArrowException) as exc:
        raise ParquetFileError(f"{path} is not a readable Parquet file: {exc}") from exc
    return dict(ibis.Schema.from_pyarrow(arrow).items())


def _load_table(store: Store, name: str, path: Path) -> int:
    target = store.table(name).schema()
    # every row replaced, past the writes that note what they touch: the table gets a new
    # data version (stored results that read it are dropped) and derived tables rebuild
    store.versions.note(name)
    if store.derived.watched(store, name):
        store.derived.changed(name)
    if store.backend == "duckdb":
        return _load_native(store, name, path, target)
    arrow_target = target.to_pyarrow()
    store.con.truncate_table(name)
    loaded = 0
    for chunk in _batches(path):
        table = _to_store_types(chunk, arrow_target)
        if table.num_rows:
            store.con.insert(name, ibis.memtable(table, schema=target))
        loaded += table.num_rows
    return loaded


def _load_native(store: Store, name: str, path: Path, target: Any) -> int:
    """DuckDB reads the file itself, in one INSERT ... SELECT, converting as
    :func:`_to_store_types` does. Appending Arrow batches inside the import's one transaction
    kept every uncommitted batch in memory (4.5 GiB after 20M web events; the scale-10 demo,
    150M rows, was killed at 23 GiB); one statement writes its row groups to the file as it
    goes (0.7 GiB for the same 20M)."""
    found = _file_columns(path)
    columns = []
    for column, dtype in target.items():
        q = quote(column)
        kind = DuckDBType.to_string(dtype)
        if column not in found:  # a side table from an older cxpulse
            columns.append(f"CAST(NULL AS {kind}) AS {q}")
        elif dtype.is_timestamp() and found[column].is_timestamp() and found[column].timezone:
            # a UTC instant -> naive UTC (epoch_us needs no time zone database)
            columns.append(f"make_timestamp(epoch_us({q})) AS {q}")
        else:
            columns.append(f"CAST({q} AS {kind}) AS {q}")
    files = str(path / "*.parquet") if path.is_dir() else str(path)  # Spark writes part files
    con = store.con.con
    con.execute(f"DELETE FROM {quote(name)}")
    try:
        inserted = con.execute(
            f"INSERT INTO {quote(name)} BY NAME SELECT {', '.join(columns)} FROM read_parquet(?)",
            [files],
        ).fetchone()
    except duckdb.DataError as exc:  # a value that does not fit the column (out of range)
        said = str(exc).splitlines()[0]
        raise ParquetFileError(f"{path}: {said}. Nothing was imported.") from exc
    return int(inserted[0]) if inserted else 0


def _batches(path: Path) -> Iterator[pa.Table]:
    if path.is_file():
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
            yield pa.Table.from_batches([batch])
    else:  # a folder of part files, as Spark writes them
        yield pq.read_table(path)


def _to_store_types(chunk: pa.Table, target: pa.Schema) -> pa.Table:
    columns = []
    for field in target:
        if field.name not in chunk.column_names:  # a side table from an older cxpulse
            columns.append(pa.nulls(chunk.num_rows, field.type))
            continue
        col = chunk.column(field.name)
        if pa.types.is_timestamp(field.type) and pa.types.is_timestamp(col.type):
            # UTC instants (or naive UTC) -> naive UTC, truncated to the store's resolution
            col = pc.cast(col.cast(pa.timestamp(col.type.unit)), field.type, safe=False)
        else:
            col = col.cast(field.type)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=target)
