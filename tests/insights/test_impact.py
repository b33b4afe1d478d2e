"""Impact of an annotated event: a planted step change is found with the right sign and an
interval holding it; a flat series shows no change; unfinished windows and thin data say so."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse import Workspace
from cxpulse.errors import AnnotationError, UnknownMetricError
from cxpulse.insights import impact as impact_module
from cxpulse.insights.annotations import add_annotation
from cxpulse.insights.impact import DEFAULT_DAYS, MAX_DAYS, impact, windows
from tests.conftest import add_rows

NOW = datetime(2026, 1, 5, 9)
STEP = date(2025, 11, 14)
PER_DAY = 60


def csat_days(first: date, days: int, share: float, seed: int) -> list[dict[str, object]]:
    """``PER_DAY`` CSAT answers a day (1-5 scale), each satisfied with probability ``share``."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(days):
        day = first + timedelta(days=i)
        for happy in rng.random(PER_DAY) < share:
            rows.append({"score": 5 if happy else 2, "scale_min": 1, "scale_max": 5,
                         "question_type": "csat",
                         "responded_at": datetime(day.year, day.month, day.day, 11)})  # fmt: skip
    return rows


def plant(ws: Workspace, before: float, after: float, seed: int = 1) -> None:
    add_rows(ws, "survey_responses", csat_days(STEP - timedelta(days=40), 40, before, seed))
    add_rows(ws, "survey_responses", csat_days(STEP, 40, after, seed + 1))


def test_a_planted_drop_is_found_with_its_sign_and_an_interval_holding_it(
    ws: Workspace,
) -> None:
    plant(ws, 0.80, 0.65)
    add_annotation(ws, STEP, "Carrier outage", author="a", now=NOW)
    found = impact(ws, "carrier outage", as_of="2026-01-05")
    assert (found.before.start, found.before.end) == (STEP - timedelta(28), STEP - timedelta(1))
    assert (found.after.start, found.after.days) == (STEP, DEFAULT_DAYS)
    (row,) = found.rows  # the scorecard's other metrics have no data here: left out
    assert row.metric == "csat" and row.significant and row.direction == "worse"
    assert row.before.n == row.after.n == DEFAULT_DAYS * PER_DAY
    assert row.ci_low is not None and row.ci_high is not None and row.change is not None
    assert row.ci_low < -15 < row.ci_high and row.change < 0
    # each window's own interval holds its planted share
    assert row.before.ci_low < 80 < row.before.ci_high  # type: ignore[operator]
    assert row.after.ci_low < 65 < row.after.ci_high  # type: ignore[operator]
    assert row.headline("en").startswith("CSAT fell from ")
    assert row.headline("en").endswith("a significant worsening.")
    fr = row.headline("fr")
    assert (
        fr.startswith("CSAT\u00a0: de ") and "\u202f%" in fr and "dégradation significative" in fr
    )
    assert found.headline("en") == (
        "Carrier outage (2025-11-14): the only tested metric changed significantly over the 28 "
        "days from its start, against the 28 days before (worse: CSAT)."
    )
    assert found.headline("fr").startswith(
        "Carrier outage (2025-11-14)\u00a0: le seul indicateur testé a changé significativement"
    )
    assert "en baisse\u00a0: CSAT" in found.headline("fr")


def test_a_flat_series_shows_no_significant_change(ws: Workspace) -> None:
    plant(ws, 0.80, 0.80, seed=11)
    add_annotation(ws, STEP, "Release", author="a", now=NOW)
    (row,) = impact(ws, "1", as_of="2026-01-05").rows
    assert not row.significant and row.direction is None
    assert row.ci_low is not None and row.ci_high is not None
    assert row.ci_low < 0 < row.ci_high
    assert "not a significant change (p = " in row.headline("en")
    assert "pas de changement significatif (p = 0," in row.headline("fr")


def test_a_lasting_event_is_compared_over_its_own_span(ws: Workspace) -> None:
    plant(ws, 0.80, 0.65)
    add_annotation(ws, STEP, "Outage", until=STEP + timedelta(days=9), author="a", now=NOW)
    found = impact(ws, "Outage", as_of="2026-01-05")
    assert found.after.days == found.before.days == 10
    assert found.before.end == STEP - timedelta(days=1)
    assert impact(ws, "Outage", days=7, as_of="2026-01-05").after.days == 7


def test_an_unfinished_after_window_cuts_both_windows_and_says_so(ws: Workspace) -> None:
    plant(ws, 0.80, 0.65)
    add_annotation(ws, STEP, "Release", author="a", now=NOW)
    found = impact(ws, "Release", as_of=STEP + timedelta(days=10))
    assert found.unfinished and found.after.days == found.before.days == 10
    (caveat,) = found.caveats("en")
    assert caveat == (
        "the after window is not over: 10 of its 28 days are past, so both windows are cut "
        "to 10 days"
    )
    assert found.to_dict()["caveats"]["fr"][0].startswith("la fenêtre après n'est pas finie")
    with pytest.raises(AnnotationError, match="no day from it is over yet"):
        impact(ws, "Release", as_of=STEP)


