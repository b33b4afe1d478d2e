"""Every router of the web app, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cxpulse import __version__
from cxpulse.web.api import admin as api_admin
from cxpulse.web.api import annotations as api_annotations
from cxpulse.web.api import cases as api_cases
from cxpulse.web.api import customers as api_customers
from cxpulse.web.api import events as api_events
from cxpulse.web.api import forecast as api_forecast
from cxpulse.web.api import hooks as api_hooks
from cxpulse.web.api import ingest as api_ingest
from cxpulse.web.api import insights as api_insights
from cxpulse.web.api import metrics as api_metrics
from cxpulse.web.api import responses as api_responses
from cxpulse.web.api import rules as api_rules
from cxpulse.web.api import sources as api_sources
from cxpulse.web.api import surveys as api_surveys
from cxpulse.web.pages import (
    apidocs,
    auth,
    cases,
    customers,
    feedback,
    metric,
    public,
    rules,
    surveys,
)

health = APIRouter(tags=["health"])


@health.get("/healthz", summary="Liveness: answers without login")
async def healthz(request: Request) -> dict[str, str | None]:
    """Also the local day the default pages were last warmed for (None: warming, or off)."""
    warmed = request.app.state.cx.warmed_for
    return {
        "status": "ok",
        "version": __version__,
        "warmed_for": warmed.isoformat() if warmed else None,
    }


ROUTERS: tuple[APIRouter, ...] = (
    health,
    # first: requests are matched against routes in order, and the survey answer endpoints
    # take the heaviest traffic (their paths, /s/... and /public/..., overlap no other route)
    public.router,
    public.api,
    api_hooks.router,  # vendors' webhooks (/hooks/...): public, signed, rate-limited
    auth.router,
    apidocs.router,
    api_metrics.router,
    api_forecast.router,
    api_insights.router,
    api_ingest.router,
    api_events.router,
    api_surveys.router,
    api_responses.router,
    api_rules.router,
    api_sources.router,
    api_cases.router,
    api_customers.router,
    api_admin.router,
    api_annotations.router,
    metric.router,
    feedback.router,  # the CSV export; the reports' pages and twins: web/reports.py
    cases.router,
    cases.api,
    rules.router,
    rules.api,
    surveys.router,
    surveys.api,
    customers.router,
)
