"""`cxpulse digests add|list|preview|send` end to end (Typer's runner, the small demo, a real
SMTP server)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from cxpulse.cli.app import app
from tests.surveys.test_email import Inbox, inbox  # noqa: F401
from tests.web.conftest import demo_file  # noqa: F401

runner = CliRunner()
NOW = "2026-11-02T09:30"  # the demo ends on 2026-10-31
DIGEST = """name: monthly-cx
schedule: {every: month}
language: fr
recipients: [ana@acme.test]
"""


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_digests_add_list_preview_send(
    demo_file: Path,  # noqa: F811
    tmp_path: Path,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    box, port = inbox
    db = str(tmp_path / "ws.duckdb")
    shutil.copy(demo_file, db)
    bad = tmp_path / "bad.yaml"
    bad.write_text(DIGEST.replace("month", "fortnight"), encoding="utf-8")
    code, text = invoke("digests", "add", str(bad), "-w", db)
    assert code == 1 and "field 'schedule.every': week or month, not 'fortnight'" in text
    assert "Traceback" not in text
    good = tmp_path / "digest.yaml"
    good.write_text(DIGEST, encoding="utf-8")
    code, text = invoke("digests", "add", str(good), "-w", db, "--now", NOW)
    assert code == 0 and "Added monthly-cx: monthly on the 1st" in text
    assert "Emails go to 1 address today: ana@acme.test (fr)" in text
    code, text = invoke("digests", "list", "-w", db, "--json", "--now", NOW)
    (listed,) = json.loads(text)
    assert (listed["next_period"], listed["next_send"]) == ("2026-11", "2026-12-01")

    page = tmp_path / "preview.html"
    code, text = invoke("digests", "preview", "monthly-cx", "--to", str(page), "--lang", "en",
                        "-w", db, "--now", NOW)  # fmt: skip
    assert code == 0 and "(monthly-cx: CX digest for 2026-10, 4 charts)" in text
    assert page.read_text(encoding="utf-8").count('src="data:image/png;base64,') == 4
    code, text = invoke("digests", "preview", "monthly-cx", "-w", db, "--now", NOW)
    assert code == 0 and "Tableau de bord, 2026-10" in text  # the digest's language
    code, text = invoke("digests", "preview", "monthly-cx", "--json", "-w", db, "--now", NOW)
    assert code == 0 and json.loads(text)["sections"]["scorecard"]["period"] == "2026-10"
    code, text = invoke("digests", "preview", "monthly-cx", "--lang", "de", "-w", db)
    assert code == 1 and "--lang takes en or fr, not 'de'" in text

    for key, value in {"smtp_host": "127.0.0.1", "smtp_port": str(port),
                       "smtp_starttls": "false", "email_from": "cx@acme.test"}.items():  # fmt: skip
        assert invoke("config", "set", key, value, "-w", db)[0] == 0
    code, text = invoke("digests", "send", "monthly-cx", "-w", db, "--now", NOW)
    assert code == 0 and text.startswith("monthly-cx 2026-10: 1 queued; outbox: 1 sent")
    code, text = invoke("digests", "send", "monthly-cx", "--period", "2026-10", "-w", db,
                        "--now", NOW)  # fmt: skip
    assert code == 0 and "0 queued, 1 already queued before; outbox: 0 sent" in text
    assert "wait" not in text  # nothing waits
    assert len(box.messages) == 1
    code, text = invoke("digests", "preview", "nope", "-w", db)
    assert code == 1 and "no digest 'nope'" in text
