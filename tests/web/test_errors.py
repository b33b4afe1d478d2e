"""Errors at the web edge: a full disk or a damaged file is said, not a bare 500."""

from __future__ import annotations

from pathlib import Path

import duckdb
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse.store.faults import known_damage


def _failing(app: FastAPI, exc: Exception) -> TestClient:
    @app.get("/api/v1/_probe")
    def probe() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


def test_a_full_disk_is_a_503_that_says_the_disk_is_full(app: FastAPI) -> None:
    client = _failing(app, duckdb.IOException('Could not write file "x": No space left on device'))
    answer = client.get("/api/v1/_probe")
    assert answer.status_code == 503
    body = answer.json()
    assert body["error"] == "DiskFullError" and "is full" in body["detail"]
    assert "bug" not in body["detail"]


def test_a_damaged_file_is_a_503_and_is_marked_so_nothing_writes_to_it(app: FastAPI) -> None:
    client = _failing(app, duckdb.IOException("Corrupt database file: computed checksum 1"))
    answer = client.get("/api/v1/_probe")
    assert answer.status_code == 503
    assert answer.json()["error"] == "WorkspaceDamagedError"
    assert "damaged" in answer.json()["detail"] and "backup" in answer.json()["detail"]
    location = app.state.cx.ws.store.location
    assert known_damage(Path(location)) is not None
    # the running server itself writes no more (its intake, worker and settings)
    assert app.state.cx.ws.store.damage is not None


def test_other_errors_stay_an_opaque_500(app: FastAPI) -> None:
    client = _failing(app, RuntimeError("secret internals"))
    answer = client.get("/api/v1/_probe")
    assert answer.status_code == 500 and "secret" not in answer.text
