"""theme_shifts, theme_tests and new_clusters on hand-built DuckDB workspaces."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from itertools import cycle, islice
from typing import Any

import pytest

from cxpulse import Workspace
from cxpulse.demo.workspace import DEMO_TAXONOMY
from cxpulse.errors import QueryError, UnknownMetricError
from cxpulse.insights.fdr import bh_adjust
from cxpulse.insights.themes import new_clusters, theme_shifts, theme_tests
from cxpulse.metrics import periods
from cxpulse.schema import TEXT_ANNOTATIONS_TABLE
from cxpulse.text.annotate import score_workspace
from tests.conftest import add_rows

OCT, NOV = date(2025, 10, 1), date(2025, 11, 1)
PRICE = ["Way too expensive for what it is.", "Too expensive, the price went up again."]
LATE = [
    # written first, so a "first comments" pick would show it: mostly about something else
    "I like the new logo and the font and the colours; the parcel was late though.",
    *["My parcel arrived two weeks late."] * 8,
    *["The courier lost my parcel and it arrived two weeks late."] * 5,
    "My parcel arrived three weeks late.",  # a near-duplicate of the most typical one
    "Still waiting for my parcel, the courier is late again.",
    "Parcel crushed, courier late.",
]


def answers(
    month: date, comments: Sequence[str | None], score: int, **extra: Any
) -> list[dict[str, Any]]:
    return [
        {
            "score": score,
            "comment": c,
            "language": "en",
            "responded_at": datetime(month.year, month.month, 3) + timedelta(minutes=7 * i),
            **extra,
        }
        for i, c in enumerate(comments)
    ]


@pytest.fixture
def shop(ws: Workspace) -> Workspace:
    """October: 40 detractors who comment, half on price. November: 60, still 20 on price
    (a constant theme, whose share falls), and 16 on late parcels (planted). Promoters praise
    the delivery in both months: they are not negative answers and never count."""
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    other = ["The mug handle broke off after one wash.", "Your podcast is boring."]
    before = list(islice(cycle(PRICE), 20)) + list(islice(cycle(other), 20))
    after = list(islice(cycle(PRICE), 20)) + LATE + list(islice(cycle(other), 24))
    rows = answers(OCT, before, 3) + answers(NOV, after, 2)
    rows += answers(OCT, ["Fast delivery, great parcel."] * 30, 10)
    rows += answers(NOV, ["Fast delivery, great parcel."] * 5, 9)
    add_rows(ws, "survey_responses", rows)
    return ws


def test_the_planted_theme_rises_with_its_typical_quotes_and_the_constant_one_does_not(
    shop: Workspace,
) -> None:
    found = theme_shifts(shop, "nps", period_start=NOV, grain="month")
    assert [s.theme for s in found] == ["delivery"]
    late = found[0]
    assert (late.count_before, late.total_before, late.count_after, late.total_after) == (
        0, 40, 17, 61,
    )  # fmt: skip
    assert late.share_after == pytest.approx(100 * 17 / 61)
    assert late.change == pytest.approx(100 * 17 / 61)
    assert late.ci_low < late.change < late.ci_high
    assert late.p < 0.001 and late.q <= 0.05 and late.rose
    assert (late.period, late.compare_period) == ("2025-11", "2025-10")
    # the most typical first, a near-duplicate skipped, the off-topic first comment not shown
    assert late.quotes[:2] == (
        "My parcel arrived two weeks late.",
        "The courier lost my parcel and it arrived two weeks late.",
    )
    assert "My parcel arrived three weeks late." not in late.quotes
    assert not any("logo" in q for q in late.quotes)
    price = next(s for s in theme_tests(shop, "nps", period_start=NOV) if s.theme == "price")
    assert (price.count_before, price.count_after) == (20, 20) and not price.rose
    assert price.headline("en").startswith("“Price” fell in the comments of NPS detractors")
    assert price.headline("en").endswith(f", not significant (q = {price.q:.2f}).")
    assert ", non significatif (q = " in price.headline("fr") and price.quotes == ()


def test_headlines_in_english_and_french_and_a_json_ready_dict(shop: Workspace) -> None:
    late = theme_shifts(shop, "nps", period_start="2025-11-15")[0]  # any day of the month
    assert late.headline("en") == (
        "“Delivery” rose in the comments of NPS detractors (0-6): 27.9% in November 2025 vs "
        "0.0% in October 2025 (+27.9 points, 95% interval +14.8 to +40.2; 17 of 61 comments "
        "vs 0 of 40)."
    )
    assert late.headline("fr") == (
        "«\u202fLivraison\u202f» en hausse dans les commentaires des détracteurs NPS (0 à 6)"
        "\u00a0: 27,9\u202f% en novembre 2025 contre 0,0\u202f% en octobre 2025 (+27,9 points, "
        "intervalle à 95\u202f%\u00a0: +14,8 à +40,2\u202f; 17 commentaires sur 61 contre 0 "
        "sur 40)."
    )
    data = late.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["period_start"] == "2025-11-01" and data["test"] == "two_proportion_z"
    assert data["headline"]["fr"] == late.headline("fr")


def test_the_themes_are_controlled_together_by_benjamini_hochberg(shop: Workspace) -> None:
    tested = theme_tests(shop, "nps", period_start=NOV)
    assert [s.p for s in tested] == sorted(s.p for s in tested)
    m = len(tested)
    # by hand: q(i) = min over j >= i of p(j) * m / j, on the p-values in increasing order
    by_hand = [min(min(s.p * m / (j + 1) for j, s in enumerate(tested) if j >= i), 1.0)
               for i in range(m)]  # fmt: skip
    assert [s.q for s in tested] == pytest.approx(by_hand)
    assert bh_adjust([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_per_answer_a_theme_rises_with_all_complaints(ws: Workspace) -> None:
    """An outage triples the complaints without changing what they say: their mix holds, so
    among the negatives nothing rose, but per answer every complaint did, the largest first."""
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    rows = answers(OCT, ["My parcel arrived two weeks late."] * 15 + PRICE * 5, 1)
    rows += answers(OCT, [None] * 175, 10)  # 200 answers in each month
    rows += answers(NOV, ["My parcel arrived two weeks late."] * 45 + PRICE * 15, 1)
    rows += answers(NOV, [None] * 125, 10)
    add_rows(ws, "survey_responses", rows)
    assert theme_shifts(ws, "nps", period_start=NOV) == []
    found = theme_shifts(ws, "nps", period_start=NOV, basis="answers")
    counts = [(s.theme, s.count_before, s.total_before, s.count_after, s.total_after)
              for s in found]  # fmt: skip
    assert counts == [("delivery", 15, 200, 45, 200), ("price", 10, 200, 30, 200)]
    assert "per answer" in found[0].headline("en")
    assert "rapportés à toutes les réponses" in found[0].headline("fr")


def test_csat_negatives_and_a_segment(ws: Workspace) -> None:
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    csat = {"question_type": "csat", "scale_min": 1, "scale_max": 5}
    late = ["My parcel arrived two weeks late."] * 20
    rows = answers(OCT, PRICE * 10, 3, touchpoint="delivery", **csat)
    rows += answers(NOV, PRICE * 10 + late, 2, touchpoint="delivery", **csat)
    rows += answers(NOV, late, 4, touchpoint="delivery", **csat)  # satisfied: not negative
    rows += answers(OCT, late, 1, touchpoint="purchase", **csat)  # another touchpoint
    add_rows(ws, "survey_responses", rows)
    found = theme_shifts(ws, "csat", period_start=NOV, segment={"touchpoint": "delivery"})
    assert [(s.theme, s.count_before, s.count_after, s.total_after) for s in found] == [
        ("delivery", 0, 20, 40)
    ]
    # the segment named as the change findings name it, not by its column key
    assert "dissatisfied CSAT answers (touchpoint: delivery): 50.0%" in found[0].headline("en")
    assert "insatisfaites (point de contact\u202f: delivery)\u00a0: 50,0" in found[0].headline("fr")
    assert theme_shifts(ws, "csat", period_start=NOV) == []  # purchase's October hides it


def test_annotated_themes_are_used_as_text_score_wrote_them(shop: Workspace) -> None:
    score_workspace(shop, tables=["survey_responses"])
    rows = shop.table("survey_responses")
    first = rows.filter(rows.comment == PRICE[0]).order_by("response_id").limit(1).execute()
    shop.store.con.raw_sql(
        f"UPDATE {TEXT_ANNOTATIONS_TABLE} SET themes = 'billing' "
        f"WHERE row_key = '{first['response_id'].iloc[0]}'"
    )
    tested = {s.theme: s for s in theme_tests(shop, "nps", period_start=NOV)}
    assert tested["billing"].count_before + tested["billing"].count_after == 1
    assert tested["price"].count_before + tested["price"].count_after == 39


def test_no_comments_no_findings_and_no_error(ws: Workspace) -> None:
    assert theme_shifts(ws, "nps", period_start=NOV) == []
    assert new_clusters(ws, "nps", period_start=NOV) == []
    add_rows(ws, "survey_responses", answers(OCT, [None] * 10, 2) + answers(NOV, [""] * 10, 2))
    assert theme_tests(ws, "ces", period_start=NOV) == []
    assert theme_shifts(ws, "nps", period_start=NOV) == []
    assert new_clusters(ws, "nps", period_start=NOV) == []


def test_mistakes_are_one_line_errors(ws: Workspace) -> None:
    with pytest.raises(QueryError, match="feedback metrics nps, csat, ces, not 'bounce_rate'"):
        theme_shifts(ws, "bounce_rate", period_start=NOV)
    with pytest.raises(UnknownMetricError):
        theme_shifts(ws, "nope", period_start=NOV)
    this_month = datetime.now(ws.settings.zone).date()
    with pytest.raises(QueryError, match="is not over until"):
        theme_shifts(ws, "nps", period_start=this_month)
    with pytest.raises(QueryError, match="choose a grain"):
        theme_shifts(ws, "nps", period_start=NOV, grain="all")
    with pytest.raises(QueryError, match="Use previous or year"):
        theme_shifts(ws, "nps", period_start=NOV, compare="baseline")
    with pytest.raises(QueryError, match="negatives or answers"):
        theme_shifts(ws, "nps", period_start=NOV, basis="everyone")


def test_the_default_period_is_the_last_complete_one(ws: Workspace) -> None:
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    this_month = datetime.now(ws.settings.zone).date().replace(day=1)
    last = periods.shift(this_month, "month", -1)
    year_before, before = periods.shift(last, "month", -12), periods.shift(last, "month", -1)
    late = ["My parcel arrived two weeks late."] * 20
    rows = answers(before, PRICE * 10, 1) + answers(year_before, PRICE * 10, 1)
    rows += answers(last, PRICE * 10 + late, 1) + answers(this_month, late, 1)  # not over yet
    add_rows(ws, "survey_responses", rows)
    found = theme_shifts(ws, "nps")
    assert [(s.theme, s.period_start, s.compare_start, s.count_after, s.total_after)
            for s in found] == [("delivery", last, before, 20, 40)]  # fmt: skip
    assert [s.compare_start for s in theme_shifts(ws, "nps", compare="year")] == [year_before]


def test_the_period_is_complete_on_the_runs_day_not_the_machines(shop: Workspace) -> None:
    """``as_of`` decides the default period and whether a period is over, whatever day the
    machine's clock says: a run for an old day gives the same themes any day it runs."""
    on_dec_5 = theme_shifts(shop, "nps", as_of="2025-12-05")
    assert [(s.theme, s.period_start) for s in on_dec_5] == [("delivery", NOV)]
    assert on_dec_5 == theme_shifts(shop, "nps", period_start=NOV)
    with pytest.raises(QueryError, match="is not over until 2025-11-30"):
        theme_tests(shop, "nps", period_start=NOV, as_of="2025-11-20")
    # a period after the machine's today, over on the run's day
    after = periods.shift(datetime.now(shop.settings.zone).date().replace(day=1), "month", 2)
    assert theme_tests(shop, "nps", period_start=after, as_of=after + timedelta(days=40)) == []
    clusters = new_clusters(shop, "nps", as_of="2025-12-05")
    assert clusters and {c.period for c in clusters} == {"2025-11"}


