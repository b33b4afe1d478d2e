"""Findings: numbers in each language's typography, JSON without NaN, headlines of any kind."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxpulse.errors import QueryError
from cxpulse.insights.findings import Caveat, Finding, Segment, Text, number, value_text


def test_numbers_follow_each_language() -> None:
    assert number(-1234.56, "en") == "−1,234.6"
    assert number(-1234.56, "fr") == "−1\u202f234,6"
    assert number(-0.04, "en") == "0.0"  # no minus before a zero
    assert number(float("nan"), "fr") == "–"
    assert (
        value_text(45.25, "%", "fr") == "45,2\u202f%"
        or value_text(45.25, "%", "fr") == "45,3\u202f%"
    )
    assert value_text(45.2, "%", "en") == "45.2%"
    assert value_text(3.5, "hours", "en") == "3.5 h"


def change(**kw: object) -> Finding:
    base: dict[str, object] = dict(
        kind="change", metric="nps", label="Net Promoter Score", unit="points",
        period="2025-11", comparison="2025-10", segment=Segment("customer.segment", "smb"),
        value=20.0, comparison_value=32.5, change=-12.5, change_low=-20.0, change_high=-5.0,
        n=400, comparison_n=380, p_value=0.001, q_value=0.02, score=4.0,
    )  # fmt: skip
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def test_a_change_says_what_moved_where_and_how_sure() -> None:
    f = change()
    assert f.headline("en") == (
        "NPS (customer segment: smb) fell 12.5 points in 2025-11, from 32.5 (2025-10) to 20.0 "
        "(95% interval of the change: −20.0 to −5.0)."
    )
    assert f.headline("fr").startswith("NPS (segment client\u202f: smb)\u202f: baisse de 12,5")
    assert f.better is False and change(higher_is_better=False).better is True
    with pytest.raises(QueryError, match="language 'de'"):
        f.headline("de")


@given(st.integers(1, 400), st.integers(1, 400))
def test_a_selected_findings_interval_says_its_level_and_why(selected: int, tests: int) -> None:
    """1 - q·R/m, written with enough decimals never to read 100 %, and said to be widened;
    an interval at the workspace's confidence is said plainly."""
    from cxpulse.insights.changes import fcr_level

    level = fcr_level(0.05, selected, tests)
    assert 0.95 <= level < 1
    for lang, word in (("en", "widened for the number of tests"), ("fr", "élargi pour")):
        text = change(interval_level=level).headline(lang)
        shown = re.search(r"(\d+(?:[.,]\d+)?)\u202f?%", text)
        assert shown is not None and shown.group(1) not in ("100", "100,0", "100.0")
        assert (word in text) == (level > 0.95)
    assert "(95% interval of the change: " in change(interval_level=None).headline("en")


def test_other_kinds_bring_their_own_sentence_and_json_has_no_nan() -> None:
    f = change(
        kind="theme", text=Text("Late delivery rose.", "Les retards de livraison augmentent."),
        p_value=math.nan, change_low=math.inf,
        caveats=(Caveat("few_answers", Text("Few.", "Peu.")),),
        evidence=({"quotes": ("a", "b"), "share": math.nan},),
    )  # fmt: skip
    data = f.to_dict("fr")
    json.dumps(data, allow_nan=False)
    assert data["headline"] == "Les retards de livraison augmentent."
    assert data["p_value"] is None and data["change_low"] is None
    assert data["evidence"] == [{"quotes": ["a", "b"], "share": None}]
    assert data["caveats"] == [{"code": "few_answers", "text": "Peu."}]
    with pytest.raises(ValueError, match="finding kind 'trend'"):
        change(kind="trend")
