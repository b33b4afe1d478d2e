"""Trustpilot Business's service reviews download.

The names (``Review Id``, ``Review Created (UTC)``, ``Review Stars``, ``Review Title``,
``Review Content``, ``Review Username``, ``Review Language``, ``Reference Id``) recur across
several independent public tools that read Trustpilot Business's "download reviews" file; the
reply date has been seen under two names, both listed.
"""

from __future__ import annotations

from cxpulse.ingest.presets.preset import Preset

TRUSTPILOT = Preset(
    name="trustpilot",
    table="mentions",
    doc="Trustpilot Business > Reviews > download (service reviews, CSV)",
    columns={
        "mention_id": ("Review Id", "Review ID"),
        "posted_at": ("Review Created (UTC)", "Review Created"),
        "rating": ("Review Stars", "Stars"),
        "text": ("Review Content", "Review Text"),
        "author": ("Review Username", "Review User Name", "Consumer Name"),
        "language": ("Review Language",),
        "customer_id": ("Reference Id", "Reference ID", "Reference Number"),
        "responded_at": (
            "Business Reply Date (UTC)",
            "Company Reply Date (UTC)",
            "Reply Date (UTC)",
        ),
        "url": ("Review Url", "Review URL", "Review Link"),
    },
    constants={"platform": "trustpilot"},
    timezone="UTC",  # the export says so in its headers
    confirmed=True,
)
