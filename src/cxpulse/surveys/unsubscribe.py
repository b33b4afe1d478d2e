"""Unsubscribe links: the person's confirmation (or their mail client's one-click POST) turns
email consent off at once and cancels what is still queued for them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxpulse.schema import AUTOMATION_OUTBOX_TABLE, SURVEY_DELIVERIES_TABLE
from cxpulse.surveys.links import UnknownInvitation, delivery_of, missing, verify
from cxpulse.surveys.store import link_secret

if TYPE_CHECKING:
    from cxpulse.context import Context


def unsubscribe_language(ws: Context, token: str, now: datetime) -> str:
    """The language of the page that asks to confirm an unsubscribe (nothing is changed):
    the link is checked as :func:`unsubscribe` checks it."""
    return str(_unsubscribing(ws, token, now)["language"])


def unsubscribe(ws: Context, token: str, now: datetime) -> str:
    """Honour an unsubscribe (the person's confirmation, or their mail client's one-click
    POST): the customer's email consent becomes false at once.

    Expired links still unsubscribe (only the signature is required): refusing an opt-out
    because the survey closed would break the promise in the email."""
    customer_id = str(_unsubscribing(ws, token, now)["customer_id"])
    with ws.store.transaction():
        if not ws.store.update("customers", {"customer_id": customer_id}, {"email_consent": False}):
            # erased since: nothing left to send them
            raise UnknownInvitation("the customer of this link is no longer in this workspace")
        _cancel_pending(ws, customer_id)
    return customer_id


def _unsubscribing(ws: Context, token: str, now: datetime) -> dict[str, Any]:
    """The delivery an unsubscribe link stands for (expired or not), with its customer."""
    invitation_id = verify(link_secret(ws, now), token, now, check_expiry=False)
    delivery = delivery_of(ws, invitation_id)
    if missing(delivery["customer_id"]):  # a web visitor: nothing is ever sent to them
        raise UnknownInvitation("this link has no customer to unsubscribe")
    return delivery


def _cancel_pending(ws: Context, customer_id: str) -> None:
    """Nothing queued for this customer goes out any more (a reminder, an email waiting for
    the SMTP server, a webhook post waiting for a retry)."""
    ws.store.update(
        SURVEY_DELIVERIES_TABLE,
        {"customer_id": customer_id, "status": ["pending", "queued"]},
        {"status": "unsubscribed"},
    )
    d = ws.store.table(SURVEY_DELIVERIES_TABLE)
    invitations = d.filter(d.customer_id == customer_id).invitation_id.to_pyarrow().to_pylist()
    ws.store.update(
        AUTOMATION_OUTBOX_TABLE,
        {"status": "pending", "run_id": sorted({f"survey:{i}" for i in invitations})},
        {"status": "dead", "last_error": "unsubscribed"},
    )
