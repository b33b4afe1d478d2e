"""In a real browser, the other dashboard pages: filter verbatims, resolve a case through its
htmx actions, revenue charts, a customer's timeline, the survey editor's live preview."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse import Workspace
from cxpulse.surveys.store import add_survey
from tests.surveys.helpers import RELATIONAL_NPS, write
from tests.web.browser.conftest import Tab
from tests.web.conftest import NOW
from tests.web.test_cases_pages import SCRIPT, seed


def test_verbatims_filter_by_touchpoint_and_score(tab: Tab) -> None:
    page = tab.login("analyst")
    page = tab.goto("/feedback")
    page.wait_for_selector("[data-chart=trend][data-drawn]")
    assert page.locator("table.verbatims tbody tr[data-response]").count() > 0
    tab.shot("feedback")

    touchpoints = [
        v for v in page.locator("select[name=touchpoint] option").evaluate_all(
            "os => os.map(o => o.value)"
        ) if v
    ]  # fmt: skip
    assert touchpoints, "the touchpoint filter offers no value"
    chosen = touchpoints[0]
    page.select_option("select[name=touchpoint]", chosen)
    page.select_option("select[name=type]", "csat")
    page.fill("input[name=score_max]", "2")
    page.select_option("select[name=comments]", "with")
    with page.expect_navigation():
        page.click("#feedback-filters button[type=submit]")
    assert f"touchpoint={chosen}" in page.url and "score_max=2" in page.url
    rows = page.locator("table.verbatims tbody tr[data-response]")
    assert rows.count() > 0, page.locator("#verbatims").inner_text()
    for i in range(rows.count()):
        row = rows.nth(i)
        assert row.locator("td").nth(1).inner_text() == "CSAT"
        assert row.locator("td").nth(3).inner_text() == chosen
        assert int(row.locator("td.score").inner_text().split("/")[0]) <= 2
        assert row.locator("td.comment").inner_text().strip()
    # the filters stay set on the page that shows their result
    assert page.locator("select[name=touchpoint]").input_value() == chosen
    tab.shot("feedback-filtered")


@pytest.fixture
def cases(web_ws: Workspace) -> dict[str, str]:
    return seed(web_ws)  # before the server starts: the fixture order below sees to it


def test_agent_opens_a_case_and_resolves_it(cases: dict[str, str], tab: Tab) -> None:
    page = tab.login("agent")
    page = tab.goto("/cases")
    row = page.locator(f"tr[data-case-id='{cases['mine']}']")
    assert row.count() == 1
    # an agent sees only their own cases
    assert page.locator(f"tr[data-case-id='{cases['late']}']").count() == 0
    tab.shot("cases")
    with page.expect_navigation():
        row.locator("a.case-link").click()
    # the customer's comment is a script tag: it shows as text and never runs
    assert page.locator("#case-comment").inner_text() == SCRIPT
    assert page.locator("#case-comment script").count() == 0

    panel = page.locator("#case-panel")
    page.click("#case-ack")  # htmx swaps the panel; its request carries the CSRF header
    page.wait_for_selector("#case-contact")
    page.click("#case-contact")
    page.wait_for_selector("#case-resolve")
    page.fill("#case-note-text", "Called back; refund sent.")
    page.click("#case-note-submit")
    page.wait_for_selector("#case-notes li[data-note-id]")
    page.fill("#case-root-cause", "late delivery")
    page.click("#case-resolve")
    page.wait_for_selector("#case-resolved")
    assert panel.get_attribute("data-case-state") == "resolved"
    assert page.locator("#case-root-cause-value").inner_text() == "late delivery"
    states = page.locator("#case-history li").evaluate_all(
        "items => items.map(i => i.dataset.state)"
    )
    assert {"acknowledged", "contacted", "resolved"} <= set(states), states
    assert "Called back; refund sent." in page.locator("#case-notes").inner_text()
    tab.shot("case-resolved")

    # back in the inbox, the case is under resolved
    page = tab.goto("/cases?filter=resolved")
    assert page.locator(f"tr[data-case-id='{cases['mine']}']").count() == 1


def test_revenue_draws_its_bridge_trends_and_cohorts(tab: Tab) -> None:
    page = tab.login("analyst")
    page = tab.goto("/revenue")
    for kind in ("bars", "trend", "heatmap"):
        page.wait_for_selector(f"[data-chart={kind}][data-drawn]")
    assert page.locator("[data-chart]:not([data-drawn])").count() == 0
    tab.shot("revenue")


def test_customer_search_and_timeline(tab: Tab) -> None:
    page = tab.login("analyst")
    page = tab.goto("/customers")
    first = page.locator("table tbody tr td a[href^='/customers/']").first
    customer = first.inner_text()
    with page.expect_navigation():
        first.click()
    assert page.url.endswith(f"/customers/{customer}")
    assert customer in page.locator("main").inner_text()
    tab.shot("customer")


@pytest.fixture
def a_survey(web_ws: Workspace, tmp_path: Path) -> str:
    add_survey(web_ws, write(tmp_path, "nps", RELATIONAL_NPS), NOW)
    return "relational-nps"


def test_survey_editor_previews_email_and_widget_live(a_survey: str, tab: Tab) -> None:
    page = tab.login("analyst")
    page = tab.goto("/surveys")
    with page.expect_navigation():
        page.click(f"tr[data-survey-id='{a_survey}'] a.survey-link")
    page.wait_for_selector("#preview-email")
    subject = page.locator("#email-subject").inner_text()
    assert page.locator("#widget-preview").inner_text()
    question = "Would you recommend us?"
    assert question in page.locator("#widget-preview").inner_text()

    # edit the question: the preview follows without a save
    text = page.locator("#survey-yaml").input_value()
    page.fill("#survey-yaml", text.replace(question, "Would you recommend our shop?"))
    page.wait_for_function(
        "() => document.querySelector('#widget-preview')?.innerText.includes('our shop')"
    )
    assert page.locator("#email-subject").inner_text() == subject
    tab.shot("survey-editor")

    page.select_option("#preview-language", "fr")
    page.wait_for_function("() => document.querySelector('#widget-preview')?.dataset.lang === 'fr'")
    assert "Nous recommanderiez-vous ?" in page.locator("#widget-preview").inner_text()


def test_a_chart_point_drills_down_to_its_responses(tab: Tab) -> None:
    page = tab.login("analyst")
    page = tab.goto("/feedback")
    chart = page.wait_for_selector("[data-chart=trend][data-source=trend-csat][data-drawn]")
    assert chart is not None
    # where ECharts drew the first CSAT point (its symbol is what takes the click)
    x, y, period = page.evaluate(
        """el => {
            const d = JSON.parse(document.getElementById(el.dataset.source).textContent);
            const chart = echarts.getInstanceByDom(el);
            const i = d.value.findIndex(v => v !== null);
            const [x, y] = chart.convertToPixel({seriesIndex: 2}, [i, d.value[i]]);
            return [x, y, d.periods[i]];
        }""",
        chart,
    )
    box = chart.bounding_box()
    assert box is not None
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert f"period={period}" in page.url and "type=csat" in page.url
    rows = page.locator("table.verbatims tbody tr[data-response]")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert rows.nth(i).locator("td").nth(1).inner_text() == "CSAT"
