"""HubSpot CRM: contacts -> customers, tickets -> tickets, and feedback submissions (HubSpot's
NPS, CSAT and CES surveys) -> survey_responses.

Shapes as HubSpot documents them (the test server, tests/sources/hubspot_server.py, answers
the same), read with a private app's access token sent as ``Authorization: Bearer``:

- changes: the CRM search API, ``POST /crm/v3/objects/{object}/search`` with ``filterGroups``
  on the object's last-modified property (``lastmodifieddate`` for contacts,
  ``hs_lastmodifieddate`` for tickets and submissions; datetime values in epoch milliseconds),
  ``sorts``, ``properties`` and ``limit`` (200 at most), answering ``{"total", "results":
  [{"id", "properties", "createdAt", "updatedAt", "archived"}], "paging": {"next":
  {"after"}}}``; one query reaches 10,000 results at most, 5 requests a second per account.
  https://developers.hubspot.com/docs/api/crm/search
- deletions: ``GET /crm/v3/objects/{object}?archived=true&limit=&after=`` lists the archived
  (deleted) objects with their ``archivedAt``; they are deleted here, the whole list read
  after each stream's changes.
  https://developers.hubspot.com/docs/api/crm/understanding-the-crm
- a ticket's or a submission's contact: ``POST /crm/v4/associations/{object}/contacts/batch/
  read`` with ``{"inputs": [{"id"}]}`` -> ``{"results": [{"from": {"id"}, "to":
  [{"toObjectId", "associationTypes"}]}]}``. https://developers.hubspot.com/docs/api/crm/associations
- which ticket stages are closed: ``GET /crm/v3/pipelines/tickets``, each stage's
  ``metadata.ticketState`` OPEN or CLOSED. https://developers.hubspot.com/docs/api/crm/pipelines
- survey responses (read-only): ``hs_survey_type`` (NPS, CSAT, CES, CUSTOM), ``hs_value``,
  ``hs_content``, ``hs_submission_timestamp``, ``hs_survey_id``, ``hs_survey_channel``.
  https://developers.hubspot.com/docs/api/crm/feedback-submissions
- errors: ``{"status": "error", "message", "correlationId", "category"}``; a 401 for a
  revoked or expired token; 429 past a limit (a private app: 100 requests per 10 s, 190 on
  Professional and Enterprise; search: 5 a second), often without ``Retry-After``.
  https://developers.hubspot.com/docs/api/usage-details

Each stream pages by its modified time, not by ``after``: every query asks for the objects
modified at or after the last time seen (GTE), oldest first, one page of 200, and the next
query starts at the page's newest time. So the 10,000-results limit of one query is never
reached, and an object changed during the sync (it moves to the end of the order) is read
again rather than shifting an offset past one not yet read. Ties: the objects of the page's
last millisecond are read again by the next query (an upsert: free); a whole page in one
millisecond (a bulk import) is read through by object id (EQ that time, ``hs_object_id`` GT
the last id), then the stream goes on strictly after it (GT). The search index trails writes
by a few seconds: a finished stream's next start is at most :data:`INDEX_LAG_MS` before the
sync, so what was indexed late is read by the next sync. Requests keep to 5 a second (the
search API's limit, and 50 per 10 s: half a private app's burst limit, so another integration
of the account still gets its share), paced by the shared HTTP client.

Keys: a ticket is ``hubspot-<id>`` and a survey answer ``hubspot-<id>`` (:func:`_key`, in the
sync, the archived deletions and the webhooks alike), as other sources write the same tables
with ids of their own: HubSpot's ticket 101 is not Zendesk's.

Companies: the canonical tables have no account table; a contact's primary company id
(``associatedcompanyid``) is its ``account_id``, its lifecycle stage its ``segment``.

Why plain httpx (the shared :class:`~cxpulse.sources.http.Http`) and not
``hubspot-api-client``: the SDK is generated from HubSpot's OpenAPI specs, one package per API,
each with its own ``Configuration`` (its ``host`` can point at a test server, package by
package), retrying inside urllib3 by its own ``Retry`` policy, and it turns answers into
generated model objects; the sync must own each page boundary (rows and cursor in one
transaction), see the raw JSON (an unknown property ignored, a missing one NULL), and
share every connector's Retry-After policy and one-line messages, for four endpoints.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from cxpulse.sources.connector import Connector, Option, Page, Row
from cxpulse.sources.http import Auth, Http, RateLimit, TokenHeader
from cxpulse.sources.webhook_mapping import NOT_MAPPED, Mapped, obj, text
from cxpulse.sources.webhooks import Verified

PAGE_SIZE = 200  # the search API's largest ``limit``
ARCHIVED_PAGE_SIZE = 100  # the list endpoints' largest ``limit``
RATE_LIMITS = "https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details"
INDEX_LAG_MS = 5 * 60_000
Resume = dict[str, Any]
"""A stream's cursor: ``since`` (epoch ms), ``strict`` (after it, not at it), ``tie`` (the last
object id read within that millisecond), and the archived pass's ``phase`` and ``after``."""
"""How far before the sync the next one starts at most: search sees a write a few seconds
after it happens."""


