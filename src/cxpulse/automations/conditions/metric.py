"""``when: {metric: {name: nps, below: 30, by: week, segment: touchpoint}}``: a metric watched
period by period. It fires once per complete period (and segment) whose value is below (or
above) the bound with at least ``min_n`` answers or observations behind it.

A metric condition is about a group, not a customer: its rule takes only the actions that need
no customer (case, webhook, email to an address).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.conditions.base import Condition, Hit, local
from cxpulse.automations.values import is_number, is_whole, num, pick
from cxpulse.metrics import periods

if TYPE_CHECKING:
    from cxpulse.surveys.spec import Where
    from cxpulse.workspace import Workspace

FIELDS = ("name", "below", "above", "by", "segment", "variant", "filter", "min_n")
Filters = tuple[tuple[str, str], ...]  # (column, value) pairs, sorted
GRAINS = ("day", "week", "month", "quarter", "year")
_BY_FR = {"day": "jour", "week": "semaine", "month": "mois", "quarter": "trimestre",
          "year": "année"}  # fmt: skip


@dataclass(frozen=True)
class Metric(Condition):
    name: ClassVar[str] = "metric"
    per_customer: ClassVar[bool] = False
    metric: str
    bound: float
    below: bool  # True: fires under the bound; False: over it
    by: str = "month"
    segment: str | None = None
    variant: str | None = None
    filters: Filters = ()
    min_n: int = 30

    @classmethod
    def parse(cls, raw: Any, where: Where) -> Metric:
        w = where.sub(cls.name)
        if not isinstance(raw, dict):
            raise w.error("", "{name: nps, below: 30} (and by, segment, variant, filter, min_n)")
        w.only(raw, FIELDS, "unknown; use name, below or above, by, segment, variant, filter, "
               "min_n")  # fmt: skip
        name, variants = _metric(raw, w)
        bound = _bound(raw, w)
        by = str(raw.get("by", "month"))
        if by not in GRAINS:
            raise w.error("by", "day, week, month, quarter or year")
        periods.check_grain(by)
        variant = raw.get("variant")
        if variant is not None and variant not in variants:
            listed = ", ".join(variants)
            raise w.error("variant", f"{variant!r} is not a variant of {name} ({listed})")
        filters, min_n, segment = _scope(raw, w)
        return cls(metric=name, bound=bound, below="below" in raw, by=by, segment=segment,
                   variant=variant, filters=filters, min_n=min_n)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "name": self.metric,
            "below" if self.below else "above": self.bound,
            "by": self.by,
        }
        if self.segment:
            spec["segment"] = self.segment
        if self.variant:
            spec["variant"] = self.variant
        if self.filters:
            spec["filter"] = dict(self.filters)
        spec["min_n"] = self.min_n
        return {self.name: spec}

    def describe(self, lang: str = "en") -> str:
        what = f"{self.metric} ({self.variant})" if self.variant else self.metric
        only = ", ".join(f"{k} = {v}" for k, v in self.filters)
        where = f" ({pick(lang, 'where', 'où')} {only})" if only else ""
        bound = num(self.bound, lang)
        if lang == "fr":
            per = f" et par {self.segment}" if self.segment else ""
            way = "sous" if self.below else "au-dessus de"
            return (f"{what} par {_BY_FR[self.by]}{per}{where} passe {way} {bound} "
                    f"(au moins {self.min_n} réponses)")  # fmt: skip
        per = f" and {self.segment}" if self.segment else ""
        way = "below" if self.below else "above"
        return f"{what} by {self.by}{per}{where} is {way} {bound} (at least {self.min_n} answers)"

    def summary(self, hit: Hit) -> str:
        d = hit.detail
        return (f"{d['metric']} {d['value']:g} {d['direction']} {d['bound']:g} for "
                f"{d['segment']} in {d['period']}, n={d['n']}")  # fmt: skip

    def hits(self, ws: Workspace, since: datetime, until: datetime) -> list[Hit]:
        """Periods (per segment) that ended in (since, until] with the metric past its bound.
        Only complete periods count, so a value never fires on a partial period and changes
        after."""
        zone = ws.settings.zone
        grain = periods.check_grain(self.by)
        first = periods.shift(periods.floor_date(local(since, zone).date(), grain), grain, -1)
        last = local(until, zone).date()
        df = ws.metric(self.metric, by=self.by, segment=self.segment, variant=self.variant,
                       start=first, end=last, filters=dict(self.filters) or None)  # fmt: skip
        found = []
        for row in df.to_dict("records"):
            ended = periods.local_midnight_utc(periods.shift(row["period_start"], grain, 1), zone)
            value, n = row["value"], row["n"]
            if not since < ended <= until or value != value or n != n or n < self.min_n:
                continue
            if not (value < self.bound if self.below else value > self.bound):
                continue
            group = str(row[self.segment]) if self.segment else "all"
            found.append(
                Hit("", f"{self.metric}|{group}|{row['period']}", ended,
                    {"type": "metric", "metric": self.metric, "segment": group,
                     "period": row["period"], "value": round(float(value), 4), "n": int(n),
                     "bound": self.bound, "direction": "below" if self.below else "above"})
            )  # fmt: skip
        return found


def _metric(raw: dict[str, Any], where: Where) -> tuple[str, tuple[str, ...]]:
    """The metric's name and its variants (checked against the metric registry)."""
    from cxpulse.metrics import REGISTRY

    name = raw.get("name")
    known = {spec.name: spec for spec in REGISTRY}
    if not isinstance(name, str) or name not in known:  # a list would not even hash
        raise where.error("name", f"{name!r} is not a metric; `cxpulse metrics` lists them")
    return name, tuple(known[name].variants)


def _bound(raw: dict[str, Any], where: Where) -> float:
    if ("below" in raw) == ("above" in raw):
        raise where.error("below", "give one bound: below (e.g. 30) or above")
    bound: Any = raw.get("below", raw.get("above"))
    if not is_number(bound):
        raise where.error("below" if "below" in raw else "above", f"a number, not {bound!r}")
    return float(bound)


def _scope(raw: dict[str, Any], where: Where) -> tuple[Filters, int, str | None]:
    """What the watch counts: its filters, the fewest answers a period needs, its segment."""
    filters = raw.get("filter", {})
    if not isinstance(filters, dict):
        raise where.error("filter", "a mapping such as {touchpoint: delivery}")
    min_n = raw.get("min_n", 30)
    if not is_whole(min_n) or min_n < 1:
        raise where.error("min_n", "a whole number of at least 1: periods with fewer are ignored")
    segment = raw.get("segment")
    if segment is not None and (not isinstance(segment, str) or not segment.strip()):
        raise where.error("segment", "a column to watch each group of, such as touchpoint")
    pairs = tuple(sorted((str(k), str(v)) for k, v in filters.items()))
    return pairs, int(min_n), segment.strip() if segment else None
