"""A local Trustpilot API for the connector's tests, answering in the documented shapes.

``GET /v1/business-units/{businessUnitId}/reviews?perPage=&page=&orderBy=createdat.desc``
with the key in the ``apikey`` header: ``reviews`` (the review object with ``id``,
``consumer`` {``id``, ``displayName``, ``displayLocation``, ``numberOfReviews``},
``businessUnit``, ``stars``, ``title``, ``text``, ``language``, ``createdAt``,
``experiencedAt``, ``updatedAt``, ``companyReply`` {``text``, ``authorBusinessUserId``,
``authorBusinessUserName``, ``createdAt``, ``updatedAt``}, ``isVerified``, ``status``,
``numberOfLikes``, ``links``) and ``links`` with ``rel: next-page`` while more follow;
``perPage`` 1 to 100 (default 20), ``page`` from 1, a page past the last answers an empty
list. Documented at https://developers.trustpilot.com/business-units-api ("Get a business
unit's reviews"; the private variant adds ``referenceId`` and ``referralEmail``).

The reviews are listed newest first, by ``createdAt``; a removed review is no longer listed.
Knobs: ``per_page_cap`` (a smaller page than the connector asks, to page with few reviews),
``key``, and the shared ``throttle`` / ``unavailable`` / ``hang_at`` (vendor_server).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sources import vendor_server
from tests.sources.vendor_server import Account, VendorHandler

KEY = "tp-api-key-5678"
UNIT = "46d6a890ffa235a75b00021d"


def ts(day: int, hour: int = 9) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00.000Z"


def review_id(n: int) -> str:
    return f"5e3de1b45fb06f{n:010d}"


def review(n: int, day: int = 2, hour: int = 9, **extra: Any) -> dict[str, Any]:
    """A review shaped as the documented example (fields cxpulse does not read included)."""
    rid = review_id(n)
    body: dict[str, Any] = {
        "links": [
            {
                "href": f"https://api.trustpilot.com/v1/reviews/{rid}",
                "method": "GET",
                "rel": "reviews",
            },
        ],
        "id": rid,
        "consumer": {
            "links": [],
            "id": f"5e3de1b45fb06f{n + 5000:010d}",
            "displayName": f"Consumer {n}",
            "displayLocation": "Lyon, FR",
            "numberOfReviews": 3,
        },
        "businessUnit": {
            "links": [],
            "id": UNIT,
            "identifyingName": "acme.test",
            "displayName": "Acme",
        },
        "location": None,
        "stars": 1 + n % 5,
        "title": f"Title {n}",
        "text": f"Review {n} text.",
        "language": "en",
        "createdAt": ts(day, hour),
        "experiencedAt": ts(day - 1, hour),
        "updatedAt": None,
        "companyReply": None,
        "isVerified": True,
        "source": "AFSv2",
        "numberOfLikes": 0,
        "status": "active",
        "reportData": None,
        "complianceLabels": [],
        "countsTowardsTrustScore": True,
        "reviewVerificationLevel": "invited",
    }
    body.update(extra)
    return body


def reply(day: int, hour: int = 15) -> dict[str, Any]:
    return {
        "text": "Thank you for your feedback.",
        "authorBusinessUserId": "5e3de1b45fb06f0000000001",
        "authorBusinessUserName": "Support team",
        "createdAt": ts(day, hour),
        "updatedAt": None,
    }


@dataclass
class Trustpilot(Account):
    reviews: list[dict[str, Any]] = field(default_factory=list)
    key: str = KEY
    per_page_cap: int = 100
    retry_after: str = ""

    def asked(self, number: int) -> dict[str, str]:
        return {k: v[-1] for k, v in self.query(number).items()}

    def put(self, r: dict[str, Any]) -> None:
        """Add a review, or replace the one with its id (a reply given, an edit)."""
        self.reviews = [x for x in self.reviews if x["id"] != r["id"]] + [r]

    def remove(self, n: int) -> None:
        self.reviews = [x for x in self.reviews if x["id"] != review_id(n)]


class _Handler(VendorHandler):
    def do_GET(self) -> None:
        tp: Trustpilot = self.server.account
        arrival = self.arrive()
        if self.headers.get("apikey") != tp.key:
            self.send_json(401, {"message": "Unauthorized", "errorCode": 401})
            return
        if arrival == "throttled":
            headers = {"Retry-After": tp.retry_after} if tp.retry_after else {}
            self.send_json(429, {"message": "Too Many Requests"}, headers)
            return
        if arrival == "unavailable":
            self.send_json(503, {"message": "Service Unavailable"})
            return
        url = urlsplit(self.path)
        if url.path != f"/v1/business-units/{UNIT}/reviews":
            self.send_json(404, {"message": "Not Found"})
            return
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        per_page = min(int(query.get("perPage", 20)), 100, tp.per_page_cap)
        page = int(query.get("page", 1))
        newest_first = query.get("orderBy", "createdat.desc") == "createdat.desc"
        ordered = sorted(tp.reviews, key=lambda r: r.get("createdAt") or "", reverse=newest_first)
        listed = ordered[(page - 1) * per_page : page * per_page]
        base = f"http://{self.headers['Host']}{url.path}"
        links = []
        if page * per_page < len(ordered):
            links.append({"href": f"{base}?page={page + 1}&perPage={per_page}", "method": "GET",
                          "rel": "next-page"})  # fmt: skip
        if page > 1:
            links.append({"href": f"{base}?page={page - 1}&perPage={per_page}", "method": "GET",
                          "rel": "prev-page"})  # fmt: skip
        self.send_json(200, {"links": links, "reviews": listed})


def serve(tp: Trustpilot) -> AbstractContextManager[str]:
    """Serve ``tp`` on a free local port; yields its base URL."""
    return vendor_server.serve(tp, _Handler)


def now() -> datetime:
    return datetime(2026, 3, 10, tzinfo=UTC).replace(tzinfo=None)
