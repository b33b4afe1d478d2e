"""The Report base: parameters parsed from text or typed values, refused when unknown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.errors import QueryError
from cxpulse.reports import REPORTS, Param
from cxpulse.reports.feedback import Feedback
from cxpulse.reports.scorecard import Scorecard


def test_defaults_fill_what_is_not_given() -> None:
    params = Feedback.parse({})
    assert params["by"] == "month" and params["page"] == 1 and params["touchpoint"] == ()


def test_text_is_coerced_to_the_declared_type() -> None:
    assert Scorecard.parse({"all": "true"})["all"] is True
    assert Feedback.parse({"page": "3", "touchpoint": "web"})["page"] == 3
    assert Feedback.parse({"touchpoint": ["a", "b"]})["touchpoint"] == ("a", "b")


def test_a_parameter_the_report_does_not_take_is_refused_naming_those_it_does() -> None:
    with pytest.raises(QueryError, match=r"takes no segment; it takes: by, all, metric"):
        Scorecard.parse({"segment": "plan"})


@pytest.mark.parametrize(("raw", "message"), [("x", "whole number"), ("0", "between 1 and")])
def test_bad_numbers_are_user_errors(raw: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        Feedback.parse({"page": raw})


@given(st.integers(min_value=1, max_value=100_000))
def test_an_int_parameter_round_trips_through_text(n: int) -> None:
    param = Param("page", "", 1, type=int, ge=1, le=100_000)
    assert param.coerce(str(n)) == param.coerce(n) == n


def test_every_builtin_declares_what_the_edges_need() -> None:
    for report in REPORTS.builtins():
        assert report.name and report.title and report.summary
        assert len({p.name for p in report.params}) == len(report.params)
        report.parse({})  # the defaults alone are valid