def test_new_clusters_of_unthemed_negative_comments(ws: Workspace) -> None:
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    mugs = [
        f"The mug handle {what} {when}."
        for what in ("broke off", "snapped", "came loose", "cracked", "fell off")
        for when in ("after one wash", "the first week", "in the dishwasher")
    ]
    noise = [
        "Your podcast is boring.", "The tote colour is ugly.", "Stop the jingles.",
        "Too many emails about recipes.", "The loyalty stickers peel.", "A newsletter a day?",
    ]  # fmt: skip
    rows = answers(NOV, mugs + noise + PRICE * 20, 1)
    add_rows(ws, "survey_responses", rows)
    found = new_clusters(ws, "nps", period_start=NOV)
    assert len(found) == 1
    mug = found[0]
    assert mug.size == 15 and mug.share == pytest.approx(100 * 15 / 61)
    assert "mug" in mug.top_terms and "handle" in mug.top_terms
    assert len(mug.quotes) == 2 and all(q.startswith("The mug handle") for q in mug.quotes)
    assert mug.headline("en").startswith(
        "A topic no theme covers in the comments of NPS detractors (0-6) in November 2025: "
        "15 comments (24.6%) about “"
    )
    assert "15 commentaires (24,6\u202f%)" in mug.headline("fr")
    assert json.loads(json.dumps(mug.to_dict(), allow_nan=False))["size"] == 15


