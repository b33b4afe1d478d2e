"""Sessions and page views derived from web hits, as portable Ibis window expressions.

A session is a visitor's run of hits with no gap longer than ``gap_minutes`` (30 by default,
as in Google Analytics and Matomo). Midnight does not start a new session: a session belongs
to the period in which it started. Hits of one visitor are ordered by time, then by
``event_id``, so ties are broken the same way on every backend and on every run.

Three levels, each an Ibis table built from the one before:

- :func:`sessionize`: every hit with its ``session_number`` (1, 2... per visitor) and
  ``session_id``, plus ``_pv_seq``, the number of page views the visitor had made up to and
  including this hit (so an engagement hit belongs to the page view with the same number).
- :func:`session_table`: one row per session: start, end, page views, engaged flag, landing and
  exit page, known user.
- :func:`pageview_table`: one row per page view: its deepest scroll, the time spent on it,
  whether the session ended there (an exit).

Two window passes over the hits (lag, then a running sum of "new session" flags) are all the
sessionisation costs; everything else is a GROUP BY.
"""

from __future__ import annotations

import ibis

from cxpulse.metrics.portable import seconds_between
from cxpulse.metrics.spec import Table

GAP_MINUTES = 30
"""Minutes without a hit that end a session (the GA4 and Matomo default)."""
ENGAGED_SECONDS = 10
"""GA4: a session is engaged when it lasts longer than this, has a key event or 2+ page views."""
DEEP_SCROLL_PERCENT = 80.0

PAGE_VIEW, ENGAGEMENT, KEY_EVENT = "page_view", "engagement", "key_event"


def count_if(cond: Table) -> Table:
    # ifelse + sum casts portably (Spark would otherwise sum booleans as decimals)
    return cond.ifelse(1, 0).sum().cast("int64")


def _running_count(cond: Table, window: object) -> Table:
    return cond.ifelse(1, 0).sum().over(window).cast("int64")


def _seconds_between(later: Table, earlier: Table) -> Table:
    """Seconds from ``earlier`` to ``later`` as float64 (microsecond precision, portably)."""
    return seconds_between(later, earlier)


def sessionize(web_events: Table, gap_minutes: float = GAP_MINUTES) -> Table:
    """Every hit of ``web_events`` with its session.

    Adds ``session_number`` (1 for a visitor's first session), ``session_id``
    (``visitor_id#number``) and ``_pv_seq`` (page views of the visitor so far, this hit
    included). A hit more than ``gap_minutes`` after the visitor's previous hit starts a new
    session; exactly ``gap_minutes`` later does not.
    """
    t = web_events
    order = [t.occurred_at, t.event_id]
    # lag and the page-view counter share one partitioning and ordering: one sort.
    running = ibis.cumulative_window(group_by=t.visitor_id, order_by=order)
    t = t.mutate(
        _prev_at=t.occurred_at.lag().over(ibis.window(group_by=t.visitor_id, order_by=order)),
        _pv_seq=_running_count(t.event_type == PAGE_VIEW, running),
    )
    gap = ibis.interval(seconds=round(gap_minutes * 60))
    starts = t._prev_at.isnull() | (t.occurred_at > t._prev_at + gap)
    running = ibis.cumulative_window(group_by=t.visitor_id, order_by=[t.occurred_at, t.event_id])
    t = t.mutate(session_number=starts.ifelse(1, 0).sum().over(running).cast("int64"))
    return t.mutate(session_id=_session_id(t)).drop("_prev_at")


def continued(hits: Table, sessions_before: Table, pageviews_before: Table) -> Table:
    """:func:`sessionize`'s output for a visitor's later hits only (those after the end of some
    earlier session), numbered as over all of them: after the ``sessions_before`` earlier
    sessions and the ``pageviews_before`` earlier page views (columns of ``hits``)."""
    t = hits.mutate(
        session_number=hits.session_number + sessions_before,
        _pv_seq=hits._pv_seq + pageviews_before,
    )
    return t.mutate(session_id=_session_id(t))


def _session_id(t: Table) -> Table:
    return t.visitor_id.concat("#", t.session_number.cast("string"))


