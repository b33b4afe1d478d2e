"""Tables derived from canonical ones and maintained on write (:mod:`cxpulse.store.derived`):
never imported, rebuilt whole when their version (code, settings) changes."""

from __future__ import annotations

from cxpulse.schema.columns import OperationalTable, op

DERIVED_VERSIONS_TABLE = "cxpulse_derived"
WEB_SESSIONS_TABLE = "web_sessions"
WEB_PAGEVIEWS_TABLE = "web_pageviews"

DERIVED_VERSIONS = OperationalTable(
    name=DERIVED_VERSIONS_TABLE,
    doc="One row per group of derived tables: the version its rows were computed with.",
    columns=(
        op("name", "string", "The group, e.g. sessions (web_sessions and web_pageviews)."),
        op("version", "string", "Its code version and the settings it depends on."),
        op("sources", "string", "The tables it is computed from, comma-separated."),
        op("refreshed_at", "timestamp", "When it was last rebuilt or refreshed (UTC)."),
    ),
)

_VISIT = (
    op("visitor_id", "string", "The browser (web_events.visitor_id)."),
    op("session_number", "int", "1 for the visitor's first session, 2 for the next..."),
)

WEB_SESSIONS = OperationalTable(
    name=WEB_SESSIONS_TABLE,
    doc="One row per website session, derived from web_events (a visitor's hits with no gap "
    "longer than the session_gap_minutes setting); see docs/metrics/website.md.",
    columns=(
        *_VISIT,
        op("started_at", "timestamp", "Its first hit (UTC): the period it belongs to."),
        op("ended_at", "timestamp", "Its last hit (UTC)."),
        op("hits", "int", "Hits in the session."),
        op("pageviews", "int", "Page views in the session."),
        op("key_events", "int", "Key events in the session."),
        op("engagement_ms", "int", "Engagement time reported by its hits."),
        op("customer_id", "string", "A customer seen on any of its hits, else empty."),
        op("landing_page", "string", "The first page viewed."),
        op("exit_page", "string", "The last page viewed."),
        op("referrer", "string", "The referrer of the landing page view."),
        op("session_id", "string", "visitor_id#session_number."),
        op("duration_s", "float", "First to last hit, in seconds."),
        op("known", "bool", "Tied to a known customer."),
        op("page", "string", "The landing page (the page segment of session metrics)."),
        op("engaged", "bool", "GA4's engaged session."),
        op("single_page", "bool", "One page view and no key event."),
    ),
)

WEB_PAGEVIEWS = OperationalTable(
    name=WEB_PAGEVIEWS_TABLE,
    doc="One row per page view of a website session, derived from web_events.",
    columns=(
        *_VISIT,
        op("_pv_seq", "int", "The visitor's page views up to this one (1, 2...)."),
        op("viewed_at", "timestamp", "When the page was viewed (UTC)."),
        op("page", "string", "The page."),
        op("referrer", "string", "Its referrer."),
        op("customer_id", "string", "The customer logged in at that page view, else empty."),
        op("max_scroll", "float", "The deepest scroll reported for it, in %."),
        op("last_hit_at", "timestamp", "Its last hit (UTC)."),
        op("session_id", "string", "visitor_id#session_number."),
        op("exit", "bool", "The last page view of its session."),
        op("time_on_page_s", "float", "Seconds to the next page view (see exit_rate)."),
    ),
)

DERIVED_TABLES = (DERIVED_VERSIONS, WEB_SESSIONS, WEB_PAGEVIEWS)
