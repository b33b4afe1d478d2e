"""Intercom's conversations, from the conversations API's JSON or a reports CSV export, into
``tickets`` (``intercom-conversations``) and their 1-5 conversation ratings into
``survey_responses`` (``intercom-ratings``).

The JSON is the API's conversation object
(https://developers.intercom.com/docs/references/rest-api/api.intercom.io/conversations/
listconversations): ``id``, ``created_at``/``updated_at`` (seconds since 1970), ``title``,
``state`` (open, closed, snoozed), ``priority`` (priority, not_priority),
``admin_assignee_id``, ``team_assignee_id``, ``source.type`` (conversation, email,
phone_call, whatsapp, ...), ``contacts.contacts[0]`` (``id``, ``external_id``),
``statistics`` (``first_admin_reply_at``, ``first_close_at``, ``last_close_at``,
``count_reopens``) and ``conversation_rating`` (``rating`` 1-5, ``remark``, ``created_at``,
``contact``, ``teammate``); nested fields are flattened. A file holds one conversation per
line, or the list's ``conversations`` array (``jq .conversations page.json``). The CSV's
headers are NOT confirmed against a real export: they follow public descriptions of
Intercom's conversation reports (``Conversation ID``, ``Conversation started at``,
``Conversation first replied at``, ``Conversation first closed at``, ``Conversation last
closed at``, ``State``, ``Channel``, ``Teammate assigned``, ``Team assigned``, ``User ID``,
``Conversation rating``, ``Conversation rating remark``, ``Conversation rated at``);
``--map`` covers another spelling.

Column by column (tickets): ``id`` -> ticket_id; the contact's ``external_id`` (your own user
id, what a customers table keys on), else Intercom's contact ``id`` -> customer_id;
``created_at`` -> created_at; ``statistics.first_admin_reply_at`` -> first_reply_at;
``statistics.first_close_at`` -> first_solved_at; ``statistics.last_close_at`` -> solved_at
while the state is closed; ``statistics.count_reopens`` -> reopens; ``source.type`` ->
channel (conversation/messenger and WhatsApp are chat, phone_call phone, push in_app,
facebook, instagram and twitter social); ``team_assignee_id`` -> team;
``admin_assignee_id`` -> agent_id; ``priority`` -> priority (high or normal); ``title`` ->
subject. Not mapped: conversation parts, tags, custom attributes, SLA.

Ratings: a 1-5 CSAT answer (5 is best) keyed ``intercom-rating-<conversation id>`` (one rating
per conversation), with its remark as the comment, the rated teammate as agent_id, the
conversation as ticket_id; conversations without a rating are left out. Times without an
offset are read in the workspace's zone (the API's are UTC by nature).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    coalesce,
    combine,
    flatten_json,
    from_epoch,
    keep_rows,
    loose,
    pick,
    recode,
    require,
    with_columns,
    without,
)
from cxpulse.ingest.readers import RawFile

CHANNELS = {
    "conversation": "chat", "messenger": "chat", "chat": "chat", "whatsapp": "chat",
    "email": "email", "phone_call": "phone", "phone_switch": "phone", "phone": "phone",
    "sms": "sms", "push": "in_app", "facebook": "social", "instagram": "social",
    "twitter": "social",
}  # fmt: skip
PRIORITIES = {"priority": "high", "not_priority": "normal", "not priority": "normal"}
ID = ("id", "Conversation ID")
CREATED = ("created_at", "Conversation started at", "Started at", "Created at")
ASSIGNEE = ("admin_assignee_id", "Teammate assigned", "Assignee")
# what the reshapes read (dropped after: the report's ignored columns are what nothing took)
CONVERSATION_FIELDS = (
    *ID, *CREATED, *ASSIGNEE, "contacts.contacts", "User ID", "Contact ID", "External ID",
    "User external ID", "statistics.first_admin_reply_at", "Conversation first replied at",
    "statistics.first_close_at", "Conversation first closed at", "statistics.last_close_at",
    "Conversation last closed at", "statistics.count_reopens", "Reopens", "source.type",
    "Channel", "team_assignee_id", "Team assigned", "Team", "priority", "Priority", "title",
    "source.subject", "Title",
)  # fmt: skip
RATING_FIELDS = (
    "conversation_rating.rating", "Conversation rating", "Rating",
    "conversation_rating.contact.external_id", "conversation_rating.contact.id",
    "conversation_rating.remark", "Conversation rating remark", "conversation_rating.created_at",
    "Conversation rated at", "updated_at", "conversation_rating.teammate.id",
)  # fmt: skip


def _contact(f: Any) -> Any:
    """The conversation's first contact: your external id, else Intercom's id."""
    listed = pick(f, "contacts.contacts").map(_first_contact)
    given = pick(f, "User ID", "Contact ID", "External ID", "User external ID")
    return combine([listed, given], lambda a, b: a or b)


def _first_contact(text: Any) -> str | None:
    if text is None:
        return None
    try:
        contacts = json.loads(text)
    except json.JSONDecodeError:
        return None
    for c in contacts if isinstance(contacts, list) else []:
        if isinstance(c, dict) and (c.get("external_id") or c.get("id")):
            return str(c.get("external_id") or c["id"])
    return None


def _time(f: Any, *names: str) -> Any:
    return pick(f, *names).map(from_epoch)


def _conversations(raw: RawFile) -> RawFile:
    raw = flatten_json(raw)
    f = raw.frame
    state = pick(f, "state", "State", "Conversation state")
    last_close = _time(f, "statistics.last_close_at", "Conversation last closed at")
    raw = with_columns(
        raw,
        {
            "ticket_id": pick(f, *ID),
            "customer_id": _contact(f),
            "created_at": _time(f, *CREATED),
            "first_reply_at": _time(
                f, "statistics.first_admin_reply_at", "Conversation first replied at"
            ),
            "first_solved_at": _time(
                f, "statistics.first_close_at", "Conversation first closed at"
            ),
            "solved_at": combine(
                [state, last_close], lambda s, at: at if s is None or loose(s) == "closed" else None
            ),
            "reopens": pick(f, "statistics.count_reopens", "Reopens"),
            "channel": recode(pick(f, "source.type", "Channel"), CHANNELS, other="other"),
            "team": pick(f, "team_assignee_id", "Team assigned", "Team"),
            "agent_id": pick(f, *ASSIGNEE),
            "priority": recode(pick(f, "priority", "Priority"), PRIORITIES),
            "subject": coalesce(f, "title", "source.subject", "Title"),
        },
        used=(*CONVERSATION_FIELDS, "state", "State", "Conversation state"),
    )
    return without(raw, "source", "id")  # the JSON's "source" object is no canonical source


def _ratings(raw: RawFile) -> RawFile:
    require(raw, "intercom-ratings", "Conversation rating", "Rating", "conversation_rating")
    raw = flatten_json(raw)
    f = raw.frame
    score = pick(f, "conversation_rating.rating", "Conversation rating", "Rating")
    conversation = pick(f, *ID)
    rated_by = combine(
        [
            pick(f, "conversation_rating.contact.external_id"),
            pick(f, "conversation_rating.contact.id"),
            _contact(f),
        ],
        lambda a, b, c: a or b or c,
    )
    raw = with_columns(
        raw,
        {
            "response_id": conversation.map(
                lambda c: None if c is None else f"intercom-rating-{c}"
            ),
            "ticket_id": conversation,
            "customer_id": rated_by,
            "score": score,
            "comment": pick(f, "conversation_rating.remark", "Conversation rating remark"),
            "responded_at": _time(
                f, "conversation_rating.created_at", "Conversation rated at", "updated_at"
            ),
            "agent_id": pick(f, "conversation_rating.teammate.id", *ASSIGNEE),
        },
        used=(*CONVERSATION_FIELDS, *RATING_FIELDS),
    )
    raw = without(raw, "source", "id")
    return keep_rows(raw, np.asarray(score.notna().to_numpy(dtype=bool), dtype=bool))


INTERCOM_CONVERSATIONS = Preset(
    name="intercom-conversations",
    table="tickets",
    doc="Intercom conversations: the API's JSON (one per line, or the array) or a reports CSV",
    columns={},
    reshape=_conversations,
)

INTERCOM_RATINGS = Preset(
    name="intercom-ratings",
    table="survey_responses",
    doc="Intercom conversations (JSON or CSV): their 1-5 conversation ratings as CSAT",
    columns={},
    constants={
        "survey_id": "intercom-conversation-rating",
        "question_type": "csat",
        "scale_min": "1",
        "scale_max": "5",
        "polarity": "high_is_good",
        "touchpoint": "support",
    },
    reshape=_ratings,
)
