"""Presets for vendors' exports (reviews, surveys, web analytics): which of their columns
fill which of ours.

``cxpulse import reviews.csv --table mentions --preset trustpilot`` maps a Trustpilot
reviews export onto ``mentions`` and sets ``platform`` to ``trustpilot`` on every row.
``--map`` overrides a preset's choice for a column. Each preset is one module here (a
:class:`Preset`: its header names and where it was checked); a new one is that module plus one
line in ``DEFAULT``. A workspace resolves ``--preset`` through its own registry
(``ws.kinds[PRESETS]``), so a plugin or a test may add one to a single workspace.
"""

from __future__ import annotations

from cxpulse.ingest.presets.delighted import DELIGHTED
from cxpulse.ingest.presets.freshdesk_tickets import FRESHDESK_TICKETS
from cxpulse.ingest.presets.g2 import G2
from cxpulse.ingest.presets.ga4 import GA4_BIGQUERY
from cxpulse.ingest.presets.google_reviews import GOOGLE_REVIEWS
from cxpulse.ingest.presets.hubspot_feedback import HUBSPOT_FEEDBACK
from cxpulse.ingest.presets.importing import get_preset, import_with_preset
from cxpulse.ingest.presets.intercom_conversations import (
    INTERCOM_CONVERSATIONS,
    INTERCOM_RATINGS,
)
from cxpulse.ingest.presets.matomo import MATOMO
from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.qualtrics import QUALTRICS
from cxpulse.ingest.presets.shopify_orders import SHOPIFY_ORDERS
from cxpulse.ingest.presets.stripe_exports import STRIPE_INVOICES, STRIPE_SUBSCRIPTIONS
from cxpulse.ingest.presets.surveymonkey import SURVEYMONKEY
from cxpulse.ingest.presets.trustpilot import TRUSTPILOT
from cxpulse.ingest.presets.typeform import TYPEFORM
from cxpulse.ingest.presets.zendesk_tickets import ZENDESK_RATINGS, ZENDESK_TICKETS
from cxpulse.kinds import Kind

DEFAULT: list[Preset] = [
    # reviews
    TRUSTPILOT,
    G2,
    GOOGLE_REVIEWS,
    # support
    ZENDESK_TICKETS,
    ZENDESK_RATINGS,
    FRESHDESK_TICKETS,
    INTERCOM_CONVERSATIONS,
    INTERCOM_RATINGS,
    # billing and shops
    STRIPE_SUBSCRIPTIONS,
    STRIPE_INVOICES,
    SHOPIFY_ORDERS,
    # surveys
    HUBSPOT_FEEDBACK,
    DELIGHTED,
    TYPEFORM,
    SURVEYMONKEY,
    QUALTRICS,
    # web analytics
    GA4_BIGQUERY,
    MATOMO,
]
PRESETS = Kind("import preset", DEFAULT)

__all__ = ["DEFAULT", "G2", "PRESETS", "TRUSTPILOT", "Preset", "get_preset", "import_with_preset"]
