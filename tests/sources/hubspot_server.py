"""A local HubSpot CRM API for the connector's tests, answering in the documented shapes.

- ``POST /crm/v3/objects/{object}/search``: ``filterGroups`` (filters ANDed in a group, groups
  ORed; operators EQ, GT, GTE, LT, LTE; datetime values in epoch milliseconds), ``sorts``,
  ``properties``, ``limit`` (200 at most), ``after``; answers ``{"total", "results": [{"id",
  "properties", "createdAt", "updatedAt", "archived"}], "paging": {"next": {"after",
  "link"}}}`` and a 400 past the 10,000th result of a query, as
  https://developers.hubspot.com/docs/api/crm/search documents them.
- ``GET /crm/v3/objects/{object}?archived=true&limit=&after=``: the archived objects with
  ``archived: true`` and ``archivedAt``, paged by ``after``
  (https://developers.hubspot.com/docs/api/crm/understanding-the-crm).
- ``POST /crm/v4/associations/{object}/contacts/batch/read``: ``{"status": "COMPLETE",
  "results": [{"from": {"id"}, "to": [{"toObjectId", "associationTypes": [{"category":
  "HUBSPOT_DEFINED", "typeId", "label"}]}]}], "startedAt", "completedAt"}``
  (https://developers.hubspot.com/docs/api/crm/associations).
- ``GET /crm/v3/pipelines/tickets``: ``results`` of pipelines with ``stages`` and their
  ``metadata.ticketState`` (https://developers.hubspot.com/docs/api/crm/pipelines); the
  default support pipeline's stages 1 New, 2 Waiting on contact, 3 Waiting on us, 4 Closed.
- errors ``{"status": "error", "message", "correlationId", "category"}``: a 401
  ``INVALID_AUTHENTICATION`` for another token than ``Bearer TOKEN``, a 429 ``RATE_LIMIT``
  with no Retry-After (https://developers.hubspot.com/docs/api/usage-details: "You have
  reached your secondly limit."), a 503 while unavailable.

Every property value is a string, times ISO 8601 with milliseconds, as the docs' examples.
Each request's arrival time is kept (``times``) for the rate-limit test.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sources import vendor_server
from tests.sources.vendor_server import Account, VendorHandler

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
MODIFIED = {"contacts": "lastmodifieddate"}  # the others: hs_lastmodifieddate
MAX_RESULTS = 10_000


def ms(day: int, hour: int = 9, millis: int = 0) -> int:
    return int(datetime(2026, 3, day, hour, tzinfo=UTC).timestamp() * 1000) + millis


def iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def now() -> datetime:
    return datetime(2026, 3, 10, 12, 0)


def contact(n: int, **props: Any) -> dict[str, Any]:
    return {
        "email": f"c{n}@example.com",
        "firstname": "Ada",
        "lastname": f"Number{n}",
        "createdate": iso(ms(1, 8)),
        "country": "France",
        "hs_country_region_code": "fr",
        "hs_language": "fr-fr",
        "lifecyclestage": "customer",
        "associatedcompanyid": "9001",
        "hs_object_id": str(n),
        **props,
    }


def ticket(n: int, **props: Any) -> dict[str, Any]:
    return {
        "subject": f"Ticket {n}",
        "content": "It broke.",
        "createdate": iso(ms(2)),
        "closed_date": iso(ms(2, 12)),
        "hs_pipeline": "0",
        "hs_pipeline_stage": "4",
        "time_to_first_agent_reply": "1800000",  # 30 minutes, in ms
        "time_to_close": "10800000",
        "hs_ticket_category": "BILLING_ISSUE",
        "hs_ticket_priority": "HIGH",
        "source_type": "EMAIL",
        "hubspot_owner_id": "77",
        "hs_object_id": str(n),
        **props,
    }


def submission(n: int, kind: str, value: str, **props: Any) -> dict[str, Any]:
    return {
        "hs_survey_type": kind,
        "hs_value": value,
        "hs_content": f"Comment {n}",
        "hs_survey_id": "12",
        "hs_survey_name": f"{kind} survey",
        "hs_survey_channel": "EMAIL",
        "hs_sentiment": "PROMOTER",
        "hs_submission_timestamp": iso(ms(3, 10)),
        "hs_createdate": iso(ms(3, 10)),
        "hs_object_id": str(n),
        **props,
    }


@dataclass
class HubSpot(Account):
    """An account: objects by type and id (each with its properties and times), archived ones,
    associations to contacts, and the failure knobs."""

    token: str = TOKEN
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    archived: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    contacts_of: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)
    """Each POST's JSON body, in order (``posts``: its path)."""
    clock: int = field(default_factory=lambda: ms(4))

    def put(
        self,
        kind: str,
        object_id: int,
        props: dict[str, Any],
        at: int | None = None,
        contact: int | None = None,
    ) -> None:
        """Create or change an object, modified at ``at`` (else a millisecond after the last)."""
        if at is None:
            self.clock += 1
            at = self.clock
        key = str(object_id)
        created = self.objects.get(kind, {}).get(key, {}).get("createdAt") or iso(at)
        props = {**props, MODIFIED.get(kind, "hs_lastmodifieddate"): iso(at)}
        self.objects.setdefault(kind, {})[key] = {
            "id": key,
            "properties": props,
            "createdAt": created,
            "updatedAt": iso(at),
            "archived": False,
        }
        if contact is not None:
            self.contacts_of[(kind, key)] = [str(contact)]

    def archive(self, kind: str, object_id: int, at: int) -> None:
        record = self.objects[kind].pop(str(object_id))
        self.archived.setdefault(kind, {})[str(object_id)] = {
            **record,
            "archived": True,
            "archivedAt": iso(at),
        }

    def searches(self) -> list[dict[str, Any]]:
        return [b for b, p in zip(self.bodies, self.posts, strict=True) if p.endswith("/search")]

    posts: list[str] = field(default_factory=list)


