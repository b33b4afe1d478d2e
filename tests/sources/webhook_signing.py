"""Sign a webhook as each vendor does, written from the vendor's page (not from cxpulse's
code), so the receiver is checked against the documented algorithm:

- Standard Webhooks: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
  (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``, keyed by the base64 after whsec_)
- Stripe: https://docs.stripe.com/webhooks#verify-manually (``t=<unix>,v1=<hex HMAC-SHA256 of
  "t.body">``; the stripe libraries' default tolerance is 300 s)
- Shopify: https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
  (X-Shopify-Hmac-SHA256: base64 HMAC-SHA256 of the raw body)
- Zendesk: https://developer.zendesk.com/documentation/webhooks/verifying/
  (``base64(HMACSHA256(TIMESTAMP + BODY))``)
- HubSpot: https://developers.hubspot.com/docs/api/webhooks/validating-requests (v3: base64
  HMAC-SHA256 of method + URI + body + timestamp in ms; older than 5 minutes is refused)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

SECRETS = {
    # the Standard Webhooks spec's example secret (its test vector below)
    "standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "stripe": "whsec_test_stripe_signing_secret",
    "shopify": "shpss_test_app_secret",
    "zendesk": "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3RpbmdfcHVycG9zZXNfb25seQ==",
    "hubspot": "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",  # the docs' placeholder client secret
}
HOOK_URL = "https://cx.acme.test/hooks/"


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def sign(
    vendor: str,
    body: bytes,
    at: datetime,
    *,
    secret: str | None = None,
    event_id: str = "evt_1",
    url: str = HOOK_URL,
) -> dict[str, str]:
    """The headers ``vendor`` sends with ``body`` at ``at`` (naive UTC)."""
    key = secret or SECRETS[vendor]
    unix = int(at.replace(tzinfo=UTC).timestamp())
    if vendor == "standard":
        raw = base64.b64decode(key.removeprefix("whsec_"))
        mac = _mac(raw, f"{event_id}.{unix}.".encode() + body)
        return {
            "webhook-id": event_id,
            "webhook-timestamp": str(unix),
            "webhook-signature": f"v1,{_b64(mac)}",
        }
    if vendor == "stripe":
        mac_hex = _mac(key.encode(), f"{unix}.".encode() + body).hex()
        return {"Stripe-Signature": f"t={unix},v1={mac_hex},v0=ignored"}
    if vendor == "shopify":
        return {
            "X-Shopify-Hmac-SHA256": _b64(_mac(key.encode(), body)),
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Topic": "app/uninstalled",  # a topic no mapping reads: only signing
            "X-Shopify-Triggered-At": at.isoformat() + "Z",
        }
    if vendor == "zendesk":
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "X-Zendesk-Webhook-Signature": _b64(_mac(key.encode(), stamp.encode() + body)),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        }
    if vendor == "hubspot":
        millis = str(unix * 1000)
        message = b"POST" + url.encode() + body + millis.encode()
        return {
            "X-HubSpot-Signature-v3": _b64(_mac(key.encode(), message)),
            "X-HubSpot-Request-Timestamp": millis,
        }
    raise ValueError(vendor)
