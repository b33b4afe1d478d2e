"""Warm-up: the default pages are computed at start-up and again after the workspace's local
date changes (every default page's cache key holds that date), by the server's clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.metrics.periods import local_midnight_utc
from cxpulse.metrics.scorecard import depends
from cxpulse.store.results import stored
from cxpulse.web import viewers, warmup
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


def test_the_home_page_is_answered_while_the_warm_up_waits_for_viewers(
    web_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up starts a page only when no request is being answered; the first viewer
    gets the home page without waiting for it. The file is checked once it is done."""
    monkeypatch.setattr(viewers, "YIELD_SECONDS", 600.0)
    app = create_app(web_ws, clock=lambda: NOW, warm=True)
    state: WebState = app.state.cx
    state.in_flight.enter()  # a long request in flight
    with TestClient(app) as client:
        wait_for(lambda: state.in_flight.waiting == 1, 60, "the warm-up waiting")
        assert state.cache.misses == 0  # it computed nothing yet
        login(client, "analyst")
        assert client.get("/").status_code == 200
        assert state.warmed_for is None and state.cache.misses > 0  # the page computed it
        assert not web_ws.store.checked.done
        state.in_flight.leave()
        wait_for(lambda: state.warmed_for is not None, 600, "the warm-up")
        assert web_ws.store.checked.done  # the first import will not read the whole file


def test_a_change_through_the_server_refreshes_the_stored_scorecard(web_ws: Workspace) -> None:
    """An import drops the stored scorecard rows that read its table; the server computes
    them again in the background with no page viewed, so its next start reads them."""
    app = create_app(web_ws, clock=lambda: NOW, warm=True)
    state: WebState = app.state.cx
    end = date(2026, 10, 31)  # the last complete month on 2 November
    params = {"metric": "nps", "by": "month", "end": end}

    def stored_n() -> int | None:
        with state.workspace() as ws:
            row = stored(ws.store, "scorecard_row", params, depends(ws.settings))
        return None if row is None else int(row["n"])

    with TestClient(app) as client:
        wait_for(lambda: state.warmed_for is not None, 600, "the start-up warm-up")
        before = stored_n()
        assert before is not None
        rows = [
            {"response_id": f"W-{i}", "customer_id": "C000001", "question_type": "nps",
             "score": 10, "responded_at": "2026-10-30T10:00:00Z"}
            for i in range(3)
        ]  # fmt: skip
        posted = client.post("/api/v1/ingest/survey_responses", json=rows, headers=bearer(web_ws))
        assert posted.status_code == 200, posted.text
        wait_for(lambda: stored_n() == before + 3, 120, "the refreshed nps row")


def bearer(ws: Workspace) -> dict[str, str]:
    _, secret = create_token(ws, "test-ingest", "ingest", "test", NOW)
    return {"Authorization": f"Bearer {secret}"}
