"""The scorecard page (``/``): the report :mod:`cxpulse.reports.scorecard` rendered by
``scorecard.html``; its JSON twin is ``/api/v1/scorecard`` (``/api/v1/reports/scorecard``
too)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import Response

from cxpulse.metrics.spec import REGISTRY
from cxpulse.reports.blocks import GRAINS
from cxpulse.web.reportview import Shown


def view(shown: Shown) -> Response:
    by, every = shown.params["by"], shown.params["all"]
    query = urlencode([("by", by)] + [("metric", m) for m in REGISTRY.names() if every])
    # its first twin, which takes as_of too
    json_url = f"/api/v1/scorecard?{query}"
    return shown.render(query, json_url=json_url, card=shown.data, by=by, grains=GRAINS, all=every)
