"""The schema's row rules, one function each in cxpulse.ingest.rules."""

from __future__ import annotations

import pandas as pd
import pytest

from cxpulse import schema
from cxpulse.ingest import rules


def test_every_rule_in_the_schema_has_a_check() -> None:
    named = {rule.check for table in schema.TABLES.values() for rule in table.rules}
    assert named == set(rules.CHECKS)


def surveys(*rows: tuple[object, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["question_type", "score", "scale_min", "scale_max", "polarity"]
    )
    for name in ("score", "scale_min", "scale_max"):
        frame[name] = frame[name].astype("Int64")
    frame["question_type"] = frame["question_type"].astype("string")
    frame["polarity"] = frame["polarity"].astype("string")
    return rules.survey_scale_defaults(frame)


@pytest.mark.parametrize(
    ("rule", "row", "bad"),
    [
        ("score_in_scale", ("nps", 11, None, None, None), True),
        ("score_in_scale", ("nps", 10, None, None, None), False),
        ("score_in_scale", ("csat", 0, None, None, None), True),
        ("score_in_scale", ("rating", 7, 1, None, None), False),
        ("score_in_scale", ("rating", None, 1, 5, None), False),
        ("nps_scale", ("nps", 5, 1, 10, None), True),
        ("nps_scale", ("nps", 5, None, None, None), False),
        ("csat_scale", ("csat", 2, 1, 4, None), True),
        ("csat_scale", ("csat", 2, 1, 7, None), False),
        ("ces_scale", ("ces", 2, None, None, "high_is_easy"), True),
        ("ces_scale", ("ces", 2, 1, 6, "high_is_easy"), True),
        ("ces_scale", ("ces", 2, 1, 7, "high_is_easy"), False),
        ("ces_polarity", ("ces", 2, 1, 7, None), True),
        ("ces_polarity", ("ces", 2, 1, 7, "high_is_good"), True),
        ("ces_polarity", ("ces", 2, 1, 5, "high_is_hard"), False),
        ("ces_polarity", ("nps", 2, None, None, None), False),
    ],
)
def test_survey_rules(rule: str, row: tuple[object, ...], bad: bool) -> None:
    assert rules.CHECKS[rule](surveys(row)).tolist() == [bad]


def test_scale_defaults_and_details() -> None:
    frame = surveys(
        ("nps", 3, None, None, None), ("csat", 3, None, 7, None), ("ces", 3, None, None, None)
    )
    assert frame["scale_min"].tolist() == [0, 1, 1]
    assert frame["scale_max"].tolist()[:2] == [10, 7]
    assert pd.isna(frame["scale_max"][2])
    assert frame["polarity"].tolist()[:2] == ["high_is_good", "high_is_good"]
    assert rules.DETAILS["score_in_scale"](frame).tolist() == ["(0..10)", "(1..7)", "(1..?)"]


def _times(later: str, earlier: str, values: list[tuple[str | None, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=[later, earlier])
    return frame.astype("datetime64[ns]")


@pytest.mark.parametrize(
    ("rule", "later", "earlier"),
    [
        ("ends_after_start", "ended_at", "started_at"),
        ("cancel_after_start", "cancelled_at", "started_at"),
        ("reply_after_create", "first_reply_at", "created_at"),
        ("solve_after_create", "first_solved_at", "created_at"),
    ],
)
def test_time_order_rules(rule: str, later: str, earlier: str) -> None:
    frame = _times(
        later,
        earlier,
        [
            ("2025-01-01", "2025-01-02"),
            ("2025-01-02", "2025-01-01"),
            ("2025-01-01", "2025-01-01"),
            (None, "2025-01-01"),
            ("2025-01-01", None),
        ],
    )
    assert rules.CHECKS[rule](frame).tolist() == [True, False, False, False, False]
