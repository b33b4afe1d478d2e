"""The sessions and page views of the web hits as derived tables, maintained on write.

:func:`maintainer` keeps ``web_sessions`` and ``web_pageviews`` equal to :func:`~cxpulse.
metrics.sessions.session_table` and :func:`~cxpulse.metrics.sessions.pageview_table` over all
of ``web_events`` (the same functions: one definition), per visitor: a write recomputes every
session of the visitors it touched (a late hit can merge two sessions or renumber the later
ones). The website metrics and the customer timeline read them through :func:`kept` and fall
back to sessionising the raw hits where they are absent or out of date (Spark over Parquet,
a read-only workspace whose settings changed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cxpulse.metrics import sessions as sx
from cxpulse.metrics.spec import Table
from cxpulse.schema import WEB_PAGEVIEWS_TABLE, WEB_SESSIONS_TABLE
from cxpulse.store import Store
from cxpulse.store.derived import Keep, Maintainer, stored_version

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

    return Maintainer(
        name=NAME,
        sources=("web_events",),
        key="visitor_id",
        tables=(WEB_SESSIONS_TABLE, WEB_PAGEVIEWS_TABLE),
        version=lambda: version(gap_minutes()),
        build=build,
        order={WEB_SESSIONS_TABLE: "started_at", WEB_PAGEVIEWS_TABLE: "viewed_at"},
    )


def kept(tables: Any, name: str, gap_minutes: float) -> Table | None:
    """The derived table ``name`` of ``tables`` (a Context) when it is there and was computed
    with ``gap_minutes``; None otherwise (read the raw hits)."""
    store = getattr(tables, "store", None)
    if not isinstance(store, Store):
        return None
    if stored_version(store, NAME) != version(gap_minutes):
        return None
    return store.table(name)
