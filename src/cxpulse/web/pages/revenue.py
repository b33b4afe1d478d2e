"""The revenue page: the report (:mod:`cxpulse.reports.revenue`) rendered by
``revenue.html``, with the cohort heatmap's logo/revenue toggle (``cohort``, the page's own:
the report holds both heatmaps) and the bridge's legend in the reader's language."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import Response

from cxpulse.errors import QueryError
from cxpulse.reports.blocks import GRAINS, params_range
from cxpulse.reports.revenue import CARDS, KINDS, TRENDS
from cxpulse.web import i18n
from cxpulse.web.render import language
from cxpulse.web.reportview import Shown

__all__ = ["CARDS", "view"]


def view(shown: Shown) -> Response:
    request, params, data = shown.request, shown.params, shown.data
    cohort = request.query_params.get("cohort") or "logo"
    if cohort not in KINDS:
        raise QueryError(f"the cohort heatmap shows {' or '.join(KINDS)} retention, not {cohort!r}")
    rng = params_range(shown.state, params)
    query = [*rng.params(), ("cohorts", str(params["cohorts"]))]
    other = "revenue" if cohort == "logo" else "logo"
    # the legend speaks the reader's language; the twin keeps the movement names as keys
    lang = language(request, shown.principal)
    series = data["bridge_chart"]["series"]
    chart = data["bridge_chart"] | {
        "series": [s | {"name": i18n.translate(lang, s["name"])} for s in series]
    }
    return shown.render(
        urlencode(query),
        rng=rng,
        grains=GRAINS,
        trends=TRENDS,
        bridge_chart=chart,
        cohort=cohort,
        toggle_url=f"{shown.report.page_path()}?{urlencode([*query, ('cohort', other)])}#cohorts",
        extra=[("cohort", cohort), ("cohorts", str(params["cohorts"]))],
    )
