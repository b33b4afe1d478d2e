"""Compute what the default pages show, once, when the server starts.

On the full-size demo a cold dashboard page takes from seconds (feedback) to minutes (website:
every metric sessionises 10M hits); a user should not be the one who waits. Warm-up runs in a
background thread on its own DuckDB cursor (``WebState.reader``), so the server answers
meanwhile; a page asked for before its turn computes on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cxpulse.web import queries
from cxpulse.web.state import WebState

log = logging.getLogger("cxpulse.web")


def default_views(state: WebState) -> list[tuple[str, Callable[[], object]]]:
    """(name, compute) for the default view of every dashboard page, cheapest first."""
    from cxpulse.web.pages.families import FAMILIES, Range, family_data, page_range
    from cxpulse.web.pages.feedback import Options, feedback_data
    from cxpulse.web.pages.journey import journey_data
    from cxpulse.web.pages.revenue import revenue_data

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
    return views


def warm(state: WebState) -> dict[str, float]:
    """Seconds each default view took; a view that fails is logged and skipped."""
    took: dict[str, float] = {}
    for name, compute in default_views(state):
        started = time.monotonic()
        try:
            compute()
        except Exception:  # an empty workspace or a metric lacking settings: the page says why
            log.warning("warm-up of %s failed; the page will compute on first view", name)
            continue
        took[name] = time.monotonic() - started
        log.info("warmed %s in %.1f s", name, took[name])
    return took
