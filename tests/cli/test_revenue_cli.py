"""`cxpulse revenue`, `cohorts` and `clv fit|score` end to end (Typer's runner, real DuckDB)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxpulse import Workspace
from cxpulse.cli.app import app
from tests.conftest import add_rows
from tests.metrics.test_mrr import sub

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def shop_orders(n: int = 250, seed: int = 3) -> list[dict[str, Any]]:
    """Orders of customers who buy at their own pace and drop out at some point (BG/NBD-like)."""
    rng = np.random.default_rng(seed)
    end = datetime(2025, 6, 30)
    rows = []
    for c in range(n):
        t = datetime(2024, 1, 1) + timedelta(days=float(rng.uniform(0, 150)))
        rate, nu = rng.gamma(2.0, 1 / 40), rng.gamma(3.0, 1 / 60)  # purchases a day, spend rate
        leave = rng.beta(2.0, 12.0)  # chance of dropping out after each purchase
        while t < end:
            rows.append(
                {
                    "customer_id": f"C{c:03}",
                    "ordered_at": t,
                    "amount": round(float(rng.gamma(6.0, 1 / nu)), 2),  # Gamma-Gamma spend
                    "source": "test",
                }
            )
            if rng.random() < leave:
                break
            t += timedelta(days=float(rng.exponential(1 / rate)))
    return rows


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        add_rows(
            ws,
            "subscriptions",
            [
                sub("A", 100, datetime(2025, 1, 5)),
                sub("B", 50, datetime(2025, 1, 9), datetime(2025, 3, 9)),
                sub("C", 1200, datetime(2025, 2, 3), period="year"),
            ],
        )
        add_rows(ws, "orders", shop_orders())
    return path


def test_cohorts_as_table_json_and_csv(book: Path) -> None:
    code, out, _ = invoke("cohorts", "-w", str(book), "--periods", "3", "--to", "2025-03-31")
    assert code == 0
    assert "Cohorts by month: customers still active" in out and "2025-01" in out
    assert "50.0" in out  # B left the January cohort in March
    code, out, _ = invoke("cohorts", "-w", str(book), "--kind", "revenue", "-f", "json")
    first = json.loads(out)["cohorts"][0]
    assert first["cohort"] == "2025-01" and first["start_mrr"] == 150.0
    code, out, _ = invoke("cohorts", "-w", str(book), "--by", "quarter", "-f", "csv")
    assert code == 0 and out.startswith("cohort,cohort_start,k,period,customers")
    code, _, err = invoke("cohorts", "-w", str(book), "--kind", "profit")
    assert code == 1 and "'logo' or 'revenue'" in err


def test_revenue_summary_shows_annual_equivalents_and_the_bridge(book: Path) -> None:
    code, out, _ = invoke("revenue", "-w", str(book), "--as-of", "2025-04-01")
    assert code == 0 and "Subscriptions in 2025-03" in out
    assert "arr" in out and "2,400.00" in out  # 12 x (100 + 100)
    assert "annual_churn" in out and "start 250.00" in out and "= end 200.00" in out
    # the subscriptions carry no currency: the amounts say so rather than guess one
    assert "MRR bridge (a month; currency unknown)" in out
    code, out, _ = invoke("config", "set", "currency", "usd", "-w", str(book))
    code, out, _ = invoke("revenue", "-w", str(book), "--as-of", "2025-04-01")
    assert "MRR bridge (USD a month): start 250.00" in out
    assert [line.split()[-1] for line in out.splitlines() if line.strip().startswith("mrr")] == [
        "USD"
    ]
    assert "customer_churn_rate" in out and "33.33" in out  # B left in March


def test_revenue_settings_through_config_set(book: Path) -> None:
    assert invoke("config", "set", "gross_margin", "0.7", "-w", str(book))[0] == 0
    code, _, _ = invoke("config", "set", "acquisition_costs.2025-02", "300", "-w", str(book))
    assert code == 0
    code, out, _ = invoke("config", "show", "-w", str(book))
    assert "gross_margin = 0.7" in out and '"2025-02": 300.0' in out
    code, out, _ = invoke("metric", "cac", "-w", str(book), "--from", "2025-02-01", "-f", "json")
    assert json.loads(out)[0]["value"] == 300.0  # one customer acquired in February
    code, _, err = invoke("config", "set", "gross_margin", "2", "-w", str(book))
    assert code == 1 and "gross_margin" in err


def test_clv_fit_prints_parameters_fit_quality_and_top_customers(book: Path) -> None:
    code, out, err = invoke("clv", "fit", "-w", str(book), "--top", "3")
    assert code == 0, err
    for text in ("BG/NBD", "alpha", "Gamma-Gamma", "Holdout of", "predicted", "Top 3 customers"):
        assert text in out
    code, out, _ = invoke("clv", "fit", "-w", str(book), "-f", "json", "--holdout-days", "90")
    payload = json.loads(out)
    held = date.fromisoformat(payload["holdout_end"]) - date.fromisoformat(
        payload["calibration_end"]
    )
    assert held == timedelta(days=90)
    assert {p["param"] for p in payload["purchases"]} == {"r", "alpha", "a", "b"}
    assert payload["holdout"]["actual_total"] > 0 and len(payload["top"]) == 10
    clv = [row["predicted_clv"] for row in payload["top"]]
    assert clv == sorted(clv, reverse=True)


def test_clv_fit_reads_a_file_without_order_ids(book: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame(shop_orders(120, seed=5))[["customer_id", "ordered_at", "amount"]]
    path = tmp_path / "log.csv"
    frame.rename(columns={"customer_id": "client"}).to_csv(path, index=False)
    code, out, err = invoke(
        "clv", "fit", "-w", str(book), "--file", str(path), "-m", "client=customer_id"
    )
    assert code == 0, err
    assert "Top 10 customers" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,ordered_at,amount\nC1,2025-01-05,-4\n")
    code, _, err = invoke("clv", "fit", "-w", str(book), "--file", str(bad))
    assert code == 1 and "must be at least 0" in err


def test_clv_fit_shows_both_fits_labelled_and_the_orders_left_out(
    book: Path, tmp_path: Path
) -> None:
    frame = pd.DataFrame(shop_orders(120, seed=5))[["customer_id", "ordered_at", "amount"]]
    frame.loc[[3, 10, 20], "amount"] = 0.0  # free orders, as CDNOW's 8
    path = tmp_path / "log.csv"
    frame.to_csv(path, index=False)
    args = ["clv", "fit", "-w", str(book), "--file", str(path), "--calibration-end", "2025-03-31"]
    code, out, err = invoke(*args)
    assert code == 0, err
    assert "Left out: 3 orders with an amount of 0" in out
    assert "Fit on all the orders (these parameters give the scores)" in out
    assert "Calibration fit, on the orders up to 2025-03-31" in out
    assert out.count("BG/NBD (purchases):") == 2 and "gamma" in out
    code, out, err = invoke(*args, "-f", "json")
    payload = json.loads(out)
    assert payload["calibration_end"] == "2025-03-31"
    ours = {p["param"]: p["coef"] for p in payload["purchases"]}
    calibrated = {p["param"]: p["coef"] for p in payload["calibration_purchases"]}
    assert ours.keys() == calibrated.keys() and ours != calibrated
    assert {p["param"] for p in payload["spend"]} == {"p", "q", "gamma"}
    code, _, err = invoke(*args, "--holdout-days", "60")
    assert code == 1 and "not both" in err


def test_clv_score_writes_the_scores_table(book: Path) -> None:
    code, out, err = invoke("clv", "score", "-w", str(book), "--months", "6")
    assert code == 0, err and "Scored" in out
    with Workspace.open(book) as ws:
        scores = ws.store.table("clv_scores").execute()
        customers = ws.table("orders").customer_id.nunique().execute()
    assert len(scores) == customers and scores["customer_id"].is_unique
    assert (scores["horizon_months"] == 6).all() and scores["predicted_clv"].ge(0).all()
    assert scores["probability_alive"].between(0, 1).all()
    invoke("clv", "score", "-w", str(book))  # a second run replaces, never appends
    with Workspace.open(book) as ws:
        assert ws.store.table("clv_scores").count().execute() == customers
