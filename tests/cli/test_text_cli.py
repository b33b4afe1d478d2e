"""``cxpulse text ...`` end to end on a small demo workspace (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxpulse.cli.app import app
from cxpulse.demo import create_demo

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("text") / "demo.duckdb"
    create_demo(path, scale=0.005, seed=7, end=date(2026, 1, 1)).close()
    code, stdout, stderr = invoke("text", "score", "-w", str(path))
    assert code == 0, stderr
    assert "texts annotated in" in stdout and "tickets" in stdout
    return str(path)


def test_score_again_and_only_new(demo: str) -> None:
    code, stdout, _ = invoke("text", "score", "-w", demo, "--table", "mentions")
    assert code == 0 and "mentions" in stdout
    code, stdout, _ = invoke("text", "score", "-w", demo, "--only-new")
    assert code == 0 and stdout.startswith("0 texts annotated")


def test_themes(demo: str) -> None:
    code, stdout, _ = invoke("text", "themes", "-w", demo, "--by", "quarter")
    assert code == 0 and "Themes by quarter" in stdout and "delivery" in stdout
    assert "share %" in stdout  # a percentage, as every share cxpulse reports
    code, stdout, _ = invoke("text", "themes", "-w", demo, "--format", "json", "--by-table")
    rows = json.loads(stdout)
    assert {"period", "table", "theme", "n", "mean_sentiment", "ci_low"} <= set(rows[0])
    code, stdout, _ = invoke("text", "themes", "-w", demo, "--format", "csv", "--table", "tickets")
    assert code == 0 and stdout.startswith("period,period_start,theme,n,share")


def test_churn(demo: str) -> None:
    code, stdout, _ = invoke("text", "churn", "-w", demo, "--format", "json")
    assert code == 0
    rows = json.loads(stdout)
    assert any(r["theme"] == "(any comment)" for r in rows)
    assert all(0 <= r["share"] <= 100 for r in rows)  # in %
    assert any(r["share"] > 1 for r in rows)


def test_discover(demo: str) -> None:
    code, stdout, _ = invoke("text", "discover", "-w", demo, "--clusters", "3")
    assert code == 0 and "texts (" in stdout and "«" in stdout
    code, stdout, _ = invoke("text", "discover", "-w", demo, "-f", "json", "--clusters", "2")
    assert {"id", "size", "top_terms", "examples"} <= set(json.loads(stdout)[0])


def test_evaluate() -> None:
    code, stdout, _ = invoke("text", "evaluate")
    assert code == 0
    assert "en cxpulse-en: accuracy" in stdout and "fr cxpulse-fr: accuracy" in stdout
    assert stdout.count(", all rows;") == 2 and stdout.count("(n=132), held-out;") == 1


def test_errors_are_one_line(demo: str, tmp_path: Path) -> None:
    code, _, stderr = invoke("text", "score", "-w", demo, "--analyzer", "vader")
    assert code == 1 and "--analyzer takes LANG=NAME" in stderr
    code, _, stderr = invoke("text", "score", "-w", demo, "--analyzer", "fr=nope")
    assert code == 1 and "no fr sentiment analyzer 'nope'" in stderr
    bad = tmp_path / "themes.yaml"
    bad.write_text("themes: []\n")
    code, _, stderr = invoke("text", "discover", "-w", demo, "--taxonomy", str(bad))
    assert code == 1 and str(bad) in stderr.replace("\n", "")
    code, _, stderr = invoke("text", "themes", "-w", demo, "--table", "orders")
    assert code == 1 and "choose tables among" in stderr


TRUSTPILOT = """Review Id,Review Created (UTC),Review Title,Review Content,Review Language
r1,2024-10-03 10:00:00,Great,"Fast delivery, the parcel arrived the next day. Very happy.",en
r2,2024-10-05 11:00:00,Awful,"Terrible customer service, nobody answered my emails.",en
r3,2024-10-09 12:00:00,Late,"The delivery was late and the box was damaged.",en
"""


def test_imported_reviews_get_cxpulse_sentiment(tmp_path: Path) -> None:
    """A Trustpilot export without stars has no sentiment column of its own: themes and
    mention_sentiment use the scores of `cxpulse text score` (not the empty imported column)."""
    ws, reviews = str(tmp_path / "reviews.duckdb"), tmp_path / "reviews.csv"
    reviews.write_text(TRUSTPILOT, encoding="utf-8")
    assert invoke("init", "-w", ws)[0] == 0
    code, _, stderr = invoke("import", str(reviews), "-t", "mentions", "--preset", "trustpilot",
                             "-w", ws)  # fmt: skip
    assert code == 0, stderr
    code, stdout, _ = invoke("metric", "mention_sentiment", "-w", ws, "--format", "json")
    assert json.loads(stdout) == []  # nothing to go on before the texts are scored
    assert invoke("text", "score", "-w", ws)[0] == 0
    code, stdout, _ = invoke("text", "themes", "-w", ws, "--format", "json", "--by", "all")
    rows = {r["theme"]: r for r in json.loads(stdout)}
    assert rows["delivery"]["n"] == 2 and rows["support"]["n"] == 1
    assert all(r["mean_sentiment"] is not None for r in rows.values())
    assert rows["support"]["mean_sentiment"] < 0
    code, stdout, stderr = invoke("metric", "mention_sentiment", "-w", ws, "--format", "json")
    assert code == 0, stderr
    [row] = json.loads(stdout)
    assert row["n"] == 3 and row["value"] < 0  # one positive, two negative
