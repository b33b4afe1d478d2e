"""The social report: mentions and reviews on social platforms."""

from __future__ import annotations

from cxpulse.reports.family import Family


class Social(Family):
    name = "social"
    title = "Social"
    table = "mentions"
    intro = "Mentions and reviews on social platforms."
    summary = "Social: cards and trends of the mentions metrics"
