"""The requests in flight, which the warm-up waits for (cxpulse.web.viewers)."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from cxpulse.web.state import WebState
from cxpulse.web.viewers import InFlight


def test_quiet_at_once_when_nothing_is_answered() -> None:
    assert InFlight().wait_quiet(limit=0.0)


def test_waits_for_the_last_request_to_end() -> None:
    flight = InFlight()
    flight.enter()
    flight.enter()
    assert not flight.wait_quiet(limit=0.0)  # gave up: still answering
    quiet: list[bool] = []
    waiter = threading.Thread(target=lambda: quiet.append(flight.wait_quiet(limit=600)))
    waiter.start()
    flight.leave()
    assert waiter.is_alive() or not quiet  # one request is still being answered
    flight.leave()
    waiter.join(timeout=600)
    assert quiet == [True]


def test_requests_are_counted_but_health_checks_and_static_files_are_not(app: object) -> None:
    state: WebState = app.state.cx  # type: ignore[attr-defined]
    seen: list[int] = []
    original = state.in_flight.enter

    def enter() -> None:
        original()
        seen.append(state.in_flight.count)

    state.in_flight.enter = enter  # type: ignore[method-assign]
    with TestClient(app) as client:  # type: ignore[arg-type]
        assert client.get("/healthz").status_code == 200
        assert client.get("/static/app.css").status_code == 200
        assert seen == []
        client.get("/login")
        assert seen == [1]
    assert state.in_flight.count == 0  # and let go once answered
