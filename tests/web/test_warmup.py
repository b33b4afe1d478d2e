"""Warm-up: the default pages are computed at start-up and again after the workspace's local
date changes (every default page's cache key holds that date), by the server's clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.metrics.periods import local_midnight_utc
from cxpulse.web import warmup
from cxpulse.web.app import create_app
from cxpulse.web.pages.families import today
from cxpulse.web.state import WebState
from tests.web.conftest import NOW, login


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.05)


def test_the_new_days_pages_are_warmed_after_local_midnight(
    web_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(warmup, "DAY_CHECK_SECONDS", 0.05)
    now = [NOW]  # 10:30 on 2 Nov in Paris, the demo's time zone
    app = create_app(web_ws, clock=lambda: now[0], warm=True)
    state: WebState = app.state.cx
    with TestClient(app) as client:  # runs the app's lifespan: the warm-up thread starts
        wait_for(lambda: state.warmed_for == today(state), 600, "the start-up warm-up")
        assert state.warmed_for is not None
        # what a deployment (or benchmarks/web_pages.py) waits for before sending users
        assert client.get("/healthz").json()["warmed_for"] == state.warmed_for.isoformat()
        # 23:01 UTC on 2 Nov is already 3 Nov in Paris: a new day for the workspace
        next_day = state.warmed_for + timedelta(days=1)
        now[0] = local_midnight_utc(next_day, web_ws.settings.zone) + timedelta(minutes=1)
        assert now[0] == datetime(2026, 11, 2, 23, 1)
        wait_for(lambda: state.warmed_for == next_day, 600, "the new day's warm-up")
        # no page was viewed, yet every default view of the new day comes from the cache
        misses = state.cache.misses
        for _, compute in warmup.default_views(state):
            compute()
        assert state.cache.misses == misses
        login(client, "analyst")
        misses = state.cache.misses
        assert client.get("/support").status_code == 200
        assert state.cache.misses == misses


def test_warm_up_stops_between_views_when_the_server_stops(app: object) -> None:
    import threading

    state: WebState = app.state.cx  # type: ignore[attr-defined]
    stop = threading.Event()
    stop.set()
    assert warmup.warm(state, stop) == {}
    assert state.cache.misses == 0