def session_table(hits: Table) -> Table:
    """One row per session from :func:`sessionize`'s output.

    Columns: ``visitor_id``, ``session_number``, ``session_id``, ``started_at``,
    ``ended_at``, ``duration_s`` (first to last hit: the last page counts 0 unless an
    engagement hit followed it), ``hits``, ``pageviews``, ``key_events``, ``engagement_ms``,
    ``customer_id`` (a customer seen on any hit, else null), ``known``, ``page`` and
    ``landing_page`` (first page viewed), ``exit_page`` (last page viewed), ``referrer`` (of
    the landing page view), ``engaged`` (GA4) and ``single_page`` (one page view, no key
    event). A session of engagement hits only (a ping after a long idle time) has
    ``pageviews`` 0 and no landing page; the metrics leave such sessions out.
    """
    t = hits
    pv = t.event_type == PAGE_VIEW
    s = t.group_by(["visitor_id", "session_number"]).aggregate(
        started_at=t.occurred_at.min(),
        ended_at=t.occurred_at.max(),
        hits=t.count().cast("int64"),
        pageviews=count_if(pv),
        key_events=count_if(t.event_type == KEY_EVENT),
        engagement_ms=t.engagement_ms.sum().cast("int64"),
        customer_id=t.customer_id.max(),
        landing_page=t.page.argmin(t._pv_seq, where=pv),
        exit_page=t.page.argmax(t._pv_seq, where=pv),
        referrer=t.referrer.argmin(t._pv_seq, where=pv),
    )
    duration = _seconds_between(s.ended_at, s.started_at)
    # "Longer than 10 s": the session's span or its reported engagement time, whichever is
    # larger, so a one-page visit read for a minute (one engagement ping) counts as engaged.
    engaged_time = ibis.greatest(duration, ibis.coalesce(s.engagement_ms, 0).cast("float64") / 1e3)
    return s.mutate(
        session_id=_session_id(s),  # built per session, not per hit: 7 times fewer strings
        duration_s=duration,
        known=s.customer_id.notnull(),
        page=s.landing_page,
        engaged=(engaged_time > ENGAGED_SECONDS) | (s.key_events > 0) | (s.pageviews >= 2),
        single_page=(s.pageviews == 1) & (s.key_events == 0),
    )


def pageview_table(hits: Table) -> Table:
    """One row per page view from :func:`sessionize`'s output.

    Columns: ``visitor_id``, ``session_number``, ``session_id``, ``viewed_at``, ``page``,
    ``referrer``, ``customer_id`` (logged in at that page view), ``max_scroll`` (deepest
    scroll reported by the page view's hits, null if none), ``last_hit_at`` (its last hit),
    ``exit`` (no later page view in the session) and ``time_on_page_s``: until the next page
    view of the session; for the session's last page view, until its last engagement hit, and
    null (unknown, not 0) when it has none.
    """
    t = hits.filter(hits._pv_seq > 0)  # hits before a visitor's first page view have none
    pv = t.event_type == PAGE_VIEW
    g = t.group_by(["visitor_id", "session_number", "_pv_seq"]).aggregate(
        viewed_at=t.occurred_at.min(where=pv),
        page=t.page.min(where=pv),
        referrer=t.referrer.min(where=pv),
        customer_id=t.customer_id.max(),
        max_scroll=t.scroll_percent.max(),
        last_hit_at=t.occurred_at.max(),
        _views=count_if(pv),
    )
    # An engagement hit after the session timed out has the page-view number of the previous
    # session's page but no page view of its own in this session: not a page view.
    g = g.filter(g._views > 0).drop("_views")
    following = ibis.window(group_by=g.visitor_id, order_by=g._pv_seq)
    g = g.mutate(
        _next_at=g.viewed_at.lead().over(following),
        _next_session=g.session_number.lead().over(following),
    )
    is_exit = g._next_session.isnull() | (g._next_session != g.session_number)
    to_last_hit = _seconds_between(g.last_hit_at, g.viewed_at)
    time_on_page = is_exit.ifelse(
        ibis.ifelse(to_last_hit > 0, to_last_hit, ibis.null("float64")),
        _seconds_between(g._next_at, g.viewed_at),
    )
    return g.mutate(session_id=_session_id(g), exit=is_exit, time_on_page_s=time_on_page).drop(
        "_next_at", "_next_session"
    )
