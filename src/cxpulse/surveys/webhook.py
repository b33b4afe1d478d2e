"""The webhook channel: the signed survey link posted as JSON to a URL the user configures, so
any SMS or chat provider can deliver it.

The posts go through the outbox like every message (:mod:`cxpulse.surveys.handoff`, sent by
`cxpulse worker`): one row per delivery under a unique key, retried with exponential backoff,
never lost after a crash, each post carrying its key in ``X-Cxpulse-Delivery`` so a provider
can drop a repeat.

The JSON body::

    {"customer_id": "C1", "invitation_id": "INV...", "survey": "support-csat",
     "touchpoint": "support", "language": "fr", "link": "https://.../s/TOKEN",
     "question": "Êtes-vous satisfait ?", "expires_at": "2025-06-16T10:00:00",
     "reminder": false}
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.surveys.definition import Survey
from cxpulse.surveys.links import sign
from cxpulse.surveys.store import link_secret

if TYPE_CHECKING:
    from cxpulse.context import Context


def page_url(public_url: str, token: str) -> str:
    """The survey's response page for a signed token."""
    return f"{public_url.rstrip('/')}/s/{token}"


def signed_link(ws: Context, delivery: dict[str, Any], now: datetime) -> str:
    """The response page of a delivery's invitation, signed until it expires: what a channel
    that carries a link (a webhook, a text message) sends."""
    expires = _py(delivery["expires_at"])
    token = sign(link_secret(ws, now), str(delivery["invitation_id"]), expires)
    return page_url(ws.settings.public_url, token)


def payload(ws: Context, survey: Survey, delivery: dict[str, Any], now: datetime) -> str:
    expires = _py(delivery["expires_at"])
    language = str(delivery["language"])
    first = survey.questions[0]
    body = {
        "customer_id": delivery["customer_id"],
        "invitation_id": delivery["invitation_id"],
        "survey": survey.id,
        "touchpoint": survey.touchpoint,
        "language": language,
        "link": signed_link(ws, delivery, now),
        "question": first.text.get(language) or first.text["en"],
        "expires_at": expires.isoformat(timespec="seconds"),
        "reminder": str(delivery["delivery_key"]).endswith(":reminder"),
    }
    return json.dumps(body, ensure_ascii=False)


def _py(value: Any) -> datetime:
    """A pandas timestamp or a datetime as a plain datetime."""
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value  # type: ignore[no-any-return]