@dataclass(frozen=True)
class Stream:
    """One HubSpot object read into one canonical table."""

    object: str
    table: str
    modified: str
    properties: tuple[str, ...]
    contacts: bool = False
    """Its contact comes from the associations API."""


STREAMS = {
    "contacts": Stream(
        "contacts",
        "customers",
        "lastmodifieddate",
        (
            "email",
            "firstname",
            "lastname",
            "createdate",
            "lastmodifieddate",
            "country",
            "hs_country_region_code",
            "hs_language",
            "lifecyclestage",
            "associatedcompanyid",
        ),
    ),
    "tickets": Stream(
        "tickets",
        "tickets",
        "hs_lastmodifieddate",
        (
            "subject",
            "createdate",
            "hs_lastmodifieddate",
            "closed_date",
            "hs_pipeline",
            "hs_pipeline_stage",
            "time_to_first_agent_reply",
            "hs_ticket_category",
            "hs_ticket_priority",
            "source_type",
            "hubspot_owner_id",
            "hubspot_team_id",
        ),
        contacts=True,
    ),
    "feedback_submissions": Stream(
        "feedback_submissions",
        "survey_responses",
        "hs_lastmodifieddate",
        (
            "hs_survey_type",
            "hs_value",
            "hs_response_value",
            "hs_content",
            "hs_survey_id",
            "hs_survey_channel",
            "hs_submission_timestamp",
            "hs_createdate",
            "hs_lastmodifieddate",
            "hs_contact_id",
        ),
        contacts=True,
    ),
}

# HubSpot's ticket ``source_type`` -> the canonical channels
CHANNELS = {
    "EMAIL": "email",
    "CHAT": "chat",
    "PHONE": "phone",
    "FORM": "web",
    "WEB": "web",
    "BOT": "chat",
    "FACEBOOK_MESSENGER": "social",
    "WHATSAPP": "chat",
    "SMS": "sms",
}
PRIORITIES = {"LOW": "low", "MEDIUM": "normal", "HIGH": "high", "URGENT": "urgent"}
# ``hs_survey_type`` -> question type, scale, polarity, question id; HubSpot's CES asks how
# easy it was, 1 (very difficult) to 7 (very easy)
SURVEYS = {
    "NPS": ("nps", 0, 10, "high_is_good", "recommend"),
    "CSAT": ("csat", 1, 5, "high_is_good", "satisfaction"),
    "CES": ("ces", 1, 7, "high_is_easy", "effort"),
}
SURVEY_CHANNELS = {
    "EMAIL": "email",
    "WEB": "web",
    "LINK": "web",
    "CHAT": "chat",
    "KNOWLEDGE_BASE": "web",
    "SMS": "sms",
}


