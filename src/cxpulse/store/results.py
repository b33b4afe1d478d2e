"""Stored results: a report's JSON-ready result kept in the workspace and read instead of
computed while the data it read is unchanged.

Two tables (migration 18):

- :data:`TABLE_VERSIONS_TABLE`: each table's data version, a new random token at the end of
  every transaction that writes it. Every write of :mod:`cxpulse.store.writes` notes its table
  (:meth:`Versions.note`) and runs in a transaction, at whose end (with the derived tables,
  before it commits) the written tables get their new versions, and so do the derived tables
  of a written source (:mod:`cxpulse.store.derived`). A crash between a write and its new
  version cannot happen: they commit together.
- :data:`RESULTS_TABLE`: one row per result, keyed by its name and parameters, holding the
  version of every table the computation read (recorded by :meth:`Store.table
  <cxpulse.store.Store.table>` while :func:`reading`), a caller's hash of what else it
  depends on (the settings) with a hash of the code's source files (:func:`code_version`)
  and the payload as JSON.

:func:`remembered` answers the stored payload when it is current (every table it read still
has the version it was computed at, and the same settings hash) and otherwise computes,
stores and answers; a write drops the stored results that read its tables (they would
never be current again). The versions are read *before* computing: a write landing meanwhile
leaves the stored result out of date at once, never taken as current. Nothing here knows what
a result is: the scorecard stores its rows, insights their findings.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cxpulse.schema.results import RESULTS_TABLE, TABLE_VERSIONS_TABLE

if TYPE_CHECKING:
    from cxpulse.store.connect import Store

log = logging.getLogger("cxpulse.store")

INTERNAL: Final = frozenset({RESULTS_TABLE, TABLE_VERSIONS_TABLE})
"""The tables whose writes change no result (they hold the results and versions)."""
KEEP_DAYS: Final = 14
"""A result not computed again for this long is dropped when its name is next stored (a
daily page keys its results by date: they would pile up)."""

# the sets of table names the computations running in this context read (innermost last)
_READING: ContextVar[tuple[set[str], ...]] = ContextVar("cxpulse_reading", default=())


def note_read(*tables: str) -> None:
    """Record that the running computations read ``tables`` (called by ``Store.table``)."""
    for read in _READING.get():
        read.update(tables)


@contextmanager
def reading() -> Iterator[set[str]]:
    """The names of the tables read inside the block (also by nested blocks)."""
    read: set[str] = set()
    token = _READING.set((*_READING.get(), read))
    try:
        yield read
    finally:
        _READING.reset(token)


@dataclass
class Versions:
    """The tables written in one store's open transaction, given new versions at its end."""

    _written: set[str] = field(default_factory=set)
    _kept: bool = False  # the versions table exists (checked until it does: a migration adds it)

    def note(self, table: str) -> None:
        if table not in INTERNAL:
            self._written.add(table)

    def discard(self) -> None:
        self._written.clear()

    def kept(self, store: Store) -> bool:
        if not self._kept:
            self._kept = store.has_table(TABLE_VERSIONS_TABLE)
        return self._kept

    def flush(self, store: Store) -> None:
        """New versions for the tables written in the transaction and the derived tables of
        written sources (inside the transaction, after the derived tables are refreshed)."""
        written = set(self._written)
        self._written.clear()
        if not written or not self.kept(store):
            return
        for m in store.derived.maintainers:
            if written & set(m.sources):
                written.update(m.tables)
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = [{"name": t, "version": uuid.uuid4().hex, "changed_at": now} for t in written]
        store.delete_where(TABLE_VERSIONS_TABLE, {"name": sorted(written)})
        raw = getattr(store.con, "con", None) if store.backend == "duckdb" else None
        if raw is not None:  # every write pays this: bound VALUES, not an Ibis memtable
            values = ", ".join("(?, ?, ?)" for _ in rows)
            params = [v for r in rows for v in (r["name"], r["version"], r["changed_at"])]
            columns = "(name, version, changed_at)"
            raw.execute(f"INSERT INTO {TABLE_VERSIONS_TABLE} {columns} VALUES {values}", params)
        else:
            store.insert(TABLE_VERSIONS_TABLE, rows, schema=_VERSION_SCHEMA)
        # the results that read them are out of date now: gone, not kept (an erasure leaves
        # no copy of the erased rows' numbers behind; the table holds only current results)
        outdated = _reading_any(store, written)
        if outdated:
            store.delete_where(RESULTS_TABLE, {"key": outdated})
        self._written.clear()  # the writes above are internal: nothing noted


