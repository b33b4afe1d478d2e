"""Website metrics over sessions and page views derived from web_events (docs/metrics/website.md).

Every metric here uses the engine's period hook: the hits are sessionised first, then the
periods, segments and filters apply to whole sessions (or page views). The sessions and page
views are read from the tables kept on write (:mod:`cxpulse.metrics.session_tables`) when they
are there and up to date, restricted to the range; otherwise the range's hits are sessionised
here. So ``--filter
page=/pricing`` keeps sessions that landed on /pricing instead of cutting sessions down to
their /pricing hits, and a session belongs to the period it started in.

Segments of session metrics: ``page`` (= ``landing_page``), ``exit_page``, ``referrer`` (of the
landing page view), ``known``, ``engaged``, ``visitor_id``, ``customer_id`` and any
``customer.`` column. Page-view metrics (exit rate, time on page, scroll): ``page``,
``referrer``, ``exit`` and the customer columns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pandas as pd

from cxpulse.metrics import session_tables
from cxpulse.metrics import sessions as sx
from cxpulse.metrics.spec import (
    REGISTRY,
    MetricSpec,
    PeriodContext,
    Rollup,
    Table,
    Tables,
    Variant,
)
from cxpulse.metrics.stats import Kind
from cxpulse.schema import WEB_PAGEVIEWS_TABLE, WEB_SESSIONS_TABLE

Stats = Callable[[Table, list[str]], Table]
Level = Callable[[PeriodContext], Table]

# Hits this far either side of the range are sessionised too, so a session running across the
# range's first midnight is not split in two and one started on the last day keeps its end.
_MARGIN = timedelta(days=1)
SESSION_SEGMENTS = ("page", "exit_page", "referrer", "known", "engaged")
PAGEVIEW_SEGMENTS = ("page", "referrer", "exit")


def session_gap(tables: Tables) -> float:
    """The workspace's session timeout in minutes (settings.session_gap_minutes)."""
    settings = getattr(tables, "settings", None)
    return float(getattr(settings, "session_gap_minutes", sx.GAP_MINUTES))


def _range(ctx: PeriodContext) -> tuple[Any, Any]:
    frame = ctx.frame  # a few rows: the periods asked for
    lo = pd.Timestamp(frame["_start"].min()).to_pydatetime()
    hi = pd.Timestamp(frame["_end"].max()).to_pydatetime()
    return lo, hi


def _hits(ctx: PeriodContext, lo: Any, hi: Any) -> Table:
    def build() -> Table:
        hits = ctx.tables.table("web_events")
        hits = hits.filter((hits.occurred_at >= lo - _MARGIN) & (hits.occurred_at < hi + _MARGIN))
        return sx.sessionize(hits, session_gap(ctx.tables))

    # every web metric of a report sessionises the same hits: once, inside Workspace.sharing
    shared = getattr(ctx.tables, "shared", None)
    key = ("sessionized web_events", lo, hi, session_gap(ctx.tables))
    return shared(key, build) if shared is not None else build()


def sessions_in(ctx: PeriodContext) -> Table:
    """Sessions with at least one page view that started in the range, with ``_period``,
    segments and filters applied."""
    lo, hi = _range(ctx)
    s = session_tables.kept(ctx.tables, WEB_SESSIONS_TABLE, session_gap(ctx.tables))
    if s is None:
        s = sx.session_table(_hits(ctx, lo, hi))
    s = s.filter((s.pageviews > 0) & (s.started_at >= lo) & (s.started_at < hi))
    return ctx.attach(s.mutate(_period=ctx.period_of(s.started_at)))


def pageviews_in(ctx: PeriodContext) -> Table:
    """Page views made in the range, with ``_period``, segments and filters applied."""
    lo, hi = _range(ctx)
    p = session_tables.kept(ctx.tables, WEB_PAGEVIEWS_TABLE, session_gap(ctx.tables))
    if p is None:
        p = sx.pageview_table(_hits(ctx, lo, hi))
    p = p.filter((p.viewed_at >= lo) & (p.viewed_at < hi))
    return ctx.attach(p.mutate(_period=ctx.period_of(p.viewed_at)))


