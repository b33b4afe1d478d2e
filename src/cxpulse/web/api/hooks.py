"""POST /hooks/{source}: vendors' webhooks, verified, stored once, mapped in real time.

No login: the vendor's signature over the raw body is the credential
(:mod:`cxpulse.sources.webhooks` checks it with the source's signing secret). A bad or stale
signature is a 401 and nothing is stored; an event id seen before is a 200 and nothing new
(vendors retry until they get a 2xx). An unknown source, or one that takes no webhooks, is
a 404 that names nothing (a caller without the secret learns no source names), and a source
whose secret cannot be read is a 503 (the sender retries later; the log says why). Every
request counts against the public endpoints' per-address rate limit (429 with Retry-After).
The survey triggers an event brings are recorded in the same lock (surveys read
``ticket_solved`` from the ticket rows the event updated, so that needs no trigger row).
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from cxpulse.errors import SourceAuthError, UnknownSourceError
from cxpulse.sources.webhook_events import Received, receive
from cxpulse.sources.webhooks import Delivery
from cxpulse.surveys.events import Event, record_events
from cxpulse.web.pages.public import rate_limited
from cxpulse.web.state import WebState, get_state

router = APIRouter(tags=["webhooks"], dependencies=[Depends(rate_limited)])
State = Annotated[WebState, Depends(get_state)]
log = logging.getLogger(__name__)
MAX_BODY = 5 * 1024 * 1024  # Stripe's and Shopify's events are well under 1 MB


@router.post(
    "/hooks/{source}",
    summary="Receive a vendor's webhook (signed: Stripe, Shopify, Zendesk, HubSpot, "
    "Standard Webhooks)",
    responses={401: {"description": "bad or stale signature; nothing stored"}},
)
async def hook(source: str, request: Request, state: State) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"a webhook's body is at most {MAX_BODY // 1024 // 1024} MB")
    delivery = Delivery(
        method=request.method,
        url=str(request.url),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
    )
    try:
        received = await run_in_threadpool(_receive, state, source, delivery)
    except UnknownSourceError:
        raise HTTPException(404, "no webhook receiver here") from None
    except SourceAuthError as exc:
        log.warning("webhook for %s not verified: %s", source, exc)
        raise HTTPException(503, "this receiver is not configured yet; retry later") from None
    return received.to_dict()


def _receive(state: WebState, source: str, delivery: Delivery) -> Received:
    with state.workspace() as ws:
        received = receive(ws, source, delivery, state.now())
        if received.triggers:
            events = [
                Event(t.name, t.customer_id, t.occurred_at.replace(tzinfo=UTC), t.event_id)
                for t in received.triggers
            ]
            record_events(ws, events, source=source)
        return received
