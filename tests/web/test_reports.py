"""The routes generated from the workspace's reports (web/reports.py): every twin documents
exactly the parameters it accepts, the first dashboard twins answer what the new ones do, the
navigation follows the registry, and a report's permission guards its page and twin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from cxpulse import Workspace
from cxpulse.accounts.users import Permission
from cxpulse.reports import REPORTS, Params, Report, ReportContext
from cxpulse.web.app import create_app
from cxpulse.web.queryparams import accepted
from cxpulse.web.reports import router
from tests.web.conftest import NOW, login


def test_every_twin_documents_exactly_what_it_accepts(app: FastAPI) -> None:
    spec = app.openapi()
    routes = router(REPORTS.builtins()).routes  # what create_app mounts
    twins = [r for r in routes if isinstance(r, APIRoute) and r.path.startswith("/api/v1/rep")]
    assert {r.path for r in twins} == {f"/api/v1/reports/{n}" for n in REPORTS.builtins().names()}
    for route in twins:
        op = spec["paths"][route.path]["get"]
        documented = {p["name"] for p in op["parameters"] if p["in"] == "query"}
        report = REPORTS.builtins().get(route.path.rsplit("/", 1)[1])
        assert documented == accepted(route) == {p.name for p in report.params}


def test_the_first_dashboard_twins_answer_the_same(
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for("analyst")
    for name, query in (("support", "by=quarter"), ("journey", ""), ("revenue", "cohorts=3")):
        new = client.get(f"/api/v1/reports/{name}?{query}")
        assert new.status_code == 200
        assert client.get(f"/api/v1/dashboard/{name}?{query}").json() == new.json()


def test_the_navigation_follows_the_registry(client_for: Callable[[str], TestClient]) -> None:
    html = client_for("analyst").get("/").text
    nav = html[html.index("<nav>") : html.index("</nav>")]
    pages = [r.page_path() for r in REPORTS.builtins() if r.nav]
    order = [nav.index(f'href="{path}"') for path in [*pages, "/cases", "/customers"]]
    assert order == sorted(order)
    assert 'href="/metrics' not in nav  # the metric report has no entry of its own


class AdminsOnly(Report):
    """A throwaway report only admins may read."""

    name = "admins-only"
    title = "Admins only"
    summary = "For admins"
    params = ()
    permission = Permission.admin

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        return {"ok": True}


def test_a_reports_permission_guards_its_page_and_twin(web_ws: Workspace) -> None:
    web_ws.kinds[REPORTS].add(AdminsOnly)
    app = create_app(web_ws, clock=lambda: NOW)
    analyst, admin = login(TestClient(app), "analyst"), login(TestClient(app), "admin")
    for url in ("/admins-only", "/api/v1/reports/admins-only"):
        assert analyst.get(url).status_code == 403
        assert admin.get(url).status_code == 200
    assert admin.get("/api/v1/reports/admins-only").json() == {"ok": True}


def test_warm_up_runs_the_cheap_default_views_first(app: FastAPI) -> None:
    from cxpulse.web.warmup import default_views

    names = [name for name, _ in default_views(app.state.cx)]
    assert names[:4] == ["scorecard", "journey", "feedback", "revenue"]
    assert names[-2:] == ["surveys", "scorecard, all=True"]  # every metric: last
