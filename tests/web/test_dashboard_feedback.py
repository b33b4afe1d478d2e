"""The feedback page and its JSON twin: trends, distribution and verbatims give the library's
and the database's numbers; filters, drill-down, CSV export, escaping, French."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.tokens import create_token
from cxpulse.metrics import periods
from cxpulse.metrics.feedback import period_bounds
from cxpulse.reports.blocks import SHOWN_PERIODS
from cxpulse.web.app import create_app
from tests.web.conftest import NOW, csrf, login, stop_refreshers

TWIN = "/api/v1/dashboard/feedback"
LAST_MONTH_END = date(2026, 10, 31)  # NOW is 2026-11-02: October is the last complete month


@pytest.fixture(scope="module")
def shared(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One read-only copy for the tests that only read (their cache is shared too)."""
    import shutil

    path = tmp_path_factory.mktemp("feedback") / "ws.duckdb"
    shutil.copy(demo_file, path)
    with Workspace.open(path) as ws:
        yield ws
        stop_refreshers(ws)


@pytest.fixture(scope="module")
def reader(shared: Workspace) -> TestClient:
    return login(TestClient(create_app(shared, clock=lambda: NOW)), "analyst")


def sql(ws: Workspace, query: str, *args: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = ws.store.con.con.execute(query, list(args)).fetchall()
    return rows


def utc_bounds(ws: Workspace, first: date, last: date) -> tuple[Any, Any]:
    zone = ws.settings.zone
    return (
        periods.local_midnight_utc(first, zone),
        periods.local_midnight_utc(last + timedelta(days=1), zone),
    )


def shown_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-response="([^"]+)">', html)


