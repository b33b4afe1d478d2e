"""``cxpulse report`` (cli/report.py): every report in the terminal; its JSON is exactly the
web twin's."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app as cli
from cxpulse.reports import REPORTS

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-02"]  # the web fixtures' "now" in the demo's zone


@pytest.mark.parametrize(
    ("name", "args", "query"),
    [
        ("support", ["--by", "quarter", "--from", "2025-01-01"], "by=quarter&from=2025-01-01"),
        ("journey", [], ""),
        ("feedback", ["--set", "type=nps", "--set", "size=5"], "type=nps&size=5"),
        ("metric", ["--metric", "csat", "--filter", "channel=email"],
         "metric=csat&filter=channel%3Demail"),
    ],
)  # fmt: skip
def test_the_json_is_the_twins(
    web_ws: Workspace,
    client_for: Callable[[str], TestClient],
    name: str,
    args: list[str],
    query: str,
) -> None:
    result = runner.invoke(cli, ["report", name, *args, *AS_OF, "-f", "json"], obj=web_ws)
    assert result.exit_code == 0, result.output
    twin = client_for("analyst").get(f"/api/v1/reports/{name}?{query}")
    assert twin.status_code == 200, twin.text
    assert json.loads(result.stdout) == twin.json()


def test_the_table_shows_the_headline_numbers(web_ws: Workspace) -> None:
    result = runner.invoke(cli, ["report", "revenue", *AS_OF], obj=web_ws)
    assert result.exit_code == 0, result.output
    assert "Revenue by month, 2025-10-01 to 2026-10-31" in result.stdout
    assert "nrr" in result.stdout and "MRR bridge from" in result.stdout


def test_the_list_names_every_report(web_ws: Workspace) -> None:
    result = runner.invoke(cli, ["report", "--list", "-f", "json"], obj=web_ws)
    listed = json.loads(result.stdout)
    assert [r["name"] for r in listed] == REPORTS.builtins().names()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "nope"], "unknown report 'nope': expected one of scorecard"),
        (["report", "nps"], "nps is a metric, not a report: `cxpulse report metric --metric nps`"),
        (["report", "journey", "--segment", "plan"], "the journey report takes no segment"),
        (["report", "support", "--set", "by"], "--set takes name=value"),
        (["report", "support", "--by", "fortnight"], "unknown period 'fortnight'"),
    ],
)
def test_mistakes_are_one_line(web_ws: Workspace, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args, obj=web_ws)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output


def test_via_asks_a_running_server_for_the_same_json(web_ws: Workspace) -> None:
    from cxpulse.accounts.tokens import create_token
    from cxpulse.web.app import create_app
    from tests.web.conftest import NOW, LiveServer

    _, secret = create_token(web_ws, "cli", ["read"], "test", NOW)
    args = ["report", "support", "--by", "quarter", "--from", "2025-01-01", "-f", "json"]
    local = runner.invoke(cli, [*args, *AS_OF], obj=web_ws)
    with LiveServer(create_app(web_ws, clock=lambda: NOW)) as server:
        env = {"CXPULSE_TOKEN": secret}
        via = runner.invoke(cli, [*args, "--via", server.url], env=env)
        assert via.exit_code == 0, via.output
        assert json.loads(via.stdout) == json.loads(local.stdout)
        table = runner.invoke(cli, ["report", "journey", "--via", server.url], env=env)
        assert table.exit_code == 0 and "Journey, 2026-10" in table.stdout
        # checked before asking: a typo costs no request, and the message is the same
        typo = runner.invoke(cli, ["report", "journey", "--segment", "x", "--via", server.url])
        assert typo.exit_code == 1 and "the journey report takes no segment" in typo.stderr
