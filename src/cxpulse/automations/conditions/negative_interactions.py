"""``when: {negative_interactions: 4}`` (or ``{count: 4, days: 90}``): the ticket that makes
a customer's Nth negative interaction within the window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import ibis

from cxpulse.automations.conditions.base import Condition, Hit
from cxpulse.automations.values import is_whole, pick
from cxpulse.metrics.negatives import negative_tickets

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.spec import Where


@dataclass(frozen=True)
class NegativeInteractions(Condition):
    name: ClassVar[str] = "negative_interactions"
    count: int
    days: int = 90  # the window the count is taken over

    @classmethod
    def parse(cls, raw: Any, where: Where) -> NegativeInteractions:
        spec = raw if isinstance(raw, dict) else {"count": raw}
        count: Any = spec.get("count")
        days: Any = spec.get("days", 90)
        if not is_whole(count) or count < 1 or not is_whole(days) or days < 1:
            raise where.error(cls.name, "a count of at least 1, or {count: 4, days: 90}")
        return cls(int(count), int(days))

    def to_dict(self) -> dict[str, Any]:
        return {self.name: {"count": self.count, "days": self.days}}

    def describe(self, lang: str = "en") -> str:
        return pick(
            lang,
            f"a customer has {self.count} negative interactions within {self.days} days",
            f"un client a {self.count} interactions négatives en {self.days} jours",
        )

    def hits(self, ws: Context, since: datetime, until: datetime) -> list[Hit]:
        """The ticket that makes the Nth negative interaction within the window (and only
        that one: the N+1th does not fire again)."""
        neg = negative_tickets(ws)
        neg = neg.filter(neg.happened <= until)
        window = ibis.window(
            group_by=neg.customer_id,
            order_by=neg.happened,
            range=(-ibis.interval(days=self.days), 0),
        )
        rolled = neg.mutate(recent=neg.ticket_id.count().over(window))
        rolled = rolled.filter((rolled.recent == self.count) & (rolled.happened > since))
        return [
            Hit(str(x.customer_id), str(x.ticket_id), x.happened.to_pydatetime(),
                {"type": "negative_interactions", "ticket_id": x.ticket_id, "count": self.count,
                 "window_days": self.days})
            for x in rolled.execute().itertuples(index=False)
        ]  # fmt: skip
