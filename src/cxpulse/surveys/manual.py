"""A manual send: one survey to a segment of customers, now, within the fatigue budget.

The segment is ``customers`` filtered by column values (``segment=enterprise``,
``plan=pro,team``); the survey's own audience (consent, address, plan...) still applies, and the
budget decides as for any trigger, so a manual send never asks anyone the budget protects.
Each send is one trigger per customer (``SURVEY:CUSTOMER:manual@TIME``), logged like the others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis

from cxpulse.errors import ConfigError
from cxpulse.surveys import decisions as decision_log
from cxpulse.surveys.definition import Survey
from cxpulse.surveys.fatigue import Candidate, Decision, decide
from cxpulse.surveys.store import get_survey
from cxpulse.surveys.triggers import audience

if TYPE_CHECKING:
    from cxpulse.context import Context


@dataclass
class SendReport:
    survey_id: str
    dry_run: bool
    matched: int = 0  # customers the filters select
    decisions: list[Decision] = field(default_factory=list)
    outside_audience: Counter[str] = field(default_factory=Counter)  # reason -> customers

    @property
    def invited(self) -> int:
        return sum(d.outcome == "invited" for d in self.decisions)

    @property
    def skipped(self) -> Counter[str]:
        """Why the others were not asked: audience reasons, then budget reasons."""
        out = Counter(self.outside_audience)
        out.update(d.reason for d in self.decisions if d.outcome != "invited")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "survey_id": self.survey_id,
            "dry_run": self.dry_run,
            "matched": self.matched,
            "invited": self.invited,
            "skipped": dict(sorted(self.skipped.items())),
        }


def send_to_segment(
    ws: Context,
    survey_id: str,
    filters: dict[str, Any],
    now: datetime,
    *,
    dry_run: bool = False,
) -> SendReport:
    """Invite the customers ``filters`` select to ``survey_id`` at ``now`` (naive UTC).

    ``dry_run`` decides and reports without writing anything. The invitations are queued like
    a triggered survey's: the next `cxpulse surveys run` (or the worker) sends them."""
    from cxpulse.surveys.run import invite

    survey = get_survey(ws, survey_id)
    if not survey.via.sent:
        raise ConfigError(
            f"{survey_id} is a {survey.channel} survey: it shows on pages, it is not sent"
        )
    selected = _select(ws, filters)
    matched = selected.execute()  # every column: the channel reads its own address
    eligible = {str(c) for c in selected.semi_join(audience(ws, survey), "customer_id")
                .customer_id.execute()}  # fmt: skip
    report = SendReport(survey.id, dry_run, matched=len(matched))
    for row in matched.to_dict("records"):
        if str(row["customer_id"]) not in eligible:
            report.outside_audience[_why_outside(survey, row)] += 1
    stamp = now.isoformat(timespec="seconds")
    found = [
        Candidate(
            cid,
            survey.id,
            f"{survey.id}:{cid}:manual@{stamp}",
            now,
            survey.priority,
            timedelta(days=survey.min_gap_days),
        )
        for cid in sorted(eligible)
    ]
    window = timedelta(days=ws.settings.survey_fatigue_days)
    past = decision_log.history(ws, {c.customer_id for c in found}, {c.trigger_key for c in found})
    report.decisions = decide(found, past, now, window)
    if not dry_run:
        invite(ws, {survey.id: survey}, report.decisions, now)
    return report


def values_of(ws: Context, column: str, limit: int = 12) -> list[str]:
    """The most common values of a customers column: what a filter that matched nobody could
    have said (plan=pro when the plans are classic, essential...)."""
    c = ws.table("customers")
    if column not in c.columns:
        return []
    known = c.filter(c[column].notnull())
    counts = known.group_by(column).agg(n=known.count())
    top = counts.order_by([ibis.desc("n"), column]).limit(limit).execute()
    return [str(v) for v in top[column]]


def _select(ws: Context, filters: dict[str, Any]) -> Any:
    c = ws.table("customers")
    if not filters:
        raise ConfigError(
            "a manual send needs at least one --filter column=value (e.g. segment=enterprise); "
            "to ask everyone, filter on a column all customers share"
        )
    for col, value in filters.items():
        if col not in c.columns:
            raise ConfigError(
                f"customers has no column {col!r}; filter on one of {', '.join(c.columns)}"
            )
        values = value if isinstance(value, list) else [value]
        column = c[col]
        if not column.type().is_string():
            column = column.cast("string")
        c = c.filter(column.isin([str(v) for v in values]))
    return c


def _why_outside(survey: Survey, row: dict[str, Any]) -> str:
    consent = row["email_consent"]
    if consent is not None and consent == consent:
        consent = bool(consent)  # a numpy bool; NaN and None stay unknown
    if consent is False:
        return "unsubscribed"
    if consent is not True and survey.audience.email_consent:
        return "no_consent"
    if survey.via.address(row) is None:
        return "no_address"
    return "outside_audience"
