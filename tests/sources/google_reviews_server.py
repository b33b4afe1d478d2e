"""A local Google Business Profile API (v4 reviews) for the connector's tests, answering in the
documented shapes.

``GET /v4/accounts/{accountId}/locations/{locationId}/reviews?pageSize=&pageToken=&orderBy=``
with ``Authorization: Bearer <access token>``: ``reviews`` (``name``, ``reviewId``,
``reviewer`` {``profilePhotoUrl``, ``displayName``, ``isAnonymous``}, ``starRating``
STAR_RATING_UNSPECIFIED|ONE..FIVE, ``comment``, ``createTime``, ``updateTime`` in RFC 3339
with 0 to 9 fractional digits, ``reviewReply`` {``comment``, ``updateTime``}),
``averageRating``, ``totalReviewCount``, and ``nextPageToken`` while more follow; ``pageSize``
at most 50; ``orderBy`` ``updateTime desc`` (the default), ``rating`` or ``rating desc``.
Documented at
https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list
and https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews.
Errors as Google APIs send them (https://cloud.google.com/apis/design/errors): ``{"error":
{"code", "message", "status"}}``, 401 UNAUTHENTICATED for an expired token, 429
RESOURCE_EXHAUSTED past the quota (no Retry-After).

Knobs: ``page_size`` (a smaller page than the connector asks), ``token``, and the shared
``throttle`` / ``unavailable`` / ``hang_at`` (vendor_server).
"""

from __future__ import annotations

import base64
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sources import vendor_server
from tests.sources.vendor_server import Account, VendorHandler

TOKEN = "ya29.a0-test-access-token"
ACCOUNT = "10451324987234"
LOCATION = "2375682346827364"
WORDS = {1: "ONE", 2: "TWO", 3: "THREE", 4: "FOUR", 5: "FIVE"}


def ts(day: int, hour: int = 9, nanos: bool = False) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00{'.045123456' if nanos else ''}Z"


def review_id(n: int) -> str:
    return f"AbFvOqm{n:06d}xQ-sZk"


def review(n: int, day: int = 2, updated: int | None = None, **extra: Any) -> dict[str, Any]:
    """A review shaped as the documented resource."""
    rid = review_id(n)
    body: dict[str, Any] = {
        "name": f"accounts/{ACCOUNT}/locations/{LOCATION}/reviews/{rid}",
        "reviewId": rid,
        "reviewer": {
            "profilePhotoUrl": f"https://lh3.googleusercontent.test/a/{n}",
            "displayName": f"Reviewer {n}",
            "isAnonymous": False,
        },
        "starRating": WORDS[1 + n % 5],
        "comment": f"Review {n}.",
        "createTime": ts(day, nanos=True),
        "updateTime": ts(updated or day, nanos=True),
    }
    body.update(extra)
    return body


def reply(day: int, hour: int = 15) -> dict[str, Any]:
    return {"comment": "Thank you!", "updateTime": ts(day, hour)}


@dataclass
class Google(Account):
    reviews: list[dict[str, Any]] = field(default_factory=list)
    token: str = TOKEN
    page_size: int = 50

    def asked(self, number: int) -> dict[str, str]:
        return {k: v[-1] for k, v in self.query(number).items()}

    def put(self, r: dict[str, Any]) -> None:
        """Add a review, or replace the one with its id (an edit, a reply)."""
        self.reviews = [x for x in self.reviews if x["reviewId"] != r["reviewId"]] + [r]

    def remove(self, n: int) -> None:
        self.reviews = [x for x in self.reviews if x["reviewId"] != review_id(n)]


def _error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


class _Handler(VendorHandler):
    def do_GET(self) -> None:
        g: Google = self.server.account
        arrival = self.arrive()
        if self.headers.get("Authorization") != f"Bearer {g.token}":
            self.send_json(401, _error(401, "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential."))  # fmt: skip
            return
        if arrival == "throttled":
            self.send_json(429, _error(429, "RESOURCE_EXHAUSTED", "Quota exceeded."))
            return
        if arrival == "unavailable":
            self.send_json(503, _error(503, "UNAVAILABLE", "The service is unavailable."))
            return
        url = urlsplit(self.path)
        if url.path != f"/v4/accounts/{ACCOUNT}/locations/{LOCATION}/reviews":
            self.send_json(404, _error(404, "NOT_FOUND", "Requested entity was not found."))
            return
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        size = min(int(query.get("pageSize", 50)), 50, g.page_size)
        offset = 0
        if query.get("pageToken"):
            try:
                offset = int(base64.urlsafe_b64decode(query["pageToken"]).decode().split(":")[1])
            except (ValueError, IndexError):  # Google's answer to a token it no longer knows
                self.send_json(400, _error(400, "INVALID_ARGUMENT",
                                           "Request contains an invalid argument."))  # fmt: skip
                return
        order = query.get("orderBy", "updateTime desc")
        if order == "updateTime desc":
            ordered = sorted(g.reviews, key=lambda r: r["updateTime"], reverse=True)
        else:
            stars = {w: n for n, w in WORDS.items()}
            ordered = sorted(g.reviews, key=lambda r: stars.get(r["starRating"], 0),
                             reverse=order.endswith("desc"))  # fmt: skip
        listed = ordered[offset : offset + size]
        rated = [r for r in g.reviews if r.get("starRating") in WORDS.values()]
        body: dict[str, Any] = {
            "reviews": listed,
            "averageRating": round(
                sum(int(k) for k, w in WORDS.items() for r in rated if r["starRating"] == w)
                / max(len(rated), 1),
                1,
            ),
            "totalReviewCount": len(g.reviews),
        }
        if offset + size < len(ordered):
            body["nextPageToken"] = page_token(offset + size)
        self.send_json(200, body)


def serve(g: Google) -> AbstractContextManager[str]:
    """Serve ``g`` on a free local port; yields its base URL."""
    return vendor_server.serve(g, _Handler)


def now() -> datetime:
    return datetime(2026, 3, 10, tzinfo=UTC).replace(tzinfo=None)
