"""A local Zendesk Support API for the connector's tests, answering in the documented shapes.

- ``GET /api/v2/incremental/tickets/cursor.json?start_time=|cursor=&include=users,groups,
  metric_sets``: ``tickets``, ``users``, ``groups``, ``metric_sets``, ``after_cursor``,
  ``after_url``, ``before_cursor``, ``before_url``, ``end_of_stream``; a deleted ticket comes
  back with ``"status": "deleted"``. Documented at
  https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/
  (the example response of "Incremental Ticket Export, Cursor Based"; sideloads: "Tickets
  sideloads"; 10 requests a minute, 429 with Retry-After).
- ticket metric sets as https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/
  shows them: ``reply_time_in_minutes``, ``first_resolution_time_in_minutes``,
  ``full_resolution_time_in_minutes`` as ``{"calendar": n, "business": n}``, ``reopens``,
  ``replies``, ``solved_at``.
- ``GET /api/v2/satisfaction_ratings?score=received&start_time=&page[size]=&page[after]=``:
  ``satisfaction_ratings`` (id, ticket_id, requester_id, assignee_id, group_id, score
  good|bad|offered|unoffered, comment, created_at, updated_at), ``meta`` {has_more,
  after_cursor, before_cursor}, ``links`` {next, prev}: cursor pagination as
  https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/
  and https://developer.zendesk.com/api-reference/introduction/pagination/ document it.

The export is a change log: each change appends the ticket's new version; a cursor is a
position in it, so a cursor handed out stays valid and resumes after the changes it saw.
Knobs: ``page_size``, ``token`` (basic auth ``email/token:TOKEN``), ``throttle`` (answer 429
with ``Retry-After`` to that many requests first), ``unavailable`` (then 503 to that many),
``hang_at`` (the request number that waits until ``release`` is set, for a kill mid-sync),
``refuse_with`` (answer 403 with this body, as a vendor explaining a refusal).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sources import vendor_server
from tests.sources.vendor_server import Account, VendorHandler

EMAIL = "admin@acme.test"
TOKEN = "zd-secret-token-123"


def ts(day: int, hour: int = 9) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00Z"


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def ticket(n: int, day: int = 2, **extra: Any) -> dict[str, Any]:
    """A ticket shaped as the documented example (fields cxpulse does not read included)."""
    body = {
        "id": n,
        "assignee_id": 900 + n % 3,
        "collaborator_ids": [],
        "created_at": ts(day),
        "custom_fields": [{"id": 27642, "value": "745"}],
        "description": "It broke.",
        "due_at": None,
        "external_id": None,
        "follower_ids": [],
        "group_id": 98738,
        "has_incidents": False,
        "organization_id": 509974,
        "priority": "high",
        "problem_id": None,
        "raw_subject": f"Ticket {n}",
        "recipient": "support@acme.test",
        "requester_id": 5000 + n,
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "status": "solved",
        "subject": f"Ticket {n}",
        "submitter_id": 5000 + n,
        "tags": ["enterprise"],
        "type": "incident",
        "updated_at": ts(day, 12),
        "url": f"https://acme.zendesk.com/api/v2/tickets/{n}.json",
        "via": {"channel": "email"},
        "generated_timestamp": epoch(ts(day, 12)),
    }
    body.update(extra)
    return body


def user(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "name": f"Customer {n}",
        "email": f"c{n}@example.com",
        "created_at": "2025-01-10T08:00:00Z",
        "role": "end-user",
        "locale": "fr-FR",
        "organization_id": 509974,
        "time_zone": "Paris",
        "active": True,
    }


def metric_set(n: int, reply: int = 30, first: int = 120, full: int = 180) -> dict[str, Any]:
    return {
        "id": 33 + n,
        "ticket_id": n,
        "url": f"https://acme.zendesk.com/api/v2/ticket_metrics/{n}",
        "group_stations": 1,
        "assignee_stations": 1,
        "reopens": 1,
        "replies": 2,
        "assignee_updated_at": None,
        "requester_updated_at": None,
        "status_updated_at": None,
        "initially_assigned_at": None,
        "assigned_at": None,
        "solved_at": ts(2, 12),
        "latest_comment_added_at": None,
        "reply_time_in_minutes": {"calendar": reply, "business": reply // 2},
        "first_resolution_time_in_minutes": {"calendar": first, "business": first // 2},
        "full_resolution_time_in_minutes": {"calendar": full, "business": full // 2},
        "agent_wait_time_in_minutes": {"calendar": None, "business": None},
        "requester_wait_time_in_minutes": {"calendar": None, "business": None},
        "created_at": ts(2),
        "updated_at": ts(2, 12),
    }


def rating(n: int, score: str = "good", day: int = 3, **extra: Any) -> dict[str, Any]:
    body = {
        "id": 7000 + n,
        "url": f"https://acme.zendesk.com/api/v2/satisfaction_ratings/{n}",
        "assignee_id": 901,
        "group_id": 98738,
        "requester_id": 5000 + n,
        "ticket_id": n,
        "score": score,
        "comment": "Merci" if score == "good" else "Trop lent",
        "reason": None,
        "reason_code": 0,
        "created_at": ts(day),
        "updated_at": ts(day, 10),
    }
    body.update(extra)
    return body


@dataclass
class Zendesk(Account):
    """The data and behaviour of the fake account (changed by the tests between syncs)."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    token: str = TOKEN
    retry_after: str = "0"
    refuse_with: dict[str, Any] | None = None

    def asked(self, number: int) -> dict[str, str]:
        """The query parameters of request ``number`` (0 the first), decoded."""
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.requests[number]).query).items()}

    def change(self, t: dict[str, Any], metrics: dict[str, Any] | None = None) -> None:
        self.changes.append(t)
        if metrics is not None:
            self.metrics[t["id"]] = metrics
        requester = t.get("requester_id")
        if requester is not None and requester not in self.users:
            self.users[requester] = user(requester)


