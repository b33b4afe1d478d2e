"""POST /hooks/{source}: vendors' webhooks, verified, stored once, mapped in real time.

No login: the vendor's signature over the raw body is the credential
(:mod:`cxpulse.sources.webhooks` checks it with the source's signing secret). A bad or stale
signature is a 401 and nothing is stored; an event id seen before is a 200 and nothing new
(vendors retry until they get a 2xx). An unknown source, or one that takes no webhooks, is
a 404 that names nothing (a caller without the secret learns no source names), and a source
whose secret cannot be read is a 503 (the sender retries later; the log says why). Every
request counts against the public endpoints' per-address rate limit (429 with Retry-After).
The signature is checked on the request thread's own reader, off the write lock (an unsigned
flood must not hold up every write); the event, its canonical rows and the survey triggers it
brings are then written in one transaction (a trigger that failed would otherwise be lost: the
vendor's retry is a repeat). Surveys read ``ticket_solved`` from the ticket rows the event
updated, so that needs no trigger row. A body over ``MAX_BODY`` is refused before it is read
whole.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from cxpulse.errors import SourceAuthError, UnknownSourceError
from cxpulse.sources.webhook_events import Received, store, verify
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
    body = await _body(request)
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


async def _body(request: Request) -> bytes:
    """The raw body, refused (413) past ``MAX_BODY`` without reading it whole: by its
    Content-Length when it says, else as it streams in."""
    too_big = HTTPException(413, f"a webhook's body is at most {MAX_BODY // 1024 // 1024} MB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _receive(state: WebState, source: str, delivery: Delivery) -> Received:
    with state.reader() as reader:
        checked = verify(reader, source, delivery, state.now())
    with state.workspace() as ws, ws.store.transaction():
        received = store(ws, checked, delivery, state.now())
        if received.triggers:
            events = [
                Event(t.name, t.customer_id, t.occurred_at.replace(tzinfo=UTC), t.event_id)
                for t in received.triggers
            ]
            record_events(ws, events, source=source)
        return received
