"""Trustpilot: the service reviews of one business unit, with the company's replies, into
``mentions``.

Shapes as Trustpilot documents them (the test server, tests/sources/trustpilot_server.py,
answers the same): ``GET /v1/business-units/{businessUnitId}/reviews?perPage=100&page=N
&orderBy=createdat.desc`` with the API key in the ``apikey`` header, answering ``reviews``
(``id``, ``stars``, ``title``, ``text``, ``language``, ``createdAt``, ``consumer.displayName``,
``companyReply`` {``text``, ``createdAt``}, ...) and ``links`` (``rel: next-page`` while there
is one). https://developers.trustpilot.com/business-units-api

Incremental: the list has no updated-since filter (only creation order, newest first, and a
``startDateTime`` on creation on the private endpoint), yet a reply arrives after its review.
So each sync reads from the newest review down to the first one created before the cursor,
and the cursor is the newest review's creation minus ``--reply-window-days`` (30 by default):
a reply given within that window is picked up by a later sync; one given later only by
``sync --full``. The re-read costs a request per 100 reviews of the window and no duplicate
(rows are upserted by the review's id). A pass killed mid-way resumes at its next page (a
review posted meanwhile shifts the pages by one: a review read twice, none lost). Deleted
reviews: Trustpilot lists only active reviews and reports no deletions (a removed review just
stops being listed), so a removed review stays here until removed by hand.

The same review from the Business download (``--preset trustpilot``) and from a sync is one
row: same ``mention_id`` (the review's id) and ``platform`` (trustpilot). ``referenceId``
(the order reference given with the invitation) becomes ``customer_id`` when Trustpilot sends
it (its private, OAuth endpoint does; the public one may not); a page without any keeps the
customer a file import gave. The title and the text are one ``text``, the title first.

Why plain httpx and not Trustpilot's own client (``trustpilot`` on PyPI, last release 2023,
github.com/trustpilot/python-trustpilot): it is a requests session that adds the ``apikey``
and OAuth headers and, on a 401, fetches a token and retries once; it neither pages nor maps,
reads its credentials from process-wide environment variables (``TRUSTPILOT_API_KEY``) and
builds a default session at import. For one GET endpoint it would add requests beside httpx
and a second retry policy; the sync must own each page boundary (rows and cursor in one
transaction) and read the raw JSON, with the Retry-After policy every connector shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from cxpulse.errors import ConfigError
from cxpulse.sources.connector import Connector, Option, Page, Row
from cxpulse.sources.http import Auth, TokenHeader
from cxpulse.sources.review_times import REPLY_WINDOW, check_reply_window, iso, moment, reply_window
from cxpulse.sources.webhook_mapping import obj

PER_PAGE = 100  # Trustpilot's largest perPage
REVIEW_URL = "https://www.trustpilot.com/reviews/{id}"

_UNIT_ID = re.compile(r"[A-Za-z0-9]{1,64}")


class Trustpilot(Connector):
    name = "trustpilot"
    title = "Trustpilot"
    options: ClassVar[tuple[Option, ...]] = (
        Option(
            "business_unit_id",
            "The business unit's id (Trustpilot Business > Integrations > API).",
            True,
        ),
        REPLY_WINDOW,
        Option("base_url", "Another address of the API (a proxy, or a test server)."),
    )
    streams = ("reviews",)
    token_help = "a valid Trustpilot API key of this business unit's account"
    customer_ids = "yours"
    """``referenceId`` is the business's own reference (given with the invitation), written
    as given, never translated as a vendor's id of a person."""

    @classmethod
    def check(cls, options: Mapping[str, str | None]) -> dict[str, str]:
        checked = super().check(options)
        check_reply_window(checked)
        # the id is a segment of every request's path: nothing that could leave it
        if not _UNIT_ID.fullmatch(checked["business_unit_id"]):
            raise ConfigError(
                "--business-unit-id is the id Trustpilot gives your business unit (letters "
                f"and digits, e.g. 46d6a890ffa235a75b00021d), not {checked['business_unit_id']!r}"
            )
        return checked

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        return options.get("base_url") or "https://api.trustpilot.com"

    @classmethod
    def auth(cls, options: Mapping[str, str], token: str) -> Auth:
        return TokenHeader("apikey", token)

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        state = dict(cursor or {})
        since = moment(state.get("since"))
        newest = moment(state.get("newest"))
        page = int(state.get("page", 0)) + 1  # a pass killed mid-way resumes at its next page
        path = f"/v1/business-units/{self.settings['business_unit_id']}/reviews"
        while True:
            body = self.http.get(
                path, {"perPage": PER_PAGE, "page": page, "orderBy": "createdat.desc"}
            )
            reviews = [r for r in body.get("reviews") or [] if isinstance(r, dict)]
            created = [c for c in (moment(r.get("createdAt")) for r in reviews) if c]
            newest = max([*created, *([newest] if newest else [])], default=None)
            reached = since is not None and any(c < since for c in created)
            more = bool(reviews) and not reached and _has_next(body, len(reviews))
            if more:
                state = {"since": iso(since), "page": page, "newest": iso(newest)}
            else:  # the pass is over: the next one reads back over the reply window
                back = newest - reply_window(self.settings) if newest else since
                state = {"since": iso(back)}
            yield Page(rows={"mentions": self._rows(reviews)}, cursor=state, done=not more)
            if not more:
                return
            page += 1

    def _rows(self, reviews: list[dict[str, Any]]) -> list[Row]:
        rows = [self._review(r) for r in reviews]
        if all(r.get("customer_id") is None for r in rows):
            # no reference on this page: keep the customer a file import gave each review
            for r in rows:
                del r["customer_id"]
        return rows

    def _review(self, r: dict[str, Any]) -> Row:
        consumer = obj(r.get("consumer"))
        reply = obj(r.get("companyReply"))
        review_id = _text(r.get("id"))
        return {
            "mention_id": review_id,
            "platform": "trustpilot",
            "customer_id": _text(r.get("referenceId")) or None,
            "author": _text(consumer.get("displayName")),
            "posted_at": _text(r.get("createdAt")),
            "rating": _text(r.get("stars")),
            "text": _joined(r.get("title"), r.get("text")),
            "language": _text(r.get("language")),
            "url": REVIEW_URL.format(id=review_id) if review_id else None,
            "responded_at": _text(reply.get("createdAt")),
            "source": self.source,
        }


def _has_next(body: dict[str, Any], count: int) -> bool:
    """Whether another page follows: the ``next-page`` link, else a full page."""
    links = body.get("links")
    if isinstance(links, list):
        return any(isinstance(link, dict) and link.get("rel") == "next-page" for link in links)
    return count >= PER_PAGE


def _joined(title: Any, text: Any) -> str | None:
    parts = [str(p).strip() for p in (title, text) if p is not None and str(p).strip()]
    return "\n\n".join(parts) or None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
