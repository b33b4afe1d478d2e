"""Migration 16: the website sessions and page views as derived tables maintained on write
(:mod:`cxpulse.store.derived`, :mod:`cxpulse.metrics.session_tables` is their maintainer). They
are created empty; the Workspace that opens the file next fills them from web_events (one
rebuild, with a notice)."""

from __future__ import annotations

from cxpulse.store.connect import Store
from cxpulse.store.migrations.base import B, F, I, Migration, S, T, create_tables

TABLES = {
    "web_sessions": {
        "visitor_id": S,
        "session_number": I,
        "started_at": T,
        "ended_at": T,
        "hits": I,
        "pageviews": I,
        "key_events": I,
        "engagement_ms": I,
        "customer_id": S,
        "landing_page": S,
        "exit_page": S,
        "referrer": S,
        "session_id": S,
        "duration_s": F,
        "known": B,
        "page": S,
        "engaged": B,
        "single_page": B,
    },
    "web_pageviews": {
        "visitor_id": S,
        "session_number": I,
        "_pv_seq": I,
        "viewed_at": T,
        "page": S,
        "referrer": S,
        "customer_id": S,
        "max_scroll": F,
        "last_hit_at": T,
        "session_id": S,
        "exit": B,
        "time_on_page_s": F,
    },
}


def apply(store: Store) -> None:
    create_tables(store, {n: c for n, c in TABLES.items() if not store.has_table(n)})


MIGRATION = Migration(16, "web sessions and page views maintained on write", apply)
