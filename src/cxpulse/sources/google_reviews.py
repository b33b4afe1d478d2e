"""Google Business Profile: the reviews of one location, with the owner's replies, into
``mentions``.

Shapes as Google documents them (the test server, tests/sources/google_reviews_server.py,
answers the same): ``GET https://mybusiness.googleapis.com/v4/accounts/{account}/locations/
{location}/reviews?pageSize=50&orderBy=updateTime desc&pageToken=`` with an OAuth access token
(``Authorization: Bearer``, scope ``business.manage``), answering ``reviews`` (``reviewId``,
``reviewer.displayName``, ``starRating`` ONE..FIVE, ``comment``, ``createTime``,
``updateTime``, ``reviewReply`` {``comment``, ``updateTime``}), ``averageRating``,
``totalReviewCount`` and ``nextPageToken`` while more follow.
https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews/list
https://developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews

Incremental by ``updateTime`` (a new review and an edited one move it): the list is newest
first, so a sync stops at the first review last changed before the cursor. Whether the
owner's reply moves the review's ``updateTime`` the docs do not say, so the cursor is the
newest ``updateTime`` seen minus ``--reply-window-days`` (30 by default): a reply given within
that window is read by a later sync (one given later, by ``sync --full``); the re-read costs
a request per 50 reviews of the window and no duplicate (rows are upserted by
``reviewId``). A pass killed mid-way resumes at its ``pageToken`` (one Google no longer
accepts restarts the pass from the newest review). Deleted reviews: the list holds current
reviews only and reports no deletions; a removed review stays here until removed by hand.

A review Google translated for the reader reads ``(Translated by Google) ... (Original) ...``:
the text kept is the original the reviewer wrote. The API gives neither the original's nor
the translation's language, so ``language`` is left to the text annotation. ``rating`` is
the star count, ``responded_at`` the reply's ``updateTime`` (the only time Google gives:
an edited reply moves it), ``mention_id`` the ``reviewId`` and ``platform`` google.

Access tokens expire after an hour and refreshing them is out of scope here: a refused token
(401 UNAUTHENTICATED) is one line naming the source and saying to refresh it; for the worker,
keep a fresh token in a secrets file (``--token-file``, read at every sync) written by a
scheduled ``gcloud auth print-access-token`` or your OAuth client.

Why plain httpx and not ``google-api-python-client``: the Business Profile v4 reviews API is
not in Google's discovery list (the client needs a discovery document supplied by hand) and
the client pulls google-auth, httplib2 and its own retry; the sync must own each page boundary
(rows and cursor in one transaction) and read the raw JSON, for one GET endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from cxpulse.errors import ConfigError
from cxpulse.sources.connector import Connector, Option, Page, Row
from cxpulse.sources.http import Auth, RequestRefused, TokenHeader
from cxpulse.sources.review_times import REPLY_WINDOW, check_reply_window, iso, moment, reply_window
from cxpulse.sources.webhook_mapping import obj

PAGE_SIZE = 50  # Google's largest pageSize for reviews
STARS = {"ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5"}
TRANSLATED = "(Translated by Google)"
ORIGINAL = "(Original)"

_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


class GoogleReviews(Connector):
    name = "google_reviews"
    title = "Google Business Profile"
    options: ClassVar[tuple[Option, ...]] = (
        Option("account", "The Business Profile account id (the digits of accounts/ID).", True),
        Option("location", "The location id (the digits of locations/ID).", True),
        REPLY_WINDOW,
        Option("base_url", "Another address of the API (a proxy, or a test server)."),
    )
    streams = ("reviews",)
    token_help = (
        "a current OAuth access token with the business.manage scope (Google's expire after "
        "an hour: refresh it)"
    )

    @classmethod
    def check(cls, options: Mapping[str, str | None]) -> dict[str, str]:
        given = {
            k: (_bare(v) if k in ("account", "location") and v else v) for k, v in options.items()
        }
        checked = super().check(given)
        check_reply_window(checked)
        for option in ("account", "location"):
            # each is a segment of every request's path: nothing that could leave it
            if not _ID.fullmatch(checked[option]):
                raise ConfigError(
                    f"--{option} is the id Google gives it (the digits of "
                    f"{option}s/ID), not {checked[option]!r}"
                )
        return checked

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        return options.get("base_url") or "https://mybusiness.googleapis.com"

    @classmethod
    def auth(cls, options: Mapping[str, str], token: str) -> Auth:
        return TokenHeader("Authorization", token, "Bearer")

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        state = dict(cursor or {})
        since = moment(state.get("since"))
        newest = moment(state.get("newest"))
        token = state.get("token")
        resumed = bool(token)  # the first request resumes a killed pass at its page token
        path = (
            f"/v4/accounts/{self.settings['account']}/locations/{self.settings['location']}/reviews"
        )
        while True:
            params: dict[str, Any] = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
            if token:
                params["pageToken"] = token
            try:
                body = self.http.get(path, params)
            except RequestRefused as refused:
                if not resumed or refused.status != 400:
                    raise
                # the page token of a pass killed long ago may have expired: read the pass
                # again from the newest review (rows are upserted, nothing is duplicated)
                self.http.say(f"{self.source}: the saved page token was refused; reading the "
                              "reviews again from the newest")  # fmt: skip
                token, resumed = None, False
                continue
            resumed = False
            reviews = [r for r in body.get("reviews") or [] if isinstance(r, dict)]
            updated = [u for u in (moment(r.get("updateTime")) for r in reviews) if u]
            newest = max([*updated, *([newest] if newest else [])], default=None)
            reached = since is not None and any(u < since for u in updated)
            token = body.get("nextPageToken") if not reached else None
            more = bool(reviews) and bool(token)
            if more:
                state = {"since": iso(since), "token": token, "newest": iso(newest)}
            else:  # the pass is over: the next one reads back over the reply window
                back = newest - reply_window(self.settings) if newest else since
                state = {"since": iso(back)}
            yield Page(rows={"mentions": [self._review(r) for r in reviews]}, cursor=state,
                       done=not more)  # fmt: skip
            if not more:
                return

    def _review(self, r: dict[str, Any]) -> Row:
        reviewer = obj(r.get("reviewer"))
        reply = obj(r.get("reviewReply"))
        return {
            "mention_id": _text(r.get("reviewId")),
            "platform": "google",
            "author": _text(reviewer.get("displayName")),
            "posted_at": _text(r.get("createTime")),
            "rating": STARS.get(str(r.get("starRating"))),
            "text": original(r.get("comment")),
            "responded_at": _text(reply.get("updateTime")),
            "source": self.source,
        }


def original(comment: Any) -> str | None:
    """The text the reviewer wrote: the ``(Original)`` part of a comment Google translated
    (whichever order the two parts come in), else the comment as it is."""
    if not isinstance(comment, str) or not comment.strip():
        return None
    text = comment
    if ORIGINAL in text:
        text = text.split(ORIGINAL, 1)[1]
        text = text.split(TRANSLATED, 1)[0]
    elif TRANSLATED in text:  # the translation alone, or the original before it
        before, after = text.split(TRANSLATED, 1)
        text = before if before.strip() else after
    return text.strip() or None


def _bare(value: str) -> str:
    """An id given as its resource name (accounts/123, locations/456) as the id alone."""
    return value.strip().rstrip("/").rsplit("/", 1)[-1]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
