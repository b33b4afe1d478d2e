"""The scorecard and metric pages, and their JSON twins, give the library's numbers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.metrics.scorecard import DEFAULT_METRICS


def test_scorecard_page_lists_every_default_metric(client_for: Callable[[str], TestClient]) -> None:
    html = client_for("agent").get("/").text
    for name in DEFAULT_METRICS:
        assert f'data-metric="{name}"' in html


def test_scorecard_json_twin_matches_the_library(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    body = client_for("analyst").get("/api/v1/scorecard", params={"as_of": "2026-11-01"}).json()
    expected = web_ws.scorecard(as_of="2026-11-01")
    got = {r["metric"]: r for r in body["rows"]}
    for row in expected.rows:
        assert got[row.metric]["n"] == row.n
        if row.value is None:
            assert got[row.metric]["value"] is None
        else:
            assert abs(got[row.metric]["value"] - row.value) <= 1e-9 * max(1, abs(row.value))


def test_metric_api_takes_the_cli_options(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    params = {"by": "quarter", "segment": "touchpoint", "from": "2025-01-01", "to": "2025-12-31"}
    rows = client_for("analyst").get("/api/v1/metrics/nps", params=params).json()["rows"]
    expected = web_ws.metric(
        "nps", by="quarter", segment="touchpoint", start="2025-01-01", end="2025-12-31"
    )
    assert len(rows) == len(expected)
    assert [r["n"] for r in rows] == expected["n"].tolist()


def test_metric_api_filter_like_the_cli(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    rows = (
        client_for("analyst")
        .get("/api/v1/metrics/csat", params={"filter": "channel=email", "by": "year"})
        .json()["rows"]
    )
    expected = web_ws.metric("csat", by="year", filters={"channel": "email"})
    assert [r["n"] for r in rows] == expected["n"].tolist()


def test_unknown_metric_and_bad_options_are_clear(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    missing = client.get("/api/v1/metrics/nope")
    assert missing.status_code == 404 and "unknown metric 'nope'" in missing.json()["detail"]
    bad = client.get("/api/v1/metrics/nps", params={"by": "decade"})
    assert bad.status_code == 400 and "unknown period 'decade'" in bad.json()["detail"]
    bad_date = client.get("/api/v1/metrics/nps", params={"from": "31/12/2025"})
    assert bad_date.status_code == 422


def test_metric_page_shows_trend_and_segments(client_for: Callable[[str], TestClient]) -> None:
    html = client_for("agent").get("/metrics/nps", params={"segment": "touchpoint"}).text
    assert 'data-chart="trend"' in html and 'id="trend-data"' in html
    assert "By segment" in html and "touchpoint" in html


def test_french_numbers_and_periods(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("analyst")
    client.cookies.set("cxpulse_lang", "fr")
    from tests.web.conftest import csrf

    client.post("/language", data={"language": "fr", "csrf_token": csrf(client), "next": "/"})
    html = client.get("/metrics/nps").text
    assert "oct. 2026" in html and "Tendance" in html
    assert "\u202f%" in client.get("/").text  # "45,2 %" with a narrow no-break space


def test_cache_serves_repeat_views_and_is_invalidated_by_writes(
    client_for: Callable[[str], TestClient], app: object
) -> None:
    state = app.state.cx  # type: ignore[attr-defined]
    client = client_for("analyst")
    client.get("/api/v1/metrics/nps")
    misses = state.cache.misses
    client.get("/api/v1/metrics/nps")
    assert state.cache.misses == misses and state.cache.hits >= 1
    from tests.web.conftest import csrf

    token = csrf(client)
    version = state.cache.version
    client.post("/language", data={"language": "en", "csrf_token": token, "next": "/"})
    assert state.cache.version == version  # a preference changes no number
    event = {"event": "plan_changed", "customer_id": "C000001",
             "occurred_at": "2026-10-30T10:00:00"}  # fmt: skip
    posted = client.post("/api/v1/events", json=[event], headers={"X-CSRF-Token": token})
    assert posted.status_code < 300, posted.text
    assert state.cache.version > version  # data changed


def test_all_metrics_scorecard_says_which_need_a_setting(
    client_for: Callable[[str], TestClient],
) -> None:
    html = client_for("analyst").get("/", params={"all": "true"}).text
    assert 'data-metric="cac"' in html and "needs a setting" in html
    body = client_for("analyst").get("/api/v1/scorecard", params={"metric": ["cac", "nps"]})
    rows = {r["metric"]: r for r in body.json()["rows"]}
    assert "acquisition costs" in rows["cac"]["note"] and rows["nps"]["note"] is None


def test_metric_page_opens_with_its_first_segment(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("agent")
    assert 'class="breakdown"' in client.get("/metrics/nps").text
    assert 'class="breakdown"' not in client.get("/metrics/nps", params={"segment": ""}).text


def test_the_breakdown_shows_the_last_complete_period(
    client_for: Callable[[str], TestClient], web_ws: Workspace
) -> None:
    """A handful of answers in the running month would rank the segments on noise."""
    from datetime import timedelta

    from tests.conftest import add_rows
    from tests.web.conftest import NOW

    add_rows(web_ws, "survey_responses", [{"score": 0, "touchpoint": "only-this-month",
                                           "responded_at": NOW - timedelta(hours=1)}])  # fmt: skip
    client = client_for("analyst")
    trend = client.get("/api/v1/metrics/nps", params={"by": "month"}).json()
    assert trend["rows"][-1]["period"].startswith("2026-11")  # the running month is charted
    html = client.get("/metrics/nps", params={"segment": "touchpoint"}).text
    table = html.split('class="breakdown"', 1)[1].split("</table>", 1)[0]
    assert "only-this-month" not in table and "2026-11" not in table
