"""Significant changes on real DuckDB workspaces: known answers, the false discovery control by
hand, unfinished periods, the mix flag, and a null simulation."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.demo import create_demo
from cxpulse.errors import QueryError, UnknownMetricError
from cxpulse.insights.changes import _groups, band_p_value, read_plan, significant_changes, window
from cxpulse.insights.dimensions import drill_dimensions
from cxpulse.insights.findings import Band
from cxpulse.metrics.spec import REGISTRY, Rollup
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
    # 2 findings among 3 tests: the interval at 1 - 0.05 x 2/3 = 96.7 %
    assert first.headline("en") == (
        "Customer satisfaction (CSAT) (touchpoint: delivery) fell 37.5 points in 2025-11, "
        "from 75.0% (2025-10) to 37.5% (96.7% interval of the change, widened for the number "
        "of tests: −48.4 to −26.6)."
    )
    assert first.headline("fr") == (
        "Satisfaction client (CSAT) (point de contact\u202f: delivery)\u202f: baisse de "
        "37,5 points en 2025-11, de 75,0\u202f% (2025-10) à 37,5\u202f% (intervalle à "
        "96,7\u202f% de la variation, élargi pour le nombre de tests\u202f: −48,4 à −26,6)."
    )


def test_a_findings_interval_is_adjusted_for_its_selection(planted: Workspace) -> None:
    """Benjamini & Yekutieli's false coverage rate: the intervals of the R findings selected
    among m tests are at 1 - q·R/m (here 2 of 3: 96.67 %), the test's own method made wider."""
    from cxpulse.metrics.stats import share_change_test

    result = significant_changes(planted, metrics=["csat"], as_of=AS_OF)
    level = 1 - 0.05 * 2 / 3
    assert result.interval_level == pytest.approx(level)
    first = result.findings[0]
    assert first.interval_level == pytest.approx(level) and first.confidence == 0.95
    wide = share_change_test([160], [120], [160], [60], confidence=level)
    plain = share_change_test([160], [120], [160], [60], confidence=0.95)
    assert (first.change_low, first.change_high) == (
        pytest.approx(100 * wide.low[0]), pytest.approx(100 * wide.high[0]),
    )  # fmt: skip
    assert first.change_low < 100 * plain.low[0] and first.change_high > 100 * plain.high[0]
    data = first.to_dict()
    assert data["interval_level"] == pytest.approx(level) and data["confidence"] == 0.95


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
    with pytest.raises(QueryError, match="1235-05-29: insights look at periods from 1678 to 2261"):
        significant_changes(planted, as_of="1235-05-29")  # found by the OpenAPI fuzz test
    untested = significant_changes(planted, metrics=["first_response_time"], as_of=AS_OF)
    assert "quantile" in untested.skipped["first_response_time"]("en")


# -- against the expected band from history (compare="baseline") ------------------------------
HISTORY = 14
WIGGLE = (3, -4, 2, -1, 5, -3, 0, 4, -2, 1, -5, 2, -1, 3)
"""Satisfied answers a month around 150 of 200 (75 %): a steady history, not a flat one."""


