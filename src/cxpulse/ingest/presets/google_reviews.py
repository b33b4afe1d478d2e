"""Google Business Profile reviews from Google Takeout (one ``reviews.json`` per location)
into mentions, platform ``google``.

The review's fields are Google's (Business Profile API, ``accounts.locations.reviews``,
https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews):
``name`` (``accounts/{a}/locations/{l}/reviews/{reviewId}``), ``reviewId``, ``reviewer``
(``displayName``, ``isAnonymous``), ``starRating`` (``ONE`` to ``FIVE``), ``comment``,
``createTime``, ``updateTime`` (RFC 3339, UTC) and ``reviewReply`` (``comment``,
``updateTime``). Takeout writes a location's reviews as ``{"reviews": [...]}`` in those
fields, as the API's list call does, so the same file shape covers both; a JSON-lines file
of single reviews works too. ``reshape`` makes one row per review (an error names the
review's place in the list), reads the stars, and takes the id from ``name`` when
``reviewId`` is absent: the mention id is the review id, as a Google reviews connector
(``google``) will write it, so a later sync updates these rows instead of duplicating them.
The reply's ``updateTime`` is the response time (the API keeps no first-reply time).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import text, with_frame
from cxpulse.ingest.readers import RawFile

STARS = {"ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5"}
COLUMNS = ("(review id)", "(author)", "(stars)", "(text)", "(posted at)", "(replied at)")
SOURCES = ("reviewId", "reviewer", "starRating", "comment", "createTime", "reviewReply")
ORIGINS = dict(zip(COLUMNS, SOURCES, strict=True))
"""The review's field each column is read from, named in errors."""


def _json(cell: object) -> Any:
    if cell is None or pd.isna(cell):  # type: ignore[call-overload]
        return None
    try:
        return json.loads(str(cell))
    except json.JSONDecodeError:
        return str(cell)


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _row(review: dict[str, Any]) -> list[str | None]:
    name = str(review.get("name") or "")
    review_id = review.get("reviewId") or (name.rsplit("/", 1)[-1] if name else None)
    reviewer = _object(review.get("reviewer"))
    reply = _object(review.get("reviewReply"))
    stars = review.get("starRating")
    # STAR_RATING_UNSPECIFIED has no stars; any other unknown value is kept to be rejected
    rating = None if stars in (None, "STAR_RATING_UNSPECIFIED") else STARS.get(str(stars), stars)
    return [
        review_id,
        None if reviewer.get("isAnonymous") else reviewer.get("displayName"),
        rating,
        review.get("comment"),
        review.get("createTime"),
        reply.get("updateTime"),
    ]


def reshape(raw: RawFile) -> RawFile:
    frame = raw.frame
    if "reviews" in frame.columns:  # {"reviews": [...]}: one row per review
        reviews = [r for cell in frame["reviews"] for r in (_json(cell) or [])]
        found = [r for r in reviews if isinstance(r, dict)]
        lines = list(range(1, len(found) + 1))
        raw = replace(raw, line_word="review")
    else:  # one review per record (JSON lines)
        found = [
            {k: _json(v) if k in ("reviewer", "reviewReply") else v for k, v in r.items()}
            for r in frame.to_dict("records")
        ]
        lines = list(raw.lines)
    rows = [_row(r) for r in found]
    columns = {name: text([row[i] for row in rows]) for i, name in enumerate(COLUMNS)}
    return replace(with_frame(raw, pd.DataFrame(columns), lines), origins=ORIGINS)


GOOGLE_REVIEWS = Preset(
    name="google-reviews",
    table="mentions",
    doc="Google Takeout > Google Business Profile > a location's reviews.json",
    columns={
        "mention_id": ("(review id)",),
        "author": ("(author)",),
        "rating": ("(stars)",),
        "text": ("(text)",),
        "posted_at": ("(posted at)",),
        "responded_at": ("(replied at)",),
    },
    constants={"platform": "google"},
    timezone="UTC",
    confirmed=True,
    reshape=reshape,
)
