"""In a real browser: log in, read the scorecard, open a metric (its chart is drawn, its
segment breakdown shows), and switch to French (labels and number formats change, and the
choice outlives the session)."""

from __future__ import annotations

import re

from tests.web.browser.conftest import Tab

# a French number: digits grouped by narrow no-break spaces, a decimal comma
FRENCH_DECIMAL = re.compile(r"\d,\d")
ENGLISH_DECIMAL = re.compile(r"\d\.\d")


def test_login_shows_the_scorecard(tab: Tab) -> None:
    page = tab.goto("/login")
    page.fill("input[name=username]", "analyst")
    page.fill("input[name=password]", "not the password")
    page.click("form[action='/login'] button[type=submit]")
    assert page.locator("p.error[role=alert]").inner_text() == "Wrong user name or password."
    tab.expected(r"status of 401")
    tab.shot("login-error")

    page = tab.login("analyst")
    rows = page.locator("table.scorecard tbody tr[data-metric]")
    assert rows.count() >= 5
    assert page.locator("h1").inner_text().startswith("Scorecard")
    nps = page.locator("tr[data-metric=nps] td.value").inner_text()
    assert re.search(r"\d", nps), nps
    tab.shot("scorecard")


def test_a_metric_click_draws_its_trend_and_segments(tab: Tab) -> None:
    page = tab.login("analyst")
    with page.expect_navigation():
        page.click("tr[data-metric=nps] a")
    assert "/metrics/nps" in page.url
    chart = page.wait_for_selector("[data-chart=trend][data-drawn]")
    assert chart is not None
    # ECharts drew on a canvas of the chart's size, not an empty box
    canvas = page.locator("[data-chart=trend] canvas").first
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    assert page.locator("table.trend tbody tr").count() >= 12

    with page.expect_navigation():
        page.select_option("select[name=segment]", "touchpoint")
    assert "segment=touchpoint" in page.url
    page.wait_for_selector("[data-chart=trend][data-drawn]")
    breakdown = page.locator("table.breakdown tbody tr")
    assert breakdown.count() >= 2
    assert "By segment: touchpoint" in page.locator("main h2").nth(1).inner_text()
    tab.shot("metric")


def test_french_is_chosen_and_remembered(tab: Tab) -> None:
    page = tab.login("analyst")
    english = page.locator("table.scorecard tbody").inner_text()
    assert ENGLISH_DECIMAL.search(english)

    with page.expect_navigation():
        page.select_option("select#language", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text().startswith("Tableau de bord")
    assert page.locator("table.scorecard th").first.inner_text() == "Indicateur"
    french = page.locator("table.scorecard tbody").inner_text()
    assert FRENCH_DECIMAL.search(french) and not ENGLISH_DECIMAL.search(french), french
    tab.shot("scorecard-fr")

    # the choice belongs to the user: a fresh browser (no language cookie) gets it back
    tab.logout()
    tab.page.context.clear_cookies()
    page = tab.login("analyst")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("nav a.active").inner_text() == "Tableau de bord"
    with page.expect_navigation():
        page.click("tr[data-metric=nps] a")
    page.wait_for_selector("[data-chart=trend][data-drawn]")
    assert page.locator("table.trend th").first.inner_text() == "Période"
    tab.shot("metric-fr")


def test_every_page_of_the_navigation_loads_clean(tab: Tab) -> None:
    """Each page of the navigation bar answers, draws all its charts, and logs no console
    error (the tab fixture fails the test on any)."""
    page = tab.login("admin")
    links = page.locator("header.top nav a").evaluate_all("links => links.map(a => a.pathname)")
    assert len(links) >= 10
    for path in links:
        # the first view of a page computes its metrics: slow pages are the benchmark's
        # business, this test only wants them to work
        response = page.goto(tab.base + path, timeout=120_000)
        assert response is not None and response.status == 200, path
        assert page.locator("header.top nav a.active").get_attribute("href") == path
        charts = page.locator("[data-chart]")
        for i in range(charts.count()):
            assert charts.nth(i).get_attribute("data-drawn") == "true", f"{path}: chart {i}"
        tab.shot("page-" + (path.strip("/").replace("/", "-") or "scorecard"))
