"""Significant changes on real DuckDB workspaces: known answers, the false discovery control by
hand, unfinished periods, the mix flag, and a null simulation."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from statistics import NormalDist

import pytest

from cxpulse import Workspace
from cxpulse.errors import QueryError, UnknownMetricError
from cxpulse.insights.changes import significant_changes, window
from tests.conftest import add_rows
from tests.insights import synthetic
from tests.insights.synthetic import NOV, OCT, csat

AS_OF = date(2025, 12, 15)


@pytest.fixture
def planted(ws: Workspace) -> Workspace:
    synthetic.delivery_drop(ws)
    return ws


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    pooled = (k1 + k2) / (n1 + n2)
    z = (k2 / n2 - k1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 2 * NormalDist().cdf(-abs(z))


def test_a_planted_drop_is_found_and_a_steady_segment_is_not(planted: Workspace) -> None:
    result = significant_changes(planted, metrics=["csat"], as_of=AS_OF)
    assert (result.window.label, result.window.comparison) == ("2025-11", "2025-10")
    found = {(f.segment.value if f.segment else None) for f in result.findings}
    assert found == {"delivery", None}  # the touchpoint and the total; support held steady
    first = result.findings[0]
    assert first.segment is not None and first.segment.value == "delivery"  # ranked first
    assert first.value == pytest.approx(37.5) and first.comparison_value == pytest.approx(75)
    assert first.change == pytest.approx(-37.5)
    assert first.change_low is not None and first.change_high is not None
    assert first.change_low < -37.5 < first.change_high < 0
    assert first.better is False
    assert first.p_value == pytest.approx(two_proportion_p(120, 160, 60, 160), rel=1e-9)


def test_benjamini_hochberg_over_the_family_matches_a_hand_computation(
    planted: Workspace,
) -> None:
    result = significant_changes(planted, metrics=["csat"], as_of=AS_OF)
    # tested: the total and the two touchpoints; the other dimensions have one segment
    # ("(none)": no channel, language or customer) and would repeat the total
    p = {
        "": two_proportion_p(240, 320, 181, 320),
        "delivery": two_proportion_p(120, 160, 60, 160),
        "support": two_proportion_p(120, 160, 121, 160),
    }
    assert result.tests == 3
    got = {row["segment"]: row for row in result.family}
    assert {k: got[k]["p"] for k in p} == pytest.approx(p, rel=1e-9)
    ranked = sorted(p, key=p.__getitem__)  # q_(i) = min over j >= i of m p_(j) / j
    raw = [3 * p[k] / (i + 1) for i, k in enumerate(ranked)]
    q = {k: min(raw[i:]) for i, k in enumerate(ranked)}
    assert {k: got[k]["q"] for k in q} == pytest.approx(q, rel=1e-9)
    assert all(f.q_value is not None and f.q_value <= 0.05 for f in result.findings)


def test_the_headline_says_it_in_english_and_french(planted: Workspace) -> None:
    first = significant_changes(planted, metrics=["csat"], as_of=AS_OF).findings[0]
    assert first.headline("en") == (
        "Customer satisfaction (CSAT) (touchpoint: delivery) fell 37.5 points in 2025-11, "
        "from 75.0% (2025-10) to 37.5% (95% interval of the change: −47.6 to −27.4)."
    )
    assert first.headline("fr") == (
        "Satisfaction client (CSAT) (point de contact\u202f: delivery)\u202f: baisse de "
        "37,5 points en 2025-11, de 75,0\u202f% (2025-10) à 37,5\u202f% (intervalle à "
        "95\u202f% de la variation\u202f: −47,6 à −27,4)."
    )


def test_the_result_is_json_ready(planted: Workspace) -> None:
    data = significant_changes(planted, metrics=["csat"], as_of=AS_OF).to_dict("fr")
    text = json.dumps(data, allow_nan=False)  # no NaN anywhere
    assert data["period"] == "2025-11" and data["tests"] == 3
    assert data["findings"][0]["segment"] == {"dimension": "touchpoint", "value": "delivery"}
    assert data["headline"].startswith("2 changements significatifs en 2025-11")
    total = next(f for f in data["findings"] if f["segment"] is None)
    assert total["evidence"][0]["dimension"] == "touchpoint"  # where it comes from
    assert total["evidence"][0]["segments"][0]["segment"] == "delivery"
    assert "delivery" in text


def test_an_unfinished_period_is_refused_and_the_default_is_the_last_complete_one(
    planted: Workspace,
) -> None:
    with pytest.raises(
        QueryError, match="2025-12 is not over yet .*last complete month is 2025-11"
    ):
        significant_changes(planted, period="2025-12", metrics=["csat"], as_of=AS_OF)
    # on its last day a period is still running
    with pytest.raises(QueryError, match="not over yet"):
        significant_changes(planted, period="2025-11", metrics=["csat"], as_of="2025-11-30")
    assert significant_changes(planted, period="2025-11", metrics=["csat"],
                               as_of="2025-12-01").window.label == "2025-11"  # fmt: skip


def test_the_default_period_is_the_last_one_the_data_covers_to_its_end(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", csat("delivery", 60, 100, NOV))
    # the data stops on 12 November: November is not complete, so October is looked at
    result = significant_changes(ws, metrics=["csat"], as_of="2026-03-01")
    assert result.window.label == "2025-10"


def test_a_change_made_only_by_the_mix_is_flagged(ws: Workspace) -> None:
    # both touchpoints got worse, but the good one grew from a quarter to three quarters of
    # the answers: the total rose (enough answers that the fall inside is sure: its interval
    # excludes 0, without which the caveat only says "mostly mix")
    add_rows(ws, "survey_responses",
             csat("support", 900, 100, OCT) + csat("delivery", 900, 2100, OCT))  # fmt: skip
    add_rows(ws, "survey_responses",
             csat("support", 2550, 450, NOV) + csat("delivery", 250, 750, NOV))  # fmt: skip
    result = significant_changes(ws, period="2025-11", metrics=["csat"], as_of=AS_OF)
    total = next(f for f in result.findings if f.segment is None)
    assert total.change is not None and total.change > 0
    codes = [c.code for c in total.caveats]
    assert "opposite" in codes
    caveat = next(c for c in total.caveats if c.code == "opposite")
    assert caveat.text("en").startswith(
        "Mix shift: the total rose only because the touchpoint mix changed (support went "
        "from 25% to 75%); at 2025-10's touchpoint mix it would have fallen"
    )
    assert "répartition par point de contact" in caveat.text("fr")


def test_comparisons_and_user_mistakes(planted: Workspace) -> None:
    win = window(planted, "2025-11", None, "year", None)
    assert (win.before, win.before_last) == (date(2024, 11, 1), date(2024, 11, 30))
    result = significant_changes(planted, metrics=["csat"], compare="year", as_of=AS_OF)
    assert result.findings == [] and "csat" in result.skipped  # no November 2024
    with pytest.raises(QueryError, match="not have yet"):
        significant_changes(planted, metrics=["csat"], compare="baseline", as_of=AS_OF)
    with pytest.raises(QueryError, match="compare with 'last'"):
        significant_changes(planted, compare="last", as_of=AS_OF)
    with pytest.raises(UnknownMetricError, match="unknown metric 'nsp'"):
        significant_changes(planted, metrics=["nsp"], as_of=AS_OF)
    with pytest.raises(QueryError, match="not a month period"):
        significant_changes(planted, period="November", by="month", as_of=AS_OF)
    with pytest.raises(QueryError, match="0001-01 is too close to the calendar's ends"):
        significant_changes(planted, period="0001-01", as_of=AS_OF)
    with pytest.raises(QueryError, match="too close to the calendar's ends"):
        significant_changes(planted, as_of="0001-01-15")
    untested = significant_changes(planted, metrics=["first_response_time"], as_of=AS_OF)
    assert "quantile" in untested.skipped["first_response_time"]("en")


NULL_RUNS, NULL_ALLOWED = 40, 5
"""40 runs at a 5 % false finding rate: 5 or fewer runs with a finding 86 % of the time
for a method exactly at 5 % (binomial), always for one below it as BH is here."""


@pytest.mark.slow
def test_null_simulation_finds_nothing_in_nearly_every_run(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "null.duckdb", timezone="Europe/Paris") as ws:
        synthetic.fill(ws, NULL_RUNS, seed=20251207)
        results = [
            significant_changes(ws, period=synthetic.label(r), metrics=list(synthetic.VOLUMES),
                                as_of="2030-01-01")
            for r in range(NULL_RUNS)
        ]  # fmt: skip
    with_finding = sum(bool(r.findings) for r in results)
    assert with_finding <= NULL_ALLOWED
    assert all(r.tests > 30 for r in results)  # total, touchpoints, channels... each metric


@pytest.mark.slow
def test_a_large_planted_change_is_found_and_ranked_first(tmp_path: Path) -> None:
    # CSAT at 75 % in a touchpoint of ~140 answers a month: one standard error of the
    # month-on-month difference is about 5.2 points; planted: 6 standard errors
    plant = synthetic.Plant("csat", "delivery", -0.31)
    runs = 5
    with Workspace.init(tmp_path / "power.duckdb", timezone="Europe/Paris") as ws:
        synthetic.fill(ws, runs, seed=7, plants=dict.fromkeys(range(runs), plant))
        for r in range(runs):
            result = significant_changes(
                ws, period=synthetic.label(r), metrics=list(synthetic.VOLUMES), as_of="2030-01-01"
            )
            first = result.findings[0]
            assert first.metric == "csat" and first.segment is not None
            assert (first.segment.dimension, first.segment.value) == ("touchpoint", "delivery")