# -- statistics ---------------------------------------------------------------------------
_SUMS: set[Stats] = set()
"""The statistics that are sums over the rows (each session or page view once, in one group):
grouped by several columns they roll up to any one of them (:data:`Rollup`)."""


def _share(flag: Callable[[Table], Any], where: Callable[[Table], Any] | None = None) -> Stats:
    def stats(t: Table, keys: list[str]) -> Table:
        if where is not None:
            t = t.filter(where(t))
        return t.group_by(keys).aggregate(n=t.count().cast("int64"), k=sx.count_if(flag(t)))

    _SUMS.add(stats)
    return stats


def _mean(column: str) -> Stats:
    def stats(t: Table, keys: list[str]) -> Table:
        t = t.filter(t[column].notnull())
        x = t[column].cast("float64")
        return t.group_by(keys).aggregate(n=t.count().cast("int64"), s=x.sum(), ss=(x * x).sum())

    _SUMS.add(stats)
    return stats


def _median(column: str) -> Stats:
    def stats(t: Table, keys: list[str]) -> Table:
        t = t.filter(t[column].notnull())
        return t.group_by(keys).aggregate(
            n=t.count().cast("int64"), v=t[column].quantile(0.5).cast("float64")
        )

    return stats


def _per_visitor_mean(column: str) -> Stats:
    """Mean over visitors of each visitor's total in the period (time on site)."""

    def stats(t: Table, keys: list[str]) -> Table:
        per = t.group_by([*keys, "visitor_id"]).aggregate(_x=t[column].cast("float64").sum())
        return per.group_by(keys).aggregate(
            n=per.count().cast("int64"), s=per._x.sum(), ss=(per._x * per._x).sum()
        )

    return stats


def _variant(
    name: str, definition: str, kind: Kind, level: Level, stats: Stats, multiplier: float
) -> Variant:
    def periodic(ctx: PeriodContext) -> Table:
        return stats(level(ctx), ["_period", *ctx.segments])

    # a visitor's total or a median over a finer grouping is not the coarser one's
    rolls_up: Rollup = "rows" if stats in _SUMS else None
    return Variant(
        name, definition, kind, multiplier=multiplier, periodic=periodic, rolls_up=rolls_up
    )


def _add(
    name: str,
    label: str,
    unit: str,
    variants: list[Variant],
    *,
    higher_is_better: bool = True,
    segments: tuple[str, ...] = SESSION_SEGMENTS,
) -> None:
    REGISTRY.add(
        MetricSpec(
            name=name,
            label=label,
            table="web_events",
            time_column="occurred_at",
            unit=unit,
            variants={v.name: v for v in variants},
            higher_is_better=higher_is_better,
            segments=segments,
        )
    )


ENGAGED = (
    f"engaged = longer than {sx.ENGAGED_SECONDS} s (session span or reported engagement time, "
    "whichever is larger), or a key event, or 2+ page views"
)
SESSIONS = "sessions with a page view, by the period they started in"
_DURATION = (
    "first to last hit of the session, in seconds (the last page counts 0 unless an "
    "engagement hit followed it)"
)
_ON_PAGE = (
    "seconds from a page view to the next page view of the session; on the session's last "
    "page, to its last engagement hit, and unknown (left out, not 0) without one"
)


def _scrolled(t: Table) -> Any:
    return t.max_scroll.notnull()


PV = {"segments": PAGEVIEW_SEGMENTS}
LOWER = {"higher_is_better": False}

