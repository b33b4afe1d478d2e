"""The journey page: the report (:mod:`cxpulse.reports.journey`) rendered by
``journey.html``."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import Response

from cxpulse.metrics.journey import JOURNEY_METRICS
from cxpulse.reports.blocks import GRAINS
from cxpulse.web.reportview import Shown


def view(shown: Shown) -> Response:
    by = shown.params["by"]
    query = urlencode([("by", by), ("period", shown.data["period"])])
    return shown.render(query, by=by, grains=GRAINS, metrics=JOURNEY_METRICS)
