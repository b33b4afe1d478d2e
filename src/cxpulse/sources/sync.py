"""Sync a source: page through each stream from its stored cursor, and write each page's rows
by natural key together with the cursor that follows it, in one transaction.

So a page read twice (a crash after the vendor answered, before the commit) duplicates
nothing, and a sync killed at any moment resumes after the last committed page. Rows go
through the import's own checks (:func:`cxpulse.ingest.validate_frame`): a row missing a
required field is skipped and listed in the report with its id, the rest of the page is
written. A connector owns the columns it maps; the other columns of a row another import
wrote (a customer's plan, from the CRM) are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse import schema
from cxpulse.errors import ConfigError, CxpulseError
from cxpulse.ingest import validate_frame
from cxpulse.ingest.load import to_arrow, upsert_rows
from cxpulse.sources import identities, secrets
from cxpulse.sources.connector import Connector, Page, Row, as_text
from cxpulse.sources.definitions import (
    Source,
    get_source,
    list_sources,
    one_at_a_time,
    save_state,
)
from cxpulse.sources.http import Http
from cxpulse.store.keyed import rows_where_in

if TYPE_CHECKING:
    from cxpulse.context import Context

Hold = Callable[[], AbstractContextManager[Any]]
MAX_SKIPPED_LISTED = 100  # ids kept in the report; the count is always whole

# the sources syncing in this process, by workspace: the server's worker and an API request
# must not page through one source at once (each would move its cursor under the other)


@dataclass
class SyncReport:
    source: str
    pages: int = 0
    new: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    skipped_rows: list[dict[str, str]] = field(default_factory=list)
    requests: int = 0
    waits: int = 0
    waited_seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.new.values()) + sum(self.updated.values())

    def summary(self) -> str:
        tables = sorted({*self.new, *self.updated})
        parts = [
            f"{t}: {self.new.get(t, 0):,} new, {self.updated.get(t, 0):,} changed" for t in tables
        ]
        parts += [f"{t}: {n:,} deleted" for t, n in sorted(self.deleted.items()) if n]
        text = f"{self.source}: {self.pages} pages; " + ("; ".join(parts) or "nothing new")
        if self.skipped:
            text += f"; {self.skipped:,} row{'s' if self.skipped > 1 else ''} skipped"
        if self.waits:
            text += f"; waited {self.waited_seconds:.0f} s for the rate limit ({self.waits}x)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "pages": self.pages,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "deleted": self.deleted,
            "skipped": self.skipped,
            "skipped_rows": self.skipped_rows,
            "requests": self.requests,
            "waits": self.waits,
            "waited_seconds": round(self.waited_seconds, 3),
        }


def sync_source(
    ws: Context,
    name: str,
    *,
    full: bool = False,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    hold: Hold = nullcontext,
    clock: Callable[[], float] = time.monotonic,
) -> SyncReport:
    """Sync the source ``name`` from its cursor (``full``: from the start, rows upserted).

    ``hold`` is the context every store access runs in (the web server's workspace lock), let
    go while the vendor answers. A failure is stored on the source (``last_error``, one line)
    and raised again."""
    with one_at_a_time(ws, name):
        say = progress or (lambda _: None)
        return _sync(ws, name, full, now or _now(), say, sleep, hold, clock)


def _sync(
    ws: Context,
    name: str,
    full: bool,
    now: datetime,
    say: Callable[[str], None],
    sleep: Callable[[float], None],
    hold: Hold,
    clock: Callable[[], float],
) -> SyncReport:
    from cxpulse.sources.connectors import CONNECTORS

    with hold():
        ws.store.check_writable()
        source = get_source(ws, name)
        kind = ws.kinds[CONNECTORS].get(source.connector)
        if not kind.streams:
            raise ConfigError(
                f"source {name!r} receives its vendor's webhooks (POST /hooks/{name}): "
                "it has nothing to sync"
            )
        save_state(ws, name, last_status="running", **({"cursor": {}} if full else {}))
    report = SyncReport(name)
    cursors = {} if full else dict(source.cursor)
    token = ""
    http: Http | None = None
    try:
        token = secrets.resolve(source.secret, name)
        http = Http(
            name,
            kind.base_url(source.options),
            kind.auth(source.options, token),
            secrets.describe(source.secret),
            headers=dict(kind.headers),
            token_help=kind.token_help,
            sleep=sleep,
            say=say,
            limits=kind.rate_limits,
            clock=clock,
        )
        connector = kind(name, source.options, http, now)
        for stream in kind.streams:
            for page in connector.pages(stream, cursors.get(stream)):
                cursors[stream] = page.cursor
                with hold():
                    _write(ws, source, kind, page, cursors, report, now)
                say(
                    f"{name}: {stream} page {report.pages} committed, {report.rows:,} rows "
                    f"written so far"
                )
    except Exception as exc:
        message = secrets.scrub(str(exc).splitlines()[0] if str(exc) else repr(exc), [token])
        with hold():
            save_state(
                ws,
                name,
                last_status="error",
                last_error=message,
                last_sync_at=now,
                last_report=report.to_dict(),
            )
        raise
    finally:
        if http is not None:
            report.requests, report.waits = http.requests, len(http.waits)
            report.waited_seconds = sum(http.waits)
            http.close()
    with hold():
        save_state(
            ws,
            name,
            last_status="ok",
            last_error=None,
            last_sync_at=now,
            last_report=report.to_dict(),
        )
    return report


def sync_due(
    ws: Context, now: datetime, *, hold: Hold = nullcontext
) -> tuple[list[SyncReport], list[str]]:
    """Sync every source whose schedule is due at ``now`` (the worker's phase): the reports,
    and one line per source that failed (the others still sync)."""
    from cxpulse.sources.connectors import CONNECTORS

    kinds = ws.kinds[CONNECTORS]
    with hold():
        # a source with nothing to pull (webhooks only) is never due
        due = [s.name for s in list_sources(ws) if s.due(now) and kinds.get(s.connector).streams]
    reports, errors = [], []
    for name in due:
        try:
            reports.append(sync_source(ws, name, now=now, hold=hold))
        except CxpulseError as exc:
            errors.append(f"source {name}: {exc}")
    return reports, errors


def write_page(
    ws: Context, source: Source, page: Page, report: SyncReport, now: datetime | None = None
) -> None:
    """Write one page of rows as a sync does (the import's checks, upserts by natural key, the
    vendor's people resolved to the workspace's customers), its source's cursor unchanged: a
    webhook's rows. ``now``: naive UTC (default: the clock)."""
    from cxpulse.sources.connectors import CONNECTORS

    kind = ws.kinds[CONNECTORS].get(source.connector)
    _write(ws, source, kind, page, dict(source.cursor), report, now or _now())


def _write(
    ws: Context,
    source: Source,
    kind: type[Connector],
    page: Page,
    cursors: dict[str, Any],
    report: SyncReport,
    now: datetime,
) -> None:
    """Resolve the page's people, check its rows, then write them, the people's identities,
    its deletions and the cursor in one transaction."""
    # every row says which source wrote it (a connector that forgets, the rows a webhook
    # maps): a person's rows move with them by it (identities), and a reader can tell
    page = replace(
        page,
        rows={
            table: [r if r.get("source") else {**r, "source": source.name} for r in rows]
            for table, rows in page.rows.items()
        },
    )
    vendor = identities.vendor_of(source, kind)
    resolved = identities.resolve(ws, vendor, page, now) if vendor else identities.Resolved(page)
    page = resolved.page
    checked = []
    for table, rows in page.rows.items():
        tab = schema.table(table)
        frame = _frame(ws, tab, rows)
        if frame.empty:
            continue
        kept, problems = validate_frame(
            frame,
            tab,
            ws.settings,
            file_label=f"{source.name} {table}",
            lines=list(range(1, len(frame) + 1)),
            line_word="row",
        )
        for line in sorted({p.line for p in problems}):
            report.skipped += 1
            if len(report.skipped_rows) < MAX_SKIPPED_LISTED:
                first = next(p for p in problems if p.line == line)
                key = frame[tab.key].iloc[line - 1]
                report.skipped_rows.append(
                    {
                        "table": table,
                        "id": "(none)" if pd.isna(key) else str(key),
                        "reason": f"{first.column}: {first.rule}",
                    }
                )
        checked.append((tab, to_arrow(kept, tab)))
    with ws.store.transaction():
        identities.remember(ws, resolved)
        for tab, rows in checked:
            written = upsert_rows(ws.store, tab, rows, lambda _: None)
            report.new[tab.name] = report.new.get(tab.name, 0) + written.new
            report.updated[tab.name] = report.updated.get(tab.name, 0) + written.updated
        for table, keys in page.deleted.items():
            tab = schema.table(table)
            gone = ws.store.delete_where(table, {tab.key: sorted(set(keys))})
            report.deleted[table] = report.deleted.get(table, 0) + gone
        report.pages += 1
        total = source.rows + report.rows
        save_state(ws, source.name, cursor=cursors, rows=total)


def _frame(ws: Context, table: schema.Table, rows: list[Row]) -> pd.DataFrame:
    """The page's rows of one table as text, one per key (the last wins: a sideload may list a
    user twice), with the columns the connector does not map taken from the stored rows."""
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame.from_records(rows).astype(object)  # text or None, read as an import
    keyed = frame[table.key].notna()
    frame = pd.concat([frame[keyed].drop_duplicates(table.key, keep="last"), frame[~keyed]])
    others = [c for c in table.names if c not in frame.columns]
    keys = [str(k) for k in frame[table.key].dropna()]
    if others and keys:
        stored = rows_where_in(ws.store, table.name, table.key, keys, [table.key, *others])
        by_key = {str(r[table.key]): r for r in stored}
        for column in others:
            frame[column] = [as_text(by_key.get(str(k), {}).get(column)) for k in frame[table.key]]
    result: pd.DataFrame = frame.reset_index(drop=True)
    return result


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
