"""The support report: ticket speed, resolution and volume."""

from __future__ import annotations

from cxpulse.reports.family import Family


class Support(Family):
    name = "support"
    title = "Support"
    table = "tickets"
    intro = "Tickets: speed, resolution and volume."
    summary = "Support: cards and trends of the tickets metrics"
