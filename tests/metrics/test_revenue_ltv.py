"""LTV, CAC, LTV:CAC, the conversions and their settings."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from cxpulse import Workspace
from cxpulse.errors import ConfigError, QueryError
from cxpulse.metrics.cac import label_span
from cxpulse.metrics.ltv import (
    annual_churn_from_monthly,
    arr_from_mrr,
    ltv_value,
    monthly_churn_from_annual,
)
from cxpulse.settings import Settings
from tests.conftest import add_rows
from tests.metrics.test_mrr import sub

JULY = {"start": "2025-07-01", "end": "2025-07-31"}


def test_conversions_and_the_ltv_formula() -> None:
    assert ltv_value(100, 0.05) == pytest.approx(2000)  # docs/worked-examples.md
    assert ltv_value(100, 0.05, gross_margin=0.8) == pytest.approx(1600)
    assert math.isnan(ltv_value(100, 0.0))  # undefined, not infinite
    assert annual_churn_from_monthly(0.05) == pytest.approx(1 - 0.95**12)
    assert monthly_churn_from_annual(annual_churn_from_monthly(0.03)) == pytest.approx(0.03)
    assert arr_from_mrr(1250) == 15000


def steady_book(ws: Workspace, july_churn: int = 10) -> None:
    """100 customers at 100 a month at the start of every month of 2025: 5 leave and 5 join
    each month from January to June, ``july_churn`` leave and as many join in July."""
    rows = [sub(f"C{i:03}", 100, datetime(2024, 12, 10, 12)) for i in range(100)]
    leaving = iter(range(100))
    joined = 0
    for month, n in [*((m, 5) for m in range(1, 7)), (7, july_churn)]:
        for _ in range(n):
            i = next(leaving)
            rows[i]["ended_at"] = datetime(2025, month, 15, 12)
            rows.append(sub(f"N{joined:03}", 100, datetime(2025, month, 15, 12)))
            joined += 1
    add_rows(ws, "subscriptions", rows)


def test_ltv_known_answer_arpa_100_churn_5_percent(ws: Workspace) -> None:
    steady_book(ws)
    ws.set_setting("gross_margin", "1")
    july = ws.metric("ltv", **JULY).iloc[0]
    # churn averaged over January-June (5 %), not July's own 10 %
    assert july["value"] == pytest.approx(2000)
    assert ws.metric("ltv", variant="simple", **JULY)["value"].iloc[0] == pytest.approx(1000)
    ws.set_setting("gross_margin", "0.8")
    assert ws.metric("ltv", **JULY)["value"].iloc[0] == pytest.approx(1600)
    quarterly = ws.metric(
        "ltv", by="quarter", variant="simple", start="2025-04-01", end="2025-06-30"
    )
    # 15 of 100 left in the quarter: 1 - 0.85^(1/3) a month
    assert quarterly["value"].iloc[0] == pytest.approx(80 / (1 - 0.85 ** (1 / 3)))


def test_ltv_is_undefined_without_churn(ws: Workspace) -> None:
    add_rows(ws, "subscriptions", [sub(f"C{i}", 50, datetime(2025, 1, 5)) for i in range(3)])
    df = ws.metric("ltv", start="2025-01-01", end="2025-08-31")
    assert df["value"].isna().all() and not df["value"].isin([math.inf]).any()


def test_cac_from_the_spend_of_a_period_and_ltv_to_cac(ws: Workspace) -> None:
    steady_book(ws)
    ws.set_setting("gross_margin", "1")
    with pytest.raises(ConfigError, match="no acquisition costs.*acquisition_costs.2025-03"):
        ws.metric("cac", **JULY)
    ws.set_setting("acquisition_costs.2025-07", "2000")
    cac = ws.metric("cac", **JULY).iloc[0]
    assert (cac["value"], cac["n"]) == (pytest.approx(200), 10)  # 2,000 / 10 new customers
    assert ws.metric("ltv_to_cac", **JULY)["value"].iloc[0] == pytest.approx(10)  # 2,000 / 200
    june = ws.metric("cac", start="2025-06-01", end="2025-06-30")
    assert june["value"].isna().all()  # no cost given for June
    with pytest.raises(QueryError, match="cannot be split by segment"):
        ws.metric("cac", segment="plan", **JULY)


def test_cac_per_customer_segment(ws: Workspace) -> None:
    add_rows(
        ws,
        "customers",
        [{"customer_id": c, "segment": s} for c, s in [("A", "smb"), ("B", "smb"), ("C", "ent")]],
    )
    add_rows(ws, "subscriptions", [sub(c, 10, datetime(2025, 3, 5)) for c in "ABC"])
    ws.set_setting("acquisition_costs.smb", "100")
    ws.set_setting("acquisition_costs.ent", "1000")
    march = {"start": "2025-03-01", "end": "2025-03-31"}
    assert ws.metric("cac", **march)["value"].iloc[0] == pytest.approx(400)  # (100+100+1000)/3
    by = ws.metric("cac", segment="segment", **march)
    assert dict(zip(by["segment"], by["value"], strict=True)) == {"ent": 1000, "smb": 100}
    ws.set_setting("acquisition_costs.ent", "none")  # removed: an ent customer has no cost
    assert ws.metric("cac", **march)["value"].isna().all()


def test_period_labels_for_costs() -> None:
    from datetime import date

    assert label_span("2025-03") == (date(2025, 3, 1), date(2025, 4, 1))
    assert label_span("2025-Q4") == (date(2025, 10, 1), date(2026, 1, 1))
    assert label_span("2025") == (date(2025, 1, 1), date(2026, 1, 1))
    assert label_span("2025-W02") == (date(2025, 1, 6), date(2025, 1, 13))
    assert label_span("smb") is None and label_span("2025-13") is None


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("gross_margin", "0", "above 0 and at most 1"),
        ("gross_margin", "1.5", "above 0 and at most 1"),
        ("gross_margin", "lots", "takes a number"),
        ("acquisition_costs", "100", "one acquisition cost at a time"),
        ("acquisition_costs.smb", "-3", "at least 0"),
        ("acquisition_costs.smb", "cheap", "takes a number"),
    ],
)
def test_bad_revenue_settings_are_refused(key: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings().with_value(key, raw)


def test_revenue_settings_survive_reopening(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ws.duckdb"
    with Workspace.init(path) as ws:
        ws.set_setting("gross_margin", "0,7")
        ws.set_setting("acquisition_costs.2025-Q1", "9000")
    with Workspace.open(path) as ws:
        assert ws.settings.gross_margin == 0.7
        assert ws.settings.acquisition_costs == {"2025-Q1": 9000.0}
