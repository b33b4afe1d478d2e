"""Derived tables maintained on write: rows computed from a source table, kept equal to it.

A :class:`Maintainer` names its source table(s), the key its rows are computed per (sessions:
``visitor_id``) and how to build its derived tables from the source rows of some keys. The
composition root registers maintainers on the store (``store.derived.register``); the store
knows nothing of what they compute. Every write of :mod:`cxpulse.store.writes` to a source
table notes the keys it touches (for an update, an upsert or a delete also the keys of the rows
it replaces or removes, read before the write); bulk paths that bypass those methods call
:meth:`Derived.changed` themselves. At the end of the outermost
:meth:`~cxpulse.store.Store.transaction` (before it commits, so the derived rows commit with
the source rows or not at all), each maintainer with changes:

- deletes its derived rows of the touched keys and inserts them again, computed from the
  source rows of those keys only: all of a key's rows (a late hit can renumber a visitor's
  later sessions);
- or, for a maintainer with a :class:`Since` (on DuckDB), replaces only each key's derived rows
  from a bound on, computed from the earliest time the writes touched for that key (an insert
  notes its rows' times; an update, upsert or delete notes none: all of the key's rows);
- or, when the keys' rows are most of the table (or the write replaced the whole table), rebuilds
  its derived tables whole, which is faster than a long list of keys.

Each maintainer's version (its code version and the settings it depends on) is stored in
:data:`VERSIONS_TABLE` with its source tables. Readers use a derived table only when the stored
version is the one they expect (:func:`stored_version`) and fall back to the raw rows otherwise;
:meth:`Derived.rebuild_stale` rebuilds the derived tables of an old workspace or a changed
setting once. A write to a source table on a store where its maintainer is not registered
(a bare store, a copy) forgets the stored version, so the next Workspace rebuilds it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from cxpulse.schema import DERIVED_VERSIONS_TABLE

if TYPE_CHECKING:
    from ibis.expr.types import Table

    from cxpulse.store.connect import Store

VERSIONS_TABLE: Final = DERIVED_VERSIONS_TABLE
"""One row per maintainer: the version its derived tables were computed with."""
FULL_SHARE: Final = 0.5
"""The touched keys' source rows above this share of the source: rebuild whole instead of key
by key."""
_SIZE_CHECK_KEYS: Final = 1_000  # fewer keys are refreshed without counting their rows
_CACHING: Final = frozenset({"duckdb", "postgres"})  # backends where Ibis's cache is a temp table
_DELETE_CHUNK: Final = 10_000  # bound parameters per DELETE on backends without Arrow scans

log = logging.getLogger("cxpulse.store")

Keep = Callable[["Table"], "Table"]
"""Computes an intermediate result once for the rest of a build (a temporary table)."""
Build = Callable[[Mapping[str, "Table"], Keep], Iterator[tuple[str, "Table"]]]
"""From the source tables (by name, restricted to some keys or whole) and a ``keep`` for an
intermediate result several derived tables share, the derived rows: pairs of (derived table,
Ibis expression of its rows)."""
Recompute = Callable[
    [Mapping[str, "Table"], Mapping[str, "Table"], "Table", Keep],
    tuple["Table", Iterator[tuple[str, "Table"]]],
]
"""From the source tables and the derived tables (by name, whole), the touched keys (the key
column and ``since``: the earliest source time a write touched, null for every row of the key)
and a ``keep``: the kept bounds (the key and the :attr:`Since.cut` column: each key's derived
rows from this value on are replaced) and the derived rows from the bounds on, as for
:data:`Build`. The bounds must be kept: the old rows are deleted after they are computed."""


@dataclass(frozen=True)
class Since:
    """How a maintainer recomputes only the rows a write can change: those of each touched key
    from its earliest touched time on (a late event leaves the rows before it alone)."""

    column: str
    """The source column whose earliest value among the written rows is noted per key."""
    cut: str
    """A column of every derived table: a key's rows with this column at or above its bound
    are replaced."""
    recompute: Recompute


@dataclass(frozen=True)
class Maintainer:
    """How one group of derived tables is computed from its source tables."""

    name: str
    """Its identity in :data:`VERSIONS_TABLE`, e.g. ``"sessions"``."""
    sources: tuple[str, ...]
    """The tables it is computed from; each has the ``key`` column."""
    key: str
    """The column its rows are computed per: the derived rows of a key depend only on the
    source rows of that key."""
    tables: tuple[str, ...]
    """The derived tables it writes; each has the ``key`` column."""
    version: Callable[[], str]
    """The version of its rows now (code and the settings they depend on)."""
    build: Build
    order: Mapping[str, str] = field(default_factory=dict)
    """Derived table -> column its rows are sorted by on a full rebuild (so DuckDB's zone maps
    skip the row groups outside a time range)."""
    since: Since | None = None
    """Set: a key's rows are refreshed from the earliest touched time on, not all of them."""


