"""The digest as a person sees it: the preview file opened in Chromium (charts load, text in
the recipient's language), the plain text and the Slack blocks."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cxpulse import Workspace
from cxpulse.digests.compose import compose
from cxpulse.digests.definition import digest_from_dict
from cxpulse.digests.schedule import parse_period
from cxpulse.digests.sections import DEFAULT
from cxpulse.insights.run import _params, stored_insights
from cxpulse.schema.results import RESULTS_TABLE
from cxpulse.store.results import result_key
from tests.conftest import add_rows

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


def test_the_insights_section_reads_the_run_the_worker_stored_while_it_is_current(
    web_ws: Workspace,
) -> None:
    """The worker stores the default run (the last complete month) when data changes; a
    monthly digest of that month reads it instead of computing it again, and computes when
    the data changed since. The stored run is marked here to tell which one was read."""
    digest = digest_from_dict(
        {"name": "outage", "schedule": {"every": "month"}, "recipients": ["ana@acme.test"],
         "channels": ["email"]},
        "test", ("insights",),
    )  # fmt: skip
    now, today = datetime(2025, 12, 2, 9, 30), date(2025, 12, 2)
    computed = compose(web_ws, digest, parse_period("2025-11", "month"), now).data["insights"]
    runs = stored_insights(web_ws, as_of=today)  # as the worker does on 2 December
    assert runs["en"]["period"] == "2025-11"
    key = result_key("insights", _params(None, None, "previous", None, today))
    for lang in runs:
        runs[lang]["headline"] = f"Stored ({lang})."
    web_ws.store.update(RESULTS_TABLE, {"key": key}, {"payload": json.dumps(runs)})

    read = compose(web_ws, digest, parse_period("2025-11", "month"), now).data["insights"]
    assert read["headline"] == {"en": "Stored (en).", "fr": "Stored (fr)."}
    assert read["findings"] == computed["findings"]  # the same findings and evidence
    # another month's digest is not the stored run's: computed
    october = compose(web_ws, digest, parse_period("2025-10", "month"), now).data["insights"]
    assert october["period"] == "2025-10" and october["headline"]["en"].endswith("%).")

    # new answers: the stored run is stale, the digest computes the period again
    add_rows(web_ws, "survey_responses", [{"customer_id": None, "score": 9, "question_type":
             "nps", "responded_at": datetime(2025, 11, 20, 10)}])  # fmt: skip
    again = compose(web_ws, digest, parse_period("2025-11", "month"), now).data["insights"]
    assert "in 2025-11 against 2025-10" in again["headline"]["en"]