class HubSpot(Connector):
    name = "hubspot"
    title = "HubSpot"
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "Another address of the API (a proxy, or a test server)."),
    )
    streams = tuple(STREAMS)
    rate_limits = (RateLimit("/crm/", 5, 1.0, RATE_LIMITS),)

    def __init__(self, source: str, options: Mapping[str, str], http: Http, now: datetime) -> None:
        super().__init__(source, options, http, now)
        self._stages: dict[str, str] | None = None

    @classmethod
    def base_url(cls, options: Mapping[str, str]) -> str:
        return options.get("base_url") or "https://api.hubapi.com"

    @classmethod
    def auth(cls, options: Mapping[str, str], token: str) -> Auth:
        return TokenHeader("Authorization", token, "Bearer")  # a private app's access token

    def pages(self, stream: str, cursor: Any) -> Iterator[Page]:
        spec = STREAMS[stream]
        state = dict(cursor or {})
        if state.get("phase") != "archived":
            resume = yield from self._changes(spec, state)
            state = {**resume, "phase": "archived"}
        yield from self._archived(spec, state)

    # -- requests ---------------------------------------------------------------------------
    def _post(self, path: str, body: Any) -> dict[str, Any]:
        return obj(self.http.post(path, body))

    def _get(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return obj(self.http.get(path, params))

    # -- changes ----------------------------------------------------------------------------
    def _changes(self, spec: Stream, state: dict[str, Any]) -> Generator[Page, None, Resume]:
        """The pages of objects modified since the cursor; returns where the next sync starts."""
        since = int(state.get("since") or 0)
        strict = bool(state.get("strict"))
        tie: str | None = state.get("tie")
        while True:
            body = self._post(
                f"/crm/v3/objects/{spec.object}/search", _query(spec, since, strict, tie)
            )
            results = [r for r in body.get("results") or [] if isinstance(r, dict)]
            full = len(results) >= PAGE_SIZE
            nxt: Resume
            if tie is not None:  # reading one millisecond through by id
                ids = [int(r["id"]) for r in results if str(r.get("id", "")).isdigit()]
                if full and ids:
                    nxt = {"since": since, "tie": str(max(ids))}
                else:  # that millisecond is read: go on strictly after it
                    nxt = {"since": since, "strict": True}
            else:
                stamps = [_millis(_props(r).get(spec.modified)) for r in results]
                top = max([m for m in stamps if m is not None], default=since)
                if full and top <= since:  # a whole page in one millisecond (a bulk import)
                    nxt = {"since": since, "tie": "0"}
                elif top > since:
                    nxt = {"since": top}
                else:
                    nxt = {"since": since, "strict": strict}
            more = full or tie is not None
            yield Page(rows=self._rows(spec, results), cursor=nxt)
            if not more:
                # caught up: the next sync starts a little before now, as search trails writes
                start = min(int(nxt["since"]), _epoch_ms(self.now) - INDEX_LAG_MS)
                return {"since": start, "strict": bool(nxt.get("strict")) and start == since}
            since, strict, tie = int(nxt["since"]), bool(nxt.get("strict")), nxt.get("tie")

    def _archived(self, spec: Stream, state: dict[str, Any]) -> Iterator[Page]:
        """The archived (deleted) objects, deleted here: the whole list each sync, as HubSpot
        filters it on nothing (not on ``archivedAt``, and comparing it to this machine's clock
        would miss a deletion when the clocks differ); deleting a row already gone is free."""
        after = state.get("after")
        while True:
            params: dict[str, Any] = {"archived": "true", "limit": ARCHIVED_PAGE_SIZE}
            if after:
                params["after"] = after
            body = self._get(f"/crm/v3/objects/{spec.object}", params)
            keys = (_key(spec.table, obj(r).get("id")) for r in body.get("results") or [])
            gone = [k for k in keys if k is not None]
            after = obj(obj(body.get("paging")).get("next")).get("after")
            if after:
                cursor = {**state, "after": after}
            else:  # the stream is done: its next sync searches from where the changes ended
                cursor = {"since": state.get("since", 0), "strict": bool(state.get("strict"))}
            yield Page(
                rows={}, cursor=cursor, deleted={spec.table: gone} if gone else {}, done=not after
            )
            if not after:
                return

    # -- mapping ----------------------------------------------------------------------------
    def _rows(self, spec: Stream, results: list[dict[str, Any]]) -> dict[str, list[Row]]:
        if not results:
            return {}
        if spec.object == "contacts":
            return {"customers": [self._contact(r) for r in results]}
        ids = [str(r["id"]) for r in results if "id" in r]
        contacts = self._contacts(spec.object, ids) if spec.contacts else {}
        if spec.object == "tickets":
            return {"tickets": [self._ticket(r, contacts) for r in results]}
        answers = [self._answer(r, contacts) for r in results]
        return {"survey_responses": [a for a in answers if a]}

    def _contacts(self, kind: str, ids: list[str]) -> dict[str, str]:
        """Each object's contact (the first HubSpot lists), by the object's id."""
        if not ids:
            return {}
        body = self._post(
            f"/crm/v4/associations/{kind}/contacts/batch/read", {"inputs": [{"id": i} for i in ids]}
        )
        found: dict[str, str] = {}
        for result in body.get("results") or []:
            to = [t for t in obj(result).get("to") or [] if obj(t).get("toObjectId") is not None]
            source = obj(obj(result).get("from")).get("id")
            if to and source is not None:
                found[str(source)] = str(to[0]["toObjectId"])
        return found

    def _contact(self, r: dict[str, Any]) -> Row:
        p = _props(r)
        name = " ".join(str(p[k]) for k in ("firstname", "lastname") if p.get(k)) or None
        return {
            "customer_id": text(r.get("id")),
            "account_id": text(p.get("associatedcompanyid")),
            "name": name,
            "email": text(p.get("email")),
            "created_at": _time(p.get("createdate") or r.get("createdAt")),
            "country": _country(p),
            "language": _language(p.get("hs_language")),
            "segment": text(p.get("lifecyclestage")),
            "source": self.source,
        }

    def _ticket(self, r: dict[str, Any], contacts: dict[str, str]) -> Row:
        p = _props(r)
        created = _time(p.get("createdate") or r.get("createdAt"))
        closed = _time(p.get("closed_date"))
        stage = text(p.get("hs_pipeline_stage"))
        # a reopened ticket may keep its closed_date: its stage's state decides
        if stage is not None and self._states().get(stage) == "OPEN":
            closed = None
        channel = text(p.get("source_type"))
        category = text(p.get("hs_ticket_category"))
        return {
            "ticket_id": _key("tickets", r.get("id")),
            "customer_id": contacts.get(str(r.get("id"))),
            "created_at": created,
            "first_reply_at": _after(created, p.get("time_to_first_agent_reply")),
            "solved_at": closed,
            "channel": CHANNELS.get(channel.upper(), "other") if channel else None,
            "team": text(p.get("hubspot_team_id")),
            "agent_id": text(p.get("hubspot_owner_id")),
            "category": category.lower() if category else None,
            "priority": PRIORITIES.get(str(p.get("hs_ticket_priority") or "").upper()),
            "subject": text(p.get("subject")),
            "source": self.source,
        }

    def _states(self) -> dict[str, str]:
        """Each ticket stage's state, OPEN or CLOSED (read once a sync)."""
        if self._stages is None:
            body = self._get("/crm/v3/pipelines/tickets", {})
            self._stages = {
                str(s["id"]): str(obj(s.get("metadata")).get("ticketState") or "").upper()
                for pipeline in body.get("results") or []
                for s in obj(pipeline).get("stages") or []
                if isinstance(s, dict) and "id" in s
            }
        return self._stages

    def _answer(self, r: dict[str, Any], contacts: dict[str, str]) -> Row:
        p = _props(r)
        survey = SURVEYS.get(str(p.get("hs_survey_type") or "").upper())
        if survey is None:  # a custom survey: no scored question cxpulse knows
            return {}
        kind, low, high, polarity, question = survey
        value = p.get("hs_value")
        if value in (None, ""):
            value = p.get("hs_response_value")
        channel = text(p.get("hs_survey_channel"))
        rid = text(r.get("id"))
        return {
            "response_id": _key("survey_responses", rid),
            "customer_id": contacts.get(str(rid)) or text(p.get("hs_contact_id")),
            "survey_id": None if not p.get("hs_survey_id") else f"hubspot-{p['hs_survey_id']}",
            "question_type": kind,
            "question_id": question,
            "score": _score(value),
            "scale_min": str(low),
            "scale_max": str(high),
            "polarity": polarity,
            "comment": text(p.get("hs_content")),
            "channel": SURVEY_CHANNELS.get(channel.upper(), "other") if channel else None,
            "responded_at": _time(
                p.get("hs_submission_timestamp") or p.get("hs_createdate") or r.get("createdAt")
            ),
            "source": self.source,
        }


def _query(spec: Stream, since: int, strict: bool, tie: str | None) -> dict[str, Any]:
    """The search body: modified since the cursor oldest first, or one millisecond by id."""
    if tie is None:
        filters = [
            {
                "propertyName": spec.modified,
                "operator": "GT" if strict else "GTE",
                "value": str(since),
            }
        ]
        order = spec.modified
    else:
        filters = [
            {"propertyName": spec.modified, "operator": "EQ", "value": str(since)},
            {"propertyName": "hs_object_id", "operator": "GT", "value": tie},
        ]
        order = "hs_object_id"
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": order, "direction": "ASCENDING"}],
        "properties": list(spec.properties),
        "limit": PAGE_SIZE,
    }


