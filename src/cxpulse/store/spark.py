"""A read-only workspace on Spark: the Parquet folder of :mod:`cxpulse.store.parquet`, read
through Ibis's PySpark backend, so the metric definitions run unchanged on a cluster.

``Workspace(open_spark_store(folder))`` is a workspace whose metrics run on Spark: a local
session by default, a standalone cluster with ``master="spark://host:7077"``, or a session you
already have (Databricks' ``spark``). The settings (time zone, ``min_n``...) come from the
folder's ``cxpulse_settings.parquet``. Nothing is written: every write is refused.

Starting Spark is most of what a command waits for, so a process starts one session and every
store reuses it (closing a store leaves it running; its JVM ends with the process), and a store
registers a file as a Spark view only when a query first reads that table: NPS reads two of the
eleven files. The JVM cxpulse starts writes its console (log4j warnings, native-library notices,
progress bars) to a log file, not over the command's output; a Spark failure reaches the user as
one line that names that file.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
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
    # metrics compare naive-UTC timestamps; Ibis sets this too, set it before anything runs
    "spark.sql.session.timeZone": "UTC",
    # no spark-warehouse folder in the user's current directory (nothing is written there)
    "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "cxpulse-spark-warehouse"),
}
"""Configuration of the local session cxpulse starts when given no session. No
``spark.jars.packages``: nothing is downloaded at run time."""

LOCAL_JAVA = "-XX:TieredStopAtLevel=1"
"""Java options of a local session's JVM. Only the quick JIT compiler (C1): the optimising one
(C2) spends the CPU a short command needs compiling Spark's generated code. Measured on the
shared 2-core machine (load average 15, benchmarks/spark_phases.py): from the session to NPS's
first result 9-11 s instead of 30-32 s, a later NPS 0.8-1.4 s instead of 3.5 s. A long local
job over large files may do better with C2: pass ``conf={"spark.driver.extraJavaOptions": ...}``
to :func:`local_session`."""

DRIVER_CONF: dict[str, str] = {
    "spark.ui.showConsoleProgress": "false",  # the progress bar would draw over CLI output
}
"""Configuration of every session cxpulse starts, local or on a cluster (driver side)."""

LOG_CONF = Path(__file__).with_name("spark_log4j2.properties").as_uri()

_WARNING = re.compile(r"^WARNING:| WARN ")
"""The JVM's and log4j's warnings, which precede the line saying why the driver stopped."""

driver_log: Path | None = None
"""Where the console of the JVM this process started goes (None until cxpulse starts one)."""

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
    """A :class:`Store` over Parquet files, each registered as a Spark temporary view when a
    query first reads its table."""

    session: Any = None
    reader: Any = None
    """The Ibis PySpark backend itself (``con`` refuses writes, and registering is one)."""
    files: tuple[str, ...] = ()
    """The tables the folder has a file for (for a URL: every table cxpulse knows, unchecked)."""
    tables: dict[str, Any] = field(default_factory=dict)
    """The tables registered so far."""
    views: list[str] = field(default_factory=list)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    """In every view name: stores over one folder share a session without sharing views (closing
    one must not drop the other's)."""

    def table(self, name: str) -> Any:
        if name not in self.tables:
            if name not in self.files:
                raise WorkspaceError(
                    f"the Spark workspace over {self.location} has no table {name!r} (it has "
                    f"{', '.join(self.files)})."
                )
            self.tables[name] = self._register(name)
        return self.tables[name]

    def has_table(self, name: str) -> bool:
        if name in self.tables:
            return True
        if name not in self.files:
            return False
        if _is_local(self.location):
            return True  # the file is there; it is read (and checked) on first use
        try:  # a URL: only reading tells whether an optional file is there
            self.table(name)
        except WorkspaceError:
            return False
        return True

    def _register(self, name: str) -> Any:
        path = f"{self.location}/{file_name(name)}"
        view = f"cxpulse_{self.tag}_{name}"
        try:
            table = self.reader.read_parquet(path, table_name=view)
        except Exception as exc:  # Spark's AnalysisException (path not found, bad file)
            raise WorkspaceError(f"Spark cannot read {path}: {_first_line(exc)}") from exc
        self.views.append(view)
        if name in schema.TABLES or name == SETTINGS_TABLE:
            table = _canonical(table, path, name)
        return table

    @contextmanager
    def transaction(self) -> Iterator[None]:
        _refuse(self.location, "a write")
        yield  # pragma: no cover  (unreachable; keeps this a generator)

    def explain(self, exc: BaseException) -> WorkspaceError | None:
        """A failure inside Spark (a file gone or damaged since it was opened, an executor
        out of memory, the JVM gone) as one line pointing at Spark's log; an error in the
        query itself (Spark's AnalysisException: a query cxpulse built wrong) stays a bug."""
        if not _is_spark_error(exc) or "AnalysisException" in _class_names(exc):
            return None
        log = f" (Spark's log: {driver_log})" if driver_log else ""
        return WorkspaceError(
            f"Spark failed while reading {self.location}: {_first_line(exc)}{log}"
        )

    def close(self) -> None:
        """Drop this store's views. The session stays up for the next store of this process
        (a notebook, a test run): starting another costs seconds to minutes."""
        catalog = self.session.catalog
        for view in self.views:
            catalog.dropTempView(view)
        self.views.clear()
        self.tables.clear()


def _is_spark_error(exc: BaseException) -> bool:
    return (type(exc).__module__ or "").split(".")[0] in {"pyspark", "py4j"}


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _first_line(exc: BaseException) -> str:
    """The first line of a Spark error (pyspark appends the JVM's stack trace)."""
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def _session_class() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(
            "the Spark backend needs pyspark: pip install 'cxpulse[spark]' (and Java 17)"
        ) from None
    return SparkSession


def local_session(master: str = "local[*]", conf: Mapping[str, str] | None = None) -> Any:
    """The process's Spark session: the running one if there is one (a notebook's, or the one
    an earlier store started), left as it is; else a new one on ``master`` (``local[*]`` by
    default, ``spark://host:7077`` for a standalone cluster) with ``conf``. Needs Java 17 and
    ``pip install 'cxpulse[spark]'``. A JVM cxpulse starts writes its console to
    :data:`driver_log`."""
    session_class = _session_class()
    from pyspark import SparkConf, SparkContext

    try:
        # pyspark's own test for a running context (no public API tells without starting one)
        if SparkContext._active_spark_context is None:
            local = master.startswith("local")
            settings = {**DRIVER_CONF, **(LOCAL_CONF if local else {}), **(conf or {})}
            # read when the driver JVM starts: the log configuration, and in local mode the
            # JIT flag (the driver is then the executor too)
            java = f"-Dlog4j2.configurationFile={LOG_CONF}"
            settings.setdefault(
                "spark.driver.extraJavaOptions", f"{java} {LOCAL_JAVA}" if local else java
            )
            spark_conf = SparkConf().setMaster(master).setAppName("cxpulse")
            spark_conf.setAll(list(settings.items()))
            SparkContext(conf=spark_conf, gateway=_gateway(spark_conf))
        return session_class.builder.getOrCreate()  # over the running context
    except Exception as exc:  # no Java, bad master URL: pyspark raises several kinds
        raise WorkspaceError(
            f"cannot start Spark ({master}): {_first_line(exc)}{_log_tail()}. Spark needs "
            "Java 17 on the PATH (or JAVA_HOME), and a reachable master."
        ) from exc


def _gateway(conf: Any) -> Any:
    """The JVM of this process's Spark: the running one (a stopped session leaves its JVM up),
    else a new one whose console (log4j, native-library notices, progress bars) goes to
    :data:`driver_log`, not over the command's output."""
    global driver_log
    from pyspark import SparkContext, java_gateway

    launch: Any = java_gateway.launch_gateway  # untyped in pyspark
    if SparkContext._gateway is not None:
        return SparkContext._gateway
    folder = Path(tempfile.gettempdir()) / "cxpulse-spark-logs"
    folder.mkdir(exist_ok=True)
    driver_log = folder / f"driver-{os.getpid()}.log"
    with driver_log.open("w") as out:  # the JVM has its own descriptor; ours can close
        # popen_kwargs is pyspark's documented hook for capturing the JVM's output
        return launch(conf, popen_kwargs={"stdout": out, "stderr": out})


def _log_tail() -> str:
    """What the driver's log says went wrong (its first line that is not a warning: later
    lines follow from it), or ''."""
    if driver_log is None or not driver_log.is_file():
        return ""
    lines = [line.strip() for line in driver_log.read_text(errors="replace").splitlines()]
    lines = [line for line in lines if line and not _WARNING.search(line)]
    return f" ({lines[0]}; Spark's log: {driver_log})" if lines else f" (Spark's log: {driver_log})"


def open_spark_store(
    folder: str | Path,
    *,
    session: Any = None,
    master: str | None = None,
) -> SparkStore:
    """A read-only store over the Parquet files in ``folder`` (a local path, or a URL every
    executor can read such as ``s3a://bucket/cx`` or ``dbfs:/cx``).

    ``session`` is an existing SparkSession; otherwise the process's session is used, started
    on ``master`` (default ``local[*]``) if there is none. Closing the store leaves the session
    running. Files are read when a query first needs them; a local folder is checked at once
    for the files every workspace has.
    """
    import ibis

    location = _location(folder)
    files = _files(location)
    if session is None:
        session = local_session(master or "local[*]")
    con = ibis.pyspark.connect(session)
    return SparkStore(
        con=cast("BaseBackend", _ReadOnlyBackend(con, location)),
        location=location,
        backend="pyspark",
        session=session,
        reader=con,
        files=files,
    )


def _is_local(location: str) -> bool:
    return "://" not in location and not location.startswith("dbfs:")


def _location(folder: str | Path) -> str:
    text = str(folder)
    if not _is_local(text):
        return text.rstrip("/")
    path = Path(text).expanduser().resolve()
    if not path.is_dir():
        raise WorkspaceError(
            f"no folder {path}: give the folder `cxpulse parquet export` wrote (one "
            "<table>.parquet per canonical table)."
        )
    return str(path)


def _files(location: str) -> tuple[str, ...]:
    """The tables ``location`` has a file for; a local folder missing a required file is
    refused here, before Spark starts."""
    names = [*schema.TABLES, *SIDE_TABLES]
    if not _is_local(location):
        return tuple(names)
    present = [name for name in names if Path(location, file_name(name)).exists()]
    for name in names:
        if name not in present and (name in schema.TABLES or name == SETTINGS_TABLE):
            raise WorkspaceError(
                f"{location} has no {file_name(name)}; write the folder with `cxpulse "
                "parquet export` (every canonical table and the settings)."
            )
    return tuple(present)


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
