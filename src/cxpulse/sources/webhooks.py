"""Webhook signatures: each vendor's documented check, one small class per vendor in
:data:`VERIFIERS`.

A verifier takes the signing secret (read through the source's secret reference, never
logged), the request as it arrived (the raw body: a parsed and re-serialised body no longer
matches) and the server's clock, and returns the event's id and type, or raises
:class:`~cxpulse.errors.WebhookRejected`. Signatures are compared in constant time
(:func:`hmac.compare_digest`). Where the vendor signs a timestamp, a request more than
:data:`TOLERANCE` away from the clock is refused, so a captured request cannot be replayed
later; within the tolerance a replay carries the same event id and stores nothing new.

The event id is the dedupe key, so it comes only from signed bytes: a header outside the
signature (Shopify's X-Shopify-Event-Id, Zendesk's X-Zendesk-Webhook-Invocation-Id) could be
changed by whoever captured a request, and the replay would be stored again. Per vendor:
- Standard Webhooks: ``webhook-id`` (it is part of the signed content);
- Stripe: the body's ``id`` (evt_...);
- Shopify: a digest of the body (Shopify signs the body alone; a retry sends the same body);
- Zendesk: an event webhook's body ``id``; a trigger's (no id in its body), a digest of the
  signed timestamp and body;
- HubSpot: the body's ``eventId`` values, sorted (a retry resends the same array, signed
  again with a new timestamp): one event's id, or a digest of several; a digest of the body
  when an event lacks one.

The vendors' pages (cited again in tests/sources/test_webhooks.py with their test vectors):
- Standard Webhooks: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
- Stripe: https://docs.stripe.com/webhooks#verify-manually
- Shopify: https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
- Zendesk: https://developer.zendesk.com/documentation/webhooks/verifying/
- HubSpot: https://developers.hubspot.com/docs/api/webhooks/validating-requests
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import unquote

from cxpulse.errors import ConfigError, WebhookRejected

TOLERANCE = timedelta(minutes=5)
"""Stripe's default tolerance, the Standard Webhooks spec's and HubSpot's documented limit;
Zendesk documents none, so it gets the same."""


@dataclass(frozen=True)
class Delivery:
    """One webhook request as it arrived."""

    method: str
    url: str
    """The full address as the sender called it (HubSpot signs it)."""
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    public_url: str | None = None
    """The same address under the workspace's ``public_url`` (behind a TLS-terminating proxy
    the server sees http://internal-host/..., the sender signed https://cx.acme.com/...)."""


@dataclass(frozen=True)
class Verified:
    """A delivery whose signature verified: the vendor's event id and type, and its JSON."""

    event_id: str
    event_type: str
    payload: Any


class Verifier:
    name: ClassVar[str]
    title: ClassVar[str]

    def verify(self, secret: str, delivery: Delivery, now: datetime) -> Verified:
        """The verified event, or WebhookRejected (``now``: naive UTC, the server's clock)."""
        raise NotImplementedError


def _header(delivery: Delivery, name: str) -> str:
    value = delivery.headers.get(name.lower(), "").strip()
    if not value:
        raise WebhookRejected(f"the request has no {name} header")
    return value


def _same(expected: bytes, given: str) -> bool:
    return hmac.compare_digest(expected, given.strip().encode())


def _hmac(secret: str | bytes, message: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).digest()


def _b64(digest: bytes) -> bytes:
    return base64.b64encode(digest)


def _unix(value: str, *, millis: bool = False) -> datetime:
    try:
        seconds = int(value) / (1000 if millis else 1)
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        raise WebhookRejected(f"the request's timestamp {value[:40]!r} is not a time") from None


def _fresh(sent: datetime, now: datetime) -> None:
    if abs(now - sent) > TOLERANCE:
        raise WebhookRejected(
            f"the request was signed at {sent:%Y-%m-%d %H:%M:%S} UTC, more than "
            f"{TOLERANCE.seconds // 60} minutes from now: refused as stale (a replay?)"
        )


