"""A read-only workspace on Spark: the Parquet folder of :mod:`cxpulse.store.parquet`, read
through Ibis's PySpark backend, so the metric definitions run unchanged on a cluster.

``Workspace(open_spark_store(folder))`` is a workspace whose metrics run on Spark: a local
session by default, a standalone cluster with ``master="spark://host:7077"``, or a session you
already have (Databricks' ``spark``). The settings (time zone, ``min_n``...) come from the
folder's ``cxpulse_settings.parquet``. Nothing is written: every write is refused.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import ibis.expr.datatypes as dt

from cxpulse import schema
from cxpulse.errors import ConfigError, WorkspaceError
from cxpulse.schema import SETTINGS_TABLE
from cxpulse.store.connect import Store
from cxpulse.store.parquet import (
    SIDE_TABLES,
    check_columns,
    expected_schema,
    file_name,
)

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

LOCAL_CONF: dict[str, str] = {
    # a few cores on one machine: Spark's default of 200 shuffle partitions is pure overhead
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",  # the progress bar would draw over CLI output
    # metrics compare naive-UTC timestamps; Ibis sets this too, set it before anything runs
    "spark.sql.session.timeZone": "UTC",
    # no spark-warehouse folder in the user's current directory (nothing is written there)
    "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "cxpulse-spark-warehouse"),
}
"""Configuration of the local session cxpulse starts when given no session. No
``spark.jars.packages``: nothing is downloaded at run time."""

LOG_CONF = Path(__file__).with_name("spark_log4j2.properties").as_uri()

_WRITES = frozenset(
    {
        "insert",
        "upsert",
        "create_table",
        "create_view",
        "create_database",
        "drop_table",
        "drop_view",
        "truncate_table",
        "rename_table",
        "raw_sql",
        "to_parquet",
        "to_csv",
        "to_delta",
    }
)


class ReadOnlyWorkspaceError(WorkspaceError, PermissionError):
    """A write was attempted on a read-only workspace (Parquet files read by Spark)."""


def _refuse(location: str, what: str) -> NoReturn:
    raise ReadOnlyWorkspaceError(
        f"the Spark workspace over {location} is read-only ({what} refused): it reads Parquet "
        "files. Change the data in a DuckDB or PostgreSQL workspace, then export it again with "
        "`cxpulse parquet export`."
    )


class _ReadOnlyBackend:
    """The Ibis backend with its write methods refused (reads pass straight through)."""

    def __init__(self, con: Any, location: str) -> None:
        self._con = con
        self._location = location

    def __getattr__(self, name: str) -> Any:
        if name in _WRITES:

            def refused(*_args: Any, **_kwargs: Any) -> NoReturn:
                _refuse(self._location, name)

            return refused
        return getattr(self._con, name)


@dataclass
class SparkStore(Store):
    """A :class:`Store` over Parquet files registered as Spark temporary views."""

    tables: dict[str, Any] = field(default_factory=dict)
    session: Any = None
    owns_session: bool = False
    views: list[str] = field(default_factory=list)

    def table(self, name: str) -> Any:
        try:
            return self.tables[name]
        except KeyError:
            raise WorkspaceError(
                f"the Spark workspace over {self.location} has no table {name!r} (it has "
                f"{', '.join(self.tables)})."
            ) from None

    def has_table(self, name: str) -> bool:
        return name in self.tables

    @contextmanager
    def transaction(self) -> Iterator[None]:
        _refuse(self.location, "a write")
        yield  # pragma: no cover  (unreachable; keeps this a generator)

    def close(self) -> None:
        catalog = self.session.catalog
        for view in self.views:
            catalog.dropTempView(view)
        self.views.clear()
        if self.owns_session:
            self.session.stop()


def _session_class() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "the Spark backend needs pyspark: pip install 'cxpulse[spark]' (and Java 17)"
        ) from None
    return SparkSession


def local_session(master: str = "local[*]", conf: Mapping[str, str] | None = None) -> Any:
    """Start (or reuse) a Spark session: ``local[*]`` by default, ``spark://host:7077`` for a
    standalone cluster. Needs Java 17 and ``pip install 'cxpulse[spark]'``."""
    builder = _session_class().builder.master(master).appName("cxpulse")
    settings = {**LOCAL_CONF, **(conf or {})} if master.startswith("local") else dict(conf or {})
    # read when the driver JVM starts: without it, Spark prints its start-up warnings
    settings.setdefault("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={LOG_CONF}")
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no Java, bad master URL: pyspark raises several kinds
        raise WorkspaceError(
            f"cannot start Spark ({master}): {str(exc).splitlines()[0].rstrip('.')}. Spark needs "
            "Java 17 on the PATH (or JAVA_HOME), and a reachable master."
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def open_spark_store(
    folder: str | Path,
    *,
    session: Any = None,
    master: str | None = None,
) -> SparkStore:
    """A read-only store over the Parquet files in ``folder`` (a local path, or a URL every
    executor can read such as ``s3a://bucket/cx`` or ``dbfs:/cx``).

    ``session`` is an existing SparkSession (left running on close); otherwise one is started
    on ``master`` (default ``local[*]``) and stopped on close.
    """
    import ibis

    location = _location(folder)
    owns = session is None
    if session is None:
        owns = _session_class().getActiveSession() is None
        session = local_session(master or "local[*]")
    con = ibis.pyspark.connect(session)
    store = SparkStore(
        con=cast("BaseBackend", _ReadOnlyBackend(con, location)),
        location=location,
        backend="pyspark",
        session=session,
        owns_session=owns,
    )
    try:
        _register(store, con, location)
    except BaseException:
        store.close()
        raise
    return store


def _location(folder: str | Path) -> str:
    text = str(folder)
    if "://" in text or text.startswith("dbfs:"):
        return text.rstrip("/")
    path = Path(text).expanduser().resolve()
    if not path.is_dir():
        raise WorkspaceError(
            f"no folder {path}: give the folder `cxpulse parquet export` wrote (one "
            "<table>.parquet per canonical table)."
        )
    return str(path)


def _register(store: SparkStore, con: Any, location: str) -> None:
    # views are named for the folder, so two workspaces can share one session
    tag = hashlib.sha1(location.encode()).hexdigest()[:8]
    local = "://" not in location and not location.startswith("dbfs:")
    for name in [*schema.TABLES, *SIDE_TABLES]:
        path = f"{location}/{file_name(name)}"
        required = name in schema.TABLES or name == SETTINGS_TABLE
        if local and not Path(path).exists():
            if required:
                raise WorkspaceError(
                    f"{location} has no {file_name(name)}; write the folder with `cxpulse "
                    "parquet export` (every canonical table and the settings)."
                )
            continue
        view = f"cxpulse_{tag}_{name}"
        try:
            table = con.read_parquet(path, table_name=view)
        except Exception as exc:  # Spark's AnalysisException (path not found, bad file)
            if not required:
                continue
            raise WorkspaceError(f"Spark cannot read {path}: {str(exc).splitlines()[0]}") from exc
        store.views.append(view)
        if required:
            table = _canonical(table, path, name)
        store.tables[name] = table


def _canonical(table: Any, label: str, name: str) -> Any:
    """``table`` checked against the canonical columns, in their order and types."""
    check_columns(label, dict(table.schema().items()), name)
    wanted: dict[str, dt.DataType] = expected_schema(name)
    if list(table.columns) == list(wanted) and all(
        table.schema()[c] == t or (t.is_timestamp() and table.schema()[c].is_timestamp())
        for c, t in wanted.items()
    ):
        return table
    return table.select(
        *[table[c] if t.is_timestamp() else table[c].cast(t).name(c) for c, t in wanted.items()]
    )
