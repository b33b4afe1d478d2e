"""Compute what the default pages show when the server starts, and again each new day.

On the full-size demo a cold dashboard page takes from seconds (feedback) to minutes (website:
every metric sessionises 10M hits); a user should not be the one who waits. Warm-up runs in a
background thread on its own DuckDB cursor (``WebState.reader``), so the server answers
meanwhile; a page asked for before its turn computes on its own. Each page starts only once no
request is being answered (:mod:`cxpulse.web.viewers`, at most a few seconds' wait): the first
viewer after a start does not share the two cores with it. Once every page is warm, the file's
checksum pass runs (:meth:`Store.verify <cxpulse.store.connect.Store.verify>`, once per
connection), so the first import through the server does not read the whole file first.

Every default page's cache key holds the workspace's local date (a default range ends with the
last complete period before today), so at midnight every page would go cold with nothing to
serve: :func:`keep_warm` warms the new day's pages shortly after the date changes, by the
server's clock (``WebState.now``) in the workspace's time zone.

A change made through the server drops the stored results that read what it wrote
(:mod:`cxpulse.store.results`: the scorecard's rows); :func:`after_writes` queues the first
pages' default views on the cache's refresher right after it, so those rows are computed
again (and stored) before anyone asks, and the next start of the server reads them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from cxpulse.reports import REPORTS, Report, run
from cxpulse.web.state import WebState

log = logging.getLogger("cxpulse.web")
DAY_CHECK_SECONDS = 60.0  # how soon after midnight the new day's pages are warmed


def default_views(state: WebState) -> list[tuple[str, Callable[[], object]]]:
    """(name, compute) for the default view of every report of the workspace (cheapest
    first: by ``warm_rank``, then in the registry's order), the survey listing, then the
    reports' other warm views (the scorecard's "show all metrics": every metric, 35 s cold at
    scale 1, last, when it reuses what the pages before computed)."""
    from cxpulse.web.pages.surveys import survey_listing

    def view(report: type[Report], raw: Mapping[str, Any]) -> Callable[[], object]:
        return lambda: run(state, report, raw)

    first: list[tuple[str, Callable[[], object]]] = []
    later: list[tuple[str, Callable[[], object]]] = []
    for report in sorted(state.ws.kinds[REPORTS], key=lambda r: r.warm_rank):
        for i, raw in enumerate(report.warmups()):
            label = report.name + "".join(f", {k}={v}" for k, v in raw.items())
            (later if i else first).append((label, view(report, raw)))
    # response rates per survey, channel and touchpoint over every invitation: 6 s cold at scale 1
    return [*first, ("surveys", lambda: survey_listing(state)), *later]


def first_views(state: WebState) -> list[tuple[str, Callable[[], object]]]:
    """The default views of the cheapest reports (``warm_rank`` 0: the scorecard, the home
    page, and the journey)."""
    ranked = {r.name for r in state.ws.kinds[REPORTS] if r.warm_rank == 0}
    return [(name, compute) for name, compute in default_views(state) if name in ranked]


def after_writes(state: WebState) -> Callable[..., None]:
    """The server's cache invalidation on a change (``EdgeMiddleware``'s ``on_write``), which
    also refreshes :func:`first_views` in the background after a change made through the
    server (a *hard* one; survey answers stream in and are refreshed when viewed). One
    refresh is queued at a time: a burst of writes refreshes once, after the last it saw."""
    queued = threading.Lock()

    def refresh() -> None:
        queued.release()  # a write from now on queues another refresh
        for name, compute in first_views(state):
            try:  # on the refresher: a stale view queues its own recomputation behind this
                compute()
            except Exception:
                log.warning("refreshing %s after a change failed", name)

    def on_write(*, soft: bool = False, purge: bool = False) -> None:
        state.cache.invalidate(soft=soft, purge=purge)
        if soft or not queued.acquire(blocking=False):
            return
        try:
            state.refresher.submit(refresh)
        except RuntimeError:  # the server is stopping: nothing to refresh
            queued.release()

    return on_write


def warm(state: WebState, stop: threading.Event | None = None) -> dict[str, float]:
    """Seconds each default view took; a view that fails is logged and skipped. Stops between
    two views once ``stop`` is set (the server is shutting down)."""
    took: dict[str, float] = {}
    for name, compute in default_views(state):
        state.in_flight.wait_quiet()  # a viewer first
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
    if stop is None or not stop.is_set():
        _check_file(state)
    return took


def _check_file(state: WebState) -> None:
    """The checksum pass an import runs before writing, done now rather than in front of the
    first import (12 s of a 14 s import at scale 1): a damaged file is found here."""
    state.in_flight.wait_quiet()
    try:
        with state.reader() as ws:
            ws.store.verify()
    except Exception:  # damaged: the store is marked, and every write now says so
        log.exception("the workspace file failed its checksum pass")


def keep_warm(state: WebState, stop: threading.Event, poll: float = DAY_CHECK_SECONDS) -> None:
    """Warm the default pages now, then again whenever the workspace's local date has changed
    (checked every ``poll`` seconds), until ``stop`` is set. Polling the injectable clock
    rather than sleeping until midnight also follows a clock that jumps (tests, a suspended
    machine) and daylight-saving changes."""
    while not stop.is_set():
        try:
            day = state.today()
            if day != state.warmed_for:
                warm(state, stop)
                state.warmed_for = day
        except Exception:  # e.g. a bad time zone setting: log it, keep serving, try again
            log.exception("warming the default pages failed")
        stop.wait(poll)
