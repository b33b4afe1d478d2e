"""`cxpulse sources add|list|sync|remove` end to end (Typer's runner, a local Zendesk API)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.sources import zendesk_server as zs

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_sources_add_list_sync_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "ws.duckdb")
    Workspace.init(db).close()
    account = zs.Zendesk()
    for n in (1, 2, 3):
        account.change(zs.ticket(n), zs.metric_set(n))
    account.change({k: v for k, v in zs.ticket(4).items() if k != "created_at"})
    account.ratings = [zs.rating(1)]
    with zs.serve(account) as url:
        code, text = invoke("sources", "add", "zendesk", "support", "--subdomain", "acme",
                            "--email", zs.EMAIL, "--token-env", "ZENDESK_TOKEN",
                            "--base-url", url, "--every", "15", "-w", db)  # fmt: skip
        assert code == 0 and "token from the environment variable ZENDESK_TOKEN" in text

        monkeypatch.delenv("ZENDESK_TOKEN", raising=False)
        code, text = invoke("sources", "sync", "support", "-w", db)
        assert code == 1 and "Traceback" not in text
        assert text.strip() == (
            "Error: source 'support' has no token: the environment variable ZENDESK_TOKEN is "
            "empty or not set. Set it to the API token, then run `cxpulse sources sync "
            "support` again."
        )

        monkeypatch.setenv("ZENDESK_TOKEN", zs.TOKEN)
        code, text = invoke("sources", "sync", "-w", db)
        assert code == 0, text
        assert "support: tickets page 1 committed" in text  # progress, on stderr
        assert "support: 3 pages; customers: 4 new, 0 changed; survey_responses: 1 new" in text
        assert "1 row skipped" in text
        assert "skipped tickets 4: created_at: required; this cell is empty" in text

        code, text = invoke("sources", "list", "-w", db)
        assert code == 0 and "support (zendesk: subdomain=acme" in text and "every 15 min" in text
        assert "(ok), 8 rows written" in text and zs.TOKEN not in text
        code, text = invoke("sources", "list", "--json", "-w", db)
        (shown,) = json.loads(text)
        assert shown["cursor"]["tickets"] == zs._cursor(4) and zs.TOKEN not in text

    code, text = invoke("sources", "remove", "support", "-w", db)
    assert code == 0 and "8 rows it wrote stay" in text
    code, text = invoke("sources", "remove", "support", "-w", db)
    assert code == 1 and "no source named 'support'" in text


def test_sources_add_webhook_says_where_to_point_the_vendor(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    Workspace.init(db).close()
    code, text = invoke("sources", "add", "webhook", "zendesk-hooks", "--vendor", "zendesk",
                        "--token-env", "ZENDESK_WEBHOOK_SECRET", "-w", db)  # fmt: skip
    assert code == 0, text
    said = " ".join(text.split())  # the console wraps long lines
    assert said == (
        "Added webhook source 'zendesk-hooks' (zendesk signatures), signing secret from the "
        "environment variable ZENDESK_WEBHOOK_SECRET; point the vendor at POST "
        "/hooks/zendesk-hooks"
    )
    code, text = invoke("sources", "add", "webhook", "x", "--vendor", "paypal",
                        "--token-env", "X", "-w", db)  # fmt: skip
    assert code == 1 and "Traceback" not in text and "--vendor takes one of" in text
    # nothing to pull from a webhook source: `sources sync` neither reads its secret nor fails
    code, text = invoke("sources", "sync", "-w", db)
    assert code == 0 and "every source here receives its vendor's webhooks" in text, text
    code, text = invoke("sources", "sync", "zendesk-hooks", "-w", db)
    assert code == 1 and "it has nothing to sync" in " ".join(text.split()), text
