"""Zendesk Support's ticket exports (Admin Center > Account > Tools > Reports > Export):
the CSV export and the full JSON export, into ``tickets`` (``zendesk-tickets``) and their
satisfaction ratings into ``survey_responses`` (``zendesk-ratings``).

https://support.zendesk.com/hc/en-us/articles/4408886165402 (Exporting data to a JSON, CSV,
or XML file). The JSON export is newline-delimited ticket objects as the Tickets API shows
them (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/: ``id``,
``requester_id``, ``assignee_id``, ``group_id``, ``status``, ``priority``, ``subject``,
``created_at``, ``updated_at``, ``via.channel``, ``satisfaction_rating.score``) with the
ticket's ``metric_set`` (https://developer.zendesk.com/api-reference/ticketing/tickets/
ticket_metrics/: ``reply_time_in_minutes.calendar``, ``first_resolution_time_in_minutes
.calendar``, ``solved_at``, ``reopens``, ``replies``); nested fields are flattened
(``via.channel``). The CSV export's headers are NOT confirmed against a real file: they
follow public descriptions of it (``Id``, ``Requester id``, ``Assignee``, ``Group``,
``Subject``, ``Status``, ``Priority``, ``Via``, ``Created at``, ``Updated at``, ``Solved at``,
``Satisfaction Score``, ``Reopens``, ``Replies``, ``First reply time in minutes``, ``First
resolution time in minutes``); ``--map`` covers another spelling.

Column by column (tickets): ``Id`` / ``id`` -> ticket_id; ``Requester id`` / ``requester_id``
-> customer_id; ``Created at`` -> created_at; first_reply_at and first_solved_at are
created_at plus Zendesk's calendar minutes (it reports durations, not moments);
``Solved at`` / ``metric_set.solved_at`` -> solved_at, only while the status is solved or
closed (a reopened ticket is not solved); ``Reopens``, ``Replies`` -> reopens,
agent_replies; ``Via`` / ``via.channel`` -> channel (email, web, chat, phone, sms, social,
in_app; anything else "other"); ``Group`` (its name; the JSON export has only
``group_id``) -> team; ``Assignee id`` / ``Assignee`` / ``assignee_id`` -> agent_id;
``Priority`` -> priority (lower case); ``Subject`` -> subject. Not mapped: business-hours
durations (the table keeps moments), tags, custom fields.

Ratings (``zendesk-ratings``): a good rating is 3 and a bad one 1 on a 1-3 CSAT scale, as the
Zendesk connector books them, so the CSAT metric is Zendesk's satisfaction score; offered or
unoffered tickets are no answer and are left out. The key is ``zendesk-csat-<rating id>``
(the connector's) when the JSON export gives the rating's id, else
``zendesk-csat-ticket-<ticket id>``. Neither export says when a rating was given: the
ticket's last update (``Updated at``) stands in, a rating being an update of its ticket.
Timestamps without an offset are read in the workspace's zone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    after,
    combine,
    flatten_json,
    keep_rows,
    loose,
    pick,
    recode,
    require,
    with_columns,
)
from cxpulse.ingest.readers import RawFile

# Zendesk's via.channel (JSON) and the words of the CSV's "Via" -> the canonical channels
CHANNELS = {
    "email": "email", "mail": "email", "web": "web", "web form": "web", "web_form": "web",
    "web widget": "web", "web_widget": "web", "help center": "web", "chat": "chat",
    "native_messaging": "chat", "messaging": "chat", "whatsapp": "chat", "voice": "phone",
    "phone": "phone", "phone call (incoming)": "phone", "phone call (outgoing)": "phone",
    "sms": "sms", "text": "sms", "mobile_sdk": "in_app", "mobile sdk": "in_app",
    "mobile": "in_app", "twitter": "social", "facebook": "social", "instagram_dm": "social",
}  # fmt: skip
SOLVED = ("solved", "closed")
CSAT_SCORES = {"good": "3", "bad": "1"}

ID = ("Id", "id", "Ticket ID")
STATUS = ("Status", "status")
CREATED = ("Created at", "created_at")
UPDATED = ("Updated at", "updated_at")


def _tickets(raw: RawFile) -> RawFile:
    raw = flatten_json(raw)
    f = raw.frame
    created = pick(f, *CREATED)
    status = pick(f, *STATUS).map(lambda s: None if s is None else loose(s))
    solved = pick(f, "Solved at", "metric_set.solved_at", "dates.solved_at")
    reply = pick(f, "First reply time in minutes", "metric_set.reply_time_in_minutes.calendar")
    first_solve = pick(
        f,
        "First resolution time in minutes",
        "metric_set.first_resolution_time_in_minutes.calendar",
    )
    priority = pick(f, "Priority", "priority")
    return with_columns(
        raw,
        {
            "first_reply_at": combine([created, reply], lambda c, m: after(c, m, "minutes")),
            "first_solved_at": combine([created, first_solve], lambda c, m: after(c, m, "minutes")),
            "solved_at": combine([status, solved], _solved),
            # "via.channel" first: "via" alone is the JSON export's whole object
            "channel": recode(pick(f, "via.channel", "Via"), CHANNELS, other="other"),
            "priority": priority.map(lambda p: None if p is None else loose(p)),
        },
        used=(*STATUS, "Solved at", "metric_set.solved_at", "dates.solved_at",
              "First reply time in minutes", "metric_set.reply_time_in_minutes.calendar",
              "First resolution time in minutes",
              "metric_set.first_resolution_time_in_minutes.calendar", "Via", "via.channel"),
    )  # fmt: skip


def _solved(status: str | None, solved_at: str | None) -> str | None:
    # without a status column the export's own solved time is taken as it is
    return solved_at if status is None or status in SOLVED else None


def _ratings(raw: RawFile) -> RawFile:
    require(raw, "zendesk-ratings", "Satisfaction Score", "satisfaction_rating")
    raw = flatten_json(raw)
    f = raw.frame
    score = pick(f, "Satisfaction Score", "satisfaction_rating.score").map(
        lambda s: None if s is None else CSAT_SCORES.get(loose(s))
    )
    answered = score.notna().to_numpy(dtype=bool)
    ticket = pick(f, *ID)
    rating_id = pick(f, "satisfaction_rating.id")
    raw = with_columns(
        raw,
        {
            "response_id": combine([rating_id, ticket], _rating_key),
            "score": score,
            "comment": pick(f, "Satisfaction Comment", "satisfaction_rating.comment"),
            "responded_at": pick(f, *UPDATED),
        },
        used=("Satisfaction Score", "satisfaction_rating.score", "satisfaction_rating.id",
              "Satisfaction Comment", "satisfaction_rating.comment", *UPDATED),
    )  # fmt: skip
    return keep_rows(raw, np.asarray(answered, dtype=bool))


def _rating_key(rating: Any, ticket: Any) -> str | None:
    if rating is not None:
        return f"zendesk-csat-{rating}"
    return None if ticket is None else f"zendesk-csat-ticket-{ticket}"


ZENDESK_TICKETS = Preset(
    name="zendesk-tickets",
    table="tickets",
    doc="Zendesk Support > Admin Center > Reports > Export: tickets (CSV or JSON)",
    columns={
        "ticket_id": ID,
        "customer_id": ("Requester id", "Requester ID", "requester_id"),
        "created_at": CREATED,
        "reopens": ("Reopens", "metric_set.reopens"),
        "agent_replies": ("Replies", "metric_set.replies"),
        "team": ("Group", "group_id"),
        "agent_id": ("Assignee id", "Assignee ID", "Assignee", "assignee_id"),
        "subject": ("Subject", "subject"),
    },
    reshape=_tickets,
)

ZENDESK_RATINGS = Preset(
    name="zendesk-ratings",
    table="survey_responses",
    doc="Zendesk Support's ticket export (CSV or JSON): its satisfaction ratings as CSAT",
    columns={
        "customer_id": ("Requester id", "Requester ID", "requester_id"),
        "ticket_id": ID,
        "agent_id": ("Assignee id", "Assignee ID", "Assignee", "assignee_id"),
    },
    constants={
        "survey_id": "zendesk-csat",
        "question_type": "csat",
        "scale_min": "1",
        "scale_max": "3",
        "polarity": "high_is_good",
        "touchpoint": "support",
    },
    reshape=_ratings,
)
