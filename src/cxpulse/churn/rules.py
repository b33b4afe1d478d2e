"""Readable churn rules with their support, churn rate, Wilson interval and lift.

A rule is a named condition on the feature frame. Its **lift** is the churn rate of the rows it
selects divided by the churn rate of all rows. Rows are customer snapshots: a customer seen at
several as-of dates counts once per date, so the intervals are somewhat too narrow when
snapshots overlap.

A user's own table has no known features, so :func:`column_rules` writes one rule per category
value (``Contract is Month-to-month``), per quarter at each end of a number
(``tenure 9 or less (lowest quarter)``) and per column with missing values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from cxpulse.churn.encoding import Encoding
from cxpulse.churn.labels import LABEL
from cxpulse.errors import QueryError
from cxpulse.metrics.negatives import add_share


@dataclass(frozen=True)
class Rule:
    name: str
    test: Callable[[pd.DataFrame], pd.Series]

    def select(self, df: pd.DataFrame) -> pd.Series:
        return self.test(df).fillna(False).astype(bool)


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df else pd.Series(float("nan"), index=df.index)


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("4+ negative interactions in 90 days", lambda d: _col(d, "negatives_90d") >= 4),
    Rule("2+ negative interactions in 30 days", lambda d: _col(d, "negatives_30d") >= 2),
    Rule(
        "detractor who downgraded",
        lambda d: (_col(d, "nps_last") <= 6) & (_col(d, "mrr_change_90d") < 0),
    ),
    Rule("detractor (last NPS 0-6)", lambda d: _col(d, "nps_last") <= 6),
    Rule("last CSAT below the middle", lambda d: _col(d, "csat_last") < 0.5),
    Rule("a ticket reopened in 90 days", lambda d: _col(d, "reopens_90d") >= 1),
    Rule("no website visit in 90 days", lambda d: _col(d, "web_hits_90d") == 0),
    Rule("downgraded in 90 days", lambda d: _col(d, "mrr_change_90d") < 0),
)


def column_rules(x: pd.DataFrame, enc: Encoding, *, min_share: float = 0.02) -> list[Rule]:
    """Single-condition rules over the columns of ``x`` (a user's table as ``enc`` reads it,
    ``enc.frame(df)``); values held by fewer than ``min_share`` of the rows are skipped."""
    rules: list[Rule] = []
    enough = max(1, int(min_share * len(x)))
    for c in enc.categorical:
        counts = x[c].value_counts()
        for value in counts[counts >= enough].index:
            rules.append(Rule(f"{c} is {value}", _compare(c, "==", value)))
    for c in enc.numeric:
        col = x[c]
        lo, hi = col.quantile(0.25), col.quantile(0.75)
        if col.nunique() > 2 and lo < hi:
            rules.append(Rule(f"{c} {lo:g} or less (lowest quarter)", _compare(c, "<=", lo)))
            rules.append(Rule(f"{c} {hi:g} or more (highest quarter)", _compare(c, ">=", hi)))
        elif col.nunique() == 2:
            for value in sorted(col.dropna().unique()):
                rules.append(Rule(f"{c} is {value:g}", _compare(c, "==", value)))
        if col.isna().sum() >= enough:
            rules.append(Rule(f"{c} missing", _compare(c, "missing", None)))
    return rules


def _compare(column: str, op: str, value: object) -> Callable[[pd.DataFrame], pd.Series]:
    def test(d: pd.DataFrame) -> pd.Series:
        col = d[column]
        if op == "missing":
            return col.isna()
        if op == "<=":
            return col <= value
        if op == ">=":
            return col >= value
        return col == value

    return test


def evaluate_rules(
    df: pd.DataFrame,
    rules: Sequence[Rule] = DEFAULT_RULES,
    *,
    label: str = LABEL,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per rule: rule, customers (rows selected), share (% of rows), churned,
    churn_rate (%), ci_low, ci_high (Wilson), base_rate (%), lift; highest lift first."""
    if label not in df:
        raise QueryError(f"no label column {label!r} in the frame")
    y = df[label].astype(int)
    base = 100 * float(y.mean()) if len(y) else float("nan")
    rows = []
    for rule in rules:
        hit = rule.select(df)
        rows.append({"rule": rule.name, "customers": int(hit.sum()), "churned": int(y[hit].sum())})
    out = add_share(pd.DataFrame(rows), "customers", "churned", "churn_rate", confidence)
    out.insert(2, "share", 100 * out["customers"] / max(len(df), 1))
    out["base_rate"] = base
    out["lift"] = out["churn_rate"] / base if base > 0 else float("nan")
    return out.sort_values("lift", ascending=False, na_position="last").reset_index(drop=True)


def evaluate_columns(
    df: pd.DataFrame, enc: Encoding, label: str, *, confidence: float = 0.95
) -> pd.DataFrame:
    """:func:`evaluate_rules` of the :func:`column_rules` of a user's labelled table."""
    x = enc.frame(df).assign(**{label: df[label].to_numpy()})
    return evaluate_rules(x, column_rules(x, enc), label=label, confidence=confidence)
