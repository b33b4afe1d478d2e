"""Live sources as the workspace keeps them: add, list, get, remove, and their sync state.

A source is a name, a connector, the connector's options, the reference of its token (never
the token, see :mod:`cxpulse.sources.secrets`), a schedule and the state of its syncs.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse import redact
from cxpulse.errors import ConfigError, SourceBusyError, UnknownSourceError
from cxpulse.schema import SOURCE_SCHEMAS, SOURCES_TABLE
from cxpulse.sources import secrets
from cxpulse.store.keyed import rows_where_in

if TYPE_CHECKING:
    from cxpulse.context import Context

DEFAULT_SCHEDULE_MINUTES = 60
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


@dataclass(frozen=True)
class Source:
    name: str
    connector: str
    options: dict[str, str]
    secret: str
    schedule_minutes: int
    cursor: dict[str, Any]
    added_at: datetime
    last_sync_at: datetime | None = None
    last_status: str | None = None
    rows: int = 0
    last_error: str | None = None
    last_report: dict[str, Any] | None = None

    def due(self, now: datetime) -> bool:
        """Whether the worker should sync it at ``now`` (never synced, or its period passed)."""
        if self.last_sync_at is None:
            return True
        return now >= self.last_sync_at + timedelta(minutes=self.schedule_minutes)

    def shown(self) -> dict[str, Any]:
        """What anyone may see of it: the token's reference in words, never the token, and a
        base URL with any password masked."""
        options = dict(self.options)
        if "base_url" in options:
            options["base_url"] = redact.connection(options["base_url"])
        return {
            "name": self.name,
            "connector": self.connector,
            "options": options,
            "token_from": secrets.describe(self.secret),
            "schedule_minutes": self.schedule_minutes,
            "cursor": self.cursor,
            "added_at": self.added_at,
            "last_sync_at": self.last_sync_at,
            "last_status": self.last_status,
            "rows": self.rows,
            "last_error": self.last_error,
            "last_report": self.last_report,
        }


def add_source(
    ws: Context,
    connector: str,
    name: str,
    options: dict[str, str | None],
    secret: str,
    now: datetime,
    schedule_minutes: int = DEFAULT_SCHEDULE_MINUTES,
) -> Source:
    """Store a new source (a taken name is refused: remove it first, its cursor goes too)."""
    from cxpulse.sources.connectors import CONNECTORS

    kind = ws.kinds[CONNECTORS].get(connector)
    if not _NAME.fullmatch(name):
        raise ConfigError(f"a source's name is lower-case letters, digits, - and _, not {name!r}")
    if schedule_minutes < 1:
        raise ConfigError(f"--every takes minutes, at least 1, not {schedule_minutes}")
    if any(s.name == name for s in list_sources(ws)):
        raise ConfigError(
            f"a source named {name!r} exists; `cxpulse sources remove {name}` "
            "first, or choose another name"
        )
    source = Source(name, kind.name, kind.check(options), secret, schedule_minutes, {}, now)
    if kind.streams:
        _check_httpx()  # now, not at the first sync an hour later in the worker's log
    row = {
        "name": name,
        "connector": source.connector,
        "options": json.dumps(source.options),
        "secret": secret,
        "schedule_minutes": schedule_minutes,
        "cursor": "{}",
        "added_at": now,
        "last_sync_at": None,
        "last_status": None,
        "rows": 0,
        "last_error": None,
        "last_report": None,
    }
    schema = ibis.schema(SOURCE_SCHEMAS[SOURCES_TABLE])
    with ws.store.transaction():
        ws.store.insert(SOURCES_TABLE, ibis.memtable([row], schema=schema))
    return source


INTERRUPTED = "interrupted"
"""The status a sync left as running shows once nothing runs it (it was killed: the next sync
resumes after its last page)."""

_running: set[tuple[str, str]] = set()
_running_lock = threading.Lock()


@contextmanager
def one_at_a_time(ws: Context, name: str) -> Iterator[None]:
    """Mark ``name`` as syncing in this process; SourceBusyError if it already is."""
    key = (ws.store.location, name)
    with _running_lock:
        if key in _running:
            raise SourceBusyError(
                f"source {name!r} is already syncing (the worker, or another "
                "request); its progress is in `cxpulse sources list`"
            )
        _running.add(key)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(key)


def _check_httpx() -> None:
    try:
        import httpx  # noqa: F401
    except ImportError:
        raise ConfigError(
            "a source that pulls from its vendor needs httpx: pip install 'cxpulse[sources]' "
            "(a webhook source needs nothing more)"
        ) from None


def list_sources(ws: Context) -> list[Source]:
    frame = ws.store.table(SOURCES_TABLE).order_by("name").to_pyarrow().to_pylist()
    sources = [_source(r) for r in frame]
    if ws.store.backend != "duckdb":
        return sources  # PostgreSQL workers sync from several processes: their word stands
    # a DuckDB file has one writing process: a "running" sync this process does not run was
    # killed
    with _running_lock:
        running = {name for location, name in _running if location == ws.store.location}
    return [
        replace(s, last_status=INTERRUPTED)
        if s.last_status == "running" and s.name not in running
        else s
        for s in sources
    ]


def find_source(ws: Context, name: str) -> Source | None:
    """The source ``name``, or None: one keyed read, the same whether it exists or not (a
    webhook request looks its source up on every event)."""
    found = rows_where_in(ws.store, SOURCES_TABLE, "name", [name])
    return _source(found[0]) if found else None


def get_source(ws: Context, name: str) -> Source:
    for source in list_sources(ws):
        if source.name == name:
            return source
    known = ", ".join(s.name for s in list_sources(ws)) or "none yet"
    raise UnknownSourceError(
        f"no source named {name!r} (sources: {known}); add one with "
        "`cxpulse sources add zendesk NAME ...`"
    )


def remove_source(ws: Context, name: str) -> Source:
    """Forget a source and its cursor; the rows it wrote stay in their tables."""
    source = get_source(ws, name)
    with ws.store.transaction():
        ws.store.delete_where(SOURCES_TABLE, {"name": name})
    return source


def save_state(ws: Context, name: str, **values: Any) -> None:
    """Set columns of a source's row (inside the caller's transaction, if any)."""
    for column in ("cursor", "last_report"):
        if column in values and not isinstance(values[column], str | None):
            values[column] = json.dumps(values[column], default=str)
    ws.store.update(SOURCES_TABLE, {"name": name}, values)


def _source(r: dict[str, Any]) -> Source:
    return Source(
        name=r["name"],
        connector=r["connector"],
        options=json.loads(r["options"] or "{}"),
        secret=r["secret"],
        schedule_minutes=int(r["schedule_minutes"] or DEFAULT_SCHEDULE_MINUTES),
        cursor=json.loads(r["cursor"] or "{}"),
        added_at=r["added_at"],
        last_sync_at=r["last_sync_at"],
        last_status=r["last_status"],
        rows=int(r["rows"] or 0),
        last_error=r["last_error"],
        last_report=json.loads(r["last_report"]) if r["last_report"] else None,
    )
