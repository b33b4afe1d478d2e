"""Website hits: sessions of page views with engagement pings and purchase key events.

Visitors are customers' browsers (logged in for most of their sessions once they have an
account) and anonymous visitors. Each session walks the sitemap Markov chain; within a session
no two hits are more than ~25 minutes apart, and the sessions of one visitor are at least 31
minutes apart, so deriving sessions with the usual 30-minute rule gives back exactly the
generated ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cxpulse.demo import sitemap as sm
from cxpulse.demo.arrow import build, numbered, take, timestamps, width_for
from cxpulse.demo.calendar import (
    DAY,
    F64,
    I64,
    MINUTE,
    SECOND,
    WEB_HOURS,
    WEB_MONTHS,
    WEB_WEEKDAYS,
    Window,
    day_weights,
    sample_times,
    snap_to_hours,
)
from cxpulse.demo.customers import Customers
from cxpulse.demo.spec import DemoSpec

EVENT_TYPES = ("page_view", "engagement", "key_event")
PAGE_VIEW, ENGAGEMENT, KEY_EVENT = 0, 1, 2
EVENTS_PER_SESSION = 7.45  # measured mean of the chain below, sizes the session count
_CUSTOMER_SHARE = 0.35  # of sessions, from customers' browsers
_LOGGED_IN = 0.7
_MAX_STEPS = 60
_MAX_DWELL_S = 1500.0
_SESSION_GAP = 31 * MINUTE


@dataclass
class Sessions:
    visitor: I64
    customer: I64  # -1 when not logged in
    start: I64

    @property
    def n(self) -> int:
        return len(self.visitor)


@dataclass
class Hits:
    session: I64
    offset: I64  # microseconds after the session start
    kind: I64
    path: I64
    referrer: I64  # into referrer_labels(), -1 = none
    engagement_ms: I64  # -1 = none
    scroll: F64  # NaN = none


def make_web(
    rng: np.random.Generator,
    spec: DemoSpec,
    cust: Customers,
    lo: I64,
    hi: I64,
    window: Window,
) -> tuple[Sessions, Hits, int]:
    """Sessions and their hits; also returns the number of visitors."""
    n_sessions = round(spec.web_events / EVENTS_PER_SESSION)
    sessions, n_visitors = _sessions(rng, cust, lo, hi, window, n_sessions)
    hits, duration = _walk(rng, sessions)
    sessions.start = _space_sessions(sessions, duration)
    return sessions, hits, n_visitors


def _sessions(
    rng: np.random.Generator,
    cust: Customers,
    lo: I64,
    hi: I64,
    window: Window,
    n_sessions: int,
) -> tuple[Sessions, int]:
    # Customers browse while they are customers (and a little before and after).
    span_lo = np.maximum(lo - 20 * DAY, window.start_us)
    span_hi = np.minimum(hi + 20 * DAY, window.end_us)
    months = np.maximum(span_hi - span_lo, 0) / (30.44 * DAY)
    activity = rng.gamma(1.0, 1.0, cust.n) * months
    lam = _CUSTOMER_SHARE * n_sessions * activity / max(float(activity.sum()), 1e-9)
    who = np.repeat(np.arange(cust.n), rng.poisson(lam)).astype(np.int64)
    t = span_lo[who] + (rng.random(len(who)) * (span_hi - span_lo)[who]).astype(np.int64)
    t = snap_to_hours(rng, t, WEB_HOURS)
    devices = 1 + (rng.random(cust.n) < 0.3)  # phone and laptop
    first_device = np.concatenate([[0], np.cumsum(devices)[:-1]])
    c_visitor = first_device[who] + (rng.random(len(who)) * devices[who]).astype(np.int64)
    logged_in = (t >= cust.created[who]) & (rng.random(len(who)) < _LOGGED_IN)
    c_customer = np.where(logged_in, who, -1)
    n_customer_visitors = int(devices.sum())

    # Anonymous visitors: most come once, some return within a few weeks.
    n_anon = n_sessions - len(who)
    per_visitor = np.minimum(rng.geometric(0.6, size=max(round(n_anon / 1.6), 1)), 30)
    per_visitor = per_visitor[: np.searchsorted(np.cumsum(per_visitor), n_anon) + 1]
    a_visitor = np.repeat(np.arange(len(per_visitor)), per_visitor)
    days = day_weights(window, growth=1.2, months=WEB_MONTHS, weekdays=WEB_WEEKDAYS)
    first_visit = sample_times(rng, len(per_visitor), window, days, WEB_HOURS)
    gaps = (rng.exponential(12.0, len(a_visitor)) * DAY).astype(np.int64)
    first_of_visitor = np.r_[True, a_visitor[1:] != a_visitor[:-1]]
    gaps[first_of_visitor] = 0
    since_first = _grouped_cumsum(gaps, first_of_visitor)
    a_t = snap_to_hours(rng, first_visit[a_visitor] + since_first, WEB_HOURS)

    visitor = np.concatenate([c_visitor, n_customer_visitors + a_visitor]).astype(np.int64)
    customer = np.concatenate([c_customer, np.full(len(a_visitor), -1)]).astype(np.int64)
    start = np.concatenate([t, a_t]).astype(np.int64)
    keep = (start >= window.start_us) & (start < window.end_us)
    sessions = Sessions(visitor[keep], customer[keep], start[keep])
    return sessions, n_customer_visitors + len(per_visitor)


def _grouped_cumsum(values: I64, group_start: Any) -> I64:
    """Inclusive cumulative sum restarting where ``group_start`` is True (rows grouped)."""
    total = np.cumsum(values)
    before = total - values
    start_index = np.maximum.accumulate(np.where(group_start, np.arange(len(values)), 0))
    return np.asarray(total - before[start_index], dtype=np.int64)


def _walk(rng: np.random.Generator, sessions: Sessions) -> tuple[Hits, I64]:
    """Page views by walking the chain, then their timing and engagement hits. Returns the
    hits and each session's duration (start to last hit)."""
    cum = sm.cumulative_transitions()
    logged = sessions.customer >= 0
    state = np.where(
        logged,
        rng.choice(len(sm.STATES), size=sessions.n, p=sm.landing(sm.LANDING_LOGGED_IN)),
        rng.choice(len(sm.STATES), size=sessions.n, p=sm.landing(sm.LANDING_ANONYMOUS)),
    )
    alive = np.arange(sessions.n, dtype=np.int64)
    pv_session: list[I64] = []
    pv_state: list[I64] = []
    pv_step: list[I64] = []
    for step in range(_MAX_STEPS):
        pv_session.append(alive)
        pv_state.append(state)
        pv_step.append(np.full(len(alive), step, dtype=np.int64))
        nxt = (rng.random(len(alive))[:, None] > cum[state]).sum(axis=1)
        stay = nxt != sm.EXIT
        alive, state = alive[stay], nxt[stay]
        if not len(alive):
            break
    session = np.concatenate(pv_session)
    order = np.lexsort((np.concatenate(pv_step), session))
    session = session[order]
    st = np.concatenate(pv_state)[order]
    n = len(session)

    # A page within its type, popular pages first.
    weights = sm.path_weights()
    path = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    for s_idx, (start, count) in enumerate(zip(sm.PATH_START, sm.PATH_COUNT, strict=True)):
        of_type = np.flatnonzero(st == s_idx)
        cum_w = np.cumsum(weights[start : start + count])
        path[of_type] = start + np.minimum(np.searchsorted(cum_w, u[of_type]), count - 1)

    first = np.r_[True, session[1:] != session[:-1]]
    last = np.r_[session[1:] != session[:-1], True]
    medians = np.array([sm.DWELL_SECONDS[s] for s in sm.STATES], dtype=np.float64)
    dwell_s = np.clip(rng.lognormal(np.log(medians[st]), 0.9), 2.0, _MAX_DWELL_S)
    dwell = (dwell_s * SECOND).astype(np.int64)
    step_len = dwell + rng.integers(SECOND // 2, 3 * SECOND, n)  # click to next page load
    offset = _grouped_cumsum(step_len, first) - step_len

    # The referrer of a page view: the previous page, or an external site for the landing page.
    n_ext = len(sm.EXTERNAL_REFERRERS)
    ext_w = np.array(list(sm.EXTERNAL_REFERRERS.values()), dtype=np.float64)
    external = rng.choice(n_ext, size=n, p=ext_w / ext_w.sum())
    direct = list(sm.EXTERNAL_REFERRERS).index(None)
    previous = np.r_[0, path[:-1]] + n_ext
    referrer = np.where(first, np.where(external == direct, -1, external), previous)

    # Engagement pings: on leaving a page (always sent on navigation, often lost on the last
    # page), plus a scroll ping half-way down long pages. engagement_ms adds up per page view.
    depth = np.array([sm.SCROLL_DEPTH[s] for s in sm.STATES])[st]
    scroll = np.round(rng.beta(depth * 4, (1 - depth) * 4) * 100, 1)
    engaged_ms = (dwell_s * rng.uniform(0.55, 1.0, n) * 1000).astype(np.int64)
    has_mid = (dwell_s > 20) & (rng.random(n) < 0.3)
    mid_at = (dwell * rng.uniform(0.25, 0.75, n)).astype(np.int64)
    mid_ms = np.minimum((mid_at / 1000 * rng.uniform(0.6, 1.0, n)).astype(np.int64), engaged_ms)
    has_end = rng.random(n) < np.where(last, 0.55, 0.92)
    end_ms = engaged_ms - np.where(has_mid, mid_ms, 0)
    key = st == sm.S["confirmation"]

    # Four kinds of hit, each a subset of the page views: the page view itself, the mid-page
    # scroll ping, the ping on leaving, and the purchase key event.
    rows: list[I64] = [
        np.arange(n, dtype=np.int64),
        np.flatnonzero(has_mid),
        np.flatnonzero(has_end),
        np.flatnonzero(key),
    ]
    at = [offset, offset + mid_at, offset + dwell, offset + 3 * SECOND // 2]
    kinds = [PAGE_VIEW, ENGAGEMENT, ENGAGEMENT, KEY_EVENT]
    ms = [None, mid_ms, end_ms, None]
    pct = [None, np.round(scroll * rng.uniform(0.3, 0.8, n), 1), scroll, None]
    hits = Hits(
        session=np.concatenate([session[r] for r in rows]),
        offset=np.concatenate([a[r] for a, r in zip(at, rows, strict=True)]),
        kind=np.repeat(np.array(kinds, dtype=np.int64), [len(r) for r in rows]),
        path=np.concatenate([path[r] for r in rows]),
        referrer=np.concatenate([referrer] + [np.full(len(r), -1) for r in rows[1:]]),
        engagement_ms=np.concatenate(
            [np.full(len(r), -1) if m is None else m[r] for m, r in zip(ms, rows, strict=True)]
        ),
        scroll=np.concatenate(
            [np.full(len(r), np.nan) if p is None else p[r] for p, r in zip(pct, rows, strict=True)]
        ),
    )

    duration = np.zeros(sessions.n, dtype=np.int64)
    lasts = np.flatnonzero(last)
    # The last hit of a session is one of its last page view's hits.
    after_last_view = np.maximum.reduce(
        [
            np.where(has_end[lasts], dwell[lasts], 0),
            np.where(has_mid[lasts], mid_at[lasts], 0),
            np.where(key[lasts], 3 * SECOND // 2, 0),
        ]
    )
    duration[session[lasts]] = offset[lasts] + after_last_view
    return hits, duration


def _space_sessions(sessions: Sessions, duration: I64) -> I64:
    """Push a visitor's sessions apart so each starts at least 31 minutes after the previous
    one's last hit (start'_k = D_k + cummax(start_j - D_j), D = sum of earlier durations+gap)."""
    order = np.lexsort((sessions.start, sessions.visitor))
    v = sessions.visitor[order]
    need = duration[order] + _SESSION_GAP
    first = np.r_[True, v[1:] != v[:-1]]
    before = _grouped_cumsum(need, first) - need
    relative = pd.Series(sessions.start[order] - before).groupby(v).cummax().to_numpy()
    start = np.empty_like(sessions.start)
    start[order] = before + relative
    return start


def referrer_labels() -> Any:
    external = [r for r in sm.EXTERNAL_REFERRERS]
    internal = [sm.SITE + p for p in sm.PATHS]
    return pa.array(external + internal, type=pa.string())


def web_table(
    sessions: Sessions, hits: Hits, n_visitors: int, cust_ids: Any, window: Window
) -> Any:
    t = sessions.start[hits.session] + hits.offset
    inside = t < window.end_us
    order = np.flatnonzero(inside)[np.argsort(t[inside], kind="stable")]
    n = len(order)
    session = hits.session[order]
    customer = sessions.customer[session]
    engagement = hits.engagement_ms[order]
    return build(
        "web_events",
        {
            "event_id": numbered("E", np.arange(1, n + 1, dtype=np.int64), width_for(n, 9)),
            "visitor_id": numbered("V", sessions.visitor[session] + 1, width_for(n_visitors, 7)),
            "customer_id": numbered(
                "C", customer + 1, width_for(len(cust_ids), 6), missing=customer < 0
            ),
            "occurred_at": timestamps(t[order]),
            "event_type": take(pa.array(EVENT_TYPES), hits.kind[order]),
            "page": take(pa.array(sm.PATHS), hits.path[order]),
            "referrer": take(referrer_labels(), hits.referrer[order]),
            "engagement_ms": pa.array(engagement, mask=engagement < 0),
            "scroll_percent": pa.array(hits.scroll[order], mask=np.isnan(hits.scroll[order])),
        },
    )