_ALL: Final = "all"


@dataclass
class Derived:
    """The maintainers registered on one store, and the changes of its open transaction."""

    maintainers: list[Maintainer] = field(default_factory=list)
    _keys: dict[str, set[Any] | str] = field(default_factory=dict)  # maintainer -> keys | _ALL
    _written: set[str] = field(default_factory=set)  # tables written in the transaction
    # maintainer with a Since -> key -> earliest touched time (None: every row of the key)
    _since: dict[str, dict[Any, Any]] = field(default_factory=dict)
    # maintainer -> its sources, as stored in VERSIONS_TABLE (read once per store)
    _listed: dict[str, set[str]] | None = None

    def register(self, maintainer: Maintainer) -> None:
        """Keep ``maintainer``'s tables up to date from now on (replacing one of its name)."""
        self.maintainers = [m for m in self.maintainers if m.name != maintainer.name]
        self.maintainers.append(maintainer)

    def of(self, table: str) -> list[Maintainer]:
        """The maintainers computed from ``table``."""
        return [m for m in self.maintainers if table in m.sources]

    # -- noting changes (by the writes, inside a transaction) ----------------------------
    def watched(self, store: Store, table: str) -> bool:
        """Whether a write to ``table`` concerns a derived table (kept here, or kept by a
        maintainer this store does not have: then the write makes it stale)."""
        if self.of(table):
            return True
        if self._listed is None:
            self._listed = _listed(store)
        return any(table in sources for sources in self._listed.values())

    def wants(self, table: str) -> list[Maintainer]:
        """The maintainers of ``table`` that still need the keys of a write (not those that
        will rebuild whole anyway); marks the table written."""
        self._written.add(table)
        return [m for m in self.of(table) if self._keys.get(m.name) != _ALL]

    def changed(
        self,
        table: str,
        keys: pa.Array | pa.ChunkedArray | None = None,
        times: pa.Array | pa.ChunkedArray | None = None,
    ) -> None:
        """Note that the rows of ``keys`` (None: any row) of ``table`` changed in the open
        transaction; ``times``, aligned with ``keys``, are the values of the maintainers'
        :attr:`Since.column` in those rows (None: every row of the keys may have changed)."""
        for m in self.wants(table):
            if keys is None:
                self._keys[m.name] = _ALL
                continue
            held = self._keys.setdefault(m.name, set())
            assert isinstance(held, set)
            held.update(pc.unique(keys).to_pylist())
            if m.since is not None:
                _note_earliest(self._since.setdefault(m.name, {}), keys, times)

    def discard(self) -> None:
        self._keys.clear()
        self._written.clear()
        self._since.clear()

    # -- applying them (at the end of the outermost transaction) -------------------------
    def flush(self, store: Store) -> None:
        """Bring the derived tables up to date with the transaction's writes (inside it)."""
        keys, written, since = dict(self._keys), set(self._written), dict(self._since)
        self.discard()
        if not written or not store.has_table(VERSIONS_TABLE):
            return
        if self._listed is None:
            self._listed = _listed(store)
        for m in self.maintainers:
            touched = keys.get(m.name)
            if touched is None:
                continue
            if isinstance(touched, set) and _is_current(store, m):
                if touched:
                    # or rebuilds, when they are most rows
                    _refresh(store, m, touched, since.get(m.name))
            else:  # every row, or stale already (a setting changed): rows of keys won't do
                _rebuild(store, m)
            self._listed[m.name] = set(m.sources)
        self._forget_unmaintained(store, written)

    def _forget_unmaintained(self, store: Store, written: set[str]) -> None:
        """A source table written where its maintainer is not registered: its derived tables
        no longer match it, so their version goes (the next Workspace rebuilds them)."""
        if self._listed is None:
            self._listed = _listed(store)
        maintained = {m.name for m in self.maintainers}
        for name, sources in list(self._listed.items()):
            if name not in maintained and written & sources:
                store.delete_where(VERSIONS_TABLE, {"name": name})
                del self._listed[name]

    def stale(self, store: Store) -> list[Maintainer]:
        """The registered maintainers whose tables are missing or of another version."""
        if not store.has_table(VERSIONS_TABLE):
            return []  # a workspace the migrations have not reached: nothing to keep
        return [m for m in self.maintainers if not _is_current(store, m)]

    def rebuild_stale(self, store: Store) -> list[str]:
        """Rebuild, in one transaction, the derived tables of every stale maintainer (an old
        workspace, a changed setting), with a one-line notice each; returns their names."""
        stale = self.stale(store)
        if not stale:
            return []
        # bounded outside the transaction too, so the limit comes back even if it fails
        with store.memory_bounded(), store.transaction():
            for m in stale:
                if not any(store.table(name).count().to_pyarrow().as_py() for name in m.sources):
                    _rebuild(store, m)  # a new workspace: nothing to tell
                    continue
                log.warning(
                    "cxpulse: rebuilding %s (%s) from %s: %s",
                    m.name,
                    ", ".join(m.tables),
                    ", ".join(m.sources),
                    "its settings changed" if stored_version(store, m.name) else "first use",
                )
                _rebuild(store, m)
        self._listed = None  # read again: the versions just written
        return [m.name for m in stale]


