"""The loyalty report: the loyalty programme's points."""

from __future__ import annotations

from cxpulse.reports.family import Family


class Loyalty(Family):
    name = "loyalty"
    title = "Loyalty"
    table = "loyalty_ledger"
    intro = "The loyalty programme's points."
    summary = "Loyalty: cards and trends of the loyalty_ledger metrics"