# name, label, unit, options, variants: (variant, definition, kind, rows, statistics, multiplier)
_METRICS: list[tuple[str, str, str, dict[str, Any], list[tuple[Any, ...]]]] = [
    ("bounce_rate", "Bounce rate", "%", LOWER, [
        ("default", f"GA4: 100 x sessions not engaged / sessions ({ENGAGED}), i.e. 100 - "
         f"engagement rate; {SESSIONS}; per page: sessions landing there; Wilson interval",
         "share", sessions_in, _share(lambda t: ~t.engaged), 100.0),
        ("single_page", "Universal Analytics / Matomo: 100 x sessions with a single page view "
         "and no key event / sessions (engagement pings are not interactions); per page: only "
         "sessions that start there count; Wilson interval",
         "share", sessions_in, _share(lambda t: t.single_page), 100.0),
    ]),
    ("engagement_rate", "Engagement rate", "%", {}, [
        ("default", f"GA4: 100 x engaged sessions / sessions ({ENGAGED}); {SESSIONS}; Wilson "
         "interval", "share", sessions_in, _share(lambda t: t.engaged), 100.0),
    ]),
    ("exit_rate", "Exit rate", "%", PV | LOWER, [
        ("default", "100 x exits / page views: an exit is the last page view of its session; "
         "by page (segment page), the page's exits / the page's views; Wilson interval",
         "share", pageviews_in, _share(lambda t: t.exit), 100.0),
    ]),
    ("pages_per_session", "Pages per session", "pages", {}, [
        ("default", f"mean page views per session; {SESSIONS}; t interval",
         "mean", sessions_in, _mean("pageviews"), 1.0),
    ]),
    ("avg_session_duration", "Average session duration", "s", {}, [
        ("default", f"mean session duration: {_DURATION}; {SESSIONS}; t interval",
         "mean", sessions_in, _mean("duration_s"), 1.0),
        ("median", f"median session duration: {_DURATION}; {SESSIONS}",
         "value", sessions_in, _median("duration_s"), 1.0),
    ]),
    ("avg_time_on_page", "Average time on page", "s", PV, [
        ("default", f"mean time on page: {_ON_PAGE}; t interval",
         "mean", pageviews_in, _mean("time_on_page_s"), 1.0),
        ("median", f"median time on page: {_ON_PAGE}",
         "value", pageviews_in, _median("time_on_page_s"), 1.0),
    ]),
    ("scroll_depth", "Scroll depth", "%", PV, [
        ("default", "mean over page views of the deepest scroll % reported by the page view's "
         "hits (page views without a scroll report left out); t interval",
         "mean", pageviews_in, _mean("max_scroll"), 1.0),
    ]),
    ("deep_scroll_rate", "Deep scroll rate", "%", PV, [
        ("default", f"100 x page views scrolled to at least {sx.DEEP_SCROLL_PERCENT:g} % / page "
         "views with a scroll report; Wilson interval", "share", pageviews_in,
         _share(lambda t: t.max_scroll >= sx.DEEP_SCROLL_PERCENT, where=_scrolled), 100.0),
    ]),
    ("known_user_rate", "Known user rate", "%", {}, [
        ("default", "100 x sessions tied to a known customer (a customer_id on any hit) / "
         f"sessions; {SESSIONS}; Wilson interval",
         "share", sessions_in, _share(lambda t: t.known), 100.0),
    ]),
    ("avg_time_on_site", "Average time on site per visitor", "s", {}, [
        ("default", "mean over visitors of their total session duration in the period (a month "
         f"with --by month), in seconds; {SESSIONS}; t interval over visitors",
         "mean", sessions_in, _per_visitor_mean("duration_s"), 1.0),
    ]),
]  # fmt: skip
for _name, _label, _unit, _options, _variants in _METRICS:
    _add(_name, _label, _unit, [_variant(*v) for v in _variants], **_options)


# -- page views: plain hits, no sessions needed ------------------------------------------------
def _page_views(t: Table, _: Tables) -> Table:
    return t.filter(t.event_type == "page_view")


def _count_rows(t: Table, keys: list[str]) -> Table:
    return t.group_by(keys).aggregate(n=t.count().cast("int64"), v=t.count().cast("float64"))


REGISTRY.add(
    MetricSpec(
        name="page_views",
        label="Page views",
        table="web_events",
        time_column="occurred_at",
        unit="page views",
        segments=("page", "referrer"),
        variants={
            "default": Variant(
                "default",
                "page view hits in the period (event_type page_view); --segment page gives the "
                "views of each page",
                "value",
                _count_rows,
                _page_views,
                multiplier=1.0,
            )
        },
    )
)
