"""The survey_invitations and survey_responses tables from the answered invitations."""

from __future__ import annotations

from typing import Any

import numpy as np

from cxpulse.demo import surveys as sv
from cxpulse.demo.arrow import build, chronological_ids, labels, take, timestamps
from cxpulse.demo.comments import survey_comments
from cxpulse.demo.customers import Customers
from cxpulse.schema import LANGUAGES


def invitations_table(asks: sv.Asks, ids: Any, cust_ids: Any) -> Any:
    return build(
        "survey_invitations",
        {
            "invitation_id": ids,
            "customer_id": take(cust_ids, asks.customer),
            "survey_id": labels(sv.SURVEY_IDS, asks.survey),
            "channel": labels(sv.CHANNELS, asks.channel),
            "touchpoint": labels(sv.TOUCHPOINTS, sv.SURVEY_TOUCHPOINT[asks.survey]),
            "sent_at": timestamps(asks.sent),
            "delivered": asks.delivered,
        },
        order=np.argsort(asks.sent, kind="stable"),
    )


def responses_table(
    rng: np.random.Generator,
    asks: sv.Asks,
    invitation_ids: Any,
    cust: Customers,
    cust_ids: Any,
    ticket_ids: Any,
    agent_ids: Any,
) -> Any:
    answered = np.flatnonzero(asks.responded)
    r = asks.select(answered)
    q = r.question
    touch = sv.SURVEY_TOUCHPOINT[r.survey]
    language = cust.language[r.customer]  # customers answer in their own language
    return build(
        "survey_responses",
        {
            "response_id": chronological_ids("R", r.responded_at, 8),
            "customer_id": take(cust_ids, r.customer),
            "survey_id": labels(sv.SURVEY_IDS, r.survey),
            "invitation_id": take(invitation_ids, answered),
            "question_type": labels(sv.QUESTION_TYPES, q),
            "score": r.score,
            "scale_min": sv.SCALE_MIN[q].astype(np.int64),
            "scale_max": sv.SCALE_MAX[q].astype(np.int64),
            "polarity": labels(sv.POLARITY, q),
            "comment": survey_comments(rng, language, q, r.score, touch),
            "language": labels(LANGUAGES, language),
            "channel": labels(sv.CHANNELS, r.channel),
            "touchpoint": labels(sv.TOUCHPOINTS, touch),
            "responded_at": timestamps(r.responded_at),
            "ticket_id": take(ticket_ids, r.ticket),
            "agent_id": take(agent_ids, r.agent),
            "question_id": labels(sv.QUESTION_TYPES, q),  # one question per survey: its type
        },
        order=np.argsort(r.responded_at, kind="stable"),
    )


def invitation_ids(asks: sv.Asks) -> Any:
    return chronological_ids("I", asks.sent, 8)
