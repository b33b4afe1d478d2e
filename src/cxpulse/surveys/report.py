"""Response rate per survey, channel and touchpoint (`cxpulse surveys report`).

The rate itself is the ``response_rate`` metric (answered / delivered invitations, Wilson
interval), so the report and `cxpulse metric response_rate` never disagree; the report adds the
counts an operator checks first: invitations, still queued, delivered, answered, reminded.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.metrics import periods
from cxpulse.schema import SURVEY_DELIVERIES_TABLE

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

GROUPS = ("survey_id", "channel", "touchpoint")


def response_rates(
    ws: Workspace,
    by: tuple[str, ...] = GROUPS,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
) -> list[dict[str, Any]]:
    """One row per group of ``by`` (any of survey_id, channel, touchpoint): invitations sent in
    the range (local days, both included), still queued, delivered, answered, reminded, and the
    rate in % (None while nothing is delivered)."""
    unknown = [b for b in by if b not in GROUPS]
    if unknown or not by:
        raise ConfigError(f"group the report by {', '.join(GROUPS)} (not {unknown or 'nothing'})")
    keys = list(by)
    rates = ws.metric("response_rate", by="all", segment=keys, start=start, end=end)
    rates = rates.reindex(columns=[*keys, "value", "n", "ci_low", "ci_high"])
    t = ws.table("survey_invitations")
    zone = ws.settings.zone
    first, last = periods.parse_day(start, "start"), periods.parse_day(end, "end")
    if first is not None:
        t = t.filter(t.sent_at >= periods.local_midnight_utc(first, zone))
    if last is not None:
        t = t.filter(t.sent_at < periods.local_midnight_utc(last + timedelta(days=1), zone))
    inv = t.select("invitation_id", *GROUPS).execute()
    d = ws.store.table(SURVEY_DELIVERIES_TABLE)
    reminded = set(d.filter(d.delivery_key.endswith(":reminder")).invitation_id.execute())
    first = d.filter(~d.delivery_key.endswith(":reminder") & (d.status == "queued"))
    queued = set(first.invitation_id.execute())
    inv["reminded"] = inv.invitation_id.isin(reminded)
    inv["queued"] = inv.invitation_id.isin(queued)
    counts = inv.groupby(keys, dropna=False).agg(invitations=("invitation_id", "size"),
                                                  queued=("queued", "sum"),
                                                  reminded=("reminded", "sum"))  # fmt: skip
    counts = counts.reset_index()
    for key in keys:
        counts[key] = counts[key].astype(object).where(counts[key].notna(), "(none)")
    # from the invitations' side: a survey whose every invitation still waits has no rate yet
    merged = counts.merge(rates, on=keys, how="left")
    rows = []
    for r in merged.to_dict("records"):
        rows.append(
            {
                **{k: r[k] for k in keys},
                "invitations": _int(r.get("invitations")),
                "queued": _int(r.get("queued")),  # still in the outbox: not yet delivered
                "delivered": _int(r.get("n")),
                "answered": _answered(r.get("value"), r.get("n")),
                "reminded": _int(r.get("reminded")),
                "response_rate": _round(r.get("value")),
                "ci_low": _round(r.get("ci_low")),
                "ci_high": _round(r.get("ci_high")),
            }
        )
    return rows


def _answered(rate: Any, delivered: Any) -> int:
    """The metric gives the share and n; the count answered is their product."""
    if rate is None or pd.isna(rate):
        return 0
    return round(float(rate) * _int(delivered) / 100)


def _int(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _round(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 1)