def _value(record: dict[str, Any], name: str) -> Any:
    value = record["properties"].get(name)
    if name == "hs_object_id":
        return int(record["id"])
    if isinstance(value, str) and value.endswith("Z"):
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    return value


def _matches(record: dict[str, Any], f: dict[str, Any]) -> bool:
    have = _value(record, f["propertyName"])
    if have is None:
        return False
    want: Any = f["value"]
    if isinstance(have, int):
        want = int(want)
    return {
        "EQ": have == want,
        "NEQ": have != want,
        "GT": have > want,
        "GTE": have >= want,
        "LT": have < want,
        "LTE": have <= want,
    }[f["operator"]]


class Handler(VendorHandler):
    server: vendor_server.VendorServer

    def _allowed(self) -> bool:
        account: HubSpot = self.server.account
        with account.lock:
            account.times.append(time.monotonic())
        arrival = self.arrive()
        if self.headers.get("Authorization") != f"Bearer {account.token}":
            self._error(
                401,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )
            return False
        if arrival == "throttled":
            body = {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()),
                "policyName": "SECONDLY",
            }
            self.send_json(429, body)
            return False
        if arrival == "unavailable":
            self._error(503, "SERVICE_UNAVAILABLE", "Service Unavailable")
            return False
        return True

    def _error(self, status: int, category: str, message: str) -> None:
        self.send_json(
            status,
            {
                "status": "error",
                "message": message,
                "correlationId": str(uuid.uuid4()),
                "category": category,
            },
        )

    def do_GET(self) -> None:
        if not self._allowed():
            return
        account: HubSpot = self.server.account
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if url.path == "/crm/v3/pipelines/tickets":
            self.send_json(200, {"results": [_default_pipeline()]})
        elif parts[:3] == ["crm", "v3", "objects"] and len(parts) == 4:
            archived = query.get("archived") == "true"
            store = (account.archived if archived else account.objects).get(parts[3], {})
            records = sorted(store.values(), key=lambda r: int(r["id"]))
            self._page(records, int(query.get("limit", 10)), int(query.get("after", 0)))
        else:
            self._error(404, "OBJECT_NOT_FOUND", f"no route {url.path}")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        account: HubSpot = self.server.account
        with account.lock:
            account.bodies.append(body)
            account.posts.append(self.path)
        if not self._allowed():
            return
        parts = urlsplit(self.path).path.strip("/").split("/")
        if parts[:3] == ["crm", "v3", "objects"] and parts[-1] == "search":
            self._search(parts[3], body)
        elif parts[:3] == ["crm", "v4", "associations"] and parts[-2:] == ["batch", "read"]:
            results = []
            for item in body.get("inputs") or []:
                to = account.contacts_of.get((parts[3], str(item["id"])), [])
                results.append(
                    {
                        "from": {"id": str(item["id"])},
                        "to": [
                            {
                                "toObjectId": int(c),
                                "associationTypes": [
                                    {"category": "HUBSPOT_DEFINED", "typeId": 16, "label": None}
                                ],
                            }
                            for c in to
                        ],
                    }
                )
            self.send_json(
                200,
                {
                    "status": "COMPLETE",
                    "results": results,
                    "startedAt": iso(ms(4)),
                    "completedAt": iso(ms(4)),
                },
            )
        else:
            self._error(404, "OBJECT_NOT_FOUND", f"no route {self.path}")

    def _search(self, kind: str, body: dict[str, Any]) -> None:
        account: HubSpot = self.server.account
        limit = int(body.get("limit") or 10)
        if limit > 200:
            self._error(400, "VALIDATION_ERROR", "limit must be 200 or less")
            return
        after = int(body.get("after") or 0)
        if after + limit > MAX_RESULTS:
            self._error(400, "VALIDATION_ERROR", "Paging over 10000 results is not supported")
            return
        groups = body.get("filterGroups") or []
        found = [
            r
            for r in account.objects.get(kind, {}).values()
            if not groups or any(all(_matches(r, f) for f in g["filters"]) for g in groups)
        ]
        # HubSpot orders ties as it likes: here the highest id first, the order that would
        # lose objects if a client trusted the order of one millisecond's objects
        found.sort(key=lambda r: int(r["id"]), reverse=True)
        for sort in reversed(body.get("sorts") or []):
            found.sort(
                key=lambda r: _value(r, sort["propertyName"]),
                reverse=sort.get("direction") == "DESCENDING",
            )
        wanted = body.get("properties") or []
        shown = [
            {
                **r,
                "properties": {
                    k: v for k, v in r["properties"].items() if k in wanted or k == "hs_object_id"
                },
            }
            for r in found
        ]
        self._page(shown, limit, after, total=True)

    def _page(
        self, records: list[dict[str, Any]], limit: int, after: int, total: bool = False
    ) -> None:
        page = records[after : after + limit]
        body: dict[str, Any] = {"results": page}
        if total:
            body = {"total": len(records), **body}
        if after + limit < len(records):
            nxt = str(after + limit)
            body["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        self.send_json(200, body)


def _default_pipeline() -> dict[str, Any]:
    names = {
        "1": ("New", "OPEN"),
        "2": ("Waiting on contact", "OPEN"),
        "3": ("Waiting on us", "OPEN"),
        "4": ("Closed", "CLOSED"),
    }
    return {
        "id": "0",
        "label": "Support Pipeline",
        "displayOrder": 0,
        "archived": False,
        "stages": [
            {
                "id": k,
                "label": label,
                "displayOrder": int(k) - 1,
                "archived": False,
                "metadata": {"ticketState": state, "isClosed": str(state == "CLOSED").lower()},
            }
            for k, (label, state) in names.items()
        ],
    }


@contextmanager
def serve(account: HubSpot) -> Iterator[str]:
    with vendor_server.serve(account, Handler) as url:
        yield url
