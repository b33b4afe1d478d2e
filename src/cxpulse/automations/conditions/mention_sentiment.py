"""``when: {mention_sentiment_below: -0.3}``: a customer's social mention or review with a
sentiment under the bound (cxpulse's own score when the import carries none)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import ibis

from cxpulse.automations.conditions.base import Condition, Hit, text_or_none
from cxpulse.automations.values import is_number, num, pick
from cxpulse.metrics.social import with_cxpulse_score

if TYPE_CHECKING:
    from cxpulse.context import Context
    from cxpulse.surveys.spec import Where


@dataclass(frozen=True)
class MentionSentimentBelow(Condition):
    name: ClassVar[str] = "mention_sentiment_below"
    sentiment: float

    @classmethod
    def parse(cls, raw: Any, where: Where) -> MentionSentimentBelow:
        if not is_number(raw) or not -1 < raw <= 1:
            raise where.error(cls.name, f"a sentiment from -1 to 1 such as -0.3, not {raw!r}")
        return cls(float(raw))

    def to_dict(self) -> dict[str, Any]:
        return {self.name: self.sentiment}

    def describe(self, lang: str = "en") -> str:
        return pick(
            lang,
            f"a customer posts a mention with sentiment below {num(self.sentiment, lang)}",
            f"un client publie une mention au sentiment sous {num(self.sentiment, lang)}",
        )

    def hits(self, ws: Context, since: datetime, until: datetime) -> list[Hit]:
        m = with_cxpulse_score(ws.table("mentions"), ws)  # imported reviews carry no sentiment
        m = m.mutate(score=ibis.coalesce(m.sentiment, m._ours)).drop("_ours")
        m = m.filter(m.customer_id.notnull() & (m.score < self.sentiment))
        m = m.filter((m.posted_at > since) & (m.posted_at <= until))
        return [
            Hit(str(x.customer_id), str(x.mention_id), x.posted_at.to_pydatetime(),
                {"type": "negative_mention", "mention_id": x.mention_id, "platform": x.platform,
                 "sentiment": float(x.score), "url": text_or_none(x.url),
                 "text": text_or_none(x.text)})
            for x in m.execute().itertuples(index=False)
        ]  # fmt: skip