def steady_history(ws: Workspace, last: int) -> None:
    """CSAT from September 2024 to October 2025 with 150 satisfied of 200 give or take a few,
    then ``last`` satisfied of 200 in November 2025."""
    rows = []
    for i in range(HISTORY + 1):
        when = datetime(2024 + (8 + i) // 12, (8 + i) % 12 + 1, 10, 10)
        satisfied = last if i == HISTORY else 150 + WIGGLE[i]
        rows += csat("delivery", satisfied, 200 - satisfied, when)
    add_rows(ws, "survey_responses", rows)


def test_a_jump_out_of_a_steady_history_is_found_against_the_baseline(ws: Workspace) -> None:
    steady_history(ws, last=100)  # 50 %, 25 points under every month before
    result = significant_changes(
        ws, period="2025-11", metrics=["csat"], compare="baseline", as_of=AS_OF
    )
    assert result.tests == 1  # the total only: segments are not compared with a baseline
    (found,) = result.findings
    band = found.band
    assert band is not None and found.segment is None
    # the data begin on 10 September 2024: that month is only partly covered and not counted
    assert (band.history, band.seasonal, band.grain) == (HISTORY - 1, False, "month")
    assert band.low < 75 < band.high and found.value == pytest.approx(50)
    assert found.value is not None and found.value < band.low  # outside the band
    assert found.comparison_value == pytest.approx(band.expected)
    assert found.change == pytest.approx(50 - band.expected)
    # the p-value from the band's predictive standard error: half-width / z
    se = (band.high - band.low) / 2 / NormalDist().inv_cdf(0.975)
    assert found.p_value == pytest.approx(2 * NormalDist().cdf(-(band.expected - 50) / se))
    low, high, expected = (f"{x:.1f}" for x in (band.low, band.high, band.expected))
    assert found.headline("en") == (
        f"Customer satisfaction (CSAT) fell to 50.0% in 2025-11, outside its expected band "
        f"({low}% to {high}%, from 13 months of history; expected {expected}%)."
    )
    fr = found.headline("fr")
    assert fr.startswith(
        "Satisfaction client (CSAT)\u202f: baisse à 50,0\u202f% en 2025-11, hors de sa "
        f"fourchette attendue ({low.replace('.', ',')}\u202f% à "
    )
    assert "d'après 13 mois d'historique\u202f; valeur attendue\u202f: " in fr
    data = result.to_dict("fr")
    json.dumps(data, allow_nan=False)
    assert data["compare"] == "baseline" and data["comparison"] == "baseline"
    assert data["findings"][0]["band"] == {
        "expected": band.expected, "low": band.low, "high": band.high,
        "seasonal": False, "history": 13, "by": "month",
    }  # fmt: skip
    assert data["headline"].endswith(
        "Les totaux seuls sont comparés à l'historique, pas les segments."
    )
    assert result.headline("en") == (
        "1 value outside its expected band in 2025-11, from history (1 test, false discovery "
        "rate 5%). Only totals are compared with their history, not segments."
    )


@given(
    expected=st.floats(-50, 50),
    half=st.floats(0.5, 30),
    offset=st.floats(-3, 3),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_a_value_is_outside_its_band_exactly_when_p_is_below_one_minus_confidence(
    expected: float, half: float, offset: float, confidence: float
) -> None:
    band = Band(expected, expected - half, expected + half, False, 12, "month")
    value = expected + offset * half  # offset: in half-widths from the expected value
    p, _ = band_p_value(value, band, confidence)
    if abs(abs(offset) - 1) > 1e-9:  # on the edge, rounding decides
        assert (p < 1 - confidence) == (value < band.low or value > band.high)
    assert math.isnan(band_p_value(expected, Band(expected, expected, expected, False, 12,
                                                  "month"), confidence)[0])  # fmt: skip


def test_a_steady_month_is_inside_its_band(ws: Workspace) -> None:
    steady_history(ws, last=151)
    result = significant_changes(
        ws, period="2025-11", metrics=["csat"], compare="baseline", as_of=AS_OF
    )
    assert result.tests == 1 and result.findings == []
    assert result.family[0]["p"] > 0.5
    assert result.headline("en").startswith("No value outside its expected band in 2025-11")


def test_a_short_history_is_not_tested_and_says_why(planted: Workspace) -> None:
    # answers from 8 October 2025 (October is partly covered: no complete month before
    # November); the NPS has one answer: under the workspace's min_n
    result = significant_changes(
        planted, metrics=["csat", "nps", "nrr"], compare="baseline", as_of=AS_OF
    )
    assert result.tests == 0 and result.findings == []
    assert result.skipped["csat"]("en") == (
        "an expected band of csat by month needs at least 8 complete months without a gap; "
        "there are none"
    )
    assert result.skipped["csat"]("fr") == (
        "pas de fourchette attendue\u202f: il faut au moins 8 mois complets sans interruption "
        "avant 2025-11"
    )
    assert "fewer than" in result.skipped["nps"]("en")
    assert "exact figure" in result.skipped["nrr"]("en")


def test_the_demo_outage_falls_outside_the_nps_and_csat_bands(tmp_path: Path) -> None:
    """The demo plants a carrier outage in November 2025 (the forecasts measured the NPS band
    at 35.7 [26.8, 44.6] against -0.8 on 1-28 November, at full scale)."""
    path = tmp_path / "demo.duckdb"
    with create_demo(path, scale=0.02, seed=7, end=date(2026, 1, 1)) as demo:
        result = significant_changes(
            demo, period="2025-11", metrics=["nps", "csat"], compare="baseline",
            as_of="2026-01-01",
        )  # fmt: skip
    found = {f.metric: f for f in result.findings}
    assert set(found) == {"nps", "csat"}
    for f in found.values():
        assert f.band is not None and f.value is not None
        assert f.value < f.band.low and f.better is False
        assert f.q_value is not None and f.q_value < 0.01
    nps = found["nps"].band
    assert nps is not None and nps.low < 35 < nps.high


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


def test_answers_with_no_value_for_a_dimension_are_not_a_segment(planted: Workspace) -> None:
    """Answers with no touchpoint fall as much as delivery's: they count in the total, but
    "touchpoint: (none)" is not a group of customers and is not tested."""
    no_touchpoint = [{k: v for k, v in r.items() if k != "touchpoint"}
                     for r in csat("x", 120, 40, OCT) + csat("x", 60, 100, NOV)]  # fmt: skip
    add_rows(planted, "survey_responses", no_touchpoint)
    result = significant_changes(planted, metrics=["csat"], as_of=AS_OF)
    assert {row["segment"] for row in result.family} == {"", "delivery", "support"}
    assert result.tests == 3


# -- one read for every dimension, where the groups sum up -----------------------------------
ROLLED = ["customer_churn_rate", "customer_retention_rate", "exit_rate", "bounce_rate",
          "engagement_rate", "pages_per_session"]  # fmt: skip


def one_and_per_dimension(
    ctx: Workspace, name: str, dims: list[str] | None = None, rolls_up: Rollup = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A metric's groups as read_plan reads them, and read the total and each dimension on
    its own (``rolls_up``: the variant's flag for the first, to show what it would give)."""
    spec = REGISTRY.get(name)
    win = window(ctx, "2025-11", None, "previous", AS_OF)
    dims = drill_dimensions(spec) if dims is None else dims
    var = spec.default if rolls_up is None else replace(spec.default, rolls_up=rolls_up)
    got, alone = (
        _groups(ctx, spec, var, win, dims),
        _groups(ctx, spec, replace(var, rolls_up=None), win, dims),
    )
    assert got is not None and alone is not None

    def tidy(df: pd.DataFrame) -> pd.DataFrame:
        return df.sort_values(["dimension", "segment"]).reset_index(drop=True)

    return tidy(got[0]), tidy(alone[0])


def hand_built(ws: Workspace) -> Workspace:
    """Customers with their own attributes, some on two plans, churning in October and
    November 2025; their sessions on three pages in both months, some anonymous."""
    rng = np.random.default_rng(3)
    people = [
        {"customer_id": f"C{i}", "segment": ["smb", "ent"][i % 2],
         "plan": ["basic", "pro"][i % 3 % 2], "country": ["FR", "US", "DE"][i % 3],
         "language": ["fr", "en"][i % 5 % 2]}
        for i in range(60)
    ]  # fmt: skip
    add_rows(ws, "customers", people)
    subs: list[dict[str, object]] = []
    for i in range(60):
        end = [None, datetime(2025, 10, 20), datetime(2025, 11, 12)][int(rng.integers(0, 3))]
        plans = ["basic", "pro", "team"][: 1 + int(rng.integers(0, 3))]
        for j, plan in enumerate(plans):
            subs.append({"customer_id": f"C{i}", "plan": plan, "price": float(10 + 7 * j + i % 4),
                         "billing_period": ["month", "year"][(i + j) % 2],
                         "started_at": datetime(2025, 8, 1), "ended_at": end})  # fmt: skip
    # most MRR in plan a alone (30), but in plan b over its two billing periods (20 + 20)
    trap = (("a", 30.0, "month"), ("b", 240.0, "year"), ("b", 20.0, "month"))
    for plan, price, billing in trap:
        subs.append({"customer_id": "C0", "plan": plan, "price": price, "billing_period": billing,
                     "started_at": datetime(2025, 8, 1),
                     "ended_at": datetime(2025, 11, 5)})  # fmt: skip
    add_rows(ws, "subscriptions", subs)
    hits = []
    for k in range(240):
        start = datetime(2025, 10 + k % 2, 1 + k % 28, 9) + timedelta(minutes=int(k))
        who = None if k % 7 == 0 else f"C{k % 60}"
        for s, page in enumerate(["/", "/pricing", "/checkout"][: 1 + int(rng.integers(0, 3))]):
            hits.append({"visitor_id": f"V{k % 90}", "customer_id": who, "page": page,
                         "event_type": "page_view", "source": "test",
                         "occurred_at": start + timedelta(seconds=40 * s)})  # fmt: skip
    add_rows(ws, "web_events", hits)
    return ws


@pytest.mark.parametrize("name", ROLLED)
def test_one_read_gives_the_groups_of_one_read_per_dimension(ws: Workspace, name: str) -> None:
    one, alone = one_and_per_dimension(hand_built(ws), name)
    assert len(one) > 10 and one["dimension"].nunique() >= 4
    pdt.assert_frame_equal(one, alone)


def test_customers_in_two_plans_are_never_rolled_up_over_two_own_columns(ws: Workspace) -> None:
    """C0's largest combination is plan a (30 a month), its largest plan b (40): summing the
    (plan, billing period) groups would count C0 in plan a; read_plan reads plan alone."""
    hand_built(ws)
    dims = ["plan", "billing_period", "customer.segment"]
    one, alone = one_and_per_dimension(ws, "customer_churn_rate", dims)
    pdt.assert_frame_equal(one, alone)
    naive, _ = one_and_per_dimension(ws, "customer_churn_rate", dims, rolls_up="rows")
    assert not naive.equals(alone)  # the trap read_plan avoids


def test_the_read_plan_reads_each_dimension_once() -> None:
    churn, exits = REGISTRY.get("customer_churn_rate"), REGISTRY.get("exit_rate")
    dims = ["plan", "currency", "customer.segment", "customer.country"]
    assert read_plan(churn.default, dims) == [
        ["plan", "customer.segment", "customer.country"],
        ["currency"],
    ]
    assert read_plan(exits.default, ["page", "customer.plan"]) == [["page", "customer.plan"]]
    assert read_plan(REGISTRY.get("avg_time_on_site").default, ["page"]) is None
    assert read_plan(REGISTRY.get("csat").default, ["touchpoint", "channel"]) == [
        ["touchpoint", "channel"]
    ]


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.duckdb"
    with create_demo(path, scale=0.02, seed=7, end=date(2026, 1, 1)) as demo:
        yield demo


@pytest.mark.parametrize("name", ["customer_churn_rate", "exit_rate", "bounce_rate"])
def test_one_read_equals_one_read_per_dimension_on_the_demo(
    small_demo: Workspace, name: str
) -> None:
    one, alone = one_and_per_dimension(small_demo, name)
    assert one["n_1"].sum() > 0
    pdt.assert_frame_equal(one, alone)