PREFIXED = ("tickets", "survey_responses")
"""Tables whose HubSpot ids are prefixed ``hubspot-``: other sources write the same tables
with ids of their own (HubSpot ticket 101 is not Zendesk ticket 101)."""


def _key(table: str, object_id: Any) -> str | None:
    """A HubSpot object's id as its row's key in ``table``, everywhere one is written or
    deleted (sync, archived deletions, webhooks)."""
    plain = text(object_id)
    if plain is None:
        return None
    return f"hubspot-{plain}" if table in PREFIXED else plain


def _props(r: dict[str, Any]) -> dict[str, Any]:
    return obj(r.get("properties"))


def _epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _millis(value: Any) -> int | None:
    """A HubSpot time (ISO 8601, or epoch milliseconds as a property value) in milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or str(value).isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _time(value: Any) -> str | None:
    """A HubSpot time as ISO text; what is not a time is passed on for the import to report."""
    millis = _millis(value)
    if millis is None:
        return text(value)
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat()


def _after(start: str | None, millis: Any) -> str | None:
    """``start`` plus a HubSpot duration (milliseconds: ``time_to_first_agent_reply``)."""
    if start is None or millis in (None, ""):
        return None
    try:
        return (datetime.fromisoformat(start) + timedelta(milliseconds=float(millis))).isoformat()
    except (TypeError, ValueError):
        return None


def _score(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)  # not a number: the import's check reports the row
    return str(int(number)) if number.is_integer() else str(value)


def _country(p: dict[str, Any]) -> str | None:
    """The ISO code: ``hs_country_region_code``, else ``country`` when it is one (HubSpot's
    ``country`` is free text, "France" as often as "FR")."""
    for value in (p.get("hs_country_region_code"), p.get("country")):
        if isinstance(value, str) and len(value.strip()) == 2 and value.strip().isalpha():
            return value.strip().upper()
    return None


def _language(value: Any) -> str | None:
    return str(value).split("-")[0].lower() or None if value else None


# -- webhooks -----------------------------------------------------------------------------------
DEFAULT_CLOSED_STAGE = "4"
DEFAULT_OPEN_STAGES = ("1", "2", "3")
"""The stages of HubSpot's default support pipeline: 1 New, 2 Waiting on contact, 3 Waiting on
us, 4 Closed. A custom pipeline's stages are known only to a sync (``/crm/v3/pipelines``)."""
CONTACT_COLUMNS = {
    "email": "email",
    "lifecyclestage": "segment",
    "associatedcompanyid": "account_id",
    "hs_language": "language",
}
TICKET_COLUMNS = {
    "subject": "subject",
    "hubspot_owner_id": "agent_id",
    "hs_ticket_priority": "priority",
    "hs_ticket_category": "category",
}