def test_too_few_answers_are_shown_but_never_called_a_change(ws: Workspace) -> None:
    add_rows(ws, "survey_responses", csat_days(STEP - timedelta(days=5), 5, 1.0, 3)[:10])
    add_rows(ws, "survey_responses", csat_days(STEP, 5, 0.0, 4)[:10])
    add_annotation(ws, STEP, "Release", author="a", now=NOW)
    (row,) = impact(ws, "Release", metrics=["csat"], as_of="2026-01-05").rows
    assert row.too_few and not row.significant and row.change == pytest.approx(-100)
    assert row.headline("en") == (
        "CSAT fell from 100.0% to 0.0% (−100.0 points): too few to tell (10 before, 10 after; "
        "at least 30 needed)."
    )


def test_named_metrics_are_shown_even_without_data_and_unknown_ones_refused(
    ws: Workspace,
) -> None:
    plant(ws, 0.8, 0.8)
    add_annotation(ws, STEP, "Release", author="a", now=NOW)
    found = impact(
        ws, "Release", metrics=["csat", "nps", "first_response_time"], as_of="2026-01-05"
    )
    assert [r.metric for r in found.rows] == ["csat", "nps", "first_response_time"]
    assert found.rows[1].headline("en") == "NPS: no data before and after the event to compare."
    with pytest.raises(UnknownMetricError):
        impact(ws, "Release", metrics=["csatt"])
    with pytest.raises(AnnotationError, match="days: 0; give 1 to 366"):
        impact(ws, "Release", days=0)


def test_other_events_in_the_windows_are_named(ws: Workspace) -> None:
    plant(ws, 0.8, 0.8)
    add_annotation(ws, STEP, "Release", author="a", now=NOW)
    add_annotation(ws, STEP - timedelta(days=3), "Price change", author="a", now=NOW)
    found = impact(ws, "Release", as_of="2026-01-05")
    assert found.caveats("en") == [
        "another event falls in these windows: Price change (2025-11-11)"
    ]


def test_the_result_is_json_ready(ws: Workspace) -> None:
    import json

    plant(ws, 0.8, 0.7)
    add_annotation(ws, STEP, "Release", author="a", now=NOW)
    data = impact(ws, "Release", metrics=["csat", "nps"], as_of="2026-01-05").to_dict()
    text = json.dumps(data, allow_nan=False)  # no NaN anywhere: None
    assert json.loads(text)["metrics"][1]["change"] is None


@pytest.mark.parametrize(
    ("until", "days", "today", "expected"),
    [
        (None, None, date(2026, 1, 1), 28),
        (date(2025, 11, 30), None, date(2026, 1, 1), 17),
        (date(2025, 11, 30), 5, date(2026, 1, 1), 5),
        (None, None, date(2025, 11, 20), 6),  # 14..19 are over; the 20th is today
    ],
)
def test_windows_are_equal_and_adjacent(
    until: date | None, days: int | None, today: date, expected: int
) -> None:
    from cxpulse.insights.annotations import Annotation

    event = Annotation("1", date(2025, 11, 14), until, "x", (), "a", NOW)
    before, after, _ = windows(event, days, today)
    assert before.days == after.days == expected
    assert before.end + timedelta(days=1) == after.start == event.day


@given(
    st.integers(0, 60),
    st.one_of(st.none(), st.integers(1, MAX_DAYS)),
    st.integers(1, 120),
)
def test_windows_are_equal_adjacent_and_over_whatever_the_event(
    span: int, days: int | None, after_days: int
) -> None:
    from cxpulse.insights.annotations import Annotation

    day = date(2025, 11, 14)
    event = Annotation("1", day, day + timedelta(days=span) if span else None, "x", (), "a", NOW)
    today = day + timedelta(days=after_days)
    before, after, wanted = windows(event, days, today)
    assert before.days == after.days <= wanted
    assert before.end + timedelta(days=1) == after.start == day
    assert after.end < today  # today is still running: never compared
    assert wanted == (days or (span + 1 if span else DEFAULT_DAYS))
    assert after.days == min(wanted, after_days)


@pytest.mark.parametrize(
    ("moved", "tested", "en", "fr"),
    [
        (0, 1, "the only tested metric did not change", "le seul indicateur testé n'a pas changé"),
        (0, 3, "0 of 3 tested metrics changed", "aucun des 3 indicateurs testés n'a changé"),
        (1, 3, "1 of 3 tested metrics changed", "1 des 3 indicateurs testés a changé"),
        (2, 3, "2 of 3 tested metrics changed", "2 des 3 indicateurs testés ont changé"),
    ],
)
def test_the_count_of_changed_metrics_reads_as_a_sentence(
    moved: int, tested: int, en: str, fr: str
) -> None:
    # French agrees the verb with the count ("1 indicateur(s) testé(s) ... ont changé" before)
    assert impact_module._moved_en(moved, tested, str(moved), str(tested)) == en
    assert impact_module._moved_fr(moved, tested, str(moved), str(tested)) == fr
