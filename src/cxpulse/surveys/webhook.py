"""The webhook channel: the signed survey link posted as JSON to a URL the user configures, so
any SMS or chat provider can deliver it.

The posts go through the automation outbox (``automation_outbox``, sent by
:func:`cxpulse.automations.outbox.deliver` in `cxpulse worker`): one row per delivery under a
unique key, retried with exponential backoff, never lost after a crash, each post carrying its
key in ``X-Cxpulse-Delivery`` so a provider can drop a repeat. :func:`sync` copies the outcome
back to ``survey_deliveries`` and the invitation's ``delivered`` flag.

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

import ibis

from cxpulse.store.migrations import (
    AUTOMATION_OUTBOX_TABLE,
    AUTOMATION_SCHEMAS,
    SURVEY_DELIVERIES_TABLE,
)
from cxpulse.surveys.definition import Survey
from cxpulse.surveys.links import sign
from cxpulse.surveys.store import link_secret

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

PREFIX = "survey:"  # outbox keys and run ids of survey posts start with it


def page_url(public_url: str, token: str) -> str:
    """The survey's response page for a signed token."""
    return f"{public_url.rstrip('/')}/s/{token}"


def payload(ws: Workspace, survey: Survey, delivery: dict[str, Any], now: datetime) -> str:
    expires = _py(delivery["expires_at"])
    token = sign(link_secret(ws, now), str(delivery["invitation_id"]), expires)
    language = str(delivery["language"])
    first = survey.questions[0]
    body = {
        "customer_id": delivery["customer_id"],
        "invitation_id": delivery["invitation_id"],
        "survey": survey.id,
        "touchpoint": survey.touchpoint,
        "language": language,
        "link": page_url(ws.settings.public_url, token),
        "question": first.text.get(language) or first.text["en"],
        "expires_at": expires.isoformat(timespec="seconds"),
        "reminder": str(delivery["delivery_key"]).endswith(":reminder"),
    }
    return json.dumps(body, ensure_ascii=False)


def outbox_row(
    ws: Workspace, survey: Survey, delivery: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The automation-outbox row posting one survey delivery."""
    return {
        "outbox_key": PREFIX + str(delivery["delivery_key"]),
        "run_id": PREFIX + str(delivery["invitation_id"]),
        "kind": "webhook",
        "target": survey.webhook_url,
        "payload": payload(ws, survey, delivery, now),
        "created_at": now,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_at": None,
        "sent_at": None,
        "last_error": None,
    }


def enqueue(ws: Workspace, rows: list[dict[str, Any]]) -> None:
    """Add posts to the automation outbox (inside the caller's transaction)."""
    if rows:
        schema = ibis.schema(AUTOMATION_SCHEMAS[AUTOMATION_OUTBOX_TABLE])
        ws.store.con.upsert(
            AUTOMATION_OUTBOX_TABLE, ibis.memtable(rows, schema=schema), on="outbox_key"
        )


def sync(ws: Workspace) -> int:
    """Copy finished posts (sent, or dead after the last retry) back to the survey deliveries
    and the invitations' ``delivered`` flag; returns how many deliveries changed."""
    from cxpulse.surveys.run import write_deliveries

    d = ws.store.table(SURVEY_DELIVERIES_TABLE)
    queued = d.filter((d.channel == "webhook") & (d.status == "queued")).execute()
    if queued.empty:
        return 0
    o = ws.store.table(AUTOMATION_OUTBOX_TABLE)
    keys = [PREFIX + k for k in queued.delivery_key]
    done = o.filter(o.outbox_key.isin(keys) & o.status.isin(["sent", "dead"])).execute()
    outcome = {str(r.outbox_key)[len(PREFIX) :]: r for r in done.itertuples(index=False)}
    updates = []
    for row in queued.to_dict("records"):
        post = outcome.get(row["delivery_key"])
        if post is None:
            continue
        sent = post.status == "sent"
        row.update(
            status="sent" if sent else "failed",
            sent_at=_py(post.sent_at) if sent else None,
            attempts=int(post.attempts),
            last_error=None if sent else str(post.last_error),
        )
        updates.append(row)
    if not updates:
        return 0
    inv = ws.table("survey_invitations")
    firsts = {u["invitation_id"]: u["status"] == "sent" for u in updates
              if not u["delivery_key"].endswith(":reminder")}  # fmt: skip
    invitations = inv.filter(inv.invitation_id.isin(list(firsts))).execute()
    invitations["delivered"] = invitations.invitation_id.map(firsts)
    with ws.store.transaction():
        write_deliveries(ws, [{k: _none(v) for k, v in u.items()} for u in updates])
        if not invitations.empty:
            ws.store.con.upsert(
                "survey_invitations",
                ibis.memtable(invitations, schema=inv.schema()),
                on="invitation_id",
            )
    return len(updates)


def _py(value: Any) -> datetime:
    """A pandas timestamp or a datetime as a plain datetime."""
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value  # type: ignore[no-any-return]


def _none(value: Any) -> Any:
    try:
        return None if value is None or value != value else value  # NaN and NaT
    except (TypeError, ValueError):
        return value