def _json(delivery: Delivery) -> Any:
    try:
        return json.loads(delivery.body or b"null")
    except ValueError:
        return None


def _digest_id(*parts: bytes) -> str:
    """An id for a delivery the vendor gives none: the same signed bytes, the same id."""
    return "sha256:" + hashlib.sha256(b"\x00".join(parts)).hexdigest()[:32]


class StandardWebhooks(Verifier):
    """``webhook-signature: v1,<base64>`` (several, space-separated, during a key rotation)
    over ``id.timestamp.body``, keyed by the base64 secret after ``whsec_``. The signing is
    the ``standardwebhooks`` package's own; the clock is the server's, as for the others."""

    name = "standard"
    title = "Standard Webhooks"

    def verify(self, secret: str, delivery: Delivery, now: datetime) -> Verified:
        try:
            from standardwebhooks.webhooks import Webhook
        except ImportError:  # pragma: no cover - the sources extra installs it
            raise ConfigError(
                "Standard Webhooks needs the sources extra: pip install 'cxpulse[sources]'"
            ) from None
        msg_id = _header(delivery, "webhook-id")
        stamp = _header(delivery, "webhook-timestamp")
        sent = _unix(stamp)
        try:
            expected = Webhook(secret).sign(msg_id, sent, delivery.body)
        except Exception:  # the package raises its own errors for a malformed secret
            raise WebhookRejected(
                "the source's signing secret is not a Standard Webhooks secret (whsec_ and base64)"
            ) from None
        wanted = expected.partition(",")[2].encode()
        given = _header(delivery, "webhook-signature").split()
        if not any(v == "v1" and _same(wanted, s) for v, _, s in (g.partition(",") for g in given)):
            raise WebhookRejected("the webhook-signature does not match the body")
        _fresh(sent, now)
        payload = _json(delivery)
        kind = payload.get("type") if isinstance(payload, dict) else None
        return Verified(msg_id, str(kind or ""), payload)


class Stripe(Verifier):
    """``Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]``: hex HMAC-SHA256 of ``t.body``; the
    event id is the body's ``id`` (evt_...)."""

    name = "stripe"
    title = "Stripe"

    def verify(self, secret: str, delivery: Delivery, now: datetime) -> Verified:
        pairs = [p.partition("=") for p in _header(delivery, "Stripe-Signature").split(",")]
        stamps = [v for k, _, v in pairs if k.strip() == "t"]
        if not stamps:
            raise WebhookRejected("the Stripe-Signature header has no timestamp (t=)")
        message = stamps[0].strip().encode() + b"." + delivery.body
        wanted = _hmac(secret, message).hex().encode()
        if not any(k.strip() == "v1" and _same(wanted, v) for k, _, v in pairs):
            raise WebhookRejected("no v1 signature of the Stripe-Signature header matches")
        _fresh(_unix(stamps[0].strip()), now)
        payload = _json(delivery)
        if not isinstance(payload, dict) or not payload.get("id"):
            raise WebhookRejected("a Stripe event is a JSON object with an id")
        return Verified(str(payload["id"]), str(payload.get("type") or ""), payload)


class Shopify(Verifier):
    """``X-Shopify-Hmac-SHA256``: base64 HMAC-SHA256 of the raw body. Shopify signs no
    timestamp and no header (X-Shopify-Event-Id, -Triggered-At and -Topic are outside the
    signature), so a replay is caught only by its id: a digest of the body, the same on every
    retry of one event (X-Shopify-Event-Id is not used: a replay could carry a new one)."""

    name = "shopify"
    title = "Shopify"

    def verify(self, secret: str, delivery: Delivery, now: datetime) -> Verified:
        wanted = _b64(_hmac(secret, delivery.body))
        if not _same(wanted, _header(delivery, "X-Shopify-Hmac-SHA256")):
            raise WebhookRejected("the X-Shopify-Hmac-SHA256 does not match the body")
        topic = delivery.headers.get("x-shopify-topic", "")
        return Verified(_digest_id(delivery.body), topic.strip(), _json(delivery))


