"""Google Business Profile reviews from Takeout: one JSON file per location into mentions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cxpulse.errors import ImportRejected
from cxpulse.ingest.presets import import_with_preset
from cxpulse.settings import Settings
from cxpulse.store import Store

from ..conftest import records
from ._samples import broken, sample


def test_reviews_of_a_location(store: Store, paris: Settings) -> None:
    report = import_with_preset(store, paris, "google-reviews", sample("google_reviews.json"))
    assert (report.rows_new, report.rows_rejected) == (2, 0)
    first, second = records(store, "mentions")
    assert (first["mention_id"], first["platform"], first["rating"]) == (
        "AbFvOqnYk2c9",
        "google",
        5.0,
    )
    assert (first["author"], first["text"]) == (
        "Camille Durand",
        "Friendly staff and my order was ready in ten minutes.",
    )
    assert first["posted_at"] == datetime(2025, 6, 30, 18, 22, 41, 512000)
    assert first["responded_at"] == datetime(2025, 7, 1, 8, 5)
    # no reviewId: the last part of its name; anonymous: no author; no reply, no text
    assert (second["mention_id"], second["author"], second["rating"]) == ("Ci9DQUlRQUNv", None, 2)
    assert (second["text"], second["responded_at"]) == (None, None)
    again = import_with_preset(store, paris, "google-reviews", sample("google_reviews.json"))
    assert (again.rows_new, again.rows_unchanged) == (0, 2)


def test_reviews_as_json_lines(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text(
        '{"reviewId": "r1", "starRating": "FOUR", "createTime": "2025-07-01T10:00:00Z", '
        '"reviewer": {"displayName": "Jo"}, '
        '"reviewReply": {"updateTime": "2025-07-02T10:00:00Z"}}\n'
    )
    import_with_preset(store, paris, "google-reviews", path)
    (row,) = records(store, "mentions")
    assert (row["mention_id"], row["rating"], row["author"]) == ("r1", 4.0, "Jo")
    assert row["responded_at"] == datetime(2025, 7, 2, 10)


def test_a_bad_review_names_its_place(store: Store, paris: Settings, tmp_path: Path) -> None:
    path = broken(tmp_path, "google_reviews.json", '"starRating": "TWO"', '"starRating": "ZERO"')
    with pytest.raises(ImportRejected, match=r'review 2, column "starRating" \(rating\): \'ZERO\''):
        import_with_preset(store, paris, "google-reviews", path)