# -- access ---------------------------------------------------------------------------------------
def test_login_and_read_permission_are_required(
    anon: TestClient, web_ws: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    page = anon.get("/feedback", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert anon.get(TWIN).status_code == 401
    assert anon.get("/feedback/verbatims.csv", follow_redirects=False).status_code == 303
    _, ingest_only = create_token(web_ws, "loader", "ingest", "admin", NOW)
    headers = {"Authorization": f"Bearer {ingest_only}"}
    assert anon.get(TWIN, headers=headers).status_code == 403
    _, read = create_token(web_ws, "bi", "read", "admin", NOW)
    assert anon.get(TWIN, headers={"Authorization": f"Bearer {read}"}).status_code == 200
    # agents read dashboards (they only lose other people's cases)
    assert client_for("agent").get("/feedback").status_code == 200


# -- numbers --------------------------------------------------------------------------------------
def test_cards_and_trends_are_the_library_numbers(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(TWIN).json()
    card = shared.scorecard(metrics=["nps", "csat", "ces"], as_of=NOW.date())
    got = {c["metric"]: c for c in body["cards"]}
    for row in card.rows:
        assert got[row.metric]["period"] == row.period == "2026-10"
        assert got[row.metric]["n"] == row.n
        assert got[row.metric]["value"] == pytest.approx(row.value)
        assert got[row.metric]["ci_low"] == pytest.approx(row.ci_low)
        assert got[row.metric]["change"] == pytest.approx(row.change)
    # the default window's periods, only those computed, equal to the whole history's
    trend = shared.metric("csat", end=LAST_MONTH_END).tail(SHOWN_PERIODS["month"])
    assert body["trends"]["csat"]["periods"] == trend["period"].tolist()
    assert body["trends"]["csat"]["n"] == trend["n"].tolist()
    assert body["trends"]["csat"]["value"] == pytest.approx(trend["value"].tolist())


def test_distribution_counts_every_scored_response(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(TWIN).json()
    expected = dict(
        sql(
            shared,
            "select score, count(*) from survey_responses where question_type = 'nps' "
            "and score is not null group by score",
        )
    )
    nps = body["distribution"]["nps"]
    assert nps["labels"] == [str(s) for s in range(11)]
    (series,) = nps["series"]
    assert series["name"] == "0-10"
    assert series["values"] == [expected.get(s) for s in range(11)]
    # CES is asked on two scales in the demo: one series per scale, on one axis
    ces = body["distribution"]["ces"]
    assert {s["name"] for s in ces["series"]} == {
        f"1-{m}"
        for (m,) in sql(
            shared, "select distinct scale_max from survey_responses where question_type='ces'"
        )
    }


def test_verbatims_page_and_total(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(TWIN).json()["verbatims"]
    ((total,),) = sql(
        shared,
        "select count(*) from survey_responses where comment is not null and trim(comment) <> ''",
    )
    assert body["total"] == total and body["page"] == 1 and body["size"] == 50
    assert body["pages"] == -(-total // 50)
    newest = sql(
        shared,
        "select response_id from survey_responses where comment is not null "
        "and trim(comment) <> '' order by responded_at desc, response_id limit 50",
    )
    assert [r["response_id"] for r in body["rows"]] == [r for (r,) in newest]
    second = reader.get(TWIN, params={"page": 2}).json()["verbatims"]["rows"]
    following = sql(
        shared,
        "select response_id from survey_responses where comment is not null "
        "and trim(comment) <> '' order by responded_at desc, response_id limit 50 offset 50",
    )
    assert [r["response_id"] for r in second] == [r for (r,) in following]


# -- filters ---------------------------------------------------------------------------------
def test_filters_narrow_the_verbatims_and_the_trends(reader: TestClient, shared: Workspace) -> None:
    params = {
        "touchpoint": "support",
        "language": "fr",
        "score_min": "1",
        "score_max": "3",
        "from": "2026-01-01",
        "to": "2026-06-30",
        "size": "1000",
    }
    body = reader.get(TWIN, params=params).json()
    rows = body["verbatims"]["rows"]
    assert rows, "the demo has low French support scores in the first half of 2026"
    for r in rows:
        assert r["touchpoint"] == "support" and r["language"] == "fr"
        assert 1 <= r["score"] <= 3 and r["comment"].strip()
        assert "2026-01-01" <= r["responded_at"][:10] <= "2026-06-30"
    lo, hi = utc_bounds(shared, date(2026, 1, 1), date(2026, 6, 30))
    expected = sql(
        shared,
        "select response_id from survey_responses where touchpoint = 'support' and language = 'fr' "
        "and score between 1 and 3 and comment is not null and trim(comment) <> '' "
        "and responded_at >= ? and responded_at < ? order by responded_at desc, response_id",
        lo,
        hi,
    )
    assert [r["response_id"] for r in rows] == [r for (r,) in expected]
    assert body["verbatims"]["total"] == len(expected)
    # touchpoint, language and dates narrow the trends as the metric engine's filters do
    trend = shared.metric(
        "csat",
        start="2026-01-01",
        end="2026-06-30",
        filters={"touchpoint": "support", "language": "fr"},
    )
    assert body["trends"]["csat"]["n"] == trend["n"].tolist()
    # and the page shows those rows, in that order
    html = reader.get("/feedback", params=params).text
    assert shown_ids(html) == [r["response_id"] for r in rows]


def test_question_type_and_all_responses(reader: TestClient, shared: Workspace) -> None:
    body = reader.get(TWIN, params={"type": "nps", "comments": "all", "score": "0"}).json()
    ((total,),) = sql(
        shared, "select count(*) from survey_responses where question_type='nps' and score=0"
    )
    assert body["verbatims"]["total"] == total
    assert all(r["question_type"] == "nps" and r["score"] == 0 for r in body["verbatims"]["rows"])


def test_drill_down_from_a_trend_point_opens_that_period(
    reader: TestClient, shared: Workspace
) -> None:
    html = reader.get("/feedback").text
    drill = re.search(r'data-source="trend-nps" data-drill="([^"]+)"', html)
    assert drill is not None
    url = drill.group(1).replace("&amp;", "&").replace("{label}", "2026-09")
    assert url.startswith("/feedback?") and "type=nps" in url
    page = reader.get(url.split("#")[0])
    assert page.status_code == 200
    body = reader.get(TWIN, params={"type": "nps", "period": "2026-09", "size": "500"}).json()
    lo, hi = utc_bounds(shared, *period_bounds("2026-09", "month"))
    expected = sql(
        shared,
        "select response_id from survey_responses where question_type = 'nps' "
        "and comment is not null and trim(comment) <> '' and responded_at >= ? "
        "and responded_at < ? order by responded_at desc, response_id",
        lo,
        hi,
    )
    assert [r["response_id"] for r in body["verbatims"]["rows"]] == [r for (r,) in expected]
    assert shown_ids(page.text) == [r for (r,) in expected][:50]
    # the trends keep their range: the drill narrows what is read, not the chart
    assert len(body["trends"]["nps"]["periods"]) > 1
    assert "Sep 2026" in page.text


def test_drill_down_from_a_distribution_bar(reader: TestClient) -> None:
    html = reader.get("/feedback").text
    drill = re.search(r'data-source="dist-ces" data-drill="([^"]+)"', html)
    assert drill is not None
    url = drill.group(1).replace("&amp;", "&").replace("{label}", "2").replace("{series}", "1-7")
    body = reader.get(TWIN + "?" + url.split("?", 1)[1].split("#")[0]).json()
    assert body["options"]["scale"] == 7 and body["options"]["type"] == "ces"
    rows = body["verbatims"]["rows"]
    assert rows and all(r["score"] == 2 and r["scale_max"] == 7 for r in rows)


def test_sentiment_filter_without_annotations(reader: TestClient) -> None:
    from cxpulse.text.annotate import annotate_texts

    body = reader.get(TWIN, params={"sentiment": "negative", "size": "200"}).json()
    rows = body["verbatims"]["rows"]
    assert body["verbatims"]["sentiment_source"] == "computed"
    assert rows and all(r["label"] == "negative" for r in rows)
    again = annotate_texts([r["comment"] for r in rows], [r["language"] for r in rows])
    assert list(again["label"]) == ["negative"] * len(rows)
    everything = reader.get(TWIN, params={"size": "1000"}).json()["verbatims"]
    positives = reader.get(TWIN, params={"sentiment": "positive"}).json()["verbatims"]
    neutral = reader.get(TWIN, params={"sentiment": "neutral"}).json()["verbatims"]
    assert body["verbatims"]["total"] + positives["total"] + neutral["total"] == everything["total"]


def test_sentiment_comes_from_annotations_when_present(web_ws: Workspace, app: FastAPI) -> None:
    from cxpulse.text.annotate import score_workspace

    score_workspace(web_ws, ["survey_responses"])
    client = login(TestClient(app), "analyst")
    body = client.get(TWIN, params={"sentiment": "positive", "size": "100"}).json()
    assert body["verbatims"]["sentiment_source"] == "annotations"
    stored = dict(
        sql(
            web_ws,
            "select row_key, label from text_annotations where table_name = 'survey_responses'",
        )
    )
    assert body["verbatims"]["rows"]
    for r in body["verbatims"]["rows"]:
        assert r["label"] == stored[r["response_id"]] == "positive"
    ((total,),) = sql(
        web_ws,
        "select count(*) from text_annotations where table_name='survey_responses' "
        "and label='positive'",
    )
    assert body["verbatims"]["total"] == total


# -- export, escaping, language -------------------------------------------------------------------
def test_csv_export_is_what_the_page_shows(reader: TestClient) -> None:
    params = {"touchpoint": "delivery", "page": "2", "size": "20"}
    html = reader.get("/feedback", params=params).text
    link = re.search(r'class="csv" href="([^"]+)"', html)
    assert link is not None
    response = reader.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    shown = reader.get(TWIN, params=params).json()["verbatims"]["rows"]
    assert [r["response_id"] for r in rows] == shown_ids(html) == [r["response_id"] for r in shown]
    for line, row in zip(rows, shown, strict=True):
        assert line["comment"].lstrip("'") == row["comment"]
        assert int(line["score"]) == row["score"]
        assert line["touchpoint"] == "delivery"


def _store_comment(ws: Workspace, response_id: str, comment: str) -> None:
    ws.store.con.con.execute(
        "insert into survey_responses (response_id, customer_id, question_type, score, "
        "scale_min, scale_max, polarity, comment, language, channel, touchpoint, responded_at) "
        "values (?, 'C000001', 'csat', 1, 1, 5, 'high_is_good', ?, 'en', 'email', 'support', "
        "timestamp '2026-10-30 10:00:00')",
        [response_id, comment],
    )


def test_a_malicious_comment_is_shown_as_text(web_ws: Workspace, app: FastAPI) -> None:
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    _store_comment(web_ws, "R-XSS", attack)
    _store_comment(web_ws, "R-CSV", '=HYPERLINK("http://evil")')
    client = login(TestClient(app), "analyst")
    html = client.get("/feedback", params={"touchpoint": "support"}).text
    assert 'data-response="R-XSS"' in html
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    )
    # the JSON twin carries the text as it is; the CSV neutralises a formula
    rows = client.get(TWIN, params={"touchpoint": "support"}).json()["verbatims"]["rows"]
    assert {r["response_id"]: r["comment"] for r in rows}["R-XSS"] == attack
    exported = client.get("/feedback/verbatims.csv", params={"touchpoint": "support"}).text
    lines = {r["response_id"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert lines["R-XSS"]["comment"] == attack
    assert lines["R-CSV"]["comment"] == '\'=HYPERLINK("http://evil")'


def test_french_page(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    client.post("/language", data={"language": "fr", "csrf_token": csrf(client), "next": "/"})
    html = client.get("/feedback").text
    for text in ("Répartition des notes", "Verbatims", "Télécharger en CSV", "Point de contact"):
        assert text in html
    assert "oct. 2026" in html  # the cards' period
    total = client.get(TWIN).json()["verbatims"]["total"]
    french_total = f"{total:,}".replace(",", "\u202f")
    assert f"{french_total} réponses" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "rating"}, "type is one of nps, csat, ces"),
        ({"score_min": "low"}, "score_min must be a whole number"),
        ({"sentiment": "angry"}, "sentiment is one of"),
        ({"period": "2026-13"}, "is not a month period"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "before it starts"),
        ({"comments": "some"}, "comments is 'with' or 'all'"),
        ({"by": "decade"}, "unknown period 'decade'"),
    ],
)
def test_bad_options_are_400_with_a_message(
    reader: TestClient, params: dict[str, str], message: str
) -> None:
    response = reader.get(TWIN, params=params)
    assert response.status_code == 400, response.text
    assert message in response.json()["detail"]


def test_page_number_is_validated(reader: TestClient) -> None:
    assert reader.get(TWIN, params={"page": "0"}).status_code == 422


@pytest.mark.parametrize(
    ("label", "first", "last"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2026-02-28", date(2026, 2, 28), date(2026, 2, 28)),
    ],
)
def test_period_labels_read_back(label: str, first: date, last: date) -> None:
    assert period_bounds(label) == (first, last)


def test_a_drilled_period_survives_a_change_of_grain(reader: TestClient) -> None:
    # the filter form keeps the drilled period when the reader switches to quarters
    body = reader.get(
        TWIN, params={"by": "quarter", "period": "2026-W40", "comments": "all", "size": "1000"}
    ).json()
    days = {r["responded_at"][:10] for r in body["verbatims"]["rows"]}
    assert days and min(days) >= "2026-09-28" and max(days) <= "2026-10-04"
    assert body["trends"]["nps"]["periods"][-1] == "2026-Q3"
