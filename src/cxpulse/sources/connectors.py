"""The registered connectors: one module per vendor, one line each in :data:`DEFAULT`."""

from __future__ import annotations

from cxpulse.kinds import Kind
from cxpulse.sources.connector import Connector
from cxpulse.sources.google_reviews import GoogleReviews
from cxpulse.sources.hubspot import HubSpot
from cxpulse.sources.shopify import Shopify
from cxpulse.sources.stripe import Stripe
from cxpulse.sources.trustpilot import Trustpilot
from cxpulse.sources.webhook_source import WebhookSource
from cxpulse.sources.zendesk import Zendesk

DEFAULT: list[type[Connector]] = [
    Zendesk,
    Stripe,
    HubSpot,
    Shopify,
    Trustpilot,
    GoogleReviews,
    WebhookSource,
]
CONNECTORS: Kind[type[Connector]] = Kind("source connector", DEFAULT)
