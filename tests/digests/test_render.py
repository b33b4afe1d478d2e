"""The digest as a person sees it: the preview file opened in Chromium (charts load, text in
the recipient's language), the plain text and the Slack blocks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cxpulse import Workspace
from cxpulse.digests.compose import compose
from cxpulse.digests.definition import digest_from_dict
from cxpulse.digests.schedule import parse_period
from cxpulse.digests.sections import DEFAULT

if TYPE_CHECKING:
    from playwright.sync_api import Browser

NOW = datetime(2026, 11, 2, 9, 30)
DIGEST = digest_from_dict(
    {"name": "monthly-cx", "schedule": {"every": "month"}, "recipients": ["ana@acme.test"],
     "channels": ["email", {"webhook": {"url_env": "HOOK"}}]},
    "test", ("scorecard", "cases_over_sla"),
)  # fmt: skip


def test_the_preview_opens_in_chromium_with_its_charts(
    web_ws: Workspace, tmp_path: Path, browser: Browser
) -> None:
    composed = compose(web_ws, DIGEST, parse_period("2026-10", "month"), NOW)
    page_file = tmp_path / "preview.html"
    page_file.write_text(composed.email("fr").standalone_html(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 700, "height": 900})
    try:
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        widths = page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth)")
        assert len(widths) == 4 and all(w > 0 for w in widths)
        alts = page.evaluate("[...document.images].map(i => i.alt)")
        assert alts[0].startswith("Net Promoter Score sur les 12 dernières périodes")
        text = page.inner_text("body")
        assert "Tableau de bord, 2026-10" in text and "Dossiers hors délai\u00a0: 0" in text
        assert "Satisfaction client (CSAT)" in text
        # the layout survives a narrow mail client: nothing wider than the 600-pixel column
        assert page.evaluate("document.body.scrollWidth") <= 700
    finally:
        page.close()


def test_text_and_slack_say_the_same_in_each_language(web_ws: Workspace) -> None:
    composed = compose(web_ws, DIGEST, parse_period("2026-10", "month"), NOW)
    english, french = composed.email("en"), composed.email("fr")
    assert english.text.startswith("monthly-cx: CX digest for 2026-10\n")
    assert "Metric" in english.text and "Indicateur" in french.text
    assert "Open in cxpulse: http://localhost:8000/cases" in english.text
    blocks = composed.slack("fr")["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text",
                         "text": "monthly-cx\u00a0: synthèse CX 2026-10"}}  # fmt: skip
    assert [b["text"]["text"].splitlines()[0] for b in blocks[1:]] == [
        "*Tableau de bord, 2026-10*",
        "*Dossiers hors délai\u00a0: 0*",
    ]
    # the data behind it, JSON-ready, in no language
    data = composed.to_dict()
    assert data["period"] == "2026-10" and set(data["sections"]) == set(DIGEST.sections)
    assert data["sections"]["scorecard"]["rows"][0]["metric"] == "nps"


def test_links_are_left_out_without_a_public_url(web_ws: Workspace) -> None:
    web_ws.set_setting("public_url", "")
    composed = compose(web_ws, DIGEST, parse_period("2026-10", "month"), NOW)
    mail = composed.email("en")
    assert "Open in cxpulse" not in mail.text and "<a " not in mail.html


def test_the_insights_section_gives_the_top_findings_and_their_first_evidence(
    web_ws: Workspace,
) -> None:
    digest = digest_from_dict(
        {"name": "outage", "schedule": {"every": "month"}, "recipients": ["ana@acme.test"],
         "channels": ["email"]},
        "test", ("scorecard", "insights", "cases_over_sla"),
    )  # fmt: skip
    assert "insights" in [section.name for section in DEFAULT]  # in every digest by default
    composed = compose(web_ws, digest, parse_period("2025-11", "month"), NOW)
    data = composed.data["insights"]
    assert 0 < len(data["findings"]) <= 5
    english, french = composed.email("en").text, composed.email("fr").text
    assert "What changed, 2025-11" in english and "Ce qui a changé, 2025-11" in french
    top_en, why_en = data["findings"][0]["en"]  # the carrier outage: a feedback metric fell
    assert top_en.startswith(("NPS", "Customer satisfaction")) and " fell " in top_en
    assert why_en and why_en.startswith(("“Delivery” rose", "In 2025-11"))  # a theme or a cost
    assert f"{top_en} {why_en}" in english.replace("\n", " ")
    assert data["findings"][0]["fr"][0].startswith(("NPS", "Satisfaction client")) and (
        " baisse de " in data["findings"][0]["fr"][0]
    )
