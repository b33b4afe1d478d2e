"""Forecasts of a workspace's metrics (real DuckDB): complete periods only, the seasonal rule,
the expected band from the periods before, the short-history message, EN/FR sentences."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.errors import QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.spec import REGISTRY
from cxpulse.models import smoothing
from cxpulse.models.errors import ShortHistoryError
from cxpulse.models.forecast import Forecast, expected_band, forecast, value_bounds
from tests.conftest import add_rows

PARIS = ZoneInfo("Europe/Paris")
FIRST = date(2023, 6, 1)


def monthly_tickets(months: int, seed: int = 4) -> list[int]:
    """Tickets a month: a yearly season around a level of 40, with noise."""
    rng = np.random.default_rng(seed)
    i = np.arange(months)
    counts = 40 + 12 * np.sin(2 * np.pi * i / 12) + rng.normal(0, 2, months)
    return [round(float(c)) for c in counts]


def ticket_rows(counts: list[int], skip: date | None = None) -> list[dict[str, object]]:
    """``counts[i]`` tickets on the 1st of the i-th month from June 2023 (Paris noon), and a
    few early in the month after, which is not over then."""
    rows: list[dict[str, object]] = []
    for i, k in enumerate([*counts, 3]):
        month = periods.shift(FIRST, "month", i)
        if month == skip:
            continue
        day = 1 if i < len(counts) else 2  # from the 1st: June 2023 is a whole month
        when = datetime(month.year, month.month, day, 12, tzinfo=PARIS).astimezone(UTC)
        rows += [{"created_at": when.replace(tzinfo=None), "channel": "email"}] * k
    return rows


@pytest.fixture(scope="module")
def tickets_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 complete months (June 2023 to November 2025) of tickets, then 2 December 2025."""
    path = tmp_path_factory.mktemp("forecast") / "ws.duckdb"
    with Workspace.init(path, timezone="Europe/Paris") as ws:
        add_rows(ws, "tickets", ticket_rows(monthly_tickets(30)))
    return path


@pytest.fixture
def tickets(tickets_file: Path) -> Iterator[Workspace]:
    with Workspace.open(tickets_file) as ws:
        yield ws


@pytest.fixture(scope="module")
def seasonal(tickets_file: Path) -> Forecast:
    """The forecast from 3 December 2025 (fitted once: a seasonal fit takes a second)."""
    with Workspace.open(tickets_file) as ws:
        return forecast(ws, "volume", end="2025-12-03")


def test_the_running_month_is_left_out_and_two_cycles_after_the_holdout_make_it_seasonal(
    seasonal: Forecast,
) -> None:
    f = seasonal
    counts = monthly_tickets(30)
    assert f.history.starts[0] == FIRST and f.history.starts[-1] == date(2025, 11, 1)
    assert f.history.values.tolist() == counts  # December's 3 tickets are not a month
    assert [periods.label(d, "month") for d in f.starts] == [
        "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
    ]  # fmt: skip
    # 30 months - 6 held out = 24 = two cycles
    assert f.prediction.seasonal and f.holdout == 6
    assert all(f.prediction.low < f.prediction.mean) and all(f.prediction.mean < f.prediction.high)
    # the seasonal model follows the season: 40 tickets in December, the low of 28 in March
    assert f.prediction.mean[0] == pytest.approx(40, abs=3)
    assert f.prediction.mean[3] == pytest.approx(28, abs=3)
    assert f.best in ("model", "seasonal_naive")
    assert "a season of 12 months" in f.note("en")


def test_one_month_short_of_two_cycles_is_non_seasonal_and_says_so(tickets: Workspace) -> None:
    f = forecast(tickets, "volume", end="2025-10-31")  # 29 complete months
    assert not f.prediction.seasonal and len(f.history.starts) == 29
    assert f.note("en").endswith(
        "; non-seasonal: a season needs two full cycles (24 months) before the 6-month "
        "backtest, and 23 remain. Backtest: forecasts 1 to 6 months ahead from each of the last "
        "6 months, mean absolute errors pooled."
    )
    assert "non saisonnier\u00a0: une saison demande deux cycles complets (24 mois)" in f.note("fr")


def test_too_short_a_history_says_how_many_periods_are_needed(tickets: Workspace) -> None:
    with pytest.raises(ShortHistoryError) as caught:
        forecast(tickets, "volume", end="2024-03-31")
    assert str(caught.value) == (
        "a forecast of volume by month needs at least 14 complete months without a gap; there "
        "are 10 (2023-06 to 2024-03)"
    )
    with pytest.raises(ShortHistoryError, match="needs at least 18 complete months"):
        forecast(tickets, "volume", end="2024-10-31", periods=10)  # 17 < 10 held out + 8


def test_a_gap_keeps_only_the_periods_after_it(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "gap.duckdb", timezone="Europe/Paris") as ws:
        add_rows(ws, "tickets", ticket_rows(monthly_tickets(20), skip=date(2024, 6, 1)))
        with pytest.raises(
            ShortHistoryError, match=r"there are 7 \(2024-07 to 2025-01, after a gap\)$"
        ):
            forecast(ws, "volume", end="2025-01-31")


