"""A report is one class plus one line: a throwaway one, added to one workspace's registry,
becomes an HTML page, a documented JSON endpoint, a navigation entry, a warm-up view and a
``cxpulse report`` (listed and run), with no other change."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app as cli
from cxpulse.reports import REPORTS, Param, Params, Report, ReportContext, Table
from cxpulse.web.app import create_app
from cxpulse.web.warmup import default_views
from tests.web.conftest import NOW, login


class Greeting(Report):
    """A throwaway report: a greeting and the workspace's local date."""

    name = "greeting"
    title = "Greeting"
    summary = "Says hello"
    params = (Param("word", "what to say", "hello"), Param("times", "how often", 1, type=int))

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        return {"said": " ".join([params["word"]] * params["times"]), "as_of": ctx.today()}

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        return [Table("Greeting", ("said",), [(data["said"],)])]


def test_a_report_added_to_one_workspace_is_served_everywhere(web_ws: Workspace) -> None:
    web_ws.kinds[REPORTS].add(Greeting)  # the one line

    app = create_app(web_ws, clock=lambda: NOW)
    client = login(TestClient(app), "analyst")
    page = client.get("/greeting", params={"word": "bonjour", "times": 2})
    assert page.status_code == 200
    assert "bonjour bonjour" in page.text
    assert 'href="/api/v1/reports/greeting?word=bonjour&amp;times=2"' in page.text
    assert '<a href="/greeting"' in client.get("/").text  # in the navigation

    twin = client.get("/api/v1/reports/greeting", params={"word": "hi", "times": 3})
    assert twin.json() == {"said": "hi hi hi", "as_of": "2026-11-02"}
    assert client.get("/api/v1/reports/greeting?wrod=hi").json()["unknown"] == ["wrod"]
    op = app.openapi()["paths"]["/api/v1/reports/greeting"]["get"]
    assert op["summary"] == "Says hello"
    assert {p["name"] for p in op["parameters"]} == {"word", "times"}
    assert "greeting" in [name for name, _ in default_views(app.state.cx)]

    runner = CliRunner()
    listed = runner.invoke(cli, ["report", "--list"], obj=web_ws)
    assert listed.exit_code == 0 and "greeting" in listed.stdout and "Says hello" in listed.stdout
    shown = runner.invoke(cli, ["report", "greeting", "--set", "word=salut"], obj=web_ws)
    assert shown.exit_code == 0, shown.output
    assert "salut" in shown.stdout


def test_other_workspaces_do_not_see_it(web_ws: Workspace) -> None:
    assert "greeting" not in REPORTS.builtins()
    client = login(TestClient(create_app(web_ws, clock=lambda: NOW)), "analyst")
    assert client.get("/greeting").status_code == 404
    assert '<a href="/greeting"' not in client.get("/").text
