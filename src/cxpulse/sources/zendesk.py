"""Zendesk Support: tickets with their metrics, requesters, and satisfaction ratings.

Shapes as Zendesk documents them (the test server, tests/sources/zendesk_server.py, answers
the same):

- tickets: the cursor-based incremental export, ``GET /api/v2/incremental/tickets/cursor.json
  ?start_time=`` then ``?cursor=<after_cursor>`` until ``end_of_stream``; the last
  ``after_cursor`` is where the next sync starts. Sideloads ``users`` (requesters ->
  customers), ``groups`` (team names) and ``metric_sets`` (reply and resolution minutes,
  reopens, replies). A ticket whose status is ``deleted`` is deleted here too.
  https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
  https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/
- satisfaction ratings (legacy CSAT, good or bad): ``GET /api/v2/satisfaction_ratings
  ?score=received&start_time=`` with cursor pagination (``page[size]``, ``page[after]``,
  ``meta.has_more``, ``meta.after_cursor``). The list filters on time, not on a change
  cursor, so each sync reads again the last :data:`RATING_LOOKBACK_DAYS` days (a rating
  offered earlier can be answered, or changed, later; the upsert makes the re-read free).
  https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/

A good rating is 3 and a bad one 1 on a 1-3 CSAT scale: the CSAT metric (share of answers
above neutral) is then Zendesk's satisfaction score, good / (good + bad).

Why plain httpx and not zenpy: the sync must own the page boundary (rows and cursor commit
together) and see the vendor's raw JSON (unknown fields ignored, a missing field NULL), the
tests point it at a local server (``base_url``), and 429s follow our Retry-After policy; zenpy
wraps pages in its own lazy objects and retries inside itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from cxpulse.errors import ConfigError
from cxpulse.sources.connector import Connector, Option, Page, Row
from cxpulse.sources.http import RateLimit
from cxpulse.sources.webhook_mapping import Mapped, moment, obj, text
from cxpulse.sources.webhooks import Verified

TICKETS_PATH = "/api/v2/incremental/tickets/cursor.json"
EXPORT_LIMITS = "https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#rate-limits"
RATINGS_PATH = "/api/v2/satisfaction_ratings"
SIDELOADS = "users,groups,metric_sets"
RATINGS_PAGE_SIZE = 100
RATING_LOOKBACK_DAYS = 30
CSAT_SCORES = {"good": "3", "bad": "1"}

# Zendesk's via.channel -> the canonical channels
CHANNELS = {
    "email": "email",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "chat": "chat",
    "native_messaging": "chat",
    "messaging": "chat",
    "voice": "phone",
    "phone": "phone",
    "sms": "sms",
    "mobile_sdk": "in_app",
    "mobile": "in_app",
    "twitter": "social",
    "facebook": "social",
    "instagram_dm": "social",
    "whatsapp": "chat",
}


_SUBDOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class Zendesk(Connector):
    name = "zendesk"
    title = "Zendesk Support"
    options: ClassVar[tuple[Option, ...]] = (
        Option("subdomain", "Your Zendesk subdomain: acme for acme.zendesk.com.", True),
        Option("email", "The email of the admin whose API token it is.", True),
        Option("start", "First sync from this day (YYYY-MM-DD; default: everything)."),
        Option("base_url", "Another address of the API (a proxy, or a test server)."),
    )
    streams = ("tickets", "satisfaction_ratings")
    rate_limits = (
        # "Incremental exports: 10 requests a minute" (30 with the High Volume add-on): a
        # first sync of 1M tickets, 1,000 a page, takes about 100 minutes, and resumes
        RateLimit("/api/v2/incremental/", 10, 60.0, EXPORT_LIMITS),
    )

    @classmethod
    def check(cls, options: Mapping[str, str | None]) -> dict[str, str]:
        checked = super().check(options)
        # the token goes to https://{subdomain}.zendesk.com: "evil.example#" would send it to
        # evil.example (what follows # is no longer the host)
        if not _SUBDOMAIN.fullmatch(checked["subdomain"]):
            raise ConfigError(
                "--subdomain is the first part of your Zendesk address (acme for "
                f"acme.zendesk.com): letters, digits and -, not {checked['subdomain']!r}"
            )
        start = checked.get("start")
        try:
            if start:
                date.fromisoformat(start)
        except ValueError:
            raise ConfigError(f"--start takes a day such as 2025-01-31, not {start!r}") from None
        return checked

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        return options.get("base_url") or f"https://{options['subdomain']}.zendesk.com"

    @classmethod
    def user(cls, options: Mapping[str, str]) -> str:
        return f"{options['email']}/token"  # Zendesk's API token authentication

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        if stream == "tickets":
            return self._tickets(cursor)
        return self._ratings(cursor)

    def _start(self) -> int:
        start = self.settings.get("start")
        if not start:
            return 0
        return int(datetime.fromisoformat(start).replace(tzinfo=UTC).timestamp())

    # -- tickets ------------------------------------------------------------------------------
    def _tickets(self, cursor: str | None) -> Iterator[Page]:
        params: dict[str, Any] = {"include": SIDELOADS}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = self._start()
        while True:
            body = self.http.get(TICKETS_PATH, params)
            after = body.get("after_cursor") or cursor
            done = bool(body.get("end_of_stream")) or not body.get("after_cursor")
            yield self._ticket_page(body, after, done)
            if done:
                return
            cursor = after
            params = {"include": SIDELOADS, "cursor": after}

    def _ticket_page(self, body: dict[str, Any], cursor: str | None, done: bool) -> Page:
        metrics = {m.get("ticket_id"): m for m in body.get("metric_sets") or []}
        groups = {g.get("id"): g.get("name") for g in body.get("groups") or []}
        tickets: list[Row] = []
        deleted: list[str] = []
        for t in body.get("tickets") or []:
            if t.get("status") == "deleted":
                if t.get("id") is not None:
                    deleted.append(str(t["id"]))
                continue
            tickets.append(self._ticket(t, metrics.get(t.get("id")) or {}, groups))
        customers = [
            self._customer(u) for u in body.get("users") or [] if u.get("role") == "end-user"
        ]
        return Page(
            rows={"customers": customers, "tickets": tickets},
            cursor=cursor,
            deleted={"tickets": deleted} if deleted else {},
            done=done,
        )

    def _ticket(self, t: dict[str, Any], m: dict[str, Any], groups: dict[Any, Any]) -> Row:
        created = t.get("created_at")
        status = t.get("status")
        via = t.get("via") or {}
        group = t.get("group_id")
        return {
            "ticket_id": _text(t.get("id")),
            "customer_id": _text(t.get("requester_id")),
            "created_at": created,
            # Zendesk reports minutes from creation, not the moments themselves
            "first_reply_at": _after(created, _minutes(m, "reply_time_in_minutes")),
            "first_solved_at": _after(created, _minutes(m, "first_resolution_time_in_minutes")),
            "solved_at": m.get("solved_at") if status in ("solved", "closed") else None,
            "reopens": _text(m.get("reopens")),
            "agent_replies": _text(m.get("replies")),
            "channel": CHANNELS.get(str(via.get("channel")), "other") if via else None,
            "team": groups.get(group) or _text(group),
            "agent_id": _text(t.get("assignee_id")),
            "priority": t.get("priority"),
            "subject": t.get("subject"),
            "source": self.source,
        }

    def _customer(self, u: dict[str, Any]) -> Row:
        locale = str(u.get("locale") or "")
        return {
            "customer_id": _text(u.get("id")),
            "account_id": _text(u.get("organization_id")),
            "name": u.get("name"),
            "email": u.get("email"),
            "created_at": u.get("created_at"),
            "language": locale.split("-")[0].lower() or None,
            "source": self.source,
        }

    # -- satisfaction ratings -------------------------------------------------------------------
    def _ratings(self, cursor: dict[str, Any] | None) -> Iterator[Page]:
        state = dict(cursor or {})
        since = int(state.get("since", self._start()))
        began = state.get("began") or int(self.now.replace(tzinfo=UTC).timestamp())
        after = state.get("after")
        while True:
            params: dict[str, Any] = {
                "score": "received",
                "start_time": since,
                "page[size]": RATINGS_PAGE_SIZE,
            }
            if after:
                params["page[after]"] = after
            body = self.http.get(RATINGS_PATH, params)
            meta = body.get("meta") or {}
            rows = [self._rating(r) for r in body.get("satisfaction_ratings") or []]
            more = bool(meta.get("has_more")) and bool(meta.get("after_cursor"))
            if more:
                after = meta["after_cursor"]
                state = {"since": since, "began": began, "after": after}
            else:  # the pass is over: the next one starts a look-back before this one began
                state = {"since": max(began - RATING_LOOKBACK_DAYS * 86_400, self._start())}
            yield Page(
                rows={"survey_responses": [r for r in rows if r]}, cursor=state, done=not more
            )
            if not more:
                return

    def _rating(self, r: dict[str, Any]) -> Row:
        score = CSAT_SCORES.get(str(r.get("score")))
        if score is None:  # offered or unoffered: not an answer
            return {}
        return {
            "response_id": None if r.get("id") is None else f"zendesk-csat-{r['id']}",
            "customer_id": _text(r.get("requester_id")),
            "survey_id": "zendesk-csat",
            "question_type": "csat",
            "score": score,
            "scale_min": "1",
            "scale_max": "3",
            "polarity": "high_is_good",
            "comment": r.get("comment") or None,
            "touchpoint": "support",
            "responded_at": r.get("updated_at") or r.get("created_at"),
            "ticket_id": _text(r.get("ticket_id")),
            "agent_id": _text(r.get("assignee_id")),
            "source": self.source,
        }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _minutes(metrics: dict[str, Any], name: str) -> float | None:
    value = (metrics.get(name) or {}).get("calendar")
    return None if value is None else float(value)


def _after(created: Any, minutes: float | None) -> str | None:
    if not created or minutes is None:
        return None
    try:
        start = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return None  # the ticket's own created_at is checked (and reported) by the import
    return (start + timedelta(minutes=minutes)).isoformat()


SOLVED = ("solved", "closed")


def webhook_event(source: str, event: Verified) -> Mapped:
    """A Zendesk ticket event (``zen:event-type:ticket.*``) as a ticket row: see
    :mod:`cxpulse.sources.webhook_events`."""
    body = obj(event.payload)
    detail = obj(body.get("detail"))
    if not event.event_type.startswith("zen:event-type:ticket.") or not detail:
        return Mapped()
    status = str(detail.get("status") or "").lower()
    current = obj(body.get("event")).get("current")
    if event.event_type.endswith(".status_changed") and isinstance(current, str):
        status = current.lower()  # the detail may be the ticket before the change
    via = obj(detail.get("via"))
    row: Row = {
        "ticket_id": text(detail.get("id")),
        "customer_id": text(detail.get("requester_id")),
        "created_at": text(detail.get("created_at")),
        "agent_id": text(detail.get("assignee_id")),
        "priority": text(str(detail.get("priority") or "").lower() or None),
        "subject": text(detail.get("subject")),
        "channel": CHANNELS.get(str(via.get("channel")), "other") if via else None,
        "source": source,
    }
    if not event.event_type.endswith((".status_changed", ".created")):
        return Mapped(rows={"tickets": [row]})
    # only a status change moves solved_at: a later edit of a solved ticket must not push its
    # survey back, and closing a solved ticket keeps the time it was solved. Webhooks arrive
    # out of order: the status events of a ticket apply in the order of their time, so a late
    # ticket.created (or an older change) cannot clear a newer solved_at.
    at = text(body.get("time")) or text(detail.get("updated_at"))
    if status == "solved":
        row["solved_at"] = at
    elif status not in SOLVED:
        row["solved_at"] = None
    subject = f"ticket:{row['ticket_id']}:status"
    return Mapped(rows={"tickets": [row]}, subject=subject, occurred_at=moment(at))