def webhook_event(source: str, event: Verified) -> Mapped:
    """A HubSpot v3 delivery (a JSON array of events) as the rows it can change without an
    API call: a contact or ticket created (its id and time), a property that is one column
    (a contact's email, lifecycle stage, company, language; a ticket's subject, owner,
    priority, category), and a ticket closed (``closed_date`` set, or the default pipeline's
    Closed stage: ``solved_at``, which the survey engine's ``ticket_solved`` trigger reads) or
    reopened (a default open stage: ``solved_at`` cleared). The rest (a contact's name or
    country, a ticket's contact, custom pipelines, deletions, survey responses) waits for the
    next sync."""
    payload = event.payload if isinstance(event.payload, list) else [event.payload]
    found: dict[tuple[str, str], Row] = {}
    events = sorted((obj(e) for e in payload), key=lambda e: _millis(e.get("occurredAt")) or 0)
    for e in events:
        kind = str(e.get("subscriptionType") or "")
        object_id = text(e.get("objectId"))
        at = _time(e.get("occurredAt"))
        row = _webhook_row(kind, e, at) if object_id else None
        if row is None:
            continue
        table, values = row
        key = "customer_id" if table == "customers" else "ticket_id"
        found.setdefault(
            (table, str(object_id)), {key: _key(table, object_id), "source": source}
        ).update(values)
    rows: dict[str, list[Row]] = {}
    for (table, _), values in found.items():
        rows.setdefault(table, []).append(values)
    return Mapped(rows=rows, note=NOT_MAPPED if not rows else "")


def _webhook_row(kind: str, e: dict[str, Any], at: str | None) -> tuple[str, Row] | None:
    name, value = str(e.get("propertyName") or ""), e.get("propertyValue")
    if kind == "contact.creation":
        return "customers", {"created_at": at}
    if kind == "ticket.creation":
        return "tickets", {"created_at": at}
    if kind == "contact.propertyChange" and name in CONTACT_COLUMNS:
        column = CONTACT_COLUMNS[name]
        if column == "language":
            return "customers", {column: _language(value)}
        return "customers", {column: text(value)}
    if kind != "ticket.propertyChange":
        return None
    if name == "closed_date":
        return "tickets", {"solved_at": _time(value)}
    if name == "hs_pipeline_stage" and str(value) == DEFAULT_CLOSED_STAGE:
        return "tickets", {"solved_at": at}
    if name == "hs_pipeline_stage" and str(value) in DEFAULT_OPEN_STAGES:
        return "tickets", {"solved_at": None}
    if name == "hs_ticket_priority":
        return "tickets", {"priority": PRIORITIES.get(str(value or "").upper())}
    if name == "hs_ticket_category":
        return "tickets", {"category": str(value).lower() if value else None}
    if name in TICKET_COLUMNS:
        return "tickets", {TICKET_COLUMNS[name]: text(value)}
    return None