def _cursor(position: int) -> str:
    return base64.b64encode(f"{position}|zd".encode()).decode()


def _position(cursor: str) -> int:
    return int(base64.b64decode(cursor).decode().split("|")[0])


class _Handler(VendorHandler):
    def do_GET(self) -> None:
        zd: Zendesk = self.server.account
        arrival = self.arrive()
        expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{zd.token}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._send(401, {"error": "Couldn't authenticate you"})
            return
        if zd.refuse_with is not None:
            self._send(403, zd.refuse_with)
            return
        if arrival == "throttled":
            self._send(429, {"error": "TooManyRequests"}, {"Retry-After": zd.retry_after})
            return
        if arrival == "unavailable":
            self._send(503, {"error": "ServiceUnavailable"})
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/api/v2/incremental/tickets/cursor.json":
            self._send(200, self._tickets(zd, query))
        elif url.path == "/api/v2/satisfaction_ratings":
            self._send(200, self._ratings(zd, query))
        else:
            self._send(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _tickets(self, zd: Zendesk, query: dict[str, str]) -> dict[str, Any]:
        if "cursor" in query:
            start = _position(query["cursor"])
        else:
            since = int(query["start_time"])
            start = next(
                (i for i, t in enumerate(zd.changes) if t["generated_timestamp"] >= since),
                len(zd.changes),
            )
        page = zd.changes[start : start + zd.page_size]
        end = start + len(page)
        sideloads = set(query.get("include", "").split(","))
        base = f"http://{self.headers['Host']}/api/v2/incremental/tickets/cursor.json"
        body: dict[str, Any] = {
            "tickets": page,
            "after_cursor": _cursor(end),
            "after_url": f"{base}?cursor={_cursor(end)}",
            "before_cursor": _cursor(start) if start else None,
            "before_url": f"{base}?cursor={_cursor(start)}" if start else None,
            "end_of_stream": end >= len(zd.changes),
        }
        if "users" in sideloads:
            ids = {t.get("requester_id") for t in page} | {t.get("assignee_id") for t in page}
            body["users"] = [zd.users[i] for i in ids if i in zd.users] + [
                {
                    "id": 901,
                    "name": "Agent",
                    "email": "agent@acme.test",
                    "role": "agent",
                    "created_at": "2020-01-01T00:00:00Z",
                }
            ]
        if "groups" in sideloads:
            body["groups"] = [{"id": 98738, "name": "Tier 1", "created_at": ts(1)}]
        if "metric_sets" in sideloads:
            body["metric_sets"] = [zd.metrics[t["id"]] for t in page if t["id"] in zd.metrics]
        return body

    def _ratings(self, zd: Zendesk, query: dict[str, str]) -> dict[str, Any]:
        since = int(query.get("start_time", 0))
        wanted = [
            r
            for r in zd.ratings
            if epoch(r["created_at"]) >= since
            and (query.get("score") != "received" or r["score"] in ("good", "bad"))
        ]
        start = _position(query["page[after]"]) if "page[after]" in query else 0
        size = int(query.get("page[size]", 100))
        page = wanted[start : start + size]
        more = start + size < len(wanted)
        after = _cursor(start + len(page))
        return {
            "satisfaction_ratings": page,
            "meta": {
                "has_more": more,
                "after_cursor": after if more else None,
                "before_cursor": _cursor(start),
            },
            "links": {"next": f"?page[after]={after}" if more else None, "prev": None},
        }

    _send = VendorHandler.send_json


def serve(zd: Zendesk) -> Iterator[str]:
    """Serve ``zd`` on a free local port; yields its base URL."""
    return vendor_server.serve(zd, _Handler)


def now() -> datetime:
    return datetime(2026, 3, 10, tzinfo=UTC).replace(tzinfo=None)