def test_the_expected_band_is_the_one_step_forecast_from_the_periods_before(
    tickets: Workspace,
) -> None:
    band = expected_band(tickets, "volume", "2025-06-17")  # a day inside the month works too
    before = np.array(monthly_tickets(30)[:24], dtype=float)  # June 2023 to May 2025
    p = smoothing.predict(before, steps=1, confidence=0.95, season=12, seasonal=True)
    assert band.period_start == date(2025, 6, 1) and band.history == 24 and band.seasonal
    assert (band.expected, band.low, band.high) == pytest.approx((p.mean[0], p.low[0], p.high[0]))
    assert band.to_dict()["period"] == "2025-06"
    with pytest.raises(ShortHistoryError, match="needs at least 8 complete months"):
        expected_band(tickets, "volume", "2024-01-01")


def test_result_is_json_ready_with_sentences_in_english_and_french(seasonal: Forecast) -> None:
    d = json.loads(json.dumps(seasonal.to_dict(), allow_nan=False))
    assert d["forecast"][0]["period"] == "2025-12" and len(d["forecast"]) == 6
    assert len(d["history"]) == 30 and d["history"][-1]["period"] == "2025-11"
    assert {s["method"] for s in d["backtest"]["scores"]} == set(smoothing.METHODS)
    assert d["backtest"]["holdout"] == 6 and d["model"]["seasonal"] is True
    en, fr = d["headline"]["en"], d["headline"]["fr"]
    assert en.startswith("Ticket volume forecast for December 2025: ")
    assert "(95% prediction interval " in en and " for May 2026 (" in en
    assert fr.startswith("Prévision du volume de tickets pour décembre 2025\u00a0: ")
    assert "(intervalle de prédiction à 95\u202f%\u00a0: " in fr
    assert "au backtest" in fr and "backtest" in en


def test_the_headline_says_when_the_model_loses_to_the_last_value(seasonal: Forecast) -> None:
    f = seasonal
    loser = type(f)(**{**f.__dict__, "best": "naive"})
    last = f"{round(f.history.values[-1]):.0f} tickets"
    assert loser.headline("en").endswith(f"for the model), so {last} is the better guess.")
    assert loser.headline("fr").endswith(f"\u00a0: {last} reste la meilleure estimation.")


def test_unusable_options_are_one_line_errors(tickets: Workspace, seasonal: Forecast) -> None:
    with pytest.raises(QueryError, match="between 1 and 36"):
        forecast(tickets, "volume", periods=0)
    with pytest.raises(QueryError, match="needs periods"):
        forecast(tickets, "volume", by="all")
    with pytest.raises(KeyError, match="unknown metric"):
        forecast(tickets, "no_such_metric")
    with pytest.raises(ValueError, match="unknown language"):
        seasonal.headline("de")


@given(
    y=st.lists(st.floats(0, 100), min_size=10, max_size=14).map(np.array),
    steps=st.integers(1, 3),
)
@settings(max_examples=15, deadline=None)
def test_forecasts_and_intervals_stay_within_the_metric_s_values(y: np.ndarray, steps: int) -> None:
    bounds = value_bounds(REGISTRY.get("customer_churn_rate"))
    assert bounds == (0.0, 100.0)
    p = smoothing.predict(y, steps=steps, confidence=0.95, season=12, seasonal=False,
                          trend=False, bounds=bounds)  # fmt: skip
    for values in (p.low, p.mean, p.high):
        assert np.all((values >= 0) & (values <= 100))
    assert value_bounds(REGISTRY.get("nps")) == (-100.0, 100.0)
    assert value_bounds(REGISTRY.get("mrr"))[0] == value_bounds(REGISTRY.get("volume"))[0] == 0
    assert value_bounds(REGISTRY.get("net_mrr_churn_rate")) == smoothing.UNBOUNDED


def test_a_period_the_data_begin_inside_is_left_out(tmp_path: Path) -> None:
    """Tickets from 15 May 2023: May holds half a month of them, so the months start in June."""
    with Workspace.init(tmp_path / "late.duckdb", timezone="Europe/Paris") as ws:
        late = datetime(2023, 5, 15, 12, tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)
        add_rows(ws, "tickets", [*ticket_rows([1] * 14), {"created_at": late}])
        f = forecast(ws, "volume", end="2024-07-31", periods=1)
        assert f.history.starts[0] == FIRST and len(f.history.starts) == 14


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_at_the_calendars_ends_is_one_line(tickets: Workspace, day: str) -> None:
    """It overflowed in pandas and was reported as a bug in cxpulse."""
    with pytest.raises(QueryError, match=f"end {day} is outside the days cxpulse reads"):
        forecast(tickets, "volume", end=day)
    with pytest.raises(QueryError, match="outside the days cxpulse reads"):
        expected_band(tickets, "volume", day)
