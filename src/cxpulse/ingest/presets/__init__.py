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
from cxpulse.ingest.presets.g2 import G2
from cxpulse.ingest.presets.ga4 import GA4_BIGQUERY
from cxpulse.ingest.presets.google_reviews import GOOGLE_REVIEWS
from cxpulse.ingest.presets.hubspot_feedback import HUBSPOT_FEEDBACK
from cxpulse.ingest.presets.importing import get_preset, import_with_preset
from cxpulse.ingest.presets.matomo import MATOMO
from cxpulse.ingest.presets.preset import Preset
from cxpulse.ingest.presets.qualtrics import QUALTRICS
from cxpulse.ingest.presets.surveymonkey import SURVEYMONKEY
from cxpulse.ingest.presets.trustpilot import TRUSTPILOT
from cxpulse.ingest.presets.typeform import TYPEFORM
from cxpulse.kinds import Kind

DEFAULT: list[Preset] = [
    TRUSTPILOT,
    G2,
    HUBSPOT_FEEDBACK,
    DELIGHTED,
    TYPEFORM,
    SURVEYMONKEY,
    QUALTRICS,
    GA4_BIGQUERY,
    MATOMO,
    GOOGLE_REVIEWS,
]
PRESETS = Kind("import preset", DEFAULT)

__all__ = ["DEFAULT", "G2", "PRESETS", "TRUSTPILOT", "Preset", "get_preset", "import_with_preset"]
