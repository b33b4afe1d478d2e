"""score_workspace, theme_trends and themes_before_churn on a real DuckDB workspace."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from cxpulse import Workspace
from cxpulse.demo.workspace import DEMO_TAXONOMY
from cxpulse.errors import ConfigError
from cxpulse.text.annotate import annotate_texts, score_workspace
from cxpulse.text.trends import ANY_THEME, theme_trends, themes_before_churn
from tests.conftest import add_rows


@pytest.fixture
def texts(ws: Workspace) -> Workspace:
    # a coffee company, as the demo: its workspace chooses the demo's coffee themes
    ws.set_setting("theme_taxonomy", DEMO_TAXONOMY)
    add_rows(
        ws,
        "customers",
        [
            {"customer_id": "C1", "language": "fr"},
            {"customer_id": "C2", "language": "en"},
            {"customer_id": "C3", "language": "en"},
        ],
    )
    at = datetime
    add_rows(
        ws,
        "survey_responses",
        [
            {"response_id": "R1", "customer_id": "C1", "score": 2, "language": "fr",
             "comment": "J'attends mon remboursement depuis trois semaines.",
             "responded_at": at(2025, 1, 10, 12)},
            {"response_id": "R2", "customer_id": "C2", "score": 9, "language": "en",
             "comment": "Great coffee, fast delivery!", "responded_at": at(2025, 1, 15, 12)},
            {"response_id": "R3", "customer_id": "C2", "score": 8, "comment": None,
             "responded_at": at(2025, 1, 16, 12)},
            {"response_id": "R4", "customer_id": "C3", "score": 8, "comment": "  ",
             "responded_at": at(2025, 1, 16, 12)},
            {"response_id": "R5", "customer_id": "C3", "score": 1, "language": "en",
             "comment": "Terrible app", "responded_at": at(2025, 1, 20, 12)},
        ],
    )  # fmt: skip
    add_rows(
        ws,
        "tickets",
        [
            {"ticket_id": "T1", "customer_id": "C1", "subject": "Colis non reçu",
             "created_at": at(2025, 2, 3, 12)},
            {"ticket_id": "T2", "customer_id": "C1", "subject": "Ok",
             "created_at": at(2025, 2, 4, 12)},
            {"ticket_id": "T3", "customer_id": "C2", "subject": "App crashes",
             "created_at": at(2025, 2, 5, 12)},
        ],
    )  # fmt: skip
    add_rows(
        ws,
        "mentions",
        [{"mention_id": "M1", "platform": "google", "language": "fr",
          "text": "Le café est excellent", "posted_at": at(2025, 2, 10, 12)}],
    )  # fmt: skip
    add_rows(
        ws,
        "subscriptions",
        [
            # C1 leaves for good; C2 switches plan the next day (not churn); C3 never subscribed
            {"subscription_id": "S1", "customer_id": "C1", "price": 20.0,
             "billing_period": "month", "started_at": at(2024, 6, 1), "ended_at": at(2025, 3, 1)},
            {"subscription_id": "S2", "customer_id": "C2", "price": 20.0,
             "billing_period": "month", "started_at": at(2024, 1, 1),
             "ended_at": at(2025, 2, 20)},
            {"subscription_id": "S3", "customer_id": "C2", "price": 30.0,
             "billing_period": "month", "started_at": at(2025, 2, 21)},
        ],
    )  # fmt: skip
    return ws


def _annotations(ws: Workspace) -> pd.DataFrame:
    frame: pd.DataFrame = ws.store.table("text_annotations").execute()
    return frame.set_index("row_key").sort_index()


def test_score_workspace_writes_one_row_per_text(texts: Workspace) -> None:
    written = score_workspace(texts)
    assert written == {"survey_responses": 3, "tickets": 3, "mentions": 1}
    ann = _annotations(texts)
    assert list(ann.index) == ["M1", "R1", "R2", "R5", "T1", "T2", "T3"]
    assert ann.loc["R1", "label"] == "negative" and ann.loc["R1", "themes"] == "refund"
    assert ann.loc["R2", "label"] == "positive"
    assert ann.loc["R2", "themes"] == "delivery,coffee_quality"
    assert ann.loc["T1", "language"] == "fr"  # detected
    assert ann.loc["T2", "language"] == "fr"  # "Ok": undecided, so the customer's language
    assert ann.loc["T3", "language"] == "en" and ann.loc["T3", "themes"] == "app"
    assert ann.loc["R1", "analyzer"] == "cxpulse-fr" and ann.loc["R2", "analyzer"] == "cxpulse-en"
    assert ann["annotation_id"].is_unique


def test_score_workspace_is_idempotent(texts: Workspace) -> None:
    score_workspace(texts)
    first = _annotations(texts)
    score_workspace(texts, analyzers={"en": "vader"})
    second = _annotations(texts)
    assert len(second) == len(first) == 7
    assert second.loc["R2", "analyzer"] == "vader" and second.loc["R1", "analyzer"] == "cxpulse-fr"
    assert (second["annotated_at"] >= first["annotated_at"]).all()
    add_rows(
        texts,
        "tickets",
        [{"ticket_id": "T4", "customer_id": "C2", "subject": "Refund request",
          "created_at": datetime(2025, 2, 6)}],
    )  # fmt: skip
    assert score_workspace(texts, ["tickets"], only_new=True) == {"tickets": 1}
    assert len(_annotations(texts)) == 8


def test_bad_choices(texts: Workspace) -> None:
    with pytest.raises(ConfigError, match="no text to analyse in orders"):
        score_workspace(texts, ["orders"])
    with pytest.raises(ConfigError, match="per language"):
        score_workspace(texts, analyzers={"de": "vader"})


def test_annotate_texts_without_a_workspace() -> None:
    frame = annotate_texts(
        ["Livraison rapide, merci !", "The app crashed", "☕", None],
        fallback=[None, None, "fr", None],
    )
    assert list(frame["language"]) == ["fr", "en", "fr", "en"]
    assert list(frame["label"][:2]) == ["positive", "negative"]
    assert frame["themes"].tolist()[:2] == [["delivery"], ["bugs", "website_app"]]  # built in
    assert pd.isna(frame["sentiment"].iloc[3])


def test_theme_trends(texts: Workspace) -> None:
    score_workspace(texts)
    df = theme_trends(texts, "month")
    jan = df[df["period"] == "2025-01"].set_index("theme")
    feb = df[df["period"] == "2025-02"].set_index("theme")
    # January: 3 annotated comments (R1 refund; R2 delivery + coffee; R5 app)
    assert jan.loc["refund", "n"] == 1 and jan.loc["refund", "share"] == pytest.approx(100 / 3)
    assert jan.loc["refund", "mean_sentiment"] < 0 < jan.loc["delivery", "mean_sentiment"]
    assert jan.loc["refund", "negative_share"] == 100
    assert set(feb.index) == {"delivery", "app", "coffee_quality"}
    by_table = theme_trends(texts, "quarter", by_table=True)
    assert set(by_table["table"]) == {"survey_responses", "tickets", "mentions"}
    assert by_table["n"].sum() == df["n"].sum()
    only_tickets = theme_trends(texts, "all", tables=["tickets"])
    assert set(only_tickets["theme"]) == {"delivery", "app"}
    assert theme_trends(texts, "month", start="2025-03-01").empty
    with pytest.raises(ConfigError):
        theme_trends(texts, tables=["orders"])


def test_themes_before_churn(texts: Workspace) -> None:
    score_workspace(texts)
    df = themes_before_churn(texts, 90, as_of="2025-06-30").set_index("theme")
    # C1 churns on 2025-03-01, 50 and 26 days after comments; C2 only switched plans; C3 had
    # no running subscription when writing, so does not count.
    assert df.loc[ANY_THEME, "customers"] == 2 and df.loc[ANY_THEME, "churned"] == 1
    assert df.loc["refund", "share"] == 100
    assert df.loc["delivery", "customers"] == 2 and df.loc["delivery", "share"] == 50
    assert df.loc["app", "churned"] == 0
    low, high = df.loc["delivery", ["ci_low", "ci_high"]]
    assert 0 < low < 50 < high < 100  # in %
    assert df.loc["refund", "lift"] == pytest.approx(2.0)
    shorter = themes_before_churn(texts, 20, as_of="2025-06-30").set_index("theme")
    assert shorter.loc["refund", "churned"] == 0  # 50 days is outside a 20-day window
    negative = themes_before_churn(texts, 90, as_of="2025-06-30", only_negative=True)
    assert "coffee_quality" not in set(negative["theme"])
    # by default the data ends at the last subscription event (2025-03-01): no full window
    assert themes_before_churn(texts, 90).empty
    with pytest.raises(ConfigError, match="at least 1"):
        themes_before_churn(texts, 0)
