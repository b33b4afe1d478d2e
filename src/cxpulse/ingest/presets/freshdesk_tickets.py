"""Freshdesk's ticket export (Tickets > Export, CSV) into ``tickets``.

The header names (``Ticket ID``, ``Subject``, ``Status``, ``Priority``, ``Source``, ``Type``,
``Agent``, ``Group``, ``Created time``, ``Due by Time``, ``Resolved time``, ``Closed time``,
``Last update time``, ``Initial response time``, ``Time tracked``, ``First response time (in
hrs)``, ``Resolution time (in hrs)``, ``Agent interactions``, ``Customer interactions``,
``Resolution status``, ``First response status``, ``Tags``, ``Survey results``, ``Full
name``, ``Contact ID``) recur in several independent public tools that read this export; the
values follow Freshdesk's ticket fields
(https://developers.freshdesk.com/api/#tickets: status Open, Pending, Resolved, Closed;
priority Low, Medium, High, Urgent; source Email, Portal, Phone, Chat, Feedback Widget,
Outbound Email...). Freshdesk lets an admin choose the exported fields, so any may be absent.

Column by column: ``Ticket ID`` -> ticket_id; ``Contact ID`` (else the requester's ``Email``)
-> customer_id; ``Created time`` -> created_at; ``Initial response time`` -> first_reply_at
(else created_at plus ``First response time (in hrs)``, decimal or hh:mm:ss);
``Resolved time`` (else ``Closed time``) -> solved_at while the status is Resolved or Closed;
``Agent interactions`` -> agent_replies; ``Source`` -> channel (Email, Outbound Email -> email;
Portal, Feedback Widget, Forum -> web; Phone -> phone; Chat, WhatsApp -> chat; Twitter,
Facebook -> social; MobiHelp -> in_app; others -> other); ``Group`` -> team; ``Agent`` (the
name) -> agent_id; ``Type`` -> category; ``Priority`` -> priority (Medium is normal);
``Subject`` -> subject. Not mapped: ``Survey results`` (a satisfaction answer in words with no
time or scale of its own), SLA statuses, time tracked, tags, custom fields. The export writes
times in the helpdesk's time zone without an offset: they are read in the workspace's zone.
"""

from __future__ import annotations

from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.reshaping import (
    after,
    combine,
    loose,
    pick,
    recode,
    with_columns,
    without,
)
from cxpulse.ingest.readers import RawFile

CHANNELS = {
    "email": "email", "outbound email": "email", "portal": "web", "feedback widget": "web",
    "forum": "web", "phone": "phone", "chat": "chat", "whatsapp": "chat", "twitter": "social",
    "facebook": "social", "instagram": "social", "mobihelp": "in_app",
}  # fmt: skip
PRIORITIES = {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"}
SOLVED = ("resolved", "closed")


def _tickets(raw: RawFile) -> RawFile:
    f = raw.frame
    created = pick(f, "Created time", "Created Time")
    initial = pick(f, "Initial response time")
    hours = pick(f, "First response time (in hrs)")
    status = pick(f, "Status")
    resolved = pick(f, "Resolved time", "Resolved Time")
    closed = pick(f, "Closed time", "Closed Time")
    raw = with_columns(
        raw,
        {
            "first_reply_at": combine(
                [initial, created, hours], lambda i, c, h: i or after(c, h, "hours")
            ),
            "solved_at": combine([status, resolved, closed], _solved),
            "channel": recode(pick(f, "Source"), CHANNELS, other="other"),
            "priority": recode(pick(f, "Priority"), PRIORITIES),
            "customer_id": pick(f, "Contact ID", "Contact Id", "Email", "Requester Email"),
        },
        used=("Initial response time", "First response time (in hrs)", "Status",
              "Resolved time", "Closed time", "Contact ID", "Email", "Requester Email"),
    )  # fmt: skip
    return without(raw, "Source")  # the channel, not the canonical source (the file)


def _solved(status: str | None, resolved: str | None, closed: str | None) -> str | None:
    if status is not None and loose(status) not in SOLVED:
        return None  # reopened, or still open: not solved now
    return resolved or closed


FRESHDESK_TICKETS = Preset(
    name="freshdesk-tickets",
    table="tickets",
    doc="Freshdesk > Tickets > Export (CSV)",
    columns={
        "ticket_id": ("Ticket ID", "Ticket Id"),
        "created_at": ("Created time", "Created Time"),
        "agent_replies": ("Agent interactions",),
        "team": ("Group",),
        "agent_id": ("Agent",),
        "category": ("Type",),
        "subject": ("Subject",),
    },
    confirmed=True,
    reshape=_tickets,
)
