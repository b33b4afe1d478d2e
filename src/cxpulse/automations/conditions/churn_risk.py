"""``when: {churn_risk_above: 0.7}``: a customer scored above the risk; the cause is the
customer and the month of the score, so one who stays at risk is acted on at most monthly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from cxpulse.automations.conditions.base import Condition, Hit, text_or_none
from cxpulse.automations.values import is_number, num, pick
from cxpulse.schema import CHURN_SCORES_TABLE

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.spec import Where


@dataclass(frozen=True)
class ChurnRiskAbove(Condition):
    name: ClassVar[str] = "churn_risk_above"
    risk: float

    @classmethod
    def parse(cls, raw: Any, where: Where) -> ChurnRiskAbove:
        if not is_number(raw) or not 0 <= raw < 1:
            raise where.error(cls.name, f"a churn probability from 0 to 1 such as 0.7, not {raw!r}")
        return cls(float(raw))

    def to_dict(self) -> dict[str, Any]:
        return {self.name: self.risk}

    def describe(self, lang: str = "en") -> str:
        return pick(
            lang,
            f"a customer's churn risk is above {num(self.risk, lang)}",
            f"le risque de départ d'un client dépasse {num(self.risk, lang)}",
        )

    def hits(self, ws: Context, since: datetime, until: datetime) -> list[Hit]:
        if not ws.store.has_table(CHURN_SCORES_TABLE):
            return []
        s = ws.store.table(CHURN_SCORES_TABLE)
        s = s.filter((s.risk > self.risk) & (s.scored_at > since) & (s.scored_at <= until))
        return [
            Hit(str(x.customer_id), f"{x.customer_id}@{x.as_of:%Y-%m}", x.scored_at.to_pydatetime(),
                {"type": "churn_risk", "risk": round(float(x.risk), 4),
                 "model": text_or_none(x.model), "top_reasons": text_or_none(x.top_reasons)})
            for x in s.execute().itertuples(index=False)
        ]  # fmt: skip
