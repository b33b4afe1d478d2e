"""Follow-up metrics: time to first contact, share within SLA, recovery rate.

Definitions:

- **time to first contact**: ``contacted_at - opened_at`` in hours, per case.
- **within SLA**: contacted by ``sla_due_at``. A case not contacted yet counts against the SLA
  once its due time has passed and is left out before (its outcome is not known).
- **recovery rate**: among detractor cases (opened on an NPS answer of 0-6) whose customer
  answered the same question type again after the case opened, the share whose next score is
  higher than the one that opened the case.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse.schema import CASES_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context


def first_contact(ws: Context, now: datetime) -> pd.DataFrame:
    """Per case: hours_to_first_contact (NaN if not contacted) and within_sla (None while
    undecided)."""
    t = ws.store.table(CASES_TABLE)
    df: pd.DataFrame = t.select("case_id", "rule", "customer_id", "opened_at", "sla_due_at",
                                "contacted_at").order_by("opened_at").execute()  # fmt: skip
    df["hours_to_first_contact"] = (df.contacted_at - df.opened_at).dt.total_seconds() / 3600
    contacted = df.contacted_at.notna()
    within = pd.Series([None] * len(df), index=df.index, dtype=object)
    within[contacted] = df.contacted_at[contacted] <= df.sla_due_at[contacted]
    late = ~contacted & (df.sla_due_at < now)
    within[late] = False
    df["within_sla"] = within
    return df


def sla_summary(ws: Context, now: datetime) -> pd.DataFrame:
    """Per rule: cases, contacted, decided, within_sla, share_within_sla (%), median hours."""
    df = first_contact(ws, now)
    cols = ["rule", "cases", "contacted", "decided", "within_sla", "share_within_sla",
            "median_hours_to_first_contact"]  # fmt: skip
    if df.empty:
        return pd.DataFrame(columns=cols)
    decided = df.within_sla.notna()
    df = df.assign(_decided=decided, _within=df.within_sla.eq(True))
    out = df.groupby("rule").agg(
        cases=("case_id", "count"),
        contacted=("contacted_at", "count"),
        decided=("_decided", "sum"),
        within_sla=("_within", "sum"),
        median_hours_to_first_contact=("hours_to_first_contact", "median"),
    )
    out["share_within_sla"] = 100 * out.within_sla / out.decided.where(out.decided > 0)
    return out.reset_index()[cols]


def recovery(ws: Context) -> pd.DataFrame:
    """Per detractor case: the next score after the case opened (if any) and recovered."""
    c = ws.store.table(CASES_TABLE)
    c = c.filter((c.cause_type == "detractor") & c.cause_score.notnull())
    r = ws.table("survey_responses")
    r = r.filter(r.score.notnull()).select(
        _c=r.customer_id, _qt=r.question_type, _at=r.responded_at, next_score=r.score
    )
    j = c.left_join(r, [c.customer_id == r._c, c.cause_question_type == r._qt,
                        r._at > c.opened_at])  # fmt: skip
    first = j.group_by(["case_id", "customer_id", "cause_score"]).aggregate(
        next_at=j._at.min(), next_score=j.next_score.argmin(j._at)
    )
    df: pd.DataFrame = first.order_by("case_id").execute()
    df["recovered"] = df.next_score.notna() & (df.next_score > df.cause_score)
    return df


def recovery_rate(ws: Context) -> pd.DataFrame:
    """One row: detractor_cases, answered_again, recovered, recovery_rate (% of answered)."""
    df = recovery(ws)
    answered = int(df.next_score.notna().sum())
    recovered = int(df.recovered.sum())
    rate = 100 * recovered / answered if answered else float("nan")
    return pd.DataFrame([{"detractor_cases": len(df), "answered_again": answered,
                          "recovered": recovered, "recovery_rate": rate}])  # fmt: skip


def summary(
    ws: Context,
    now: datetime,
    case_ids: Collection[str] | None = None,
    opened_from: datetime | None = None,
    opened_before: datetime | None = None,
) -> dict[str, Any]:
    """The three figures over a set of cases: ``case_ids`` (None: all), opened in
    [``opened_from``, ``opened_before``) (naive UTC; None: unbounded)."""
    per_case = first_contact(ws, now)
    keep = pd.Series(True, index=per_case.index)
    if case_ids is not None:
        keep &= per_case.case_id.isin(list(case_ids))
    if opened_from is not None:
        keep &= per_case.opened_at >= opened_from
    if opened_before is not None:
        keep &= per_case.opened_at < opened_before
    cases = per_case[keep]
    detractors = recovery(ws)
    detractors = detractors[detractors.case_id.isin(cases.case_id)]
    contacted = int(cases.contacted_at.notna().sum())
    decided = int(cases.within_sla.notna().sum())
    within = int(cases.within_sla.eq(True).sum())
    answered = int(detractors.next_score.notna().sum())
    recovered = int(detractors.recovered.sum())
    median = cases.hours_to_first_contact.median() if contacted else None
    return {
        "cases": len(cases),
        "time_to_first_contact": {
            "contacted": contacted,
            "median_hours": None if median is None or median != median else float(median),
        },
        "sla": {
            "decided": decided,
            "within_sla": within,
            "share_within_sla": _share(within, decided),
        },
        "recovery": {
            "detractor_cases": len(detractors),
            "answered_again": answered,
            "recovered": recovered,
            "recovery_rate": _share(recovered, answered),
        },
    }


def _share(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None
