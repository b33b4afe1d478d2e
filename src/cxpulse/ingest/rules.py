"""The checks named by the schema's :class:`~cxpulse.schema.RowRule` entries, and the defaults
filled in before them.

Each check takes the typed frame of one table and returns a boolean mask of the rows that break
the rule. Empty values never break a rule on their own (whether a column may be empty is the
column's ``required`` flag), except where the rule itself demands a value (a CES answer needs its
scale and polarity to be meaningful).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

Check = Callable[[pd.DataFrame], "pd.Series[bool]"]
Detail = Callable[[pd.DataFrame], "pd.Series[str]"]


def _bool(mask: pd.Series[Any]) -> pd.Series[bool]:
    return mask.fillna(False).astype(bool)


def _before(frame: pd.DataFrame, later: str, earlier: str) -> pd.Series[bool]:
    return _bool(frame[later] < frame[earlier])


def _is(frame: pd.DataFrame, question_type: str) -> pd.Series[bool]:
    return _bool(frame["question_type"] == question_type)


# -- survey_responses ---------------------------------------------------------------------
def score_in_scale(frame: pd.DataFrame) -> pd.Series[bool]:
    score = frame["score"]
    return _bool(score < frame["scale_min"]) | _bool(score > frame["scale_max"])


def scale_range(frame: pd.DataFrame) -> pd.Series[str]:
    def shown(column: str) -> pd.Series[str]:
        return frame[column].astype("string").fillna("?")

    return "(" + shown("scale_min") + ".." + shown("scale_max") + ")"


def nps_scale(frame: pd.DataFrame) -> pd.Series[bool]:
    off_scale = _bool(frame["scale_min"] != 0) | _bool(frame["scale_max"] != 10)
    return _is(frame, "nps") & off_scale


def csat_scale(frame: pd.DataFrame) -> pd.Series[bool]:
    return _is(frame, "csat") & ~_bool(frame["scale_max"].isin([3, 5, 7, 10]))


def ces_scale(frame: pd.DataFrame) -> pd.Series[bool]:
    # No default here: a 5-point and a 7-point CES read differently, the file must say which.
    return _is(frame, "ces") & ~_bool(frame["scale_max"].isin([5, 7]))


def ces_polarity(frame: pd.DataFrame) -> pd.Series[bool]:
    # Vendors disagree on whether 7 means "very easy" or "very hard"; refuse to guess.
    known = _bool(frame["polarity"].isin(["high_is_easy", "high_is_hard"]))
    return _is(frame, "ces") & ~known


# -- subscriptions ------------------------------------------------------------------------
def ends_after_start(frame: pd.DataFrame) -> pd.Series[bool]:
    return _before(frame, "ended_at", "started_at")


def cancel_after_start(frame: pd.DataFrame) -> pd.Series[bool]:
    return _before(frame, "cancelled_at", "started_at")


def cancel_before_end(frame: pd.DataFrame) -> pd.Series[bool]:
    return _before(frame, "ended_at", "cancelled_at")


# -- orders -------------------------------------------------------------------------------
def margin_within_amount(frame: pd.DataFrame) -> pd.Series[bool]:
    return _bool(frame["margin"] > frame["amount"])


# -- tickets ------------------------------------------------------------------------------
def reply_after_create(frame: pd.DataFrame) -> pd.Series[bool]:
    return _before(frame, "first_reply_at", "created_at")


def solve_after_create(frame: pd.DataFrame) -> pd.Series[bool]:
    return _before(frame, "first_solved_at", "created_at")


CHECKS: dict[str, Check] = {
    "score_in_scale": score_in_scale,
    "nps_scale": nps_scale,
    "csat_scale": csat_scale,
    "ces_scale": ces_scale,
    "ces_polarity": ces_polarity,
    "ends_after_start": ends_after_start,
    "cancel_after_start": cancel_after_start,
    "cancel_before_end": cancel_before_end,
    "margin_within_amount": margin_within_amount,
    "reply_after_create": reply_after_create,
    "solve_after_create": solve_after_create,
}

DETAILS: dict[str, Detail] = {"score_in_scale": scale_range}
"""Per-row text appended to a rule's message, e.g. the scale a score was checked against."""


# -- defaults filled before the checks ----------------------------------------------------
def survey_scale_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill the scale and polarity an NPS or CSAT question implies when the file leaves them
    empty (many exports carry only the score)."""
    frame = frame.copy()
    qtype = frame["question_type"]
    for question, low, high in (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, None)):
        rows = _bool(qtype == question)
        frame["scale_min"] = frame["scale_min"].mask(rows & frame["scale_min"].isna(), low)
        if high is not None:
            frame["scale_max"] = frame["scale_max"].mask(rows & frame["scale_max"].isna(), high)
        if question != "ces":
            empty = rows & frame["polarity"].isna()
            frame["polarity"] = frame["polarity"].mask(empty, "high_is_good")
    return frame


DEFAULTS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "survey_responses": survey_scale_defaults,
}
