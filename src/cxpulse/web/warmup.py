"""Compute what the default pages show when the server starts, and again each new day.

On the full-size demo a cold dashboard page takes from seconds (feedback) to minutes (website:
every metric sessionises 10M hits); a user should not be the one who waits. Warm-up runs in a
background thread on its own DuckDB cursor (``WebState.reader``), so the server answers
meanwhile; a page asked for before its turn computes on its own.

Every default page's cache key holds the workspace's local date (a default range ends with the
last complete period before today), so at midnight every page would go cold with nothing to
serve: :func:`keep_warm` warms the new day's pages shortly after the date changes, by the
server's clock (``WebState.now``) in the workspace's time zone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from cxpulse.metrics import REGISTRY
from cxpulse.web import queries
from cxpulse.web.state import WebState

log = logging.getLogger("cxpulse.web")
DAY_CHECK_SECONDS = 60.0  # how soon after midnight the new day's pages are warmed


def default_views(state: WebState) -> list[tuple[str, Callable[[], object]]]:
    """(name, compute) for the default view of every dashboard page, cheapest first."""
    from cxpulse.web.pages.families import FAMILIES, Range, family_data, page_range
    from cxpulse.web.pages.feedback import Options, feedback_data
    from cxpulse.web.pages.journey import journey_data
    from cxpulse.web.pages.revenue import revenue_data
    from cxpulse.web.pages.surveys import survey_listing

    def rng() -> Range:
        return page_range(state, "month", None, None)

    def family(slug: str) -> Callable[[], object]:
        return lambda: family_data(state, slug, rng())

    views: list[tuple[str, Callable[[], object]]] = [
        ("scorecard", lambda: queries.scorecard(state, "month", None, None)),
        ("journey", lambda: journey_data(state, "month", None)),
        ("feedback", lambda: feedback_data(state, Options())),
        ("revenue", lambda: revenue_data(state, rng())),
    ]
    views += [(slug, family(slug)) for slug in FAMILIES]
    # response rates per survey, channel and touchpoint over every invitation: 6 s cold at scale 1
    views.append(("surveys", lambda: survey_listing(state)))
    # the scorecard's "show all metrics" (every metric: 35 s cold at scale 1), last: it reuses
    # what the pages before computed
    every = tuple(REGISTRY.names())
    views.append(("scorecard, all metrics", lambda: queries.scorecard(state, "month", None, every)))
    return views


def warm(state: WebState, stop: threading.Event | None = None) -> dict[str, float]:
    """Seconds each default view took; a view that fails is logged and skipped. Stops between
    two views once ``stop`` is set (the server is shutting down)."""
    took: dict[str, float] = {}
    for name, compute in default_views(state):
        if stop is not None and stop.is_set():
            break
        started = time.monotonic()
        try:
            compute()
        except Exception:  # an empty workspace or a metric lacking settings: the page says why
            log.warning("warm-up of %s failed; the page will compute on first view", name)
            continue
        took[name] = time.monotonic() - started
        log.info("warmed %s in %.1f s", name, took[name])
    return took


def keep_warm(state: WebState, stop: threading.Event, poll: float = DAY_CHECK_SECONDS) -> None:
    """Warm the default pages now, then again whenever the workspace's local date has changed
    (checked every ``poll`` seconds), until ``stop`` is set. Polling the injectable clock
    rather than sleeping until midnight also follows a clock that jumps (tests, a suspended
    machine) and daylight-saving changes."""
    from cxpulse.web.pages.families import today

    while not stop.is_set():
        try:
            day = today(state)
            if day != state.warmed_for:
                warm(state, stop)
                state.warmed_for = day
        except Exception:  # e.g. a bad time zone setting: log it, keep serving, try again
            log.exception("warming the default pages failed")
        stop.wait(poll)