_VERSION_SCHEMA: Final = {"name": "string", "version": "string", "changed_at": "timestamp"}
_RESULT_SCHEMA: Final = {
    "key": "string",
    "name": "string",
    "versions": "string",
    "settings": "string",
    "computed_at": "timestamp",
    "payload": "string",
}


def table_versions(store: Store, tables: Iterable[str] | None = None) -> dict[str, str]:
    """The stored version of each table (of ``tables``; None: all); a table never written
    since migration 18 has none."""
    t = store.con.table(TABLE_VERSIONS_TABLE)  # not store.table: reading it is no input
    if tables is not None:
        t = t.filter(t.name.isin(sorted(tables)))
    rows = t.select("name", "version").to_pyarrow().to_pylist()
    return {str(r["name"]): str(r["version"]) for r in rows}


def result_key(name: str, params: Mapping[str, Any]) -> str:
    """The stored key of result ``name`` with ``params`` (canonical JSON)."""
    return json.dumps([name, params], sort_keys=True, default=str, separators=(",", ":"))


def fingerprint(*parts: Any) -> str:
    """A short hash of JSON-ready ``parts`` (settings, a code version) for ``depends``."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


SOURCE_SUFFIXES: Final = (".py", ".yaml", ".yml", ".tsv")  # .tsv: the sentiment lexicons
"""The files of the package a result can depend on: its code and its data (the built-in
theme taxonomies)."""


def source_fingerprint(root: Path) -> str:
    """A hash of every source file under ``root``: its path, size and modification time (in
    nanoseconds), not its content: 32 ms for the package's 370 modules, measured at a load
    of 12 on the 2-core dev machine, once per process. Any edit changes it, and so does a
    reinstall (the wheel's files are written anew)."""
    entries: list[tuple[str, int, int]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(SOURCE_SUFFIXES):
                path = os.path.join(folder, name)
                st = os.stat(path)
                entries.append((os.path.relpath(path, root), st.st_size, st.st_mtime_ns))
    return fingerprint(sorted(entries))


@functools.cache
def code_version() -> str:
    """:func:`source_fingerprint` of the installed cxpulse, once per process. Part of every
    stored result's key: cxpulse's version number alone changes only at a release, and a
    code change between two (a fix, an editable install) reused results computed by the old
    code."""
    import cxpulse

    return source_fingerprint(Path(cxpulse.__file__).parent)


class Shelf:
    """The stored results of one name and ``depends``, read in one query (a scorecard reads
    a dozen rows), with the tables' versions as they were then. ``depends`` is combined with
    the code's :func:`code_version`: results computed by other code are not read."""

    def __init__(self, store: Store, name: str, depends: str) -> None:
        self.store, self.name = store, name
        self.depends = fingerprint(depends, code_version())
        self.usable = store.has_table(RESULTS_TABLE) and store.has_table(TABLE_VERSIONS_TABLE)
        self._found: dict[str, tuple[dict[str, str | None], str]] = {}
        self._now: dict[str, str] = {}
        if not self.usable:
            return
        t = store.con.table(RESULTS_TABLE)  # not store.table: reading it is no input
        rows = (
            t.filter((t.name == name) & (t.settings == self.depends))
            .order_by(t.computed_at)  # the latest of a key (two threads stored it) wins
            .select("key", "versions", "payload")
            .to_pyarrow()
            .to_pylist()
        )
        self._found = {r["key"]: (json.loads(r["versions"]), r["payload"]) for r in rows}
        self._now = table_versions(store) if rows else {}

    def get(self, params: Mapping[str, Any]) -> Any | None:
        """The stored payload for ``params`` if every table it read is unchanged, else None."""
        found = self._found.get(result_key(self.name, params))
        if found is None:
            return None
        versions, payload = found
        if any(self._now.get(table) != version for table, version in versions.items()):
            return None
        return json.loads(payload)

    def remember(
        self,
        params: Mapping[str, Any],
        compute: Callable[[], Any],
        *,
        hold: Callable[[], AbstractContextManager[Any]] = nullcontext,
        keep: bool = True,
    ) -> Any:
        """The stored payload for ``params`` when current, else ``compute()`` (JSON-ready),
        stored with the versions of the tables it read and answered as read back.

        ``hold``: the context a write runs in (the web server's workspace lock): computed on a
        reader cursor outside it, the row is stored inside it, so storing never races a
        user's write (two DuckDB cursors deleting the same row: the second one fails).
        ``keep=False`` reads a current result but stores none (a reader's request)."""
        if not self.usable:
            return compute()
        payload = self.get(params)
        if payload is not None:
            return payload
        before = table_versions(self.store)  # before computing: a write meanwhile makes it stale
        with reading() as read:
            value = compute()
        text = json.dumps(value, default=str)
        if keep and not self.store.read_only:
            versions = {t: before.get(t) for t in sorted(read - INTERNAL)}
            key = result_key(self.name, params)
            with hold():
                _store(self.store, self.name, key, versions, self.depends, text)
        return json.loads(text)  # the same JSON as a stored one gives


def stored(store: Store, name: str, params: Mapping[str, Any], depends: str) -> Any | None:
    """The stored payload of ``name`` with ``params`` if it is current, else None."""
    return Shelf(store, name, depends).get(params)


def remembered(
    store: Store,
    name: str,
    params: Mapping[str, Any],
    depends: str,
    compute: Callable[[], Any],
    *,
    hold: Callable[[], AbstractContextManager[Any]] = nullcontext,
    keep: bool = True,
) -> Any:
    """The result ``name`` with ``params``: the stored one when current, else ``compute()``
    (JSON-ready), stored with the versions of the tables it read. ``depends``: a hash of
    whatever else the result depends on (:func:`fingerprint` of the settings). On a store
    without the tables (Spark over Parquet, an old workspace opened read-only) it computes.
    ``hold`` and ``keep``: as :meth:`Shelf.remember`."""
    return Shelf(store, name, depends).remember(params, compute, hold=hold, keep=keep)


def _store(
    store: Store, name: str, key: str, versions: Mapping[str, str | None], depends: str, text: str
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    row = {
        "key": key,
        "name": name,
        "versions": json.dumps(versions, sort_keys=True),
        "settings": depends,
        "computed_at": now,
        "payload": text,
    }
    try:
        with store.transaction():
            store.delete_where(RESULTS_TABLE, {"key": key})
            old = _older_than(store, name, now - timedelta(days=KEEP_DAYS))
            if old:
                store.delete_where(RESULTS_TABLE, {"key": old})
            store.insert(RESULTS_TABLE, [row], schema=_RESULT_SCHEMA)
    except Exception:  # another writer holds the row (a server's two threads): compute later
        log.warning("storing the %s result failed; it is computed again next time", name)


def _reading_any(store: Store, tables: set[str]) -> list[str]:
    """The keys of the stored results that read any of ``tables`` (the results table is
    there: migration 18 made it with the versions table)."""
    raw = getattr(store.con, "con", None) if store.backend == "duckdb" else None
    if raw is not None:
        rows = [
            {"key": k, "versions": v}
            for k, v in raw.execute(f"SELECT key, versions FROM {RESULTS_TABLE}").fetchall()
        ]
    else:
        rows = store.con.table(RESULTS_TABLE).select("key", "versions").to_pyarrow().to_pylist()
    return [str(r["key"]) for r in rows if tables & set(json.loads(r["versions"]))]


def _older_than(store: Store, name: str, cutoff: datetime) -> list[str]:
    t = store.con.table(RESULTS_TABLE)
    old = t.filter((t.name == name) & (t.computed_at < cutoff)).select("key")
    return [str(k) for k in old.to_pyarrow().column(0).to_pylist()]


def forget(store: Store, name: str | None = None) -> int:
    """Drop the stored results (of ``name``; None: all); returns how many there were."""
    if not store.has_table(RESULTS_TABLE):
        return 0
    return store.delete_where(RESULTS_TABLE, {} if name is None else {"name": name})
