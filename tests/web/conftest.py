"""Web fixtures: a small demo workspace (built once, copied per test), users of each role,
logged-in in-process clients, and a real uvicorn server on a free port for the browser."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts import add_user
from cxpulse.web.app import create_app
from cxpulse.web.state import WebState

NOW = datetime(2026, 11, 2, 9, 30)  # UTC; the demo ends on 2026-10-31
PASSWORD = "correct horse battery"
ROLES = ("admin", "analyst", "agent")


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cxpulse.demo.workspace import create_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with create_demo(path, scale=0.02, end=date(2026, 10, 31)) as ws:
        for role in ROLES:
            add_user(ws, role, PASSWORD, role, NOW, language="en")
    return path


_STATES: list[WebState] = []
"""The web states of the apps tests made (TestClient runs no lifespan, so no shutdown)."""


@pytest.fixture(autouse=True, scope="session")
def _track_states() -> Iterator[None]:
    original = WebState.__post_init__

    def tracked(self: WebState) -> None:
        original(self)
        _STATES.append(self)

    WebState.__post_init__ = tracked  # type: ignore[method-assign]
    yield
    WebState.__post_init__ = original  # type: ignore[method-assign]


def stop_refreshers(ws: Workspace) -> None:
    """What the server's shutdown does before the workspace closes: wait for a background
    refresh still inside DuckDB (closing the connection under it crashes the process)."""
    for state in [s for s in _STATES if s.ws is ws]:
        state.refresher.shutdown(wait=True, cancel_futures=True)
        _STATES.remove(state)


@pytest.fixture
def web_ws(demo_file: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A private copy of the demo workspace, so tests may write."""
    path = tmp_path / "ws.duckdb"
    shutil.copy(demo_file, path)
    with Workspace.open(path) as ws:
        yield ws
        stop_refreshers(ws)


@pytest.fixture
def app(web_ws: Workspace) -> FastAPI:
    return create_app(web_ws, clock=lambda: NOW)


def login(client: TestClient, user: str, password: str = PASSWORD) -> TestClient:
    client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": user,
            "password": password,
            "csrf_token": client.cookies.get("cxpulse_login_csrf") or "",
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def csrf(client: TestClient) -> str:
    """The session's CSRF token, as a page hands it to its forms and to htmx."""
    html = client.get("/").text
    marker = '<meta name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture
def client_for(app: FastAPI) -> Callable[[str], TestClient]:
    """``client_for("analyst")``: a client logged in as that role's user."""

    def make(role: str) -> TestClient:
        return login(TestClient(app), role)

    return make


@pytest.fixture
def anon(app: FastAPI) -> TestClient:
    return TestClient(app)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """uvicorn serving an app in a thread of the test process, on a real socket."""

    def __init__(self, app: FastAPI, trusted_proxies: str | None = None) -> None:
        from cxpulse.web.proxies import parse_trusted_proxies, uvicorn_proxy_options

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # the proxy settings `cxpulse serve` gives uvicorn
        proxies = uvicorn_proxy_options(parse_trusted_proxies(trusted_proxies))
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", **proxies
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 20 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
