"""`cxpulse churn fit|score|report` end to end (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from cxpulse.demo import create_demo
from cxpulse.schema import CHURN_SCORES_TABLE

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("churncli") / "demo.duckdb"
    create_demo(path, scale=0.02, end=date(2026, 11, 1)).close()  # fixed: see tests/churn
    yield str(path)


def test_fit_shows_models_rules_and_backtest(demo_path: str) -> None:
    code, out, err = invoke(
        "churn", "fit", "-w", demo_path, "--backtest", "2026-06-30", "-f", "json"
    )
    assert code == 0, err
    payload = json.loads(out)
    aucs = {m["model"]: m["cv_auc"] for m in payload["models"]}
    assert aucs["majority class"] == 0.5 and min(aucs["logistic"], aucs["gbm"]) > 0.55
    assert payload["rules"][0]["lift"] > 3
    assert {b["model"] for b in payload["backtest"]} == {"logistic", "gbm"}


def test_score_writes_scores(demo_path: str) -> None:
    code, out, err = invoke("churn", "score", "-w", demo_path, "--model", "logistic")
    assert code == 0, err
    assert "Wrote" in out
    with Workspace.open(demo_path) as ws:
        scores = ws.store.table(CHURN_SCORES_TABLE).execute()
    assert len(scores) > 500 and scores["risk"].between(0, 1).all()
    assert scores["top_reasons"].str.len().max() > 0


def test_report(demo_path: str) -> None:
    code, out, err = invoke("churn", "report", "-w", demo_path, "-f", "json")
    assert code == 0, err
    payload = json.loads(out)
    for key in ("churn_drivers", "nps_drivers", "kaplan_meier", "cox", "revenue_at_risk"):
        assert payload[key]
    code, out, err = invoke("churn", "report", "-w", demo_path)
    assert "NPS drivers (Johnson's relative weights)" in out and "Kaplan-Meier retention" in out
    assert "Nps drivers" not in out and "Kaplan meier" not in out and " inf" not in out
    assert payload["revenue_at_risk"][2]["mrr"] > 0  # high-risk MRR, from the stored scores


def own_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 400
    tickets = rng.poisson(1.5, n)
    churned = (rng.random(n) < 0.05 + 0.12 * tickets).astype(int)
    df = pd.DataFrame(
        {
            "cust": [f"X{i}" for i in range(n)],
            "tickets": tickets,
            "plan": rng.choice(["a", "b"], n),
            "left": churned.astype(float),
        }
    )
    df.loc[:9, "left"] = np.nan  # to score
    path = tmp_path / "mine.csv"
    df.to_csv(path, index=False)
    return path


def test_own_file(ws: Workspace, tmp_path: Path) -> None:
    path = own_file(tmp_path)
    loc = str(ws.store.location)
    ws.close()
    code, out, err = invoke(
        "churn",
        "score",
        "-w",
        loc,
        "--file",
        str(path),
        "--id-column",
        "cust",
        "--label-column",
        "left",
        "-f",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["written"] == 10
    code, out, err = invoke(
        "churn",
        "fit",
        "-w",
        loc,
        "--file",
        str(path),
        "--id-column",
        "id",
        "--label-column",
        "left",
    )
    assert code == 1
    assert "no column 'id'" in out + err


def telco_file(tmp_path: Path) -> Path:
    from tests.churn.telco_like import telco_like

    path = tmp_path / "telco.csv"
    telco_like(400).to_csv(path, index=False)
    return path


def test_fit_a_file_needs_no_workspace_and_says_how_columns_were_read(tmp_path: Path) -> None:
    path, nowhere = telco_file(tmp_path), tmp_path / "none.duckdb"
    args = ["--file", str(path), "--id-column", "customerID", "--label-column", "Churn"]
    code, out, err = invoke("churn", "fit", "-w", str(nowhere), *args)
    assert code == 0, err
    assert not nowhere.exists()
    assert "TotalCharges: numbers with 5 blank cells, read as missing" in out
    assert "categories (text values, one per value): Contract" in out
    assert "Contract is Month-to-month" in out  # a readable rule of the file's own columns
    code, out, err = invoke("churn", "fit", "-w", str(nowhere), *args, "-f", "json")
    payload = json.loads(out)
    assert payload["columns"]["numeric"] == ["tenure", "MonthlyCharges", "TotalCharges"]
    assert payload["rules"][0]["lift"] > 1


def test_report_of_a_file_shows_its_drivers_and_rules(tmp_path: Path) -> None:
    path = telco_file(tmp_path)
    args = ["--file", str(path), "--id-column", "customerID", "--label-column", "Churn"]
    code, out, err = invoke("churn", "report", "-w", str(tmp_path / "none.duckdb"), *args)
    assert code == 0, err
    assert "Churn drivers (permutation importance" in out and "Contract" in out
    assert "Rules (churn rate" in out and "no tickets" not in out


def test_a_label_not_understood_is_refused_naming_its_values(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    pd.DataFrame({"id": range(30), "x": range(30), "gone": ["left", "stayed"] * 15}).to_csv(
        path, index=False
    )
    args = ["--file", str(path), "--id-column", "id", "--label-column", "gone"]
    code, out, err = invoke("churn", "fit", "-w", str(tmp_path / "none.duckdb"), *args)
    assert code == 1
    assert "'left', 'stayed'" in out + err
