"""The sessions and page views of the web hits as derived tables, maintained on write.

:func:`maintainer` keeps ``web_sessions`` and ``web_pageviews`` equal to :func:`~cxpulse.
metrics.sessions.session_table` and :func:`~cxpulse.metrics.sessions.pageview_table` over all
of ``web_events`` (the same functions: one definition), per visitor. A write recomputes the
sessions of the visitors it touched from the first one it can change on: a hit at ``t`` leaves
alone the sessions that ended before ``t - gap`` (it starts a new session after them), and
the later ones are numbered after them (a late hit can merge two sessions or renumber the later
ones). An update or a delete recomputes every session of its visitors. The website metrics
and the customer timeline read them through :func:`kept` and fall back to sessionising the
raw hits where they are absent or out of date (Spark over Parquet, a read-only workspace whose
settings changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import ibis

from cxpulse.metrics import sessions as sx
from cxpulse.metrics.spec import Table
from cxpulse.schema import WEB_PAGEVIEWS_TABLE, WEB_SESSIONS_TABLE
from cxpulse.store import Store
from cxpulse.store.derived import Keep, Maintainer, Since, stored_version

NAME = "sessions"
CODE_VERSION = 1
"""Raise it when :mod:`cxpulse.metrics.sessions` changes what it computes: every workspace
then rebuilds its sessions once."""


def version(gap_minutes: float) -> str:
    """The version of the derived rows: the code's and the session gap they were cut with."""
    return f"v{CODE_VERSION} gap={gap_minutes:g}"


def maintainer(gap_minutes: Callable[[], float]) -> Maintainer:
    """The maintainer of the sessions tables; ``gap_minutes`` reads the setting when asked
    (it changes with the workspace's settings)."""

    def build(sources: Mapping[str, Table], keep: Keep) -> Iterator[tuple[str, Table]]:
        # sessionised once for both tables: the two window passes are most of the work
        hits = keep(sx.sessionize(sources["web_events"], gap_minutes()))
        yield WEB_SESSIONS_TABLE, sx.session_table(hits)
        yield WEB_PAGEVIEWS_TABLE, sx.pageview_table(hits)

    def recompute(
        sources: Mapping[str, Table], derived: Mapping[str, Table], touched: Table, keep: Keep
    ) -> tuple[Table, Iterator[tuple[str, Table]]]:
        bounds = keep(_bounds(derived[WEB_SESSIONS_TABLE], touched, gap_minutes()))
        return bounds, _rows_after(sources["web_events"], bounds, gap_minutes(), keep)

    return Maintainer(
        name=NAME,
        sources=("web_events",),
        key="visitor_id",
        tables=(WEB_SESSIONS_TABLE, WEB_PAGEVIEWS_TABLE),
        version=lambda: version(gap_minutes()),
        build=build,
        order={WEB_SESSIONS_TABLE: "started_at", WEB_PAGEVIEWS_TABLE: "viewed_at"},
        since=Since(column="occurred_at", cut="session_number", recompute=recompute),
    )


def _bounds(sessions: Table, touched: Table, gap_minutes: float) -> Table:
    """Per touched visitor (``visitor_id``, ``since``): the first ``session_number`` to
    recompute, the sessions and page views before it, and the end of the last session kept
    (``_until``, null when none is kept). Sessions never overlap and are numbered in time, so
    those that ended more than the gap before ``since`` are the first ones. The visitor's last
    session is always recomputed: hits without a time sort last, so they belong to it and join
    whichever session comes last after the write."""
    gap = ibis.interval(seconds=round(gap_minutes * 60))
    s = sessions.select("visitor_id", "session_number", "ended_at", "pageviews")
    t = touched.rename(_visitor="visitor_id")
    s = s.join(t, s.visitor_id == t._visitor)
    s = s.mutate(_last=s.session_number.max().over(group_by=s.visitor_id))
    kept = s.filter(s.since.notnull() & (s.ended_at + gap < s.since) & (s.session_number < s._last))
    before = kept.group_by("visitor_id").aggregate(
        _sessions_before=kept.session_number.max().cast("int64"),
        _pageviews_before=kept.pageviews.sum().cast("int64"),
        _until=kept.ended_at.max(),
    )
    b = t.left_join(before, t._visitor == before.visitor_id)
    n = b._sessions_before.coalesce(0)
    return b.select(
        visitor_id=b._visitor,
        session_number=n + 1,
        _sessions_before=n,
        _pageviews_before=b._pageviews_before.coalesce(0),
        _until=b._until,
    )


def _rows_after(
    web_events: Table, bounds: Table, gap_minutes: float, keep: Keep
) -> Iterator[tuple[str, Table]]:
    """The sessions and page views of each visitor of ``bounds`` from its first session to
    recompute on: its hits after the last kept session, numbered after the kept ones."""
    b = bounds.rename(_visitor="visitor_id")
    e = web_events
    later = e.join(b, e.visitor_id == b._visitor).filter(
        b._until.isnull() | e.occurred_at.isnull() | (e.occurred_at > b._until)
    )
    later = later.drop("_visitor", "session_number", "_until")
    hits = sx.sessionize(later, gap_minutes)
    hits = keep(sx.continued(hits, hits._sessions_before, hits._pageviews_before))
    yield WEB_SESSIONS_TABLE, sx.session_table(hits)
    yield WEB_PAGEVIEWS_TABLE, sx.pageview_table(hits)


def kept(tables: Any, name: str, gap_minutes: float) -> Table | None:
    """The derived table ``name`` of ``tables`` (a Context) when it is there and was computed
    with ``gap_minutes``; None otherwise (read the raw hits)."""
    store = getattr(tables, "store", None)
    if not isinstance(store, Store):
        return None
    if stored_version(store, NAME) != version(gap_minutes):
        return None
    return store.table(name)
