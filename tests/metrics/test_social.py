"""Mentions and reviews: volume by normalised platform, ratings, sentiment shares and the
public response times (median, within 1 and 24 hours)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cxpulse import Workspace
from tests.conftest import add_rows

T = datetime(2025, 5, 6, 9, 0)
H = timedelta(hours=1)


@pytest.fixture
def mentions(ws: Workspace) -> Workspace:
    rows = [
        {"platform": "Trustpilot", "rating": 5.0, "responded_at": T + 0.5 * H},
        {"platform": "trustpilot", "rating": 2.0, "responded_at": T + 3 * H},
        {"platform": "Google Business Profile", "rating": 4.0, "responded_at": T + 30 * H},
        {"platform": "google", "rating": 3.0, "sentiment": -0.6},  # the score wins over stars
        {"platform": "Twitter", "sentiment": 0.8, "responded_at": T + 10 * H},
        {"platform": "x", "sentiment": 0.02},  # neutral
        {"platform": "Reddit", "sentiment": -0.3},
        {"platform": "Mastodon", "sentiment": None},  # unknown platform, no sentiment
    ]
    add_rows(ws, "mentions", [{"posted_at": T, "source": "test"} | r for r in rows])
    return ws


def values(ws: Workspace, name: str, **kw: object) -> dict[str, float]:
    df = ws.metric(name, by="all", segment="platform", **kw)  # type: ignore[arg-type]
    return dict(zip(df["platform"], df["value"], strict=True))


def test_volume_by_normalised_platform(mentions: Workspace) -> None:
    assert values(mentions, "mention_volume") == {
        "forum": 1,
        "google": 2,
        "other": 1,
        "trustpilot": 2,
        "x": 2,
    }
    total = mentions.metric("mention_volume", by="all")
    assert total["value"].iloc[0] == 8 and total["ci_low"].isna().all()


def test_review_rating_by_platform(mentions: Workspace) -> None:
    assert values(mentions, "review_rating") == {"google": 3.5, "trustpilot": 3.5}
    overall = mentions.metric("review_rating", by="all")
    assert overall["value"].iloc[0] == pytest.approx(3.5) and overall["n"].iloc[0] == 4


def test_sentiment_net_and_shares(mentions: Workspace) -> None:
    # with a feeling: tp 5* (+), tp 2* (-), google 4* (+), google -0.6 (-), x +0.8 (+),
    # x 0.02 (neutral), reddit -0.3 (-): 3 positive, 3 negative, 1 neutral of 7
    net = mentions.metric("mention_sentiment", by="all")
    assert net["value"].iloc[0] == pytest.approx(0) and net["n"].iloc[0] == 7
    positive = mentions.metric("mention_sentiment", by="all", variant="positive")
    assert positive["value"].iloc[0] == pytest.approx(300 / 7)
    negative = mentions.metric("mention_sentiment", by="all", variant="negative")
    assert negative["value"].iloc[0] == pytest.approx(300 / 7)


def test_response_times(mentions: Workspace) -> None:
    median = mentions.metric("social_response_time", by="all")
    assert median["value"].iloc[0] == pytest.approx(6.5) and median["n"].iloc[0] == 4
    mean = mentions.metric("social_response_time", by="all", variant="mean")
    assert mean["value"].iloc[0] == pytest.approx((0.5 + 3 + 30 + 10) / 4)
    within_1h = mentions.metric("social_answered_1h", by="all")
    assert within_1h["value"].iloc[0] == pytest.approx(100 / 8)  # of all 8 mentions
    within_24h = mentions.metric("social_answered_24h", by="all")
    assert within_24h["value"].iloc[0] == pytest.approx(300 / 8)
    answered = mentions.metric("social_response_rate", by="all")
    assert answered["value"].iloc[0] == pytest.approx(50)


def test_sentiment_falls_back_to_cxpulse_scores(ws: Workspace) -> None:
    from cxpulse.text.annotate import score_workspace

    rows = [
        {"mention_id": "own", "sentiment": 0.9, "text": "Awful, terrible, never again"},
        {"mention_id": "stars", "rating": 1.0, "text": "Wonderful, I love it"},
        {"mention_id": "text", "text": "Terrible service, awful delivery, never again"},
        {"mention_id": "nothing"},
    ]
    add_rows(ws, "mentions", [{"posted_at": T, "platform": "x"} | r for r in rows])
    before = ws.metric("mention_sentiment", by="all")
    assert before["n"].iloc[0] == 2  # the text alone says nothing until it is scored
    score_workspace(ws, ["mentions"])
    after = ws.metric("mention_sentiment", by="all", variant="negative")
    # own score (+) and stars (-) are kept over cxpulse's reading; the text-only one is negative
    assert after["n"].iloc[0] == 3 and after["value"].iloc[0] == pytest.approx(200 / 3)
