"""``when: {mention_sentiment_below: -0.3}``: a social mention or review with a sentiment under
the bound (cxpulse's own score when the import carries none), by a known customer or by anyone
(a public review): a stranger's hit has no customer, and its case names the platform, the
author and the link. A mention with neither its own sentiment nor an annotation of its current
text is left for a later run (:meth:`waiting`), never read as neutral."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import ibis

from cxpulse.automations.conditions.base import Condition, Hit, text_or_none
from cxpulse.automations.conditions.texts import text_summary
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
            f"someone posts a mention with sentiment below {num(self.sentiment, lang)}",
            f"quelqu'un publie une mention au sentiment sous {num(self.sentiment, lang)}",
        )

    def hits(self, ws: Context, since: datetime, until: datetime) -> list[Hit]:
        m = with_cxpulse_score(ws.table("mentions"), ws)  # imported reviews carry no sentiment
        m = m.mutate(score=ibis.coalesce(m.sentiment, m._ours)).drop("_ours")
        m = m.filter(m.score < self.sentiment)
        m = m.filter((m.posted_at > since) & (m.posted_at <= until))
        return [
            Hit(text_or_none(x.customer_id) or "", str(x.mention_id), x.posted_at.to_pydatetime(),
                {"type": "negative_mention", "in": "mentions", "mention_id": x.mention_id,
                 "platform": x.platform, "author": text_or_none(x.author),
                 "sentiment": float(x.score), "url": text_or_none(x.url),
                 "text": text_or_none(x.text)})
            for x in m.execute().itertuples(index=False)
        ]  # fmt: skip

    def waiting(self, ws: Context, since: datetime, until: datetime) -> str | None:
        # a mention with its own sentiment is judged at once; one without waits for the text
        # phase to annotate its current text (an unscored mention is not a neutral one)
        from cxpulse.automations.conditions.texts import window

        w = window(ws, "mentions", since, until, frame=False)
        m = ws.table("mentions")
        own = m.filter(m.sentiment.notnull()).select(_own=m.mention_id.cast("string"))
        w = w.filter(~w.scored).anti_join(own, w.key == own._own)
        n = int(w.count().execute())
        if not n:
            return None
        return (f"{n} mention{'s' if n > 1 else ''} not annotated yet (the text phase failed "
                "or is behind): judged once annotated, never as neutral")  # fmt: skip

    def summary(self, hit: Hit) -> str:
        return text_summary("negative mention", hit)