def stored_version(store: Store, name: str) -> str | None:
    """The version the derived tables of maintainer ``name`` hold, None when they are absent
    (an old workspace, a backend without them such as Spark over Parquet) or out of date."""
    if not store.has_table(VERSIONS_TABLE):
        return None
    t = store.table(VERSIONS_TABLE)
    found = t.filter(t.name == name).version.to_pyarrow().to_pylist()
    return str(found[0]) if found else None


def _is_current(store: Store, m: Maintainer) -> bool:
    if stored_version(store, m.name) != m.version():
        return False
    return all(store.has_table(name) for name in m.tables)


def _rebuild(store: Store, m: Maintainer) -> None:
    for name in m.tables:
        store.delete_where(name, {})  # DELETE, not TRUNCATE: transactional everywhere
    # over every source row: DuckDB's sorts and windows spill past the bound, not grow with
    # the rows (the sessions of the scale-10 demo's 100M web hits reached 20 GB unbounded)
    with store.memory_bounded(), _keeping(store) as keep:
        for name, rows in m.build({name: store.table(name) for name in m.sources}, keep):
            column = m.order.get(name)
            store.con.insert(name, rows.order_by(column) if column else rows)  # type: ignore[attr-defined]
    _record(store, m)


def _note_earliest(
    earliest: dict[Any, Any],
    keys: pa.Array | pa.ChunkedArray,
    times: pa.Array | pa.ChunkedArray | None,
) -> None:
    """Lower each key's earliest touched time in ``earliest`` to the least of ``times`` (None,
    or a null time: every row of the key)."""
    if times is None:
        earliest.update(dict.fromkeys(pc.unique(keys).to_pylist()))
        return
    least = pa.table({"k": keys, "t": times}).group_by("k").aggregate([("t", "min")])
    for key, at in zip(least["k"].to_pylist(), least["t_min"].to_pylist(), strict=True):
        if key not in earliest:
            earliest[key] = at
        elif earliest[key] is not None:
            earliest[key] = None if at is None else min(earliest[key], at)


def _refresh(
    store: Store, m: Maintainer, keys: set[Any], since: Mapping[Any, Any] | None = None
) -> None:
    """Recompute the derived rows of ``keys`` (from ``since``, each key's earliest touched time,
    when the maintainer can); when their source rows are most of the source
    (:data:`FULL_SHARE`), rebuild whole instead (one pass, no long list of keys to match)."""
    listed = pa.table({m.key: pa.array(sorted(keys, key=str))})
    wanted = ibis.memtable(listed)
    if m.since is not None and since is not None and keys.issubset(since) and _raw(store):
        if len(keys) >= _SIZE_CHECK_KEYS and _most(store, m, wanted):
            _rebuild(store, m)
        else:
            _refresh_since(store, m, m.since, keys, since)
        return
    with _keeping(store) as keep:
        sources, touched, total = {}, 0, 0
        for name in m.sources:
            t = store.table(name)
            # the keys' source rows, found once (one scan of the source) for every derived
            # table built from them
            sources[name] = keep(t.filter(t[m.key].isin(wanted[m.key])))
            if len(keys) >= _SIZE_CHECK_KEYS:
                touched += int(sources[name].count().to_pyarrow().as_py())
                total += int(t.count().to_pyarrow().as_py())
        if touched and touched >= FULL_SHARE * total:
            _rebuild(store, m)
            return
        for name in m.tables:
            _delete_keys(store, name, m.key, listed)
        for name, rows in m.build(sources, keep):
            store.con.insert(name, rows)  # type: ignore[attr-defined]
    _record(store, m)


