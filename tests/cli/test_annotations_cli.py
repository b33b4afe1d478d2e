"""`cxpulse annotate`, `cxpulse annotations` and `cxpulse impact` end to end (real DuckDB)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows
from tests.insights.test_impact import STEP, csat_days

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def stepped(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        add_rows(ws, "survey_responses", csat_days(STEP - timedelta(days=30), 30, 0.8, 1))
        add_rows(ws, "survey_responses", csat_days(STEP, 30, 0.6, 2))
    return path


def test_annotate_list_impact_and_remove_round_trip(stepped: Path) -> None:
    w = ("-w", str(stepped))
    code, out, err = invoke("annotate", str(STEP), "Carrier outage", "--until",
                            str(STEP + timedelta(days=16)), "--tag", "outage", *w)  # fmt: skip
    assert code == 0, err
    assert out.strip() == (
        "Annotation 1: Carrier outage (2025-11-14 to 2025-11-30). Its impact: cxpulse impact 1"
    )
    code, out, _ = invoke("annotations", "list", "--format", "json", *w)
    (listed,) = json.loads(out)
    assert (listed["id"], listed["day"], listed["until"], listed["tags"]) == (
        "1", "2025-11-14", "2025-11-30", "outage",
    )  # fmt: skip
    code, out, _ = invoke("annotations", *w)  # alone, it lists them
    assert code == 0 and "Carrier outage" in out

    code, out, err = invoke("impact", "carrier", "--as-of", "2026-01-05", *w)
    assert code == 0, err
    assert out.startswith(
        "Carrier outage (2025-11-14 – 2025-11-30): the only tested metric changed"
    )
    assert "before: 2025-10-28..2025-11-13, after: 2025-11-14..2025-11-30" in out
    assert "- CSAT fell from " in out and "a significant worsening." in out
    code, out, _ = invoke("impact", "1", "--lang", "fr", "--as-of", "2026-01-05", *w)
    assert "- CSAT\u00a0: de " in out and "une dégradation significative." in out
    code, out, _ = invoke("impact", "1", "--format", "json", "--days", "7",
                          "--metric", "csat", "--as-of", "2026-01-05", *w)  # fmt: skip
    data = json.loads(out)
    assert data["after"] == {"start": "2025-11-14", "end": "2025-11-20", "days": 7}
    (row,) = data["metrics"]
    assert row["metric"] == "csat" and row["significant"] and row["change"] < 0
    assert row["headline"]["fr"].startswith("CSAT\u00a0: de ")

    code, out, _ = invoke("annotations", "remove", "1", *w)
    assert code == 0 and out.strip() == "Removed annotation 1: Carrier outage (2025-11-14)"
    assert json.loads(invoke("annotations", "list", "--format", "json", *w)[1]) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["annotate", "2025-11-31", "x"], "day: '2025-11-31' is not a date"),
        (["annotate", "2025-11-14", "x", "--until", "2025-11-01"], "until: 2025-11-01 is before"),
        (["annotate", "2025-11-14", ""], "label: empty"),
        (["annotate", "2025-11-14", "x", "--tag", "a b"], "tags: 'a b' is not a tag"),
        (["annotations", "remove", "9"], "no annotation '9'"),
        (["annotations", "list", "--from", "May"], "start: 'May' is not a date"),
        (["impact", "nope"], "no annotation has the id or label 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(stepped: Path, args: list[str], message: str) -> None:
    code, out, err = invoke(*args, "-w", str(stepped))
    assert code == 1, out
    assert message in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_impact_refuses_a_bad_option_in_one_line(stepped: Path) -> None:
    w = ("-w", str(stepped))
    invoke("annotate", str(STEP), "Release", *w)
    for args, message in [
        (["--lang", "de"], "--lang 'de': use en or fr"),
        (["--days", "0"], "days: 0; give 1 to 366"),
        (["--metric", "csatt"], "csatt"),
    ]:
        code, _, err = invoke("impact", "1", *args, *w)
        assert code == 1 and message in err and "Traceback" not in err
