"""`cxpulse demo --path postgresql://...` builds the demo company into the database."""

from __future__ import annotations

from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows


def test_the_demo_is_built_into_postgresql_and_rebuilt(pg_url: str) -> None:
    runner = CliRunner()
    for _ in range(2):  # a database holding the demo is replaced, like a demo file
        done = runner.invoke(app, ["demo", "--path", pg_url, "--scale", "0.002", "-f", "json"])
        assert done.exit_code == 0, done.output
        assert f"Demo workspace {pg_url} written" in " ".join(done.output.split())
    with Workspace.open(pg_url) as ws:
        counts = ws.counts()
        assert counts["customers"] > 100 and counts["web_events"] > 1000
        ids = ws.table("customers").customer_id.execute()
        assert ids.nunique() == len(ids) == counts["customers"]
        add_rows(ws, "customers", [{"customer_id": "mine"}])
    done = runner.invoke(app, ["demo", "--path", pg_url, "--scale", "0.002"])
    assert done.exit_code == 1 and "not from the demo" in done.output