def _raw(store: Store) -> bool:
    """Whether ``store`` is DuckDB with its connection at hand (Arrow scans in a DELETE)."""
    return store.backend == "duckdb" and hasattr(store.con, "con")


def _most(store: Store, m: Maintainer, wanted: Table) -> bool:
    """Whether the source rows of the ``wanted`` keys are most of the source."""
    touched, total = 0, 0
    for name in m.sources:
        t = store.table(name)
        touched += int(t.filter(t[m.key].isin(wanted[m.key])).count().to_pyarrow().as_py())
        total += int(t.count().to_pyarrow().as_py())
    return bool(touched) and touched >= FULL_SHARE * total


def _refresh_since(
    store: Store, m: Maintainer, since: Since, keys: set[Any], earliest: Mapping[Any, Any]
) -> None:
    """Replace each touched key's derived rows from the bound :attr:`Since.recompute` finds on
    (a late event recomputes a visitor's sessions from the one it can join, not all of them)."""
    ordered = sorted(keys, key=str)
    column = store.table(m.sources[0])[since.column]
    touched = ibis.memtable(
        pa.table(
            {
                m.key: pa.array(ordered),
                "since": pa.array([earliest[k] for k in ordered], type=column.type().to_pyarrow()),
            }
        )
    )
    with _keeping(store) as keep:
        bounds, rows = since.recompute(
            {name: store.table(name) for name in m.sources},
            {name: store.table(name) for name in m.tables},
            touched,
            keep,
        )
        cut = bounds.select(m.key, since.cut).to_pyarrow()
        for name in m.tables:
            _delete_from(store, name, m.key, since.cut, cut)
        for name, expr in rows:
            store.con.insert(name, expr)  # type: ignore[attr-defined]
    _record(store, m)


def _delete_from(store: Store, table: str, key: str, cut: str, bounds: pa.Table) -> None:
    """Delete the rows of ``table`` whose ``key`` is in ``bounds`` with ``cut`` at or above
    its bound there (DuckDB: the bounds scanned from Arrow)."""
    from cxpulse.store.writes import quote

    raw = store.con.con  # type: ignore[attr-defined]
    view = f"_cxpulse_bounds_{table}"
    raw.register(view, bounds)
    try:
        raw.execute(
            f"DELETE FROM {quote(table)} USING {quote(view)} AS b "
            f"WHERE {quote(table)}.{quote(key)} = b.{quote(key)} "
            f"AND {quote(table)}.{quote(cut)} >= b.{quote(cut)}"
        )
    finally:
        raw.unregister(view)


@contextmanager
def _keeping(store: Store) -> Iterator[Callable[[Table], Table]]:
    """A ``keep`` for one build: it computes an Ibis table once, as a temporary table of the
    backend (Ibis's cache), dropped when the build ends; where the backend keeps none, the
    expression itself."""
    kept: list[Table] = []

    def keep(rows: Table) -> Table:
        if store.backend not in _CACHING:
            return rows
        cached = rows.cache()
        kept.append(cached)
        return cached

    try:
        yield keep
    finally:
        for cached in kept:
            cached.release()


def _delete_keys(store: Store, table: str, key: str, keys: pa.Table) -> None:
    from cxpulse.store.writes import quote

    if store.backend == "duckdb" and hasattr(store.con, "con"):
        raw = store.con.con
        view = f"_cxpulse_keys_{table}"
        raw.register(view, keys)
        try:
            raw.execute(
                f"DELETE FROM {quote(table)} WHERE {quote(key)} IN "
                f"(SELECT {quote(key)} FROM {quote(view)})"
            )
        finally:
            raw.unregister(view)
        return
    values = keys.column(key).to_pylist()
    for start in range(0, len(values), _DELETE_CHUNK):
        store.delete_where(table, {key: values[start : start + _DELETE_CHUNK]})


def _record(store: Store, m: Maintainer) -> None:
    store.delete_where(VERSIONS_TABLE, {"name": m.name})
    row = {
        "name": m.name,
        "version": m.version(),
        "sources": ",".join(m.sources),
        "refreshed_at": datetime.now(UTC).replace(tzinfo=None),
    }
    schema = {
        "name": "string",
        "version": "string",
        "sources": "string",
        "refreshed_at": "timestamp",
    }
    store.insert(VERSIONS_TABLE, [row], schema=schema)


def _listed(store: Store) -> dict[str, set[str]]:
    if not store.has_table(VERSIONS_TABLE):
        return {}
    rows = store.table(VERSIONS_TABLE).select("name", "sources").to_pyarrow().to_pylist()
    return {str(r["name"]): set(str(r["sources"] or "").split(",")) for r in rows}