def test_quotes_in_the_readers_language(ws: Workspace) -> None:
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    late_fr = ["Mon colis est arrivé avec deux semaines de retard."] * 5
    rows = answers(OCT, PRICE * 10, 1) + answers(NOV, PRICE * 10, 1)
    rows += answers(NOV, ["My parcel arrived two weeks late."] * 15, 1)
    rows += [r | {"language": "fr"} for r in answers(NOV, late_fr, 1)]
    add_rows(ws, "survey_responses", rows)
    late = theme_shifts(ws, "nps", period_start=NOV)[0]
    assert late.quotes_in("en") == ("My parcel arrived two weeks late.",)
    assert late.quotes_in("fr") == ("Mon colis est arrivé avec deux semaines de retard.",)
    assert late.quotes[0] == "My parcel arrived two weeks late."  # the majority's, overall
    assert late.definition.startswith("negative answers: detractors: 0-6 on the 0-10 question;")
    assert "Benjamini-Hochberg over the 2 themes tested" in late.definition


def test_per_answer_a_period_without_complaints_is_compared_too(ws: Workspace) -> None:
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    rows = answers(OCT, [None] * 100, 10) + answers(NOV, [None] * 80, 10)
    rows += answers(NOV, ["My parcel arrived two weeks late."] * 20, 1)
    add_rows(ws, "survey_responses", rows)
    assert theme_shifts(ws, "nps", period_start=NOV) == []  # no complaint to share among
    found = theme_shifts(ws, "nps", period_start=NOV, basis="answers")
    assert [(s.theme, s.count_before, s.total_before, s.count_after) for s in found] == [
        ("delivery", 0, 100, 20)
    ]