class Zendesk(Verifier):
    """``X-Zendesk-Webhook-Signature``: base64 HMAC-SHA256 of the
    ``X-Zendesk-Webhook-Signature-Timestamp`` (ISO 8601) followed by the body. An event
    webhook's id is the body's ``id``; a trigger's, a digest of the signed timestamp and body
    (its X-Zendesk-Webhook-Invocation-Id header is not signed)."""

    name = "zendesk"
    title = "Zendesk"

    def verify(self, secret: str, delivery: Delivery, now: datetime) -> Verified:
        stamp = _header(delivery, "X-Zendesk-Webhook-Signature-Timestamp")
        wanted = _b64(_hmac(secret, stamp.encode() + delivery.body))
        if not _same(wanted, _header(delivery, "X-Zendesk-Webhook-Signature")):
            raise WebhookRejected("the X-Zendesk-Webhook-Signature does not match the body")
        try:
            sent = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise WebhookRejected(f"the Zendesk timestamp {stamp[:40]!r} is not a time") from None
        if sent.tzinfo is not None:
            sent = sent.astimezone(UTC).replace(tzinfo=None)
        _fresh(sent, now)
        payload = _json(delivery)
        body = payload if isinstance(payload, dict) else {}
        event_id = body.get("id") if body.get("type") else None
        return Verified(
            str(event_id or _digest_id(stamp.encode(), delivery.body)),
            str(body.get("type") or ""),
            payload,
        )


class HubSpot(Verifier):
    """``X-HubSpot-Signature-v3``: base64 HMAC-SHA256 of method + URI + body + timestamp
    (``X-HubSpot-Request-Timestamp``, in milliseconds), keyed by the app's client secret; the
    URI with its percent-escapes decoded, as the docs say. The URI is the one the sender
    called: the request's own, or the same path under the workspace's ``public_url`` (a proxy
    in front). A delivery batches events and HubSpot retries the same array: its id is the
    events' sorted ``eventId`` values (see the module's docstring)."""

    name = "hubspot"
    title = "HubSpot"

    def verify(self, secret: str, delivery: Delivery, now: datetime) -> Verified:
        stamp = _header(delivery, "X-HubSpot-Request-Timestamp")
        given = _header(delivery, "X-HubSpot-Signature-v3")
        urls = dict.fromkeys(u for u in (delivery.url, delivery.public_url) if u)
        method = delivery.method.upper().encode()

        def signed(url: str) -> bytes:
            return _b64(
                _hmac(secret, method + unquote(url).encode() + delivery.body + stamp.encode())
            )

        if not any(_same(signed(u), given) for u in urls):
            raise WebhookRejected("the X-HubSpot-Signature-v3 does not match the request")
        _fresh(_unix(stamp, millis=True), now)
        payload = _json(delivery)
        events = payload if isinstance(payload, list) else [payload]
        first = _object(events[0]) if events else None
        kind = first.get("subscriptionType") if first else None
        return Verified(_hubspot_id(events, delivery.body), str(kind or ""), payload)


def _object(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _hubspot_id(events: list[Any], body: bytes) -> str:
    """The sorted eventIds of a HubSpot delivery; a digest of the body when one has none."""
    ids = [str(e["eventId"]) for e in events if isinstance(e, dict) and e.get("eventId")]
    if not ids or len(ids) < len(events):
        return _digest_id(body)
    ids = sorted(set(ids))
    return ids[0] if len(ids) == 1 else _digest_id(*(i.encode() for i in ids))


def decoy(delivery: Delivery) -> None:
    """An HMAC of the body under a random key, compared as a check compares: the time a
    refusal takes is the same whether the source exists or not."""
    _same(_b64(_hmac(secrets.token_bytes(32), delivery.body)), "-")


VERIFIERS: dict[str, Verifier] = {
    v.name: v for v in (StandardWebhooks(), Stripe(), Shopify(), Zendesk(), HubSpot())
}
"""The signature schemes a webhook source may use (its --vendor option)."""
