"""POST /hooks/{source}: vendors' webhooks, verified, stored once, mapped in real time.

No login: the vendor's signature over the raw body is the credential
(:mod:`cxpulse.sources.webhooks` checks it with the source's signing secret). Every refusal
is the same 401 with the same body: a bad or stale signature, an unknown source, one that
takes no webhooks, one whose secret cannot be read (the log says which, and why), so a caller
without the secret learns no source names, and an unknown source costs the same HMAC as a bad
signature. Nothing is stored. An event id seen before is a 200 and nothing new (vendors retry
until they get a 2xx). Every request counts against the public endpoints' per-address rate
limit (429 with Retry-After). The signature is checked on the request's own thread and
reader, off the write lock (an unsigned flood must not hold up every write); the verified
event then joins the next batch of :attr:`WebState.hooks` (group commit,
:mod:`cxpulse.web.hook_writes`): the events, their canonical rows and the survey triggers they
bring are written in one transaction, and each request is answered once its batch committed
(a batch that failed is written again event by event: an event that cannot be written is a
503 to its own request, which the vendor sends again). HubSpot
signs the address it called: behind a TLS-terminating proxy that is the workspace's
``public_url`` with the request's path, which the check also tries. A body over ``MAX_BODY``
is refused before it is read whole.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from cxpulse.errors import SourceAuthError, UnknownSourceError, WebhookRejected
from cxpulse.sources.webhook_events import Checked, verify
from cxpulse.sources.webhooks import Delivery
from cxpulse.web.pages.public import rate_limited
from cxpulse.web.state import WebState, get_state

router = APIRouter(tags=["webhooks"], dependencies=[Depends(rate_limited)])
State = Annotated[WebState, Depends(get_state)]
log = logging.getLogger(__name__)
REFUSED = "the webhook could not be verified"
MAX_BODY = 5 * 1024 * 1024  # Stripe's and Shopify's events are well under 1 MB


@router.post(
    "/hooks/{source}",
    summary="Receive a vendor's webhook (signed: Stripe, Shopify, Zendesk, HubSpot, "
    "Standard Webhooks)",
    responses={
        401: {"description": "not verified (any reason, one answer); nothing stored"},
        503: {"description": "the event could not be stored now; the vendor retries"},
    },
)
async def hook(source: str, request: Request, state: State) -> dict[str, Any]:
    body = await _body(request)
    delivery = Delivery(
        method=request.method,
        url=str(request.url),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        public_url=_public_url(state, request),
    )
    try:
        checked = await run_in_threadpool(_verify, state, source, delivery)
    except (WebhookRejected, UnknownSourceError, SourceAuthError) as exc:
        log.warning("webhook to %r refused: %s", source[:80], exc)
        raise HTTPException(401, REFUSED) from None
    try:
        received = await asyncio.wrap_future(state.hooks.submit((checked, delivery)))
    except Exception:  # logged by the writer; the vendor sends it again
        raise HTTPException(503, "the event could not be stored now; retry later") from None
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


def _verify(state: WebState, source: str, delivery: Delivery) -> Checked:
    with state.reader() as reader:
        return verify(reader, source, delivery, state.now())


def _public_url(state: WebState, request: Request) -> str | None:
    """The request's address under the workspace's public_url (None when it has none)."""
    base = state.settings.public_url.rstrip("/")
    if not base:
        return None
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    return base + path + (f"?{request.url.query}" if request.url.query else "")
