"""POST /api/v1/ingest/{table}: the importer's checks and messages, over HTTP; atomic."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.errors import ImportRejected
from cxpulse.web.api.ingest import API_ADVICE
from tests.web.conftest import NOW, csrf

ROWS: list[dict[str, Any]] = [
    {"response_id": "API-1", "customer_id": "C000001", "question_type": "nps", "score": 9,
     "responded_at": "2026-10-30T10:00:00Z", "comment": "<script>alert(1)</script> great"},
    {"response_id": "API-2", "customer_id": "C000002", "question_type": "nps", "score": 3,
     "responded_at": "2026-10-30T11:00:00+01:00"},
]  # fmt: skip


def bearer(ws: Workspace, scope: str) -> dict[str, str]:
    """Headers of a fresh API token with ``scope``."""
    _, secret = create_token(ws, f"test-{scope}", scope, "test", NOW)
    return {"Authorization": f"Bearer {secret}"}


def session_headers(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf(client)}


def count(ws: Workspace, table: str, column: str, prefix: str) -> int:
    t = ws.table(table)
    return int(t.filter(t[column].startswith(prefix)).count().execute())


def test_ingest_needs_credentials_and_the_ingest_permission(
    anon: TestClient, client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    url = "/api/v1/ingest/survey_responses"
    assert anon.post(url, json=ROWS).status_code == 401
    agent = client_for("agent")
    assert agent.post(url, json=ROWS, headers=session_headers(agent)).status_code == 403
    assert anon.post(url, json=ROWS, headers=bearer(web_ws, "read")).status_code == 403
    # a browser session without its CSRF token is refused too
    assert client_for("analyst").post(url, json=ROWS).status_code == 403
    assert count(web_ws, "survey_responses", "response_id", "API-") == 0


def test_json_rows_are_imported_then_unchanged_then_updated(
    anon: TestClient, web_ws: Workspace
) -> None:
    url = "/api/v1/ingest/survey_responses"
    headers = bearer(web_ws, "ingest")
    first = anon.post(url, json=ROWS, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() | {"problems": []} == {
        "table": "survey_responses", "rows_read": 2, "new": 2, "updated": 0, "unchanged": 0,
        "rejected": 0, "ignored_columns": [], "problems": [],
    }  # fmt: skip
    t = web_ws.table("survey_responses")
    rows = t.filter(t.response_id.startswith("API-")).order_by("response_id").execute()
    assert rows.score.tolist() == [9, 3]
    assert rows.source.tolist() == ["api", "api"]
    # the offset is honoured: 11:00+01:00 is 10:00 UTC
    assert str(rows.responded_at[1]) == "2026-10-30 10:00:00"
    again = anon.post(url, json=ROWS, headers=headers).json()
    assert (again["new"], again["unchanged"]) == (0, 2)
    changed = [ROWS[0], {**ROWS[1], "score": 4}]
    assert anon.post(url, json=changed, headers=headers).json()["updated"] == 1


def test_csv_body_reads_like_a_file(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("analyst")
    body = "Ref;Client;Type;Note;Date\nCSV-1;C000003;csat;4;30/10/2026 14:05\n"
    response = client.post(
        "/api/v1/ingest/survey_responses",
        content=body.encode("cp1252"),
        params=[("map", "Ref=response_id"), ("map", "Client=customer_id"),
                ("map", "Type=question_type"), ("map", "Note=score"),
                ("map", "Date=responded_at")],
        headers={"Content-Type": "text/csv", **session_headers(client)},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 1
    t = web_ws.table("survey_responses")
    row = t.filter(t.response_id == "CSV-1").execute().iloc[0]
    assert row.score == 4 and row.scale_max == 5  # csat defaults filled as on import


def test_a_bad_row_is_a_422_naming_row_and_column_and_nothing_is_written(
    anon: TestClient, web_ws: Workspace, tmp_path: Path
) -> None:
    bad = [ROWS[0], {**ROWS[1], "score": 11}, {**ROWS[1], "response_id": "API-3", "score": None}]
    response = anon.post(
        "/api/v1/ingest/survey_responses", json=bad, headers=bearer(web_ws, "ingest")
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ImportRejected"
    first = body["problems"][0]
    assert (first["file"], first["line"], first["column"], first["value"]) == (
        "body.json", 2, "score", "11",
    )  # fmt: skip
    assert "record 2" in body["detail"] and "nothing was written" in body["detail"]
    assert count(web_ws, "survey_responses", "response_id", "API-") == 0
    # exactly the CLI importer's message for the same rows in a file
    import json

    path = tmp_path / "body.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ImportRejected) as cli:
        web_ws.import_file(path, "survey_responses", rejects_path=tmp_path / "rejects.csv")
    assert [p.as_dict() for p in cli.value.problems] == body["problems"]
    # the same message, but for the advice on how to go on, given in the API's terms
    assert str(cli.value).splitlines()[:-1] == body["detail"].splitlines()[:-1]
    assert body["detail"].splitlines()[-1] == API_ADVICE


def test_skip_imports_the_good_rows_and_lists_the_others(
    anon: TestClient, web_ws: Workspace
) -> None:
    bad = [ROWS[0], {**ROWS[1], "question_type": "stars"}]
    response = anon.post(
        "/api/v1/ingest/survey_responses",
        json=bad,
        params={"on_error": "skip"},
        headers=bearer(web_ws, "ingest"),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["new"], body["rejected"]) == (1, 1)
    assert body["problems"][0]["column"] == "question_type"
    assert count(web_ws, "survey_responses", "response_id", "API-") == 1


def test_unknown_table_type_and_bad_json_are_clear(anon: TestClient, web_ws: Workspace) -> None:
    headers = bearer(web_ws, "ingest")
    unknown = anon.post("/api/v1/ingest/nope", json=ROWS, headers=headers)
    assert unknown.status_code == 400 and "nope" in unknown.json()["detail"]
    xml = anon.post("/api/v1/ingest/orders", content=b"<a/>",
                    headers={**headers, "Content-Type": "application/xml"})  # fmt: skip
    assert xml.status_code == 400 and "text/csv" in xml.json()["detail"]
    broken = anon.post("/api/v1/ingest/orders", content=b"[{",
                       headers={**headers, "Content-Type": "application/json"})  # fmt: skip
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["detail"]
    mapping = anon.post("/api/v1/ingest/orders", json=ROWS, params={"map": "nope"},
                        headers=headers)  # fmt: skip
    assert mapping.status_code == 400 and "THEIR_COLUMN=OUR_COLUMN" in mapping.json()["detail"]


def test_an_import_invalidates_the_cached_metrics(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    client = client_for("analyst")
    params = {"by": "all", "filter": "customer_id=C000002"}
    before = client.get("/api/v1/metrics/nps", params=params).json()["rows"]
    n_before = before[0]["n"] if before else 0
    response = client.post("/api/v1/ingest/survey_responses", json=ROWS,
                           headers=session_headers(client))  # fmt: skip
    assert response.status_code == 200
    after = client.get("/api/v1/metrics/nps", params=params).json()["rows"]
    assert after[0]["n"] == n_before + 1
