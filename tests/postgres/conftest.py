"""PostgreSQL fixtures: one real server per test session, a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cxpulse import Workspace
from tests.automations.conftest import hooks  # noqa: F401  (a real HTTP receiver)
from tests.pg_server import PostgresServer, start_server, unavailable_reason
from tests.surveys.test_email import inbox  # noqa: F401  (a real SMTP server)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a new, empty database on the session's server."""
    return pg_server.create_database()


@pytest.fixture
def pg_ws(pg_url: str) -> Iterator[Workspace]:
    with Workspace.init(pg_url, timezone="Europe/Paris") as workspace:
        yield workspace
